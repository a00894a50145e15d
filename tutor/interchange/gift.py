"""GIFT, Moodle's text format: reading it as Moodle 4.5's ``qformat_gift`` does, and writing items in it.

Reading follows ``question/format/gift/format.php``: questions are separated by blank lines; ``//`` lines are
comments (their ``[id:...]`` and ``[tag:...]`` give the idnumber and tags); ``$CATEGORY:`` switches category;
``::name::``; the answer block in braces decides the type (``~`` multiple choice, ``=`` with ``->`` matching,
``T``/``F`` true/false, ``#`` numerical, ``{}`` essay, ``>`` ordering, else short answer); ``\\`` escapes
``~ = # { } :`` and ``\\n`` is a new line. Writing escapes the same way, one question per block.
"""

from __future__ import annotations

import re

from tutor.bank.model import Item
from tutor.interchange.model import (Answer, Question, Reading, UnitFacts, Written, by_category, export_order,
                                     item_tags, tagged_export)
from tutor.interchange.safety import MAX_QUESTIONS, decode_utf8

_PLACEHOLDERS = {"\\:": "\x01058", "\\#": "\x01035", "\\=": "\x01061", "\\{": "\x01123", "\\}": "\x01125",
                 "\\~": "\x01126", "\\n": "\x01010"}
_BACK = {"\x01058": ":", "\x01035": "#", "\x01061": "=", "\x01123": "{", "\x01125": "}", "\x01126": "~", "\x01010": "\n"}
_FORMATS = {"html": "html", "moodle": "moodle", "plain": "plain", "markdown": "markdown"}
_WEIGHT = re.compile(r"^%(-?[0-9]{1,3}(?:\.[0-9]*)?)%")
_ID = re.compile(r"\[id:((?:\\]|[^\]\x00-\x1f\x7f])+)\]")
_TAGS = re.compile(r"\[tag:((?:\\]|[^\]<>`\x00-\x1f\x7f])+)\]")


def _pre(text: str) -> str:
    """Escaped control characters become placeholders before the text is split (Moodle's escapedchar_pre)."""
    text = text.replace("\\\\", "\x01092")
    for escaped, placeholder in _PLACEHOLDERS.items():
        text = text.replace(escaped, placeholder)
    return text.replace("\x01092", "\\")


def _post(text: str) -> str:
    for placeholder, char in _BACK.items():
        text = text.replace(placeholder, char)
    return text


def _with_format(text: str, default: str) -> tuple[str, str]:
    fmt = default
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in _FORMATS:
            fmt, text = _FORMATS[text[1:end]], text[end + 1:]
    return _post(text).strip(), fmt


def _comment_meta(comments: str) -> tuple[str, list[str]]:
    found = _ID.search(comments)
    idnumber = found.group(1).strip().replace("\\]", "]") if found else ""
    return idnumber, [t.strip().replace("\\]", "]") for t in _TAGS.findall(comments)]


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    blocks, current, start = [], [], 0
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def read(data: bytes, name: str) -> Reading:
    reading = Reading("gift")
    category = ""
    for line, lines in _blocks(decode_utf8(data, name, "GIFT")):
        comments = "\n".join(x.strip() for x in lines if x.strip().startswith("//"))
        body = "\n".join(" " if x.strip().startswith("//") else x for x in lines).strip()
        if not body:
            continue
        body = _pre(body)
        if body.startswith("$CATEGORY:"):
            category = _post(body[len("$CATEGORY:"):]).strip()
            continue
        if len(reading.questions) >= MAX_QUESTIONS:
            from tutor.interchange.model import InterchangeError

            raise InterchangeError(f"{name}: more than {MAX_QUESTIONS:,} questions")
        q = _question(body, len(reading.questions) + 1, line)
        q.category = category
        q.idnumber, q.tags = _comment_meta(comments)
        reading.questions.append(q)
    return reading


