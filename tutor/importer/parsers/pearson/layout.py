"""What the Pearson table and unit readers share: the unit heading, bullet marks, and cleaning and
joining the text the PDF wrapped."""

from __future__ import annotations

import re

UNIT_HEAD = re.compile(r"^Unit (\d+): (.+)$")
BULLET = re.compile(r"^\s*-\s(?:[·•]\s)?")


def join_words(parts: list[str]) -> str:
    """Join wrapped pieces with a space, or with none after a hyphen at a line end ('Customer-' 'Friendly')."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out.endswith("-") and not out.endswith(" -"):
            out += part
        else:
            out = f"{out} {part}" if out else part
    return out


def clean(text: str) -> str:
    """A line with tabs and markdown emphasis removed and spaces collapsed."""
    return " ".join(text.replace("*", "").replace("\t", " ").split())
