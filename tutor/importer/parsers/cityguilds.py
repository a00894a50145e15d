"""Parser for City & Guilds qualification handbooks (e.g. 2794-02, Customer Service Practitioners).

Layout, as the PDF-to-text extraction leaves it:

* Front matter with tab-separated tables: the "Title and level" table (qualification
  number, regulatory reference, GLH, TQT), the structure table (``2794-201<TAB>title<TAB>GLH``
  rows under "Mandatory units:" / "Optional units:" headings, each followed by its rule
  sentence), the assessment-types table (method and where to obtain materials per unit) and
  the "Test specifications" block of an externally set multiple-choice test.
* One section per unit: ``Unit 201 Title`` (the title may sit on the next line), a header
  with ``Level:`` and ``GLH:`` (inline or one per line), then repeated outcome blocks
  (``Learning outcome`` / ``The learner will:`` / ``LO1 ...`` / ``Assessment criteria`` /
  ``The learner can:`` / ``- AC1.1 ...`` / optional ``Range``), then the unit heading again
  with ``Supporting information`` (evidence requirements and unit guidance).

Traps handled here (line numbers are those of the bundled 2794-02 handbook):

* Contents entries and the repeated heading before "Supporting information" look like unit
  headings; only a heading followed by ``Level:`` starts a unit.
* Table cells split inside a word (``Mandatory un<TAB>nits:``), page breaks that repeat a
  table header, and a method cell that merged two lines ("Portfolio of evidence Centre-...").
* Criteria: ``**`` bold markers, trailing full stops, two criteria on one unbulleted line
  (L2342), lettered sub-items on indented lines (L1103-1105) folded into their criterion.
* An outcome printed without its ``LOn`` statement (unit 208 LO2): its number comes from
  its criteria and its kind from their verbs.
* Range blocks: term headings with "eg", "e.g", "eq", "For example" suffixes, a qualifier
  (``Rapport: Make effective use of``) or an inline value; unbulleted values; bullet glyph
  noise (``- ·``, ``∘``, ``•``); nested items and unbulleted sub-headings folded as
  ``"Parent: a; b"``; a heading right under a still-empty term heading is its sub-heading
  (``Procedures: eg:`` / ``Electronic:``), and a lone sub-heading ("Understanding of the
  following:") only introduces the list; a term repeated within one outcome is merged;
  blank lines (page breaks inside lists) are ignored.
* The test table lost the outcome numbers of its first rows (L320-321).

Defects no rule can tell apart from legitimate layout (nesting lost at a page break or in
extraction) are corrected by the document's errata file, not here.

Over 500 lines because a family's reader follows one document's layout from front matter to last unit,
and each trap listed above sits beside the rule that handles it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from tutor.domain.catalogue import (COMPETENCE, KNOWLEDGE, Criterion, Membership, Outcome, OutcomeKind, Qualification,
                                    RuleGroup, SpecReading, TestOutcomeShare, TestSpec, Unit)
from tutor.importer.errors import spec_error
from tutor.importer.text import SourceDocument, SourceLine

FAMILY = "cityguilds"

AWARDING_BODY_MARK = "City & Guilds"
_UNIT_ROW = re.compile(r"^\d{4}-\d{3}\t")
_UNIT_HEADING = re.compile(r"^Unit (\d{3})(?: +([^\t]+?))?$")
_GROUP_HEADING = re.compile(r"^(Mandatory|Optional)\b", re.IGNORECASE)
_RULE_COUNT = re.compile(r"\bachieve (at least |all )?(\w+)\b", re.IGNORECASE)
_LEVEL = re.compile(r"\bLevel:\s*(\d+)")
_GLH = re.compile(r"\bGLH:\s*(\d+)")
_TITLE_LEVEL = re.compile(r"\bLevel (\d+)\b")
_OUTCOME_STATEMENT = re.compile(r"^LO(\d+)\s+(.*)$")
_KNOWLEDGE_STATEMENT = re.compile(r"^(?:Understand|Know)\b")
_CRITERION_TOKEN = re.compile(r"\bAC(\d+)\.(\d+)\s+")
_BULLET = re.compile(r"^(\s*)[-•·∘](?:\s*[-•·∘](?=\s))*\s+(.*)$")
_EG_SUFFIX = re.compile(r"\s*\b(?:eg|e\.g|eq|for example)\.?\s*:?\s*$", re.IGNORECASE)
_EG_ONLY = re.compile(r"^(?:eg|e\.g|eq|for example)\.?\s*:?$", re.IGNORECASE)
_MERGED_CELL_BREAK = re.compile(r"(?<=[a-z]) (?=[A-Z])")
_DURATION = re.compile(r"Duration:\s*(\d+)\s*minutes", re.IGNORECASE)
_PASS_MARK = re.compile(r"minimum of (\d+) out of (\d+)", re.IGNORECASE)
_TEST_FORMAT = re.compile(r"\bone (.+? test) for (?:optional |mandatory )?unit (\d{3})\b", re.IGNORECASE)
_LEADING_NUMBER = re.compile(r"^(\d+)\s+(.*)$")
_PERCENT = re.compile(r"^(\d+)\s*%?$")

_NUMBER_WORDS = {
    word: n
    for n, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve".split()
    )
}
# Verbs of criteria that ask the learner to show knowledge rather than perform a task.
_KNOWLEDGE_VERBS = frozenset(
    "describe explain state identify list outline define summarise compare recognise".split()
)


def detect(doc: SourceDocument) -> bool:
    """A City & Guilds handbook: the body named near the top and ``NNNN-NNN`` unit rows."""
    named = any(AWARDING_BODY_MARK in line.text for line in doc.lines[:40])
    return named and any(_UNIT_ROW.match(line.text) for line in doc.lines)


def parse(doc: SourceDocument) -> SpecReading:
    # Blank lines carry no meaning here: page breaks put them in the middle of lists.
    lines = [line for line in doc.lines if line.text.strip()]
    starts = _unit_starts(lines)
    if not starts:
        raise spec_error("cityguilds", "no_unit_specifications", line=doc.last_line_no())
    front = lines[: starts[0].index]
    structure = _read_structure(front)
    methods = _read_assessment_methods(front)
    units = [
        _read_unit(lines[start.index:end], start, structure, methods)
        for start, end in zip(starts, _unit_ends(lines, starts), strict=True)
    ]
    qualification = _read_qualification(front, structure)
    test_specs = _read_test_specs(front, structure, methods, units)
    return SpecReading(family=FAMILY, qualifications=[qualification], units=units, test_specs=test_specs)


# --------------------------------------------------------------------------- front matter


def _cells(line: SourceLine) -> list[str]:
    return [cell.strip() for cell in line.text.split("\t")]


def _clean(text: str) -> str:
    """Drop bold markers and collapse whitespace."""
    return " ".join(text.replace("**", "").split())


@dataclass
class _StructureRow:
    local_id: str
    title: str
    glh: int | None
    group: str
    line: int


@dataclass
class _Structure:
    intro: str
    rows: list[_StructureRow]
    rules: dict[str, tuple[str, int]]  # group -> (rule sentence, its line)

    def by_number(self, number: str) -> _StructureRow | None:
        return next((row for row in self.rows if row.local_id.endswith("-" + number)), None)


def _read_structure(front: list[SourceLine]) -> _Structure:
    """The structure table: group headings, each group's rule sentence and its unit rows."""
    header = _find_row(front, ("unit number", "unit title", "glh"))
    if header is None:
        raise spec_error("cityguilds", "no_structure_table_unit", line=_last_no(front))
    intro = front[header - 1].text if header > 0 and front[header - 1].text.startswith("To achieve") else ""
    rows: list[_StructureRow] = []
    rules: dict[str, tuple[str, int]] = {}
    group = ""
    for line in front[header + 1:]:
        cells = _cells(line)
        # A heading cell may be split inside a word ("Mandatory un<TAB>nits:").
        heading = _GROUP_HEADING.match("".join(cells))
        if heading:
            group = heading.group(1).lower()
        elif _UNIT_ROW.match(line.text):
            if not group:
                raise spec_error("cityguilds", "unit_row_precedes_group", line=line.no)
            glh = cells[2] if len(cells) > 2 else ""
            rows.append(_StructureRow(cells[0], cells[1] if len(cells) > 1 else "", _int(glh), group, line.no))
        elif group and group not in rules and cells[0].startswith("Learners must"):
            rules[group] = (_clean(" ".join(cells)), line.no)
        else:
            break
    if not rows:
        raise spec_error("cityguilds", "structure_table_lists_no_units", line=front[header].no)
    return _Structure(intro, rows, rules)


