"""Parser for Highfield Qualifications specifications (the ``highfield`` family).

Layout (a PDF converted to markdown with HTML residue):

* Front matter with ``# Title`` and ``### Key facts``, whose facts are ``<b>Label:</b>\\tvalue``.
* ``## Appendix 1: Qualification structure``: the overall rule sentences, then one table per
  group (``Unit reference\\tUnit title\\tLevel\\tGLH\\tCredit``) under a group heading, each with
  its own rule sentence ("Learners must achieve a minimum of 1 unit from this group").
* ``## Appendix 2: Qualification content``: one block per unit, in table order: a heading
  ``Unit N: Title``, ``Unit number: F/601/1609``, Credit/GLH/Level lines, an optional
  ``Unit Introduction``, then a grid whose data rows hold one outcome each:
  ``outcome cell \\t all of its criteria in one cell``.
* ``### Appendix 3: Sample assessment material``: an example evidence tracking sheet.

Traps handled here (line numbers are those of the bundled 600/5469/4 document):

* The overall rule doubles a phrase ("learners must complete learners must complete", L197);
  the rules text keeps it once.
* Group headings come as ``### Optional Unit Group A`` with the rule two lines below, or bold
  and fused with the rule: ``**Optional Unit Group B**Learners must achieve ...`` (L236).
* Unit headings are ``### Unit 1: T``, ``**Unit 2: T**`` or ``**Unit 45 T**`` (no colon). One
  number is printed twice ("Unit 24", L844 and L874) so a repeated number is replaced by the
  next one in sequence; units are keyed by their regulator reference, never by number.
* Level, GLH and credit are taken from the structure table: the body has an impossible
  ``Level: 5`` (L401). Titles are taken from the headings (which keep typographic apostrophes)
  unless their words differ from the table's regulated title (``problems`` vs ``complaints``,
  L1138 vs L260).
* The grid header is repeated after every page break, in plain, ``<i>`` and ``<b>`` variants.
  A row with an empty outcome cell continues the outcome above; text before its first
  criterion number ends the previous criterion, which the page break cut in two (L612).
* Criteria in one cell are separated by double spaces, single spaces, ``<p>`` or ``<li>``
  tags, so they are split on their ``N.M`` numbers, and only on numbers that belong to the
  current outcome and go up (T/601/1574 LO3 skips 3.3, L1470: gaps are kept, not invented).
* An outcome cell without a number (D/601/1519, L1128) takes the next number.
* Trailing ``.``/``,`` on texts are page debris (L761, L1111) and are dropped.
* Outcomes starting "Understand"/"Know" (any case) are knowledge; NVQ performance outcomes
  ("Show ...", "Deal with ...") are competence.
* Appendix 3's example sheet has a ``Unit 1: Unit name`` line and grid-like rows, so units are
  read only up to the next appendix heading. If the contents promise a section after the
  units and the document ends first, it was cut off inside a unit: that is a SpecError.

The fused criteria 1.6/1.7 of D/601/1519 (L1128) cannot be split by any rule; the errata file
``highfield-600-5469-4.yaml`` restores the lost number.

Over 500 lines because a family's reader follows one document's layout from front matter to last unit,
and each trap listed above sits beside the rule that handles it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from tutor.domain.catalogue import (COMPETENCE, KNOWLEDGE, Criterion, Outcome, Qualification, RuleGroup, SpecReading,
                                    Unit)
from tutor.importer.errors import spec_error
from tutor.importer.parsers.table_rows import UNIT_REF, TableRow, table_membership
from tutor.importer.text import SourceDocument, SourceLine

FAMILY = "highfield"


_TAG = re.compile(r"<[^>]+>")
_MARKDOWN = re.compile(r"\*\*|\\(?=[_*])")
_SPACE = re.compile(r"\s+")
_TITLE = re.compile(r"^#\s+(.+)$")
_APPENDIX = re.compile(r"^#{1,6}\s*(?:\*\*)?Appendix\s+\d+\s*:\s*(.+?)(?:\*\*)?\s*$", re.I)
_CONTENTS_ENTRY = re.compile(r"^(\S.*?)\s*\.{3,}\s*\d+$")
_FACT = re.compile(r"^([A-Za-z][^:\t]*?):\s*(\S.*)$")
_AWARDED_BY = re.compile(r"\bawarded by ((?:[A-Z][\w&]*\s?)+)")
_AWARDED_BY_HIGHFIELD = re.compile(r"\bawarded by Highfield\b")
_BOLD_FACT = re.compile(r"^<b>[^<>]+:</b>\t\S")
_LEVEL = re.compile(r"\bLevel\s+(\d+)\b")
_NUMBER = re.compile(r"\d+")

_GROUP_HEADING = re.compile(
    r"^(?:#{1,6}\s*)?(?:\*\*)?(Mandatory Units?|Optional Unit Group [A-Z])(?:\*\*|\s*$)(.*)$", re.I
)
_TABLE_HEADER = re.compile(r"^Unit reference\t", re.I)
_TABLE_ROW = re.compile(rf"^({UNIT_REF})\t([^\t]+)\t(\d+)\t(\d+)\t(\d+)$")
_LIMITS = (
    ("min_credits", re.compile(r"minimum of (\d+) credits?", re.I)),
    ("max_credits", re.compile(r"maximum of (\d+) credits?", re.I)),
    ("min_units", re.compile(r"minimum of (\d+) units?", re.I)),
    ("max_units", re.compile(r"maximum of (\d+) units?", re.I)),
)
_ALL_UNITS = re.compile(r"\ball units\b", re.I)
# The PDF doubled a phrase ("learners must complete learners must complete", L197).
_REPEATED_PHRASE = re.compile(r"\b((?:\w+\s+){1,5}\w+)\s+\1\b", re.I)

_UNIT_HEADING = re.compile(r"^(?:#{2,4}\s*|\*\*)Unit\s+(\d+):?\s+(.+?)(?:\*\*)?$")
_UNIT_NUMBER = re.compile(rf"^\s*Unit number:\s*({UNIT_REF})\s*$")
_UNIT_FACT = re.compile(r"^\s*(?:Credit|GLH|Level):\s*\d+\s*$")
_INTRODUCTION = re.compile(r"^(?:#{1,6}\s*)?(?:\*\*)?Unit Introduction(?:\*\*)?$", re.I)
_PAGE_RULE = re.compile(r"^\s*-{3,}\s*$")
_GRID_HEADER = re.compile(r"^(?:Learning Outcomes|The learner will)\b", re.I)
_OUTCOME_NUMBER = re.compile(r"^(\d+)\.\s+(.*)$")
_CRITERION_ID = re.compile(r"(?<![\w.])(\d+)\.(\d+)(?=\s)")
_KNOWLEDGE = re.compile(r"^(?:understand|know)\b", re.I)
_TRAILING_DEBRIS = " .,;"

_BOLD_LINE = re.compile(r"^\*\*(.+?)\*\*$")
_SIGNATURE = re.compile(r"^(.*?Signature[^:\\_]*?)\s*:?\s*\\?_")


def _plain(text: str) -> str:
    """Text without HTML tags, markdown bold/escapes and runs of whitespace."""
    return _SPACE.sub(" ", _MARKDOWN.sub("", _TAG.sub(" ", text))).strip()


def _tidy(text: str) -> str:
    return _plain(text).rstrip(_TRAILING_DEBRIS)


def _same_words(a: str, b: str) -> bool:
    """Equal apart from apostrophe style, case and spacing."""
    def key(s: str) -> str:
        return _plain(s).replace("\u2019", "'").replace("\u2018", "'").casefold()
    return key(a) == key(b)


# --------------------------------------------------------------------------- detection


def detect(doc: SourceDocument) -> bool:
    """Awarded by Highfield, with key facts printed as ``<b>Label:</b>\tvalue``.

    Both are in the front matter, so a document cut off later is still recognised and gets a
    precise error from :func:`parse` rather than "unknown layout".
    """
    head = doc.lines[:400]
    return any(_AWARDED_BY_HIGHFIELD.search(line.text) for line in head) and any(
        _BOLD_FACT.match(line.text) for line in head
    )


# --------------------------------------------------------------------------- sections


@dataclass
class _Sections:
    """Index ranges (into ``doc.lines``) of the parts of the document."""

    front: range
    structure: range
    content: range
    sample: range | None = None
    sample_heading: str = ""


def _split_sections(doc: SourceDocument) -> _Sections:
    """Cut the document at its appendix headings (the contents list them too, without ``#``)."""
    lines = doc.lines
    appendices = [(i, _plain(m[1])) for i, line in enumerate(lines) if (m := _APPENDIX.match(line.text))]
    structure = _find_appendix(appendices, "structure", doc)
    content = _find_appendix(appendices, "content", doc)
    if content < structure:
        raise spec_error("highfield", "qualification_content_comes_before", line=lines[content].no)
    later = [(i, title) for i, title in appendices if i > content]
    if not later:
        _check_nothing_promised_after(lines[:structure], dict(appendices)[content], doc.last_line_no())
    content_end = later[0][0] if later else len(lines)
    sections = _Sections(range(structure), range(structure + 1, content), range(content + 1, content_end))
    if later and "sample" in later[0][1].lower():
        sample_end = later[1][0] if len(later) > 1 else len(lines)
        sections.sample = range(content_end + 1, sample_end)
        sections.sample_heading = _plain(lines[content_end].text.lstrip("#"))
    return sections


def _find_appendix(appendices: list[tuple[int, str]], word: str, doc: SourceDocument) -> int:
    for index, title in appendices:
        if word in title.lower():
            return index
    raise spec_error("highfield", "no_appendix_qualification_heading", line=doc.last_line_no(), word=word)


def _check_nothing_promised_after(front: list[SourceLine], content_title: str, last_line: int) -> None:
    """The units run to the end of the file: fine unless the contents list a later section."""
    entries = [_plain(m[1]) for line in front if (m := _CONTENTS_ENTRY.match(line.text.strip()))]
    titles = [entry.split(":", 1)[-1].strip().lower() for entry in entries]
    if content_title.lower() in titles:
        after = entries[titles.index(content_title.lower()) + 1:]
        if after:
            raise spec_error("highfield", "ends_inside_before_promised", line=last_line, content_title=content_title,
                             after=after)


# --------------------------------------------------------------------------- front matter


@dataclass
class _Facts:
    title: str
    title_line: int
    awarding_body: str
    values: dict[str, str]  # key fact label (lower case) -> value

    def find(self, *words: str) -> str | None:
        for label, value in self.values.items():
            if all(w in label for w in words):
                return value
        return None

    def number(self, *words: str) -> int | None:
        value = self.find(*words)
        match = _NUMBER.search(value) if value else None
        return int(match[0]) if match else None


def _read_facts(lines: list[SourceLine], end_line: int) -> _Facts:
    title = next(((line, _plain(m[1])) for line in lines if (m := _TITLE.match(line.text))), None)
    if title is None:
        raise spec_error("highfield", "no_title_heading_before", line=end_line)
    body = next((_plain(m[1]) for line in lines if (m := _AWARDED_BY.search(_plain(line.text)))), None)
    if body is None:
        raise spec_error("highfield", "does_not_say_who_awards", line=end_line)
    values: dict[str, str] = {}
    for line in lines:
        match = _FACT.match(_TAG.sub("", line.text))
        if match:
            values.setdefault(match[1].strip().lower(), match[2].strip())
    return _Facts(title[1], title[0].no, body, values)


# --------------------------------------------------------------------------- structure table


@dataclass
class _TableRow(TableRow):
    glh: int


@dataclass
class _Group:
    heading: str
    rule: str = ""
    rows: list[_TableRow] = field(default_factory=list)

    @property
    def kind(self) -> Literal["mandatory", "optional"]:
        return "mandatory" if self.heading.lower().startswith("mandatory") else "optional"

    @property
    def name(self) -> str:
        # Memberships name the mandatory group by its kind, optional ones as printed.
        return "mandatory" if self.kind == "mandatory" else self.heading


@dataclass
class _Structure:
    preamble: list[str]
    groups: list[_Group]

    def rows(self) -> dict[str, tuple[_TableRow, _Group]]:
        return {row.ref: (row, group) for group in self.groups for row in group.rows}


def _read_structure(lines: list[SourceLine]) -> _Structure:
    preamble: list[str] = []
    groups: list[_Group] = []
    seen: set[str] = set()
    for line in lines:
        text = line.text.strip()
        if not text or _TABLE_HEADER.match(text):
            continue
        if row := _TABLE_ROW.match(text):
            if not groups:
                raise spec_error("highfield", "structure_table_row_before", line=line.no)
            if row[1] in seen:
                raise spec_error("highfield", "unit_listed_twice_in", line=line.no, row=row)
            seen.add(row[1])
            groups[-1].rows.append(_TableRow(row[1], _plain(row[2]), int(row[3]), int(row[5]), line.no, glh=int(row[4])))
        elif "\t" in text:
            raise spec_error("highfield", "malformed_structure_table_row", line=line.no)
        elif heading := _GROUP_HEADING.match(text):
            groups.append(_Group(_plain(heading[1]), _plain(heading[2])))
        elif groups and not groups[-1].rule:
            groups[-1].rule = _plain(text)
        else:
            preamble.append(_plain(text))
    if not any(group.rows for group in groups):
        raise spec_error("highfield", "qualification_structure_lists_no", line=lines[-1].no if lines else None)
    return _Structure(preamble, groups)


def _rule_group(group: _Group) -> RuleGroup:
    rule = RuleGroup(group.name, group.kind, text=group.rule)
    for name, pattern in _LIMITS:
        if match := pattern.search(group.rule):
            setattr(rule, name, int(match[1]))
    if _ALL_UNITS.search(group.rule):
        rule.min_units = rule.max_units = len(group.rows)
    return rule


def _rules_text(structure: _Structure) -> str:
    overall = _REPEATED_PHRASE.sub(r"\1", "\n".join(structure.preamble))
    per_group = [f"{group.heading}: {group.rule}" for group in structure.groups if group.rule]
    return "\n".join([overall, *per_group]).strip()


# --------------------------------------------------------------------------- unit bodies


@dataclass
class _OutcomeDraft:
    number: int
    text: str
    criteria: list[list[str]] = field(default_factory=list)  # [id, text]
    last_minor: int = 0

    def add_criteria(self, cell: str, line: int) -> None:
        """Split a criteria cell on the criterion numbers of this outcome."""
        start = 0
        for match in _CRITERION_ID.finditer(cell):
            major, minor = int(match[1]), int(match[2])
            # A number of another outcome, or one that does not go up, is part of the text.
            if major != self.number or minor <= self.last_minor:
                continue
            self._continue_last(cell[start:match.start()], line)
            self.criteria.append([f"{major}.{minor}", ""])
            self.last_minor = minor
            start = match.end()
        self._continue_last(cell[start:], line)

    def _continue_last(self, text: str, line: int) -> None:
        text = text.strip()
        if not text:
            return
        if not self.criteria:
            raise spec_error("highfield", "outcome_criteria_text_before", line=line, number=self.number)
        self.criteria[-1][1] = f"{self.criteria[-1][1]} {text}".strip()

    def build(self) -> Outcome:
        kind = KNOWLEDGE if _KNOWLEDGE.match(self.text) else COMPETENCE
        criteria = [Criterion(cid, _tidy(text)) for cid, text in self.criteria]
        return Outcome(str(self.number), _tidy(self.text), kind, criteria)


@dataclass
class _UnitDraft:
    number: int
    heading_title: str
    line: int
    ref: str | None = None
    introduction: list[str] = field(default_factory=list)
    in_grid: bool = False
    outcomes: list[_OutcomeDraft] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.ref or f"'Unit {self.number}: {self.heading_title}'"

    def read_line(self, line: SourceLine) -> None:
        text = line.text
        if match := _UNIT_NUMBER.match(text):
            if self.ref is not None:
                raise spec_error("highfield", "unit_second_unit_number", line=line.no, label=self.label)
            self.ref = match[1]
        elif _UNIT_FACT.match(text) or _PAGE_RULE.match(text) or _INTRODUCTION.match(text.strip()):
            return  # level/GLH/credit (the structure table is authoritative), page rules, headings
        elif "\t" in text:
            self._read_grid_row(text, line.no)
        elif not self.in_grid:
            # Paragraphs before the grid are the introduction (H/601/1229 has none).
            self.introduction.append(_plain(text))
        else:
            # After the grid starts every line is a row: this one lost its tab.
            raise spec_error("highfield", "unexpected_text_in_unit", line=line.no, label=self.label, text=_plain(text))

    def _read_grid_row(self, text: str, line: int) -> None:
        self.in_grid = True
        outcome_cell, criteria_cell = (_plain(cell) for cell in text.split("\t", 1))
        if _GRID_HEADER.match(outcome_cell):
            return
        if self.ref is None:
            raise spec_error("highfield", "unit_no_unit_number", line=self.line, label=self.label)
        if outcome_cell:
            self.outcomes.append(self._new_outcome(outcome_cell))
        elif not self.outcomes:
            raise spec_error("highfield", "unit_criteria_row_with", line=line, label=self.label)
        self.outcomes[-1].add_criteria(criteria_cell, line)

    def _new_outcome(self, cell: str) -> _OutcomeDraft:
        if match := _OUTCOME_NUMBER.match(cell):
            return _OutcomeDraft(int(match[1]), match[2])
        # An unnumbered outcome (D/601/1519 LO1) is the next one in sequence.
        following = self.outcomes[-1].number + 1 if self.outcomes else 1
        return _OutcomeDraft(following, cell)


def _read_unit_bodies(lines: list[SourceLine]) -> list[_UnitDraft]:
    drafts: list[_UnitDraft] = []
    for line in lines:
        if not line.text.strip():
            continue
        if heading := _UNIT_HEADING.match(line.text.strip()):
            drafts.append(_UnitDraft(int(heading[1]), _plain(heading[2]), line.no))
        elif drafts:
            drafts[-1].read_line(line)
        # Text before the first unit heading is the appendix's own preamble.
    return drafts


def _local_ids(drafts: list[_UnitDraft]) -> list[str]:
    """The printed unit numbers; a number that does not go up (a second "Unit 24") is a
    misprint for the next one in sequence."""
    ids: list[str] = []
    previous = 0
    for draft in drafts:
        number = draft.number if draft.number > previous else previous + 1
        ids.append(str(number))
        previous = number
    return ids


def _build_units(drafts: list[_UnitDraft], structure: _Structure, methods: list[str]) -> list[Unit]:
    rows = structure.rows()
    units: list[Unit] = []
    seen: set[str] = set()
    for draft, local_id in zip(drafts, _local_ids(drafts)):
        if draft.ref is None:
            raise spec_error("highfield", "unit_draft_no_unit_number", line=draft.line, draft=draft)
        if draft.ref in seen:
            raise spec_error("highfield", "unit_specified_twice", line=draft.line, draft=draft)
        seen.add(draft.ref)
        if draft.ref not in rows:
            raise spec_error("highfield", "unit_not_in_qualification_structure", line=draft.line, draft=draft)
        row, group = rows[draft.ref]
        # The table's title is the regulated one; the heading only wins for its typography.
        title = draft.heading_title if _same_words(draft.heading_title, row.title) else row.title
        guidance = "Unit introduction: " + "\n".join(draft.introduction) if draft.introduction else ""
        units.append(Unit(
            ref=draft.ref, local_id=local_id, title=title, level=row.level, glh=row.glh, credit=row.credit,
            group=group.name, assessment_methods=list(methods),
            outcomes=[outcome.build() for outcome in draft.outcomes], guidance=guidance, source_line=draft.line,
        ))
    return units


# --------------------------------------------------------------------------- tracking sheet


def _read_tracking_sheet(lines: list[SourceLine], heading: str) -> dict[str, Any]:
    """The example evidence tracking sheet of Appendix 3, as a plain dictionary.

    Its parts come in order: introductory sentences, the bold form title, one-cell header
    lines (the last names the section), the column row, example rows, the method key,
    signature lines and instructions.
    """
    sheet: dict[str, Any] = {"source_heading": heading, "introduction": [], "title": "", "header_fields": [],
                             "section_heading": "", "columns": [], "example_rows": [],
                             "assessment_method_key": {}, "signature_lines": [], "instructions": []}
    phase = "introduction"
    for line in lines:
        text = _plain(line.text)
        if not text:
            continue
        cells = [_plain(cell) for cell in line.text.split("\t")]
        if phase == "introduction":
            phase = _read_sheet_introduction(sheet, line.text.strip(), text)
        elif phase == "header" and len([c for c in cells if c]) > 1:
            sheet["columns"] = [c for c in cells if c]
            phase = "rows"
        elif phase == "header":
            sheet["header_fields"].append(text)
        elif phase == "rows" and len(cells) > 1:
            names = [_SPACE.sub("_", column.lower()) for column in sheet["columns"]]
            sheet["example_rows"].append(dict(zip(names, cells + [""] * (len(names) - len(cells)))))
        elif text.lower().endswith("key:"):
            phase = "key"
        elif phase == "key" and len(cells) > 1:
            sheet["assessment_method_key"].update((c, m) for c, m in zip(cells[0::2], cells[1::2]) if c)
        elif signature := _SIGNATURE.match(line.text.strip()):
            sheet["signature_lines"].append(_plain(signature[1]))
        else:
            sheet["instructions"].append(text)
    if sheet["header_fields"]:
        sheet["section_heading"] = sheet["header_fields"].pop()
    sheet["codes_used_but_not_in_key"] = _codes_not_in_key(sheet)
    return sheet


def _read_sheet_introduction(sheet: dict[str, Any], raw: str, text: str) -> str:
    """Read one line before the form's title; return the phase the next line is in."""
    if bold := _BOLD_LINE.match(raw):
        sheet["title"] = _plain(bold[1])
        return "header"
    # Only sentences: the page's strapline ("We listen and respond", L1486) leaks in here.
    if text.endswith("."):
        sheet["introduction"].append(text)
    return "introduction"


def _codes_not_in_key(sheet: dict[str, Any]) -> list[str]:
    used: list[str] = []
    for row in sheet["example_rows"]:
        for name, value in row.items():
            if "type" in name:
                used.extend(code.strip() for code in value.split(",") if code.strip())
    key = sheet["assessment_method_key"]
    return sorted({code for code in used if code not in key})


# --------------------------------------------------------------------------- parse


def parse(doc: SourceDocument) -> SpecReading:
    """Read a Highfield specification; defects of the input raise SpecError naming a line."""
    sections = _split_sections(doc)
    lines = doc.lines
    facts = _read_facts([lines[i] for i in sections.front], lines[sections.front.stop].no)
    number = facts.find("qualification number")
    if number is None:
        raise spec_error("highfield", "key_facts_give_no", line=facts.title_line)
    structure = _read_structure([lines[i] for i in sections.structure])
    method = facts.find("assessment method")
    drafts = _read_unit_bodies([lines[i] for i in sections.content])
    units = _build_units(drafts, structure, [method] if method else [])
    level = _LEVEL.search(facts.title)
    qualification = Qualification(
        title=facts.title,
        number=number,
        awarding_body=facts.awarding_body,
        level=int(level[1]) if level else None,
        glh=facts.number("guided learning hours"),
        tqt=facts.number("total qualification time"),
        credits=facts.number("credit value"),
        rules_of_combination=_rules_text(structure),
        rule_groups=[_rule_group(group) for group in structure.groups],
        units=[
            table_membership(row, row.ref, group.name, group.kind)
            for group in structure.groups
            for row in group.rows
        ],
    )
    extras: dict[str, Any] = {}
    if sections.sample is not None:
        extras["sample_assessment_material"] = _read_tracking_sheet(
            [lines[i] for i in sections.sample], sections.sample_heading
        )
    return SpecReading(family=FAMILY, qualifications=[qualification], units=units, extras=extras)