def _question(text: str, position: int, line: int) -> Question:
    q = Question(position, "", line=line)
    if text.startswith("::"):
        end = text.find("::", 2)
        if end >= 0:
            q.name = _post(text[2:end]).strip()
            text = text[end + 2:].strip()
    start, finish = text.find("{"), text.find("}")
    if start < 0 and finish < 0:
        q.qtype = "description"
        q.text, q.text_format = _with_format(text, "moodle")
        return q
    if start < 0 or finish < start:
        q.qtype, q.problem = "unknown", f"line {line}: braces do not match (a {{ or }} not escaped?)"
        return q
    answer = text[start + 1:finish].strip()
    stem = text[:start] + ("" if text.endswith("}") else "_____") + text[finish + 1:]
    q.text, q.text_format = _with_format(stem.strip(), "moodle")
    general = answer.rfind("####")
    if general >= 0:
        q.general_feedback, q.general_feedback_format = _with_format(answer[general + 4:].strip(), q.text_format)
        answer = answer[:general].strip()
    if not q.name:
        q.name = " ".join(q.text.split())[:80]
    if answer.startswith(">"):
        q.qtype = "ordering"
        lines = answer.split("\n")
        q.sequence = [_with_format(x.strip(), q.text_format)[0] for x in lines[1:] if x.strip()]
    elif answer == "":
        q.qtype = "essay"
    elif answer.startswith("#"):
        q.qtype = "numerical"
    elif "~" in answer:
        q.qtype, q.single = "multichoice", "=" in answer
        parts = answer.replace("=", "~=").split("~")
        parts = [p.strip() for p in parts]
        if parts and not parts[0]:
            parts.pop(0)
        if len(parts) < 2:
            q.problem = f"line {line}: a multiple-choice question needs at least two answers"
        for part in parts:
            fraction = 0.0
            if part.startswith("="):
                fraction, part = 1.0, part[1:]
            elif weight := _WEIGHT.match(part):
                fraction, part = float(weight.group(1)) / 100, part[weight.end():]
            text, _, feedback = part.partition("#")
            text, fmt = _with_format(text.strip(), q.text_format)
            q.answers.append(Answer(text, fraction, _with_format(feedback.strip(), q.text_format)[0], fmt))
    elif "=" in answer and "->" in answer:
        q.qtype = "match"
        parts = [p.strip() for p in answer.split("=")]
        if parts and not parts[0]:
            parts.pop(0)
        for part in parts:
            if "->" not in part:
                q.problem = f"line {line}: a matching answer without ->"
                break
            left, _, right = part.partition("->")
            q.pairs.append((_with_format(left.strip(), q.text_format)[0], _post(right).strip()))
    else:
        check = answer.split("#", 1)[0].strip() if "#" in answer[1:] else answer
        if check in ("T", "TRUE", "F", "FALSE"):
            q.qtype, q.true_answer = "truefalse", check in ("T", "TRUE")
            bits = answer.split("#", 2)
            # {FALSE#a#b}: a is shown to whoever answers wrongly, b to whoever answers rightly.
            wrong = _with_format(bits[1].strip(), q.text_format)[0] if len(bits) > 1 else ""
            right = _with_format(bits[2].strip(), q.text_format)[0] if len(bits) > 2 else ""
            q.answers = [Answer("true", 1.0 if q.true_answer else 0.0, right if q.true_answer else wrong),
                         Answer("false", 0.0 if q.true_answer else 1.0, wrong if q.true_answer else right)]
        else:
            q.qtype = "shortanswer"
    return q


# -- writing --------------------------------------------------------------------------------------------------------

def escape(text: str) -> str:
    """Moodle's repchar: a backslash and ``# = ~ { } :`` escaped, a new line written ``\\n``."""
    for char, escaped in (("\\", "\\\\"), ("#", "\\#"), ("=", "\\="), ("~", "\\~"), ("{", "\\{"), ("}", "\\}"),
                          (":", "\\:"), ("\n", "\\n"), ("\r", "")):
        text = text.replace(char, escaped)
    return text


def _answer(text: str) -> str:
    # An answer that starts with "[" would be read as a text format: say plain explicitly.
    return ("[plain]" if text.startswith("[") else "") + escape(text)


def _comment_value(value: str) -> str:
    return value.replace("]", "\\]")


def _why_not(item: Item) -> str | None:
    if item.kind == "matching" and any("->" in a or "->" in b for a, b in item.pairs):
        return "a matching term or meaning contains '->', which GIFT cannot write"
    if item.kind == "ordering" and any(step.lstrip().startswith("//") for step in item.sequence):
        return "an ordering step starts with '//', which GIFT reads as a comment"
    if item.kind not in ("single_best", "negative", "true_false", "matching", "ordering"):
        return f"kind {item.kind} cannot be written in GIFT"
    return None


def _body(item: Item) -> list[str]:
    if item.kind == "true_false":
        return [f"{'TRUE' if item.key == 'A' else 'FALSE'}" + (f"####{escape(item.rationale)}" if item.rationale else "")]
    lines: list[str] = []
    if item.kind == "matching":
        lines = [f"\t={_answer(a)} -> {escape(b)}" for a, b in item.pairs]
    elif item.kind == "ordering":
        lines = [f">{len(item.sequence)} ALL VERTICAL ABSOLUTE_POSITION SHOW ABCD"]
        lines += [_answer(step) for step in item.sequence]
    else:
        lines = [f"\t{'=' if letter == item.key else '~'}{_answer(text)}" for letter, text in item.options.items()]
    if item.rationale:
        lines.append(f"\t####{escape(item.rationale)}")
    return [""] + lines + [""]


def write(items: list[Item], facts: UnitFacts) -> Written:
    """Items as GIFT: a ``$CATEGORY:`` per unit and outcome; per item a comment with its id and tags, its id
    as the name, the stem as plain text, the options in order A-D with the key marked ``=``, the rationale
    as general feedback."""
    out: list[str] = []
    written, refused, kept = [], [], []
    for item in export_order(items):
        if reason := _why_not(item):
            refused.append((item.id, reason))
        else:
            kept.append(item)
    for path, item in by_category(kept):
        if path:
            out += [f"// question: 0  name: switch category to {path}", f"$CATEGORY: {path}", "", ""]
        meta = " ".join([f"[id:{_comment_value(item.id)}]"] + [f"[tag:{_comment_value(t)}]" for t in item_tags(item)])
        body = _body(item)
        out += [f"// question: {item.id}  name: {item.id}", f"// {meta}",
                f"::{escape(item.id)}::[plain]{escape(item.stem)}{{" + "\n".join(body) + "}", "", ""]
        written.append(item.id)
    return tagged_export("\n".join(out).encode("utf-8"), items, written, refused)