def _read_assessment_methods(front: list[SourceLine]) -> dict[str, tuple[list[str], str | None]]:
    """Unit code -> (assessment methods, where to obtain materials) from the assessment table."""
    header = _find_row(front, ("unit", "title", "assessment method"))
    if header is None:
        return {}
    columns = [c.lower() for c in _cells(front[header])]
    methods: dict[str, tuple[list[str], str | None]] = {}
    for line in front[header + 1:]:
        cells = _cells(line)
        if not _UNIT_ROW.match(line.text):
            # The table breaks across a page and repeats its caption and header there.
            if cells[0] in ("Unit", "Assessment types"):
                continue
            break
        row = dict(zip(columns, cells, strict=False))
        method = row.get("assessment method", "")
        # Two lines of one cell arrive merged: "Portfolio of evidence Centre-devised, ...".
        parts = [p for p in _MERGED_CELL_BREAK.split(method) if p]
        methods[cells[0]] = (parts, row.get("where to obtain assessment materials") or None)
    return methods


def _find_row(lines: list[SourceLine], wanted: tuple[str, ...]) -> int | None:
    """Index of the first table header whose leading cells end with the wanted names."""
    for i, line in enumerate(lines):
        cells = [c.lower() for c in _cells(line)]
        if len(cells) >= len(wanted) and all(c.endswith(w) for c, w in zip(cells, wanted, strict=False)):
            return i
    return None


