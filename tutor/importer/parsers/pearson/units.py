"""The Pearson unit specifications: each unit's heading, reference, level, credit and hours, its
prose sections (summary, evidence requirements, methodology) read into assessment methods, range
and guidance, and its grid (see :mod:`.grid`); then the units finished, a repeated unit mended
from its copy."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutor.domain.catalogue import Unit
from tutor.importer.errors import spec_error
from tutor.importer.parsers.pearson.grid import (GRID_HEAD, GRID_TITLE, OutcomeDraft, complete_from_summary,
                                                 finish_outcome, outcome_kind, read_grid, summary_clauses)
from tutor.importer.parsers.pearson.layout import BULLET, UNIT_HEAD, clean, join_words
from tutor.importer.parsers.table_rows import UNIT_REF
from tutor.importer.text import SourceLine

# Unit specifications.
_CONTENTS_ENTRY = re.compile(r"^\t?Unit (\d+):\t")
_REF_LINE = re.compile(rf"^Unit reference number: ({UNIT_REF})$")
_LEVEL = re.compile(r"^L?evel: (\d)$")  # 'evel: 2': the PDF lost the L twice
_CREDIT = re.compile(r"^Credit value: (\d+)$")
_GLH = re.compile(r"^Guided learning hours: (\d+)$")
_SUMMARY = "Unit summary"
_REQUIREMENTS = "Assessment requirements/evidence requirements"
_METHODOLOGY = "Assessment methodology"
_SECTIONS = {
    _SUMMARY: _SUMMARY,
    "Forbidden combination": "Forbidden combination",
    "Forbidden combinations": "Forbidden combination",
    _REQUIREMENTS: _REQUIREMENTS,
    "Evidence requirements": _REQUIREMENTS,
    _METHODOLOGY: _METHODOLOGY,
}
_SIGN_OFF = re.compile(r"^(?:Learner name:|Date:)")

# Prose sections.
_ITQ_SOURCES = re.compile(r"directly in their (.+?) can prove .*? can use (\w+) and (.+?) [–-] ")
_WORKPLACE_EVIDENCE = re.compile(r"\bi\.?e\.? (.+?),? etc(?:\.|\s|$)")
_UNFINISHED = re.compile(r"\b(?:of|the|a|an|to|for|in|with|and|or|are)$")
_ITEM_START = re.compile(r"^(?:- |\d+\.? )")
_LIST_MARK = re.compile(r"^\s*(?:- )?(?:[·•] )?(?:\d+\.? )?")


@dataclass
class _UnitDraft:
    unit: Unit
    outcomes: list[OutcomeDraft]
    summary: str


def read_units(lines: list[SourceLine]) -> list[_UnitDraft]:
    heads = [(i, m) for i, line in enumerate(lines) if (m := UNIT_HEAD.match(line.text))]
    if not heads:
        raise spec_error("pearson", "no_unit_specifications", line=lines[-1].no)
    evidence_types = _evidence_types(lines[: heads[0][0]])
    ends = [i for i, _ in heads[1:]] + [len(lines)]
    drafts = [_read_unit(lines[i:end], head, evidence_types) for (i, head), end in zip(heads, ends)]
    _check_all_units_present(lines[: heads[0][0]], int(heads[-1][1][1]), lines[-1].no)
    return drafts


def _check_all_units_present(front: list[SourceLine], last: int, end: int) -> None:
    """The contents name every unit ('Unit 107:<TAB>Title<TAB>473'): a document cut between units ends early."""
    listed = [int(m[1]) for line in front if (m := _CONTENTS_ENTRY.match(line.text))]
    if listed and max(listed) > last:
        raise spec_error("pearson", "contents_list_units_up", line=end, listed_up_to=max(listed), last=last)


def _read_unit(block: list[SourceLine], head: re.Match[str], evidence_types: list[str]) -> _UnitDraft:
    local_id = f"Unit {head[1]}"
    pos, title, ref = _read_heading(block, head[2])
    level, pos = _expect(block, pos, _LEVEL, "Level:", local_id)
    credit, pos = _expect(block, pos, _CREDIT, "Credit value:", local_id)
    glh, pos = _expect(block, pos, _GLH, "Guided learning hours:", local_id)
    sections, pos = _read_sections(block, pos)
    unit = Unit(
        ref=ref, local_id=local_id, title=title, level=level, glh=glh, credit=credit, group="",
        assessment_methods=_assessment_methods(sections, evidence_types),
        range=_range(sections.get(_REQUIREMENTS, [])),
        guidance=_guidance(sections),
        source_line=block[0].no,
    )
    outcomes = read_grid(_grid_lines(block, pos, local_id), local_id, block[0].no)
    return _UnitDraft(unit, outcomes, clean(" ".join(sections.get(_SUMMARY, []))))


def _read_heading(block: list[SourceLine], first: str) -> tuple[int, str, str]:
    """The title, wrapped over up to three lines before 'Unit reference number:', and the ref."""
    parts = [first.strip()]
    for pos in range(1, len(block)):
        text = block[pos].text.strip()
        m = _REF_LINE.match(text)
        if m:
            return pos + 1, join_words(parts), m[1]
        if _LEVEL.match(text) or text in _SECTIONS or len(parts) > 4:
            break
        if text:
            parts.append(text)
    raise spec_error("pearson", "no_unit_reference_number", line=block[0].no, block=block)


def _expect(block: list[SourceLine], pos: int, pattern: re.Pattern[str], label: str, local_id: str) -> tuple[int, int]:
    """The number on the next non-blank line, which must be the '<label> N' line."""
    while pos < len(block) and not block[pos].text.strip():
        pos += 1
    if pos < len(block):
        m = pattern.match(block[pos].text.strip())
        if m:
            return int(m[1]), pos + 1
    raise spec_error("pearson", "expected_label_here", line=block[min(pos, len(block) - 1)].no, local_id=local_id, label=label)


def _read_sections(block: list[SourceLine], pos: int) -> tuple[dict[str, list[str]], int]:
    """The prose sections up to the grid, by their canonical names, in document order."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    while pos < len(block):
        text = block[pos].text
        if text == GRID_TITLE or GRID_HEAD.match(text):
            break
        if text in _SECTIONS:
            current = sections.setdefault(_SECTIONS[text], [])
        elif text.strip() and current is not None:
            current.append(text)
        pos += 1
    return sections, pos


