"""Parser for Pearson Edexcel NVQ specifications (text extracted from the PDF).

Layout of this family:

* One document holds several qualifications (Level 1, 2 and 3) that share one pool of unit
  specifications. A table ``Title<TAB>QN<TAB>Accreditation start`` names them.
* Per qualification, ``What is the qualification structure for the <title>?``: the minimum
  credits, TQT and GLH in one sentence, the achievement rules as bullets, then per group a
  heading carrying its rule (``Group B – Optional units. Learners must achieve ...``) and a
  table ``REF<TAB>Title<TAB>Level<TAB>Credit``. Sub-groups (``Sub-group C1``, ``Group C2 IT1``)
  hang under their group. Membership is by position under the headings.
* Units: ``Unit N: Title`` (wrapped over up to three lines), ``Unit reference number:``,
  ``Level:``, ``Credit value:``, ``Guided learning hours:``, the prose sections ``Unit summary``,
  ``Forbidden combination(s)``, ``Assessment requirements/evidence requirements`` and
  ``Assessment methodology``, then a five-column grid (outcome number, outcome text,
  criterion id, criterion text, three empty form columns) closed by a sign-off block
  (``Learner name:<TAB>Date:``). Units 55 and 97 repeat Units 23 and 67.

Traps handled (line numbers are in the seed notes):

* Structure tables: shredded or garbled group headings (``Group A - N<TAB>landatory``: the
  achievement rules' "both mandatory units from Group A" settles the kind), repeated and
  partial table headers, blank lines inside groups, sub-group marker rows, a rule sentence
  with a truncated reference that must not read as a row. Rows whose reference and title
  disagree with the unit bodies (swapped, mistyped, or another unit's reference) are joined
  to the unit whose title they print exactly; ``table_ref``/``table_credit`` keep the print.
* Headings: hyphen wraps (``Customer-`` / ``Friendly``) and ``evel: 2`` for ``Level: 2``.
* The grid: header variants (``Lear<TAB>ning outcomes ...``) repeated at page breaks; rows
  continuing with fewer columns; ids fused with their text (``5.6 Describe``), with a dot
  lost (``48``) or a stray id before them (``3.4<TAB>3.3``); ids lost or garbled, inferred
  from the previous criterion; several criteria run together in one cell, even in the
  outcome column; a criterion printed twice, once cut (the fuller copy wins); two criteria in
  one cell (``4.1 4.2``, or a lost second id), split where a criterion verb of the document
  starts a new sentence. The outcome of a row is told by its criterion id, since outcome
  numbers are lost or OCR'd (``S``, ``manageme``); of the number and text columns only one
  holds the outcome text, the other copy is a PDF artefact; stray numbers, repeated wrap
  fragments and doubled words are dropped.
* Outcome texts whose opening words were cut are restored from the summary that lists the
  outcomes ("This unit concerns being able to a, b and understand c."), or from the other
  copy of a repeated unit. Knowledge outcomes begin "Understand", "Know" or "Be able to
  understand"; a cut fragment goes by its criteria (mostly explain/describe/evaluate).
* Assessment methods follow the unit's suite: the ITQ list of recommended methods or its
  day-to-day-work/scenarios/knowledge-tests sentence, the MSC workplace-evidence list, else the
  document's generic evidence types, without simulation where the unit forbids it.
* Evidence requirements: a lead-in ending ':' and its items (numbered, dashed, bulleted, or
  indented under a numbered paragraph) give the unit's range.
* A document cut in a unit fails on that unit; one cut between units fails against the
  contents list, which names every unit.

Defects no rule can mend (words the PDF lost, attested elsewhere) are corrected by the
errata file ``question_bank/errata/pearson-contact-centre-nvq.yaml``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from tutor.domain.catalogue import (
    COMPETENCE,
    KNOWLEDGE,
    Criterion,
    Membership,
    Outcome,
    Qualification,
    RuleGroup,
    SpecReading,
    Unit,
)
from tutor.importer.errors import SpecError
from tutor.importer.text import SourceDocument, SourceLine

FAMILY = "pearson"

_REF = r"[A-Z]/\d{3}/\d{4}"

# Front matter and structure tables.
_TITLE_ROW = re.compile(r"^([^\t]*\S[^\t]*)\t(\d{3}/\d{4}/\d)\t(\d{2}\.\d{2}\.\d{4})$")
_AWARDER = re.compile(r"awarded by (\w+)")
_TITLE_LEVEL = re.compile(r"\bLevel (\d)\b")
_STRUCTURE_HEAD = re.compile(r"^What is the qualification structure for the (.+)\?$")
_QUESTION_HEAD = re.compile(r"^(?:How|What|Who) .*\?$")
_CREDIT_SENTENCE = re.compile(r"minimum credit value for this qualification is (\d+) \(TQT (\d+) hours\).*?GLH: (\d+)")
_SEE_UNITS = re.compile(r"Individual units can be found in the Units section\.")
_TABLE_ROW = re.compile(rf"^({_REF})\t([^\t]+)\t(\d)\t(\d+)")
_TABLE_HEAD = re.compile(r"^Unit(?: reference)?(?:\t|$)")
_GROUP_HEAD = re.compile(r"^(?:- )?(?:Group )?(?P<name>[A-Z]{1,3}\d?(?: IT\d)?)(?: [–-] | (?=No more))(?P<rule>.+)$")
_SUB_GROUP = re.compile(r"\s*Sub-group (\w+) [–-] ")
_DESCRIPTOR = re.compile(r"^([A-Za-z ]+?) units\.")
_MANDATORY_RULE = re.compile(r"mandatory units from Group (\w+)")
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_N = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_MIN_CREDITS = re.compile(rf"(?:a minimum of |must achieve |\()\b{_N} credits", re.I)
_MAX_CREDITS = re.compile(rf"maximum of {_N} (further )?credits", re.I)
_MAX_UNITS = re.compile(rf"no more than {_N} (?:IT )?units?", re.I)
_BOTH_UNITS = re.compile(r"\bboth mandatory units\b")

# Unit specifications.
_CONTENTS_ENTRY = re.compile(r"^\t?Unit (\d+):\t")
_UNIT_HEAD = re.compile(r"^Unit (\d+): (.+)$")
_UNIT_REF = re.compile(rf"^Unit reference number: ({_REF})$")
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
_GRID_TITLE = "Learning outcomes and assessment criteria"
_GRID_HEAD = re.compile(r"^Lea[^\t]*\t.*outcomes|^Learning outcomes\t")
_SIGN_OFF = re.compile(r"^(?:Learner name:|Date:)")

# Grid cells.
_AC_ID = re.compile(r"^(\d+)\.(\d+)\.?$")
_AC_IDS = re.compile(r"^\d+\.\d+(?: \d+\.\d+)+$")
_AC_FUSED = re.compile(r"^(\d+)\.(\d+)\.?\s+(\S.*)$")
_AC_INSIDE = re.compile(r"(?:^|\s)(\d+)\.(\d+)\.?\s+(?=[A-Za-z])")
_AC_TAIL = re.compile(r"(\d+)\.(\d+)\.?$")
_LO_NUMBER = re.compile(r"^(\d+)\.?(?:\s+|$)")
_LO_FUSED = re.compile(r"^\d+\.?\s+(?=[A-Za-z(])")
_STRAY_NUMBERS = re.compile(r"(?:^|\s)\d+(?:\.\d+)*\.?(?=\s|$)")
_LEADING_JUNK = re.compile(r"^[^A-Za-z0-9]+")
_DOUBLED_WORD = re.compile(r"\b(\w+)(?: \1\b)+")
_HAS_WORD = re.compile(r"[A-Za-z]{3}|^[a-z]{2}$")
_SUMMARY_LIST = re.compile(r"This unit concerns being able to (.+?)\.(?:\s|$)")
_KNOWLEDGE_OPENERS = ("Understand", "Know", "Be able to understand")
_KNOWLEDGE_VERBS = {"explain", "describe", "evaluate"}

# Prose sections.
_ITQ_SOURCES = re.compile(r"directly in their (.+?) can prove .*? can use (\w+) and (.+?) [–-] ")
_WORKPLACE_EVIDENCE = re.compile(r"\bi\.?e\.? (.+?),? etc(?:\.|\s|$)")
_UNFINISHED = re.compile(r"\b(?:of|the|a|an|to|for|in|with|and|or|are)$")
_ITEM_START = re.compile(r"^(?:- |\d+\.? )")
_LIST_MARK = re.compile(r"^\s*(?:- )?(?:[·•] )?(?:\d+\.? )?")
_BULLET = re.compile(r"^\s*-\s(?:[·•]\s)?")


def detect(doc: SourceDocument) -> bool:
    """'Pearson Edexcel ...' titles on the cover and Pearson named as the awarding body."""
    opening = doc.lines[:100]
    cover = any(line.text.startswith("Pearson Edexcel ") for line in opening[:20])
    return cover and any("Pearson" in line.text and _AWARDER.search(line.text) for line in opening)


def parse(doc: SourceDocument) -> SpecReading:
    """The qualifications and their structure tables, then the unit pool; rows are joined to units last."""
    lines = doc.lines
    quals, tables = _read_qualifications(lines)
    drafts = _read_units(lines)
    boundary = _criterion_boundary(drafts)
    by_key = _dedupe([_finish_unit(draft, boundary) for draft in drafts])
    titles = _title_index(by_key.values())
    for qual, rows in zip(quals, tables):
        qual.units = [_membership(row, by_key, titles) for row in rows]
    for unit in by_key.values():
        unit.group = _group_label(unit, quals)
    return SpecReading(family=FAMILY, qualifications=quals, units=list(by_key.values()), primary=_hub(quals))


# ---------------------------------------------------------------- qualifications and structure


@dataclass
class _TableRow:
    """A structure-table row as printed, with the group it sits under."""

    ref: str
    title: str
    level: int
    credit: int
    line: int
    group: str
    kind: str


@dataclass
class _Group:
    name: str
    parent: str | None
    text: list[str] = field(default_factory=list)
    descriptor: str = ""  # the heading's words before 'units.': 'Restricted Optional ICT'


def _read_qualifications(lines: list[SourceLine]) -> tuple[list[Qualification], list[list[_TableRow]]]:
    body = _awarding_body(lines)
    quals: list[Qualification] = []
    for line in lines:
        if _STRUCTURE_HEAD.match(line.text):
            break
        m = _TITLE_ROW.match(line.text)
        if m:
            title, number, start = m[1].strip(), m[2], m[3]
            level = _TITLE_LEVEL.search(title)
            quals.append(Qualification(
                title=title, number=number, awarding_body=_brand(body, title),
                level=int(level[1]) if level else None, glh=None, tqt=None, credits=None,
                rules_of_combination="", accreditation_start=start,
            ))
    if not quals:
        raise SpecError("no table of qualification titles and numbers (QN) found", line=lines[-1].no)
    tables = [_read_structure(_structure_section(lines, qual), qual) for qual in quals]
    return quals, tables


def _awarding_body(lines: list[SourceLine]) -> str:
    for line in lines[:100]:
        m = _AWARDER.search(line.text)
        if m:
            return m[1]
    raise SpecError("the awarding body is not named on the opening pages", line=lines[0].no)


def _brand(body: str, title: str) -> str:
    """'Pearson (Edexcel)': the awarding body and the brand its titles carry."""
    words = title.split()
    if len(words) > 1 and words[0] == body and not words[1].startswith("Level"):
        return f"{body} ({words[1]})"
    return body


def _structure_section(lines: list[SourceLine], qual: Qualification) -> list[SourceLine]:
    """From 'What is the qualification structure for <title>?' to the next question heading."""
    start = None
    for i, line in enumerate(lines):
        if start is None:
            m = _STRUCTURE_HEAD.match(line.text)
            if m and m[1] == qual.title:
                start = i
        elif _QUESTION_HEAD.match(line.text) or _UNIT_HEAD.match(line.text):
            return lines[start:i]
    if start is None:
        raise SpecError(f"no qualification structure for {qual.title}", line=lines[-1].no)
    raise SpecError(f"the qualification structure for {qual.title} is cut off", line=lines[-1].no)


def _read_structure(section: list[SourceLine], qual: Qualification) -> list[_TableRow]:
    """Fill in the qualification's credits, TQT, GLH and rules; return its table rows."""
    prose: list[str] = []
    groups: dict[str, _Group] = {}
    current: _Group | None = None
    placed: list[tuple[re.Match[str], SourceLine, _Group]] = []
    for line in section[1:]:
        text = _clean(line.text)
        row = _TABLE_ROW.match(line.text)
        head = _GROUP_HEAD.match(text)
        if not text or _TABLE_HEAD.match(line.text):
            continue
        if row:
            if current is None:
                raise SpecError("a unit row comes before any group heading", line=line.no)
            placed.append((row, line, current))
        elif head:
            current = _open_group(head["name"], head["rule"], groups)
        elif current is not None:
            current.text.append(text)  # a heading's wrapped rule, or a note between rows
        elif _SEE_UNITS.sub("", text):
            prose.append(_BULLET.sub("", _SEE_UNITS.sub("", text)).strip())
    m = _CREDIT_SENTENCE.search(" ".join(prose))
    if not m:
        raise SpecError(f"no minimum credit value stated for {qual.title}", line=section[0].no)
    qual.credits, qual.tqt, qual.glh = (int(g) for g in m.groups())
    kinds = _group_kinds(groups, prose)
    qual.rule_groups = [
        _rule_group(group, kinds[group.name], _sentences_about(group.name, prose, groups)) for group in groups.values()
    ]
    qual.rules_of_combination = _rules_text(prose, groups)
    return [
        _TableRow(row[1], row[2].strip(), int(row[3]), int(row[4]), line.no, group.name, kinds[group.name])
        for row, line, group in placed
    ]


