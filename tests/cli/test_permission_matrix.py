"""Every database command of the CLI against every role, run in-process through ``tutor.cli.main``:
a command is refused ("not allowed: ...", exit 1) exactly when the role lacks its permission.
(File-only commands, `spec parse` and `bank check|stats|audit|coverage`, read the bundled files that
any user of the installation can read, and open no database.)"""

from __future__ import annotations

import pytest

from tests.conftest import spec_path
from tests.review.conftest import PASSWORD, build_centre, sit_test
from tutor.domain.access import allowed

USER_OF_ROLE = {"learner": "lee", "tutor": "tina", "invigilator": "ivy", "iqa": "quinn", "admin": "ada"}
Q, U = "603/2394/2", "2794-210"
CRITERION = ["--learner", "lee", "--qualification", Q, "--unit", U, "--criterion", "1.1"]

# (argv, permission); "own" marks commands a learner may run on their own work.
COMMANDS = [
    (["quals"], "catalogue.read"),
    (["show", U], "catalogue.read"),
    (["import", str(spec_path("cityguilds"))], "catalogue.import"),
    (["sitting", "create", "--test", U], "sitting.invigilate"),
    (["sitting", "status", "{sitting}"], "sitting.invigilate"),
    (["sitting", "events", "{sitting}"], "sitting.invigilate"),
    (["sitting", "add-time", "{sitting}", "--candidate", "C001", "--minutes", "1", "--reason", "r"],
     "sitting.invigilate"),
    (["sitting", "results", "{sitting}"], "sitting.results"),
    (["sitting", "release", "{sitting}"], "sitting.release"),
    (["sitting", "analyse", "{sitting}"], "sitting.analyse"),
    (["bank", "stats", "--items", "--test", U], "sitting.analyse"),
    (["bank", "to-review", "210-{role}", "--reason", "r"], "bank.manage"),
    (["bank", "export", "--format", "aiken", "--unit", U, "--output", "{out}"], "bank.inspect"),
    (["bank", "export", "--format", "aiken", "--unit", U, "--include-secure", "--output", "{out}"],
     "bank.export_secure"),
    (["bank", "import", str(spec_path("cityguilds")), "--unit", U, "--criterion", "1.1"], "bank.import"),
    (["bank", "import", str(spec_path("cityguilds")), "--unit", U, "--criterion", "1.1", "--keep-status"],
     "bank.import_status"),
    (["user", "list"], "user.manage"),
    (["cohort", "add", "G-{role}", "--qualification", Q, "--tutor", "tom"], "user.manage"),
    (["cohort", "enrol", "Tom's group", "lou"], "user.manage"),
    (["review", "matrix", "--qualification", Q, "--unit", U, "--learner", "lee"], "review.read+own"),
    (["review", "responses", *CRITERION], "review.read+own"),
    (["review", "judge", *CRITERION, "--source", "practice", "--id", "1", "--reject", "--comment", "x"],
     "review.decide"),
    (["review", "decide", *CRITERION, "--decision", "competent"], "review.decide"),
    (["iqa", "sample", "--cohort", "Tina's group", "--learners", "50", "--units", "10"], "iqa.sample"),
    (["iqa", "review", "--plan", "999", "--learner", "lee", "--unit", U, "--agree", "--comment", "c"], "iqa.review"),
    (["audit", "verify"], "audit.verify"),
    (["export", "portfolio", "--learner", "lee", "--format", "json", "--output", "{out}"], "export.portfolio"),
]


def expected(role: str, permission: str) -> bool:
    if permission.endswith("+own"):
        return role == "learner" or allowed(role, permission.removesuffix("+own"))
    return allowed(role, permission)


@pytest.fixture(scope="module")
def centre(bank_url, tmp_path_factory):
    from tutor.clock import FakeClock

    centre = build_centre(bank_url, tmp_path_factory.mktemp("cli-perm"), FakeClock())
    centre.sitting_id = sit_test(centre, {"lee": 20})
    return centre


@pytest.mark.parametrize("role", list(USER_OF_ROLE))
def test_every_command_against_the_role(centre, role, monkeypatch, capsys, tmp_path):
    from tutor.cli import main

    monkeypatch.setenv("TUTOR_DATABASE_URL", centre.url)
    monkeypatch.setenv("TUTOR_USER", USER_OF_ROLE[role])
    monkeypatch.setenv("TUTOR_PASSWORD", PASSWORD)
    outcomes = {}
    for index, (argv, permission) in enumerate(COMMANDS):
        args = [a.format(sitting=centre.sitting_id, role=role, out=tmp_path / f"p{index}.json") for a in argv]
        code = main(args)
        err = capsys.readouterr().err
        assert "Traceback" not in err and "internal error" not in err, (args, err)
        refused = code != 0 and "not allowed:" in err
        outcomes[" ".join(argv[:2])] = "refused" if refused else "ran"
        assert refused != expected(role, permission), (role, args, code, err)
    assert "refused" in outcomes.values() or role == "admin"
