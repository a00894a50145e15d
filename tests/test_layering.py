"""The layers stay apart: domain and importer load neither textual nor sqlmodel; only ui loads textual."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import importlib, sys
for name in {modules!r}:
    importlib.import_module(name)
print(",".join(sorted(m for m in {forbidden!r} if m in sys.modules)))
"""


def _loaded(modules: list[str], forbidden: list[str]) -> str:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(modules=modules, forbidden=forbidden)],
        capture_output=True, text=True, check=True,
    )
    return out.stdout.strip()


@pytest.mark.parametrize(
    ("modules", "forbidden"),
    [
        (["tutor.domain.catalogue", "tutor.domain.testing", "tutor.importer", "tutor.importer.parsers"],
         ["textual", "sqlmodel", "sqlalchemy"]),
        (["tutor.bank.audit", "tutor.bank.checks", "tutor.bank.generator", "tutor.bank.prompts",
          "tutor.practice.marking", "tutor.practice.engine", "tutor.practice.review"],
         ["textual", "sqlmodel", "sqlalchemy"]),
        (["tutor.storage.tables", "tutor.storage.engine", "tutor.services.catalogue", "tutor.services.bundled",
          "tutor.services.bank", "tutor.services.sittings", "tutor.services.practice", "tutor.services.throttle"],
         ["textual", "tutor.ui"]),
        (["tutor", "tutor.cli", "tutor.cli_serve"], ["textual", "textual_serve", "sqlmodel", "tutor.importer"]),
    ],
)
def test_layers_do_not_load_what_they_must_not(modules, forbidden):
    assert _loaded(modules, forbidden) == ""


def test_the_probe_can_see_a_forbidden_import():
    """The probe itself works: importing the UI does load textual."""
    assert _loaded(["tutor.ui.app"], ["textual"]) == "textual"