def _open_group(name: str, rule: str, groups: dict[str, _Group]) -> _Group:
    """A group heading; a 'Sub-group C1 – ...' inside it opens the sub-group the rows belong to."""
    parent = name.split()[0] if " " in name else None  # 'C2 IT1' hangs under 'C2'
    parts = _SUB_GROUP.split(rule)
    group = groups.setdefault(name, _Group(name, parent if parent in groups else None))
    group.text.append(parts[0])
    m = _DESCRIPTOR.match(parts[0])
    group.descriptor = m[1] if m else ""
    for sub, text in zip(parts[1::2], parts[2::2]):
        group = groups.setdefault(sub, _Group(sub, name))
        group.text.append(text)
    return group


def _group_kinds(groups: dict[str, _Group], prose: list[str]) -> dict[str, str]:
    """'mandatory' when the heading or the rules say so, else the heading's words ('restricted optional ICT').

    The heading's words lose the group's own name ('Restricted Optional ICT Group units' for
    the ICT group); a group whose heading gives no kind takes its parent's, or 'optional'.
    """
    mandatory = {m[1] for sentence in prose for m in _MANDATORY_RULE.finditer(sentence)}
    kinds: dict[str, str] = {}
    for group in groups.values():
        if group.name in mandatory or "Mandatory" in group.descriptor:
            kinds[group.name] = "mandatory"
        elif group.descriptor:
            words = [w for w in group.descriptor.split() if w not in ("Group", group.name)]
            kinds[group.name] = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
        elif group.parent:
            kinds[group.name] = kinds[group.parent]
        else:
            kinds[group.name] = "optional"
    return kinds


