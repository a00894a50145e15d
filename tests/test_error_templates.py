"""The words of services' errors are templates in templates/errors/: every one a service names exists,
every one there is named, and each says one line."""

from __future__ import annotations

import re

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


def _templates() -> set[str]:
    return {str(path.relative_to(ERRORS).with_suffix("")) for path in ERRORS.rglob("*.j2")}


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