def _read_qualification(front: list[SourceLine], structure: _Structure) -> Qualification:
    header = _find_row(front, ("title and level", "qualification number", "regulatory reference number"))
    if header is None or header + 1 >= len(front):
        raise spec_error("cityguilds", "no_title_level_table", line=_last_no(front))
    columns = [c.lower() for c in _cells(front[header])]
    values = dict(zip(columns, _cells(front[header + 1]), strict=False))
    title = values.get("title and level", "")
    body_column = next(c for c in _cells(front[header]) if c.lower().endswith("qualification number"))
    awarding_body = body_column[: -len("qualification number")].strip()
    own_number = values.get(body_column.lower(), "")
    number = values.get("regulatory reference number") or own_number
    if not title or not number:
        raise spec_error("cityguilds", "title_level_table_has_no_title", line=front[header + 1].no)
    level = _TITLE_LEVEL.search(title)
    rule_groups = _rule_groups(structure)
    return Qualification(
        title=title,
        number=number,
        awarding_body=awarding_body,
        level=int(level.group(1)) if level else None,
        glh=_int(values.get("glh", "")),
        tqt=_int(values.get("tqt", "")),
        credits=None,  # City & Guilds handbooks of this layout give no credit values
        rules_of_combination=_rules_text(front, structure, rule_groups, own_number, number, awarding_body),
        rule_groups=rule_groups,
        units=[
            Membership(ref=row.local_id, group=row.group, group_kind=_group_kind(row.group), table_line=row.line)
            for row in structure.rows
        ],
    )


def _group_kind(group: str) -> Literal["mandatory", "optional"]:
    return "mandatory" if group == "mandatory" else "optional"


def _rule_groups(structure: _Structure) -> list[RuleGroup]:
    groups: list[RuleGroup] = []
    for name in dict.fromkeys(row.group for row in structure.rows):
        members = [row for row in structure.rows if row.group == name]
        sentence, line = structure.rules.get(name, ("", members[0].line))
        low, high = _rule_limits(sentence, len(members), line)
        groups.append(RuleGroup(name=name, kind=_group_kind(name), min_units=low, max_units=high, text=sentence))
    return groups


def _rule_limits(sentence: str, listed: int, line: int) -> tuple[int | None, int | None]:
    """Unit limits of a rule sentence: "achieve all six ..." or "achieve one unit from ..."."""
    match = _RULE_COUNT.search(sentence)
    if not match:
        return None, None
    qualifier, word = (match.group(1) or "").strip().lower(), match.group(2).lower()
    count = int(word) if word.isdigit() else _NUMBER_WORDS.get(word)
    if count is None:
        return (listed, listed) if qualifier == "all" else (None, None)
    if qualifier == "all" and count != listed:
        raise spec_error("cityguilds", "rule_asks_all_units", line=line, count=count, listed=listed)
    return (count, None) if qualifier == "at least" else (count, count)