def _sentences_about(name: str, prose: list[str], groups: dict[str, _Group]) -> list[str]:
    """The achievement rules that name this group and no other ('a minimum of six credits from Group B')."""
    out = []
    for sentence in prose:
        named = {g for g in groups if re.search(rf"(?<![\w/]){re.escape(g)}(?![\w/])", sentence)}
        if named == {name}:
            out.append(sentence)
    return out


def _rule_group(group: _Group, kind: str, sentences: list[str]) -> RuleGroup:
    """A group with the limits its heading and the achievement rules state."""
    text = " ".join(group.text + sentences)
    # The document's kinds ('restricted optional ICT') are finer than the model's two.
    rule = RuleGroup(name=group.name, kind=kind, text=text)  # type: ignore[arg-type]
    m = _MIN_CREDITS.search(text)
    rule.min_credits = _number(m[1]) if m else None
    m = _MAX_CREDITS.search(text)
    if m:
        # 'A maximum of 10 further credits' comes on top of the group's minimum.
        rule.max_credits = _number(m[1]) + ((rule.min_credits or 0) if m[2] else 0)
    elif kind == "mandatory":
        rule.max_credits = rule.min_credits
    m = _MAX_UNITS.search(text)
    rule.max_units = _number(m[1]) if m else None
    if _BOTH_UNITS.search(text):
        rule.min_units = rule.max_units = 2
    return rule


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word.lower()]


