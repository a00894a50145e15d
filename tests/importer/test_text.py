"""Decoding and normalising: what every document goes through before a parser sees it."""

from __future__ import annotations

import pytest

from tutor.importer.errors import SpecError
from tutor.importer.text import decode, normalise

BASE = "Title line\n\nUnit 1\nLine two\n\n\nLast line\n"


@pytest.mark.parametrize(
    "variant",
    [
        BASE.encode(),
        b"\xef\xbb\xbf" + BASE.encode(),
        BASE.replace("\n", "\r\n").encode(),
        BASE.replace("\n", "   \n").encode(),
        BASE.replace("\n\n", "\n\n\n\n").encode(),
        "\ufeff".encode("utf-16-le") + BASE.encode("utf-16-le"),
        BASE.replace("\n", "\r").encode(),
    ],
    ids=["plain", "bom", "crlf", "trailing-spaces", "doubled-blanks", "utf16-bom", "cr-only"],
)
def test_variants_normalise_to_the_same_text(variant):
    assert normalise(decode(variant)).text == normalise(decode(BASE.encode())).text


def test_blank_runs_collapse_and_line_numbers_are_kept():
    doc = normalise(decode(BASE.encode()))
    assert [(line.no, line.text) for line in doc.lines] == [
        (1, "Title line"), (2, ""), (3, "Unit 1"), (4, "Line two"), (5, ""), (7, "Last line"),
    ]


def test_fingerprint_ignores_layout_noise_but_not_content():
    plain = normalise(decode(BASE.encode())).fingerprint()
    assert normalise(decode(BASE.replace("\n", "\r\n").encode())).fingerprint() == plain
    assert normalise(decode(BASE.replace("two", "three").encode())).fingerprint() != plain


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"", "empty", None),
        (b"\n\n   \n", "empty", None),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary", None),
        ("line one\nline two caf\u00e9\n".encode("latin-1"), "not UTF-8", 2),
        (bytes(range(1, 32)) * 4, "binary", None),
    ],
    ids=["empty", "blank-only", "png", "latin-1", "control-chars"],
)
def test_bad_bytes_raise_one_clear_error(data, message, line):
    with pytest.raises(SpecError) as caught:
        normalise(decode(data))
    assert message in caught.value.message
    assert caught.value.line == line