def _rules_text(
    front: list[SourceLine],
    structure: _Structure,
    groups: list[RuleGroup],
    own_number: str,
    number: str,
    awarding_body: str,
) -> str:
    """The document's own rule sentences, with the unit codes each group covers."""
    parts = [f"{awarding_body} qualification number {own_number} (regulatory reference {number})."]
    if structure.intro:
        parts.append(structure.intro)
    for group in groups:
        codes = [row.local_id for row in structure.rows if row.group == group.name]
        parts.append(f"{group.name.capitalize()} units ({codes[0]} to {codes[-1]}): {group.text}")
    parts.extend(_assessment_rule(front))
    return " ".join(parts)


def _assessment_rule(front: list[SourceLine]) -> list[str]:
    """The "Candidates must:" list of the assessment section, as one sentence."""
    start = next((i for i, line in enumerate(front) if line.text.strip() == "Candidates must:"), None)
    if start is None:
        return []
    items: list[str] = []
    for line in front[start + 1:]:
        if "\t" in line.text:
            break
        bullet = _BULLET.match(line.text)
        items.append(_clean(bullet.group(2) if bullet else line.text))
    return ["Candidates must: " + " ".join(items)] if items else []


# --------------------------------------------------------------------------- units


@dataclass(frozen=True)
class _UnitStart:
    index: int  # of the heading in the non-blank lines
    number: str
    title: str
    line: int


def _unit_starts(lines: list[SourceLine]) -> list[_UnitStart]:
    """Unit headings that open a specification: those followed by the ``Level:`` header.

    Contents entries and the heading repeated before "Supporting information" are not.
    """
    starts: list[_UnitStart] = []
    for i, line in enumerate(lines):
        heading = _UNIT_HEADING.match(line.text)
        if not heading:
            continue
        title, after = heading.group(2), i + 1
        if title is None and after < len(lines):  # "Unit 208" / "Working in an ..."
            title, after = lines[after].text.strip(), after + 1
        if title and after < len(lines) and lines[after].text.startswith("Level:"):
            starts.append(_UnitStart(i, heading.group(1), _clean(title), line.no))
    return starts


def _unit_ends(lines: list[SourceLine], starts: list[_UnitStart]) -> list[int]:
    """Each unit runs to the next unit, the last one to the appendices or the end."""
    ends = [start.index for start in starts[1:]]
    last = next(
        (i for i in range(starts[-1].index, len(lines)) if lines[i].text.startswith("Appendix")),
        len(lines),
    )
    return ends + [last]


def _read_unit(
    section: list[SourceLine],
    start: _UnitStart,
    structure: _Structure,
    methods: dict[str, tuple[list[str], str | None]],
) -> Unit:
    row = structure.by_number(start.number)
    if row is None:
        raise spec_error("cityguilds", "unit_in_structure_table", line=start.line, start=start)
    blocks = [i for i, line in enumerate(section) if line.text.strip() == "Learning outcome"]
    if not blocks:
        raise spec_error("cityguilds", "unit_no_learning_outcomes", line=start.line, row=row)
    header = " ".join(line.text for line in section[: blocks[0]])
    level, glh = _LEVEL.search(header), _GLH.search(header)
    if not level or not glh:
        raise spec_error("cityguilds", "unit_no_level_glh", line=start.line, row=row)
    support = _supporting_start(section, start.number, blocks[-1], row.local_id)
    outcomes: list[Outcome] = []
    ranges: dict[str, list[str]] = {}
    for begin, end in zip(blocks, blocks[1:] + [support], strict=True):
        outcome, terms = _read_outcome(section[begin:end], row.local_id)
        outcomes.append(outcome)
        for term, items in terms:
            ranges.setdefault(f"LO{outcome.id} {term}", []).extend(items)
    return Unit(
        ref=None,  # the handbook gives no regulator unit references
        local_id=row.local_id,
        title=start.title,
        level=int(level.group(1)),
        glh=int(glh.group(1)),
        credit=None,
        group=row.group,
        assessment_methods=methods.get(row.local_id, ([], None))[0],
        outcomes=outcomes,
        range=ranges,
        guidance=_guidance(section[support:]),
        source_line=start.line,
    )