def _rules_text(prose: list[str], groups: dict[str, _Group]) -> str:
    """The document's own rule sentences, then each group heading's rule."""
    sentences = [p if p.endswith((".", ":")) else p + ";" for p in prose]
    for group in groups.values():
        rule = " ".join(group.text)
        sentences.append(f"Group {group.name}: {rule}" + ("" if rule.endswith(".") else "."))
    return " ".join(sentences)


_TitleIndex = dict[tuple[str, int | None], list[Unit]]  # (title key, level) -> units


def _title_index(units: Iterable[Unit]) -> _TitleIndex:
    index: _TitleIndex = {}
    for unit in units:
        index.setdefault((_title_key(unit.title), unit.level), []).append(unit)
    return index


def _title_key(title: str) -> str:
    """Titles compared without case, spaces or punctuation ('(In-Bound)' = '(Inbound)')."""
    return re.sub(r"[^a-z0-9]", "", title.lower())


def _membership(row: _TableRow, by_key: dict[str, Unit], titles: _TitleIndex) -> Membership:
    """The unit a table row means: the one whose title and level it prints, else the one its ref names.

    A row's title can name another unit exactly (two rows swap their refs; 'Champion Customer
    Service' carries the ref of 'Manage Conflict in a Team'): the title wins then. Where the
    title has drifted ('Hand Over'), the ref decides. A ref that resolves to nothing is kept
    as printed, for the reader's check to report.
    """
    named = titles.get((_title_key(row.title), row.level), [])
    unit = named[0] if len(named) == 1 else by_key.get(row.ref)
    ref = unit.key if unit is not None else row.ref
    member = Membership(ref=ref, group=row.group, group_kind=row.kind, table_line=row.line)  # type: ignore[arg-type]
    if ref != row.ref:
        member.table_ref = row.ref
    if unit is not None and unit.credit != row.credit:
        member.table_credit = row.credit
    return member


