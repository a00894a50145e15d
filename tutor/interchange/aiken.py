"""Aiken, Moodle's simplest format: a one-line stem, one-line options ``A)``..., and ``ANSWER: X``.

Reading follows ``question/format/aiken/format.php``: every non-blank line that is not an option
(``^[A-Z][).]``) or ``ANSWER:`` starts a new question; lines shorter than two characters are skipped; only
the first letter after ``ANSWER:`` counts; at least two options are needed. Aiken carries no id, feedback,
rationale or metadata, so an export carries stem, options and key only, and refuses (one line each) an item
it cannot write: a stem or option over more than one line, or one that would read as an option or answer.
"""

from __future__ import annotations

import re

from tutor.bank.model import Item
from tutor.interchange.model import (Answer, InterchangeError, Question, Reading, Skipped, UnitFacts, Written,
                                     export_order)
from tutor.interchange.safety import MAX_QUESTIONS, decode_utf8

_OPTION = re.compile(r"^[A-Z][).]")
_ANSWER = re.compile(r"^ANSWER:")


def read(data: bytes, name: str) -> Reading:
    reading = Reading("aiken")
    current: Question | None = None

    def close(problem: str) -> None:
        nonlocal current
        if current is not None:
            current.problem = problem
        current = None

    for number, raw in enumerate(decode_utf8(data, name, "Aiken").split("\n"), 1):
        line = raw.strip()
        if len(line) < 2:
            continue
        if _OPTION.match(line):
            if current is None:
                reading.errors.append(Skipped(0, f"line {number}", f"line {number}: an option before any question"))
                continue
            current.answers.append(Answer(line[2:].strip(), 0.0, "", "plain"))
        elif _ANSWER.match(line):
            if current is None:
                reading.errors.append(Skipped(0, f"line {number}", f"line {number}: an answer before any question"))
                continue
            letter = line.split(":", 1)[1].strip()[:1]
            right = ord(letter) - ord("A") if letter else -1
            if len(current.answers) < 2:
                close(f"line {number}: fewer than two options")
            elif not 0 <= right < len(current.answers):
                close(f"line {number}: the answer {letter or '(none)'} is not one of its options")
            else:
                current.answers[right].fraction = 1.0
                current = None
        else:
            if current is not None:
                close(f"line {number}: the question before this line has no ANSWER line")
            if len(reading.questions) >= MAX_QUESTIONS:
                raise InterchangeError(f"{name}: more than {MAX_QUESTIONS:,} questions")
            current = Question(len(reading.questions) + 1, "multichoice", name=line[:80], text=line,
                               text_format="plain", line=number)
            reading.questions.append(current)
    if current is not None:
        close("the file ends before its ANSWER line")
    return reading


def _why_not(item: Item) -> str | None:
    if item.kind not in ("single_best", "negative", "true_false"):
        return f"{'an' if item.kind[0] in 'aeiou' else 'a'} {item.kind} item: Aiken holds only questions with options"
    if "\n" in item.stem:
        return "its stem has more than one line (Aiken holds one)"
    if _OPTION.match(item.stem) or _ANSWER.match(item.stem):
        return "its stem would be read as an option or an answer"
    if any("\n" in text for text in item.options.values()):
        return "an option has more than one line (Aiken holds one)"
    if sum(1 for letter in item.options if letter == item.key) != 1:
        return "it does not have exactly one key"
    return None


def write(items: list[Item], facts: UnitFacts) -> Written:
    blocks, written, refused = [], [], []
    for item in export_order(items):
        if reason := _why_not(item):
            refused.append((item.id, reason))
            continue
        lines = [item.stem] + [f"{letter}) {text}" for letter, text in item.options.items()] + [f"ANSWER: {item.key}"]
        blocks.append("\n".join(lines) + "\n")
        written.append(item.id)
    notes = ["Aiken carries no id, criterion, rationale or metadata: an import needs --criterion"] if written else []
    return Written("\n".join(blocks).encode("utf-8"), written, refused, notes)