def _supporting_start(section: list[SourceLine], number: str, after: int, local_id: str) -> int:
    """Index of the unit heading repeated before "Supporting information" (or of that line)."""
    for i in range(after, len(section)):
        text = section[i].text.strip()
        heading = _UNIT_HEADING.match(text)
        if text == "Supporting information" or (heading and heading.group(1) == number):
            return i
    raise spec_error("cityguilds", "unit_ends_without_supporting", line=section[-1].no, local_id=local_id)


def _read_outcome(block: list[SourceLine], unit: str) -> tuple[Outcome, list[tuple[str, list[str]]]]:
    """One ``Learning outcome`` block: statement, criteria and range terms."""
    texts = [line.text.strip() for line in block]
    if "Assessment criteria" not in texts:
        raise spec_error("cityguilds", "unit_outcome_cut_off_before_criteria", line=block[-1].no, unit=unit)
    criteria_at = texts.index("Assessment criteria")
    range_at = next((i for i in range(criteria_at, len(texts)) if texts[i] == "Range"), len(block))
    statement = _clean(" ".join(t for t in texts[1:criteria_at] if t != "The learner will:"))
    criteria = _read_criteria([ln for ln in block[criteria_at + 1: range_at] if ln.text.strip() != "The learner can:"])
    if not criteria:
        raise spec_error("cityguilds", "unit_outcome_without_criteria", line=block[criteria_at].no, unit=unit)
    numbered = _OUTCOME_STATEMENT.match(statement)
    # Unit 208 LO2 was printed without its statement: its criteria still carry its number.
    outcome_id = numbered.group(1) if numbered else criteria[0].id.split(".")[0]
    text = (numbered.group(2) if numbered else statement).rstrip(".").strip()
    stray = next((c.id for c in criteria if c.id.split(".")[0] != outcome_id), None)
    if stray:
        raise spec_error("cityguilds", "unit_criterion_not_under_outcome", line=block[criteria_at].no, unit=unit,
                         stray=stray, outcome_id=outcome_id)
    outcome = Outcome(id=outcome_id, text=text, kind=_outcome_kind(text, criteria), criteria=criteria)
    return outcome, _read_range(block[range_at + 1:])


def _outcome_kind(text: str, criteria: list[Criterion]) -> OutcomeKind:
    if text:
        return KNOWLEDGE if _KNOWLEDGE_STATEMENT.match(text) else COMPETENCE
    # No statement: a performance verb among the criteria makes it a competence outcome.
    verbs = {c.text.split()[0].lower() for c in criteria if c.text}
    return KNOWLEDGE if verbs <= _KNOWLEDGE_VERBS else COMPETENCE


@dataclass
class _Draft:
    """A criterion or range item being assembled, with the sub-items folded into it."""

    text: str
    children: list[str] = field(default_factory=list)
    subheading: bool = False  # printed without a bullet, over the bullets that follow it

    def folded(self) -> str:
        if not self.children:
            return self.text
        return f"{self.text.rstrip(':').strip()}: {'; '.join(self.children)}"


def _read_criteria(lines: list[SourceLine]) -> list[Criterion]:
    """``- AC1.1 text`` lines; two may share one line, lettered sub-items fold into the last."""
    drafts: list[tuple[str, _Draft]] = []
    for line in lines:
        bullet = _BULLET.match(line.text)
        text = _clean(bullet.group(2) if bullet else line.text)
        tokens = list(_CRITERION_TOKEN.finditer(text))
        if tokens and tokens[0].start() == 0:
            for token, following in zip(tokens, tokens[1:] + [None], strict=True):
                body = text[token.end(): following.start() if following else len(text)]
                drafts.append((f"{token.group(1)}.{token.group(2)}", _Draft(_strip_stop(body))))
        elif drafts and bullet and bullet.group(1):  # " - a. a product"
            drafts[-1][1].children.append(_strip_stop(text))
        elif drafts:  # a criterion wrapped onto a second line
            drafts[-1][1].text = _strip_stop(f"{drafts[-1][1].text} {text}")
        else:
            raise spec_error("cityguilds", "expected_assessment_criterion_acn", line=line.no, text=text)
    return [Criterion(id=cid, text=draft.folded()) for cid, draft in drafts]