def _group_label(unit: Unit, quals: list[Qualification]) -> str:
    """'L1:A(mandatory); L2:A(mandatory)', or 'none (in no L1/L2/L3 structure)' for the orphans."""
    parts = [
        f"L{qual.level}:{member.group}" + ("(mandatory)" if member.group_kind == "mandatory" else "")
        for qual in quals
        for member in qual.units
        if member.ref == unit.key
    ]
    if parts:
        return "; ".join(parts)
    return "none (in no " + "/".join(f"L{q.level}" for q in quals) + " structure)"


def _hub(quals: list[Qualification]) -> int:
    """The primary qualification: the one sharing most units with the others, the centre of the suite."""
    refs = [{m.ref for m in q.units} for q in quals]
    shared = [sum(len(mine & theirs) for j, theirs in enumerate(refs) if j != i) for i, mine in enumerate(refs)]
    return shared.index(max(shared))


# ---------------------------------------------------------------- unit specifications


@dataclass
class _Piece:
    """A criterion as one row prints it: its id(s) (none when the PDF lost it) and text."""

    ids: list[str]
    text: str


@dataclass
class _Row:
    """One grid row: the outcome number and text it prints, its criteria, or a criterion's wrapped tail."""

    number: str | None
    lo_text: list[str]
    pieces: list[_Piece]
    tail: str = ""


@dataclass
class _OutcomeDraft:
    id: str
    fragments: list[str] = field(default_factory=list)
    criteria: dict[str, _Piece] = field(default_factory=dict)

    def add(self, piece: _Piece) -> None:
        """Keep the fuller text when the PDF printed a criterion twice (once whole, once cut)."""
        known = self.criteria.get(piece.ids[0])
        if known is None or len(piece.text) > len(known.text):
            self.criteria[piece.ids[0]] = piece

    def next_id(self) -> str:
        minors = [int(k.split(".")[1]) for k in self.criteria]
        return f"{self.id}.{max(minors, default=0) + 1}"


@dataclass
class _UnitDraft:
    unit: Unit
    outcomes: list[_OutcomeDraft]
    summary: str


def _read_units(lines: list[SourceLine]) -> list[_UnitDraft]:
    heads = [(i, m) for i, line in enumerate(lines) if (m := _UNIT_HEAD.match(line.text))]
    if not heads:
        raise SpecError("no unit specifications found (is the document truncated?)", line=lines[-1].no)
    evidence_types = _evidence_types(lines[: heads[0][0]])
    ends = [i for i, _ in heads[1:]] + [len(lines)]
    drafts = [_read_unit(lines[i:end], head, evidence_types) for (i, head), end in zip(heads, ends)]
    _check_all_units_present(lines[: heads[0][0]], int(heads[-1][1][1]), lines[-1].no)
    return drafts


def _check_all_units_present(front: list[SourceLine], last: int, end: int) -> None:
    """The contents name every unit ('Unit 107:<TAB>Title<TAB>473'): a document cut between units ends early."""
    listed = [int(m[1]) for line in front if (m := _CONTENTS_ENTRY.match(line.text))]
    if listed and max(listed) > last:
        raise SpecError(
            f"the contents list units up to Unit {max(listed)} but the document ends after Unit {last} "
            "(is the document truncated?)",
            line=end,
        )


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
    outcomes = _read_grid(_grid_lines(block, pos, local_id), local_id, block[0].no)
    return _UnitDraft(unit, outcomes, _clean(" ".join(sections.get(_SUMMARY, []))))


def _read_heading(block: list[SourceLine], first: str) -> tuple[int, str, str]:
    """The title, wrapped over up to three lines before 'Unit reference number:', and the ref."""
    parts = [first.strip()]
    for pos in range(1, len(block)):
        text = block[pos].text.strip()
        m = _UNIT_REF.match(text)
        if m:
            return pos + 1, _join_words(parts), m[1]
        if _LEVEL.match(text) or text in _SECTIONS or len(parts) > 4:
            break
        if text:
            parts.append(text)
    raise SpecError(f"'{block[0].text}' has no 'Unit reference number:' line", line=block[0].no)


