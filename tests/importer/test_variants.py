"""The same documents with CRLF endings, a byte-order mark, trailing spaces and doubled blank lines read the same."""

from __future__ import annotations

import pytest

from tests.conftest import DOCUMENTS, ERRATA, spec_path
from tutor.importer import parse_bytes
from tutor.importer.errata import load_errata_dir


def _crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def _bom(text: str) -> str:
    return "\ufeff" + text


def _trailing_spaces(text: str) -> str:
    return "\n".join(line + "  \t " for line in text.split("\n"))


def _doubled_blank_lines(text: str) -> str:
    return "\n".join(line + ("\n" if not line.strip() else "") for line in text.split("\n"))


def _all_at_once(text: str) -> str:
    return _bom(_crlf(_trailing_spaces(_doubled_blank_lines(text))))


VARIANTS = [_crlf, _bom, _trailing_spaces, _doubled_blank_lines, _all_at_once]


def _without_line_numbers(data: dict) -> dict:
    for qual in data.get("qualifications", []):
        for member in qual["units"]:
            member.pop("table_line", None)
    return data


@pytest.fixture(scope="module")
def errata():
    return load_errata_dir(ERRATA)


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("family", list(DOCUMENTS))
def test_variant_reads_the_same(readings, errata, family, variant):
    text = spec_path(family).read_text(encoding="utf-8")
    assert variant(text) != text
    reading = parse_bytes(variant(text).encode("utf-8"), errata)
    want = _without_line_numbers(readings(family).to_reference_dict())
    assert _without_line_numbers(reading.to_reference_dict()) == want