def _strip_stop(text: str) -> str:
    return text.strip().rstrip(".").strip()


# --------------------------------------------------------------------------- range


@dataclass
class _Term:
    name: str
    items: list[_Draft] = field(default_factory=list)
    collecting: _Draft | None = None  # the sub-heading gathering the flush bullets below it

    def values(self) -> list[str]:
        # A lone sub-heading ("Understanding of the following:") only introduces the list.
        if len(self.items) == 1 and self.items[0].subheading:
            return list(self.items[0].children)
        return [item.folded() for item in self.items]


def _read_range(lines: list[SourceLine]) -> list[tuple[str, list[str]]]:
    """Range terms in order, each with its values."""
    terms: list[_Term] = []
    for i, line in enumerate(lines):
        following = lines[i + 1].text if i + 1 < len(lines) else ""
        bullet = _BULLET.match(line.text)
        if bullet:
            _add_bullet(terms, line, _clean(bullet.group(2)), nested=bool(bullet.group(1)))
        else:
            _add_unbulleted(terms, _clean(line.text), opens_list=bool(_BULLET.match(following)))
    return [(term.name, term.values()) for term in terms]


def _add_bullet(terms: list[_Term], line: SourceLine, text: str, nested: bool) -> None:
    if not terms:
        raise spec_error("cityguilds", "range_item_comes_before", line=line.no, text=text)
    term = terms[-1]
    if nested and term.items:
        parent = term.items[-1]
        parent.text = _EG_SUFFIX.sub("", parent.text)  # "Rules eg" / " - commission, ..."
        parent.children.append(text)
    elif term.collecting is not None:
        term.collecting.children.append(text)
    else:
        term.items.append(_Draft(text))


def _add_unbulleted(terms: list[_Term], text: str, opens_list: bool) -> None:
    """A term heading, a sub-heading inside a term, or a value printed without a bullet."""
    term = terms[-1] if terms else None
    head, colon, rest = text.partition(":")
    if colon:
        head, rest = _EG_SUFFIX.sub("", head.strip()), rest.strip()
        if rest and not _EG_ONLY.match(rest):
            if opens_list:  # "Rapport: Make effective use of" qualifies the term
                terms.append(_Term(f"{head} ({rest[0].lower()}{rest[1:]})"))
            else:  # "Presentation methods: will vary according to ..."
                terms.append(_Term(head, [_Draft(rest)]))
        elif term is not None and not term.items:  # "Procedures: eg:" / "Electronic:"
            _open_subheading(term, head)
        else:
            terms.append(_Term(head))
    elif term is None:
        terms.append(_Term(_EG_SUFFIX.sub("", text)))
    elif opens_list:  # "Those with" / "Formal" over the bullets that follow
        _open_subheading(term, _EG_SUFFIX.sub("", text))
    else:  # a value printed without a bullet: "active listening" under "Listening skills:"
        term.collecting = None
        term.items.append(_Draft(text))


def _open_subheading(term: _Term, text: str) -> None:
    term.collecting = _Draft(text, subheading=True)
    term.items.append(term.collecting)


# --------------------------------------------------------------------------- guidance


def _guidance(section: list[SourceLine]) -> str:
    """Supporting information, one line per paragraph or list item, page-split paragraphs rejoined."""
    begin = next((i + 1 for i, ln in enumerate(section) if ln.text.strip().endswith("Supporting information")), 0)
    paragraphs: list[str] = []
    last_was_item = True
    for line in section[begin:]:
        bullet = _BULLET.match(line.text)
        text = _clean(bullet.group(2) if bullet else line.text)
        open_end = bool(paragraphs) and not paragraphs[-1].endswith((".", ":", "?", "!"))
        # A page break cuts a paragraph; the PDF also wraps some bullets onto space-led lines.
        indented_rest = not bullet and line.text[:1].isspace()
        lower_rest = not bullet and text[:1].islower() and not last_was_item
        if open_end and (indented_rest or lower_rest):
            paragraphs[-1] = f"{paragraphs[-1]} {text}"
            continue
        paragraphs.append(text)
        last_was_item = bool(bullet)
    return "\n".join(paragraphs)


# --------------------------------------------------------------------------- test specification