def _expect(block: list[SourceLine], pos: int, pattern: re.Pattern[str], label: str, local_id: str) -> tuple[int, int]:
    """The number on the next non-blank line, which must be the '<label> N' line."""
    while pos < len(block) and not block[pos].text.strip():
        pos += 1
    if pos < len(block):
        m = pattern.match(block[pos].text.strip())
        if m:
            return int(m[1]), pos + 1
    raise SpecError(f"{local_id}: expected '{label}' here", line=block[min(pos, len(block) - 1)].no)


def _read_sections(block: list[SourceLine], pos: int) -> tuple[dict[str, list[str]], int]:
    """The prose sections up to the grid, by their canonical names, in document order."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    while pos < len(block):
        text = block[pos].text
        if text == _GRID_TITLE or _GRID_HEAD.match(text):
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
        raise SpecError(f"{local_id} has no learning outcomes grid (is the document truncated?)", line=block[-1].no)
    for end in range(pos, len(block)):
        if _SIGN_OFF.match(block[end].text.strip()):
            return block[pos:end]
    raise SpecError(
        f"{local_id}: the grid of outcomes and criteria has no sign-off block after it (is the document truncated?)",
        line=block[-1].no,
    )


# ---------------------------------------------------------------- the outcomes grid


def _read_grid(grid: list[SourceLine], local_id: str, head_line: int) -> list[_OutcomeDraft]:
    outcomes: dict[str, _OutcomeDraft] = {}
    current: _OutcomeDraft | None = None
    last: tuple[_OutcomeDraft, str] | None = None
    for line in grid:
        if not line.text.strip() or line.text == _GRID_TITLE or _GRID_HEAD.match(line.text):
            continue
        row = _read_row(line.text.split("\t"), current.next_id() if current else None)
        # The criterion id is the surest sign of the outcome: printed numbers are often lost or garbled.
        if row.pieces and row.pieces[0].ids:
            major = row.pieces[0].ids[0].split(".")[0]
        elif row.number:
            major = row.number
        elif current is not None:
            major = current.id
        else:
            raise SpecError(f"{local_id}: the grid starts with a row that names no outcome", line=line.no)
        current = outcomes.setdefault(major, _OutcomeDraft(major))
        current.fragments.extend(row.lo_text)
        for piece in row.pieces:
            if not piece.ids:
                piece.ids = [current.next_id()]  # the PDF lost the id: the next one in sequence
            major = piece.ids[0].split(".")[0]
            current = outcomes.setdefault(major, _OutcomeDraft(major))
            current.add(piece)
            last = (current, piece.ids[0])
        if row.tail:
            if last is None:
                raise SpecError(f"{local_id}: criterion text with no criterion before it", line=line.no)
            owner, ac = last
            owner.criteria[ac].text = _join_words([owner.criteria[ac].text, row.tail])
    if not outcomes:
        raise SpecError(f"{local_id}: the outcomes grid is empty", line=grid[-1].no if grid else head_line)
    return sorted(outcomes.values(), key=lambda d: int(d.id))


def _read_row(cells: list[str], expected: str | None) -> _Row:
    """Split a grid row into its outcome cells, its criteria and any wrapped criterion text."""
    cells = [c.strip() for c in cells]
    if expected:
        # '48' for 4.8: the PDF dropped the dot of the id this row should carry.
        cells = [expected if i and c == expected.replace(".", "") else c for i, c in enumerate(cells)]
    k = _id_cell(cells)
    if k is not None:
        before, pieces = _outcome_cells_with_criteria(cells[:k])
        return _row(before, pieces + _id_pieces(cells[k], cells[k + 1:]))
    for i, cell in enumerate(cells):
        m = _AC_INSIDE.search(cell)
        if m:  # 'problem 2.2 Check ...': criteria fused into a text cell
            return _row(cells[:i] + [cell[: m.start()]], _id_pieces(cell[m.start():].strip(), cells[i + 1:]))
    if len(cells) > 3 and _has_words(cells[3]):
        # Text in the criterion column but no id: the id was lost or garbled ('n a 2.2', 'ntre systems and').
        m = _AC_TAIL.search(cells[2])
        return _row(cells[:2], [_Piece([f"{m[1]}.{m[2]}"] if m else [], cells[3])])
    if len(cells) > 2 and _has_words(cells[2]):
        return _row(cells[:2], [], tail=cells[2])
    return _row(cells, [])


def _id_cell(cells: list[str]) -> int | None:
    for i, cell in enumerate(cells):
        if _AC_ID.match(cell) or _AC_IDS.match(cell) or (i > 0 and _AC_FUSED.match(cell)):
            # A stray id printed just before the real one ('3.4<TAB>3.3'): the later one counts.
            if i + 1 < len(cells) and _AC_ID.match(cells[i + 1]):
                return i + 1
            return i
    return None


def _id_pieces(cell: str, rest: list[str]) -> list[_Piece]:
    """The criteria of an id cell: '1.2' + the next cell, '4.1 4.2' + both texts in one, or ids fused with text."""
    texts = [c for c in rest if _has_words(c)]
    text = texts[0] if texts else ""
    m = _AC_ID.match(cell)
    if m:
        return [_Piece([f"{m[1]}.{m[2]}"], text)]
    if _AC_IDS.match(cell):
        return [_Piece(cell.split(), text)]
    pieces = _inside_pieces(cell)
    if len(pieces) == 1 and len(text) > len(pieces[0].text):
        pieces[0].text = text  # the cell beside a fused, cut copy holds the whole text
    return pieces


def _outcome_cells_with_criteria(cells: list[str]) -> tuple[list[str], list[_Piece]]:
    """Criteria the PDF fused into the outcome column ('... centre 4.2 Explain ... 4.3 Evaluate ...')."""
    before: list[str] = []
    pieces: list[_Piece] = []
    for cell in cells:
        m = _AC_INSIDE.search(cell)
        if m:
            before.append(cell[: m.start()])
            pieces.extend(_inside_pieces(cell[m.start():]))
        else:
            before.append(cell)
    return before, pieces


def _inside_pieces(text: str) -> list[_Piece]:
    """'3.2 Use agreed ... 3.3 Organise ...': criteria run together in one cell."""
    marks = list(_AC_INSIDE.finditer(text))
    pieces = []
    for m, nxt in zip(marks, marks[1:] + [None]):
        end = nxt.start() if nxt else len(text)
        pieces.append(_Piece([f"{m[1]}.{m[2]}"], text[m.end():end].strip()))
    return pieces


def _row(before: list[str], pieces: list[_Piece], tail: str = "") -> _Row:
    """Read the outcome columns: the number column and the text column.

    The two hold one outcome text between them. When both carry text, one copy is a PDF
    artefact: the text column's, if the number column has the number and the whole text
    ('1 Understand ...'); otherwise the number column's, an OCR'd number ('S', 'manageme').
    """
    first = before[0] if before else ""
    others = [c for c in before[1:] if _has_words(c)]
    m = _LO_NUMBER.match(first)
    number = m[1] if m else None
    first_text = first[m.end():] if m else first
    if number and _has_words(first_text):
        texts = [first_text]
    elif others:
        texts = others
    else:
        texts = [first_text]
    fragments = [_clean_fragment(t) for t in texts]
    return _Row(number, [f for f in fragments if f], pieces, tail)


def _clean_fragment(text: str) -> str:
    text = _LO_FUSED.sub("", text)  # '2<TAB>2 Provide ...': the number again inside the text
    text = _STRAY_NUMBERS.sub("", text)  # 'telephone sales calls 2.2', 'monitor 2 compliance': stray ids
    text = _LEADING_JUNK.sub("", text).strip()  # '(Be able to', '• ': OCR'd numbers and bullets
    return text if _has_words(text) else ""


def _has_words(cell: str) -> bool:
    return bool(_HAS_WORD.search(cell))


# ---------------------------------------------------------------- finishing outcomes


def _criterion_boundary(drafts: list[_UnitDraft]) -> re.Pattern[str]:
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


def _finish_unit(draft: _UnitDraft, boundary: re.Pattern[str]) -> Unit:
    unit = draft.unit
    unit.outcomes = [_finish_outcome(o, boundary) for o in draft.outcomes]
    clauses = _summary_clauses(draft.summary)
    for outcome in unit.outcomes:
        outcome.text = _complete_from_summary(outcome.text, clauses)
        outcome.kind = _kind(outcome)
    return unit


def _finish_outcome(draft: _OutcomeDraft, boundary: re.Pattern[str]) -> Outcome:
    text = ""
    for fragment in draft.fragments:
        if not _repeats_tail(text, fragment):
            text = _join_words([text, fragment])
    text = _DOUBLED_WORD.sub(r"\1", text)  # 'organisational organisational': a wrap printed twice
    criteria: list[Criterion] = []
    for key in sorted(draft.criteria, key=lambda k: int(k.split(".")[1])):
        criteria.extend(_split_fused(draft.criteria[key], boundary, draft))
    return Outcome(id=draft.id, text=text, kind=COMPETENCE, criteria=criteria)


def _split_fused(piece: _Piece, boundary: re.Pattern[str], draft: _OutcomeDraft) -> list[Criterion]:
    """Criteria the PDF printed in one cell, split where a criterion verb starts a new sentence.

    '4.1 4.2' cells say how many there are; a single id followed by a second criterion
    ('... progress. Provide recognition ...') lost the next id, which is inferred when free.
    """
    starts = [m.start() for m in boundary.finditer(piece.text)]
    ids = list(piece.ids)
    if len(ids) == 1:
        major, minor = (int(x) for x in ids[0].split("."))
        for n in range(len(starts)):
            follower = f"{major}.{minor + n + 1}"
            if follower in draft.criteria:
                starts = starts[:n]
                break
            ids.append(follower)
    starts = starts[: len(ids) - 1]
    cuts = [0] + [s + 1 for s in starts] + [len(piece.text)]
    texts = [piece.text[a:b].strip() for a, b in zip(cuts, cuts[1:])]
    texts += [""] * (len(ids) - len(texts))
    return [Criterion(i, t) for i, t in zip(ids, texts)]


def _summary_clauses(summary: str) -> str:
    """The outcomes a 'This unit concerns being able to a, b, c and understand d.' summary lists."""
    m = _SUMMARY_LIST.search(summary)
    return m[1] if m else ""


def _complete_from_summary(text: str, clauses: str) -> str:
    """Restore the words the PDF cut from an outcome, from the summary that lists the outcomes.

    'information about specified products ...' is found in '..., communicate information about
    specified products and/or services, ...': the words before it in its clause are restored,
    with 'Be able to' (or the clause's own 'understand'). When the clause goes on past the end
    of the outcome ('... in a contact' / '... in a contact centre') the PDF lost the tail too.
    A whole outcome (capitalised) is only ever completed at its end.
    """
    if not clauses or not text:
        return text
    whole = text[0].isupper()
    body = text[len("Be able to "):] if text.startswith("Be able to ") else text[0].lower() + text[1:]
    at = clauses.find(" ".join(body.split()[:3])) if body else -1
    if at < 0:
        return text
    start = max(clauses.rfind(", ", 0, at) + 2, clauses.rfind(" and ", 0, at) + 5, 0)
    if whole and start != at:
        return text
    rest = clauses[at:]
    same = len(os.path.commonprefix([body, rest]).rstrip())
    if same == len(body):
        ends = [e for e in (rest.find(", ", same), rest.find(" and ", same)) if e >= 0]
        body = rest[: min(ends, default=len(rest))]
    elif body[same] != " " or not (same == len(rest) or rest.startswith((", ", " and "), same)):
        return text  # the outcome says something the summary does not
    full = clauses[start:at] + body
    return "U" + full[1:] if full.startswith("understand") else "Be able to " + full


def _repeats_tail(text: str, fragment: str) -> bool:
    """A wrap fragment the PDF printed twice ('... contact centre' + 'centre')."""
    tail = " ".join(text.split()[-(len(fragment.split()) + 3):])
    return bool(text) and f" {fragment} " in f" {tail} "


def _kind(outcome: Outcome) -> str:
    """Knowledge for 'Understand/Know/Be able to understand ...'; a fragment the PDF cut goes by its criteria."""
    if outcome.text[:1].isupper():
        return KNOWLEDGE if outcome.text.startswith(_KNOWLEDGE_OPENERS) else COMPETENCE
    verbs = [c.text.split(" ", 1)[0].lower() for c in outcome.criteria]
    knowing = sum(v in _KNOWLEDGE_VERBS for v in verbs)
    return KNOWLEDGE if knowing * 2 > len(verbs) else COMPETENCE


def _join_words(parts: list[str]) -> str:
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


def _dedupe(units: list[Unit]) -> dict[str, Unit]:
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
            outcome.kind = _kind(outcome)


# ---------------------------------------------------------------- prose sections


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
    raise SpecError("no 'Types of evidence' list before the units", line=front[-1].no if front else None)


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
    text = _clean(" ".join(requirements + sections.get(_METHODOLOGY, [])))
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
        text = _clean(" ".join(_BULLET.sub("", line) for line in lines))
        if text:
            parts.append(f"{label}: {text}")
    return "\n\n".join(parts)


def _clean(text: str) -> str:
    """A line with tabs and markdown emphasis removed and spaces collapsed."""
    return " ".join(text.replace("*", "").replace("\t", " ").split())