def _grid_lines(block: list[SourceLine], pos: int, local_id: str) -> list[SourceLine]:
    """The grid runs to the sign-off block; a unit without one was cut off."""
    if pos >= len(block):
        raise spec_error("pearson", "no_learning_outcomes_grid", line=block[-1].no, local_id=local_id)
    for end in range(pos, len(block)):
        if _SIGN_OFF.match(block[end].text.strip()):
            return block[pos:end]
    raise spec_error("pearson", "grid_without_sign_off", line=block[-1].no, local_id=local_id)


# -- finishing units ---------------------------------------------------------------------------


def criterion_boundary(drafts: list[_UnitDraft]) -> re.Pattern[str]:
    """Where a second criterion starts inside one cell: a criterion verb of this document after a word or full stop.

    The verbs are the capitalised words that open the document's criteria ('Identify',
    'Monitor', ...), so 'Key Performance Indicators' or 'the Internet' never split.
    """
    verbs = set()
    for draft in drafts:
        for outcome in draft.outcomes:
            for piece in outcome.criteria.values():
                word = piece.text.split(" ", 1)[0]
                if word[:1].isupper() and word.isalpha():
                    verbs.add(word)
    return re.compile(r"(?<=[a-z.]) (?=(?:%s) )" % "|".join(sorted(verbs) or ["(?!)"]))


def finish_unit(draft: _UnitDraft, boundary: re.Pattern[str]) -> Unit:
    unit = draft.unit
    unit.outcomes = [finish_outcome(o, boundary) for o in draft.outcomes]
    clauses = summary_clauses(draft.summary)
    for outcome in unit.outcomes:
        outcome.text = complete_from_summary(outcome.text, clauses)
        outcome.kind = outcome_kind(outcome)
    return unit


def dedupe(units: list[Unit]) -> dict[str, Unit]:
    """Units printed twice (Unit 55 repeats Unit 23): the first section counts, mended from the second."""
    by_key: dict[str, Unit] = {}
    for unit in units:
        first = by_key.setdefault(unit.key, unit)
        if first is not unit:
            _mend_from_copy(first, unit)
    return by_key