def _read_test_specs(
    front: list[SourceLine],
    structure: _Structure,
    methods: dict[str, tuple[list[str], str | None]],
    units: list[Unit],
) -> list[TestSpec]:
    """The "Test specifications" block: grading, pass mark, duration and the blueprint table."""
    start = next((i for i, line in enumerate(front) if line.text.strip() == "Test specifications"), None)
    if start is None:
        return []
    block = front[start + 1:]
    facts: dict[str, tuple[str, int]] = {}
    for line in block:
        key, colon, value = line.text.partition(":")
        if colon and key.strip() in ("Graded", "Pass mark"):
            facts[key.strip()] = (value.strip(), line.no)
    duration = next((m for m in (_DURATION.search(line.text) for line in block) if m), None)
    header = _find_row(block, ("unit", "outcome", "number of questions"))
    if "Pass mark" not in facts or duration is None or header is None:
        raise spec_error("cityguilds", "test_specification_lacks_pass", line=front[start].no)
    pass_text, pass_line = facts["Pass mark"]
    pass_mark = _PASS_MARK.search(pass_text)
    if pass_mark is None:
        raise spec_error("cityguilds", "cannot_read_pass_mark", line=pass_line, pass_text=pass_text)
    unit, shares, total, percentage = _read_blueprint(block[header + 1:], front[start].no)
    if total != int(pass_mark.group(2)) or sum(s.questions for s in shares) != total:
        raise spec_error("cityguilds", "test_counts_do_not_add_up", line=front[start].no)
    row = next((r for r in structure.rows if r.local_id == unit), None)
    tested = next((u for u in units if u.local_id == unit), None)
    if row is None or tested is None:
        raise spec_error("cityguilds", "test_unit_has_no_specification", line=front[start].no, unit=unit)
    known = {outcome.id for outcome in tested.outcomes}
    if any(share.outcome not in known for share in shares):
        raise spec_error("cityguilds", "test_outcomes_do_not_match", line=front[start].no, unit=unit)
    unit_methods, where = methods.get(unit, ([], None))
    return [
        TestSpec(
            unit=unit,
            unit_title=row.title,
            format=_test_format(front, unit) or " ".join(unit_methods).lower(),
            duration_minutes=int(duration.group(1)),
            total_questions=total,
            pass_mark=int(pass_mark.group(1)),
            pass_mark_text=pass_text,
            grading=facts.get("Graded", ("", 0))[0],
            where_to_obtain_materials=where,
            outcomes=shares,
            total_percentage=percentage,
        )
    ]


def _read_blueprint(rows: list[SourceLine], where: int) -> tuple[str, list[TestOutcomeShare], int, int]:
    """Rows ``unit? <TAB> [n] outcome title <TAB> questions <TAB> %`` up to the Total row."""
    unit = ""
    shares: list[TestOutcomeShare] = []
    for line in rows:
        cells = _cells(line)
        if len(cells) < 4:
            break
        unit = unit or cells[0]
        if cells[1] == "Total":
            total, percentage = _int(cells[2]), _PERCENT.match(cells[3])
            if total is None or percentage is None:
                raise spec_error("cityguilds", "cannot_read_test_total", line=line.no)
            return unit, shares, total, int(percentage.group(1))
        # The extraction lost the outcome numbers of the first rows: number them by position.
        numbered = _LEADING_NUMBER.match(cells[1])
        outcome = numbered.group(1) if numbered else str(len(shares) + 1)
        questions, percent = _int(cells[2]), _PERCENT.match(cells[3])
        if outcome != str(len(shares) + 1) or questions is None or percent is None:
            raise spec_error("cityguilds", "cannot_read_test_outcome", line=line.no, cells=cells)
        title = numbered.group(2) if numbered else cells[1]
        shares.append(TestOutcomeShare(outcome, title, questions, int(percent.group(1))))
    raise spec_error("cityguilds", "test_table_no_total", line=_last_no(rows) or where)


def _test_format(front: list[SourceLine], unit: str) -> str:
    """The test's own name in the assessment rule: "... one online multiple choice test for ... unit 210"."""
    for line in front:
        match = _TEST_FORMAT.search(line.text)
        if match and unit.endswith("-" + match.group(2)):
            return match.group(1)
    return ""


# --------------------------------------------------------------------------- helpers


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def _last_no(lines: list[SourceLine]) -> int | None:
    return lines[-1].no if lines else None
