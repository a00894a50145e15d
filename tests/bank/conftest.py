"""Fixtures for the question bank tests: the catalogue index, a renderer, a valid item to break."""

from __future__ import annotations

import copy

import pytest

from tests.conftest import SPECIFICATIONS
from tutor.bank.catalogue_index import load_bundled_index
from tutor.paths import templates_dir
from tutor.rendering import TextRenderer

BANK = SPECIFICATIONS.parent

VALID_ITEM = {
    "id": "T-1",
    "outcome": "1",
    "criterion": "1.2",
    "use": "secure",
    "status": "approved",
    "difficulty": 2,
    "stem": "A travel agent wants to understand outside pressures on its business. What is the main advantage of a PESTLE analysis for it?",
    "options": {
        "A": "It makes the business look at external factors that could affect it",
        "B": "It lists the strengths and weaknesses of each member of staff",
        "C": "It measures how satisfied customers were with their last booking",
        "D": "It sets sales targets for each branch for the coming year",
    },
    "key": "A",
    "rationale": "PESTLE looks outward; B is SWOT-like, C is a satisfaction measure, D is target setting.",
    "source": {"spec_line": 2406},
    "provenance": {"kind": "authored", "author": "test"},
}


@pytest.fixture(scope="session")
def index():
    return load_bundled_index(BANK)


@pytest.fixture(scope="session")
def renderer():
    return TextRenderer(templates_dir())


@pytest.fixture
def valid_item():
    return copy.deepcopy(VALID_ITEM)