def _mend_from_copy(unit: Unit, copy: Unit) -> None:
    """An outcome the PDF cut in one copy ('the product ... launch process') is whole in the other."""
    twins = {o.id: o for o in copy.outcomes}
    for outcome in unit.outcomes:
        twin = twins.get(outcome.id)
        if twin and len(twin.text) > len(outcome.text) and twin.text.endswith(outcome.text):
            outcome.text = twin.text
            outcome.kind = outcome_kind(outcome)


# -- prose sections ----------------------------------------------------------------------------


def _evidence_types(front: list[SourceLine]) -> list[str]:
    """The generic list 'Evidence can take a variety of different forms including ...' (O, Q&A, P, ...)."""
    for i, line in enumerate(front):
        if line.text.startswith("Types of evidence"):
            types: list[str] = []
            for item in front[i + 1:]:
                text = item.text[2:].rstrip(".") if item.text.startswith("- ") else ""
                if text:
                    types.append(text[0].upper() + text[1:])
                elif types:
                    break
            return types
    raise spec_error("pearson", "no_types_evidence_list", line=front[-1].no if front else None)


def _assessment_methods(sections: dict[str, list[str]], evidence_types: list[str]) -> list[str]:
    """How a unit may be assessed, by the wording of its suite.

    ITQ units recommend a list of methods, or say learners can use day-to-day work, scenarios
    and knowledge tests; MSC units list the workplace evidence ('ie observable performance, ...');
    the others take the generic evidence types, without simulation where the unit forbids it.
    """
    requirements = sections.get(_REQUIREMENTS, [])
    for i, line in enumerate(requirements):
        if "methods are recommended" in line:
            items = _join_wrapped_items([_LIST_MARK.sub("", item) for item in requirements[i + 1:]])
            return [item.rstrip(".") for item in items]
    text = clean(" ".join(requirements + sections.get(_METHODOLOGY, [])))
    m = _ITQ_SOURCES.search(text)
    if m:
        return [f"evidence from {m[1]}", m[2], m[3]]
    m = _WORKPLACE_EVIDENCE.search(text)
    if m:
        return _split_list(m[1])
    if "Simulation is not allowed" in text:
        return [t for t in evidence_types if "simulation" not in t.lower()]
    return list(evidence_types)


def _join_wrapped_items(items: list[str]) -> list[str]:
    """List items the PDF wrapped into two bullets ('... the use of' / 'contemporary ICT systems')."""
    out: list[str] = []
    for item in items:
        item = item.strip()
        if out and _UNFINISHED.search(out[-1]):
            out[-1] = f"{out[-1]} {item}"
        elif item:
            out.append(item)
    return out


def _split_list(text: str) -> list[str]:
    """'a, b (x, y etc), c and d' -> [a, b (x, y etc), c, d]: commas inside brackets do not split."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    head, sep, tail = text[start:].strip().rpartition(" and ")
    items.extend([head, tail] if sep else [tail])
    return [item.strip() for item in items if item.strip()]


def _range(lines: list[str]) -> dict[str, list[str]]:
    """The situations the evidence must cover: a lead-in ending ':' and the list under it.

    Items are '- 1 text', '1 text', '- · text'; when the lead-in is itself a numbered
    paragraph ('- 4 ... following:') its items are the indented ' - 1 text' lines.
    """
    terms: dict[str, list[str]] = {}
    lead: str | None = None
    nested = False
    for line in lines:
        item = _list_item(line, nested)
        if lead is not None and item is not None:
            terms.setdefault(lead, []).append(item)
            continue
        lead = None
        text = _LIST_MARK.sub("", line).strip()
        if text.endswith(":") and "methods are recommended" not in text:
            lead, nested = text, line.startswith("- ")
    return terms


def _list_item(line: str, nested: bool) -> str | None:
    """The text of a list line, or None when the line is not an item of the open list."""
    if nested and not line.startswith(" - "):
        return None
    if not nested and not _ITEM_START.match(line):
        return None
    text = _LIST_MARK.sub("", line).strip()
    # '... used before. Workplace policies': an item ends at its full stop; what follows is a
    # heading the PDF ran into it.
    return text.split(". ", 1)[0].rstrip(".")


def _guidance(sections: dict[str, list[str]]) -> str:
    """The unit's own prose, section by section, with bullet marks and emphasis removed."""
    parts = []
    for label, lines in sections.items():
        text = clean(" ".join(BULLET.sub("", line) for line in lines))
        if text:
            parts.append(f"{label}: {text}")
    return "\n\n".join(parts)
