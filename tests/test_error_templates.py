"""The words of errors are templates in templates/errors/. A service's: every one a service names exists,
every one there is named, and each says one line. The importer's and storage's (one template per module, a
branch per problem): every problem raised has its branch, and every branch is raised."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT
from tutor.rendering import message

ERRORS = ROOT / "templates" / "errors"
# SittingError.of("no_sitting", ...) -> sittings/no_sitting; AccountError.of / LoginFailed.of -> accounts/...
NAMED = re.compile(r'\b(SittingError|AccountError|LoginFailed)\.of\(\s*"([a-z_]+)"')
FOLDER = {"SittingError": "sittings", "AccountError": "accounts", "LoginFailed": "accounts"}
THROTTLE_KINDS = ("start_code", "password")  # throttle.check renders errors/throttle/<kind>


def _named() -> set[str]:
    found = {f"throttle/{kind}" for kind in THROTTLE_KINDS}
    for path in (ROOT / "tutor" / "services").rglob("*.py"):
        found.update(f"{FOLDER[error]}/{name}" for error, name in NAMED.findall(path.read_text(encoding="utf-8")))
    return found


SERVICE_FOLDERS = ("sittings", "accounts", "throttle")


def _templates() -> set[str]:
    return {str(path.relative_to(ERRORS).with_suffix("")) for folder in SERVICE_FOLDERS
            for path in (ERRORS / folder).rglob("*.j2")}


def test_every_error_a_service_names_has_its_template_and_every_template_is_named():
    named, templates = _named(), _templates()
    assert sorted(named - templates) == [], "these errors have no template in templates/errors/"
    assert sorted(templates - named) == [], "no service raises these: remove them"


def test_an_error_template_says_one_line():
    assert message("sittings/no_sitting", sitting_id=7) == "no sitting 7"
    assert message("accounts/no_account", username="sam ") == "no account 'sam '"
    for name in _templates():
        text = (ERRORS / f"{name}.j2").read_text(encoding="utf-8")
        lines = [line for line in re.sub(r"\{#.*?#\}\n?", "", text, flags=re.S).splitlines() if line]
        assert len(lines) == 1, f"errors/{name}.j2 should say one line"


# spec_error("ymca", "unit_ends_before_unit", ...) -> a {% if problem == "unit_ends_before_unit" %} branch of
# errors/importer/ymca.j2; storage_error("use", "save", ...) -> one of errors/storage/use.j2.
PROBLEM_RAISED = {"importer": re.compile(r'\bspec_error\(\s*"([a-z]+)",\s*"([a-z_]+)"'),
                  "storage": re.compile(r'\bstorage_error\(\s*"([a-z]+)",\s*"([a-z_]+)"')}
BRANCH = re.compile(r'problem == "([a-z_]+)"')


@pytest.mark.parametrize("folder", sorted(PROBLEM_RAISED))
def test_every_problem_raised_has_its_branch_and_every_branch_is_raised(folder):
    raised: set[tuple[str, str]] = set()
    for path in (ROOT / "tutor").rglob("*.py"):
        raised.update(PROBLEM_RAISED[folder].findall(path.read_text(encoding="utf-8")))
    branches = {(path.stem, problem) for path in (ERRORS / folder).glob("*.j2")
                for problem in BRANCH.findall(path.read_text(encoding="utf-8"))}
    assert raised, f"no {folder} errors found: has the way they are raised changed?"
    assert sorted(raised - branches) == [], f"these have no branch in templates/errors/{folder}/"
    unraised = sorted(branches - raised)
    if folder == "storage":
        unraised = [b for b in unraised if b != ("use", "disk_full")]  # describe_db_error renders it directly
    assert unraised == [], "nothing raises these: remove them"
