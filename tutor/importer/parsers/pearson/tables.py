"""The Pearson front matter and structure tables: the qualifications' titles and numbers, each
qualification's credits, rules and groups, the rows of its unit tables, and joining each row to the
unit it means (by exact title where ref and title disagree)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from tutor.domain.catalogue import Membership, Qualification, RuleGroup, Unit
from tutor.importer.errors import spec_error
from tutor.importer.parsers.pearson.layout import BULLET, UNIT_HEAD, clean
from tutor.importer.parsers.table_rows import UNIT_REF, TableRow, table_membership
from tutor.importer.text import SourceLine

# Front matter and structure tables.
_TITLE_ROW = re.compile(r"^([^\t]*\S[^\t]*)\t(\d{3}/\d{4}/\d)\t(\d{2}\.\d{2}\.\d{4})$")
AWARDER = re.compile(r"awarded by (\w+)")
_TITLE_LEVEL = re.compile(r"\bLevel (\d)\b")
_STRUCTURE_HEAD = re.compile(r"^What is the qualification structure for the (.+)\?$")
_QUESTION_HEAD = re.compile(r"^(?:How|What|Who) .*\?$")
_CREDIT_SENTENCE = re.compile(r"minimum credit value for this qualification is (\d+) \(TQT (\d+) hours\).*?GLH: (\d+)")
_SEE_UNITS = re.compile(r"Individual units can be found in the Units section\.")
_TABLE_ROW = re.compile(rf"^({UNIT_REF})\t([^\t]+)\t(\d)\t(\d+)")
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


@dataclass
class _TableRow(TableRow):
    """A structure-table row as printed, with the group it sits under."""

    group: str
    kind: str


@dataclass
class _Group:
    name: str
    parent: str | None
    text: list[str] = field(default_factory=list)
    descriptor: str = ""  # the heading's words before 'units.': 'Restricted Optional ICT'


def read_qualifications(lines: list[SourceLine]) -> tuple[list[Qualification], list[list[_TableRow]]]:
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
        raise spec_error("pearson", "no_table_qualification_titles", line=lines[-1].no)
    tables = [_read_structure(_structure_section(lines, qual), qual) for qual in quals]
    return quals, tables


def _awarding_body(lines: list[SourceLine]) -> str:
    for line in lines[:100]:
        m = AWARDER.search(line.text)
        if m:
            return m[1]
    raise spec_error("pearson", "awarding_body_not_named", line=lines[0].no)


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
        elif _QUESTION_HEAD.match(line.text) or UNIT_HEAD.match(line.text):
            return lines[start:i]
    if start is None:
        raise spec_error("pearson", "no_qualification_structure", line=lines[-1].no, qual=qual)
    raise spec_error("pearson", "qualification_structure_cut_off", line=lines[-1].no, qual=qual)


def _read_structure(section: list[SourceLine], qual: Qualification) -> list[_TableRow]:
    """Fill in the qualification's credits, TQT, GLH and rules; return its table rows."""
    prose: list[str] = []
    groups: dict[str, _Group] = {}
    current: _Group | None = None
    placed: list[tuple[re.Match[str], SourceLine, _Group]] = []
    for line in section[1:]:
        text = clean(line.text)
        row = _TABLE_ROW.match(line.text)
        head = _GROUP_HEAD.match(text)
        if not text or _TABLE_HEAD.match(line.text):
            continue
        if row:
            if current is None:
                raise spec_error("pearson", "unit_row_comes_before", line=line.no)
            placed.append((row, line, current))
        elif head:
            current = _open_group(head["name"], head["rule"], groups)
        elif current is not None:
            current.text.append(text)  # a heading's wrapped rule, or a note between rows
        elif _SEE_UNITS.sub("", text):
            prose.append(BULLET.sub("", _SEE_UNITS.sub("", text)).strip())
    m = _CREDIT_SENTENCE.search(" ".join(prose))
    if not m:
        raise spec_error("pearson", "no_minimum_credit_value", line=section[0].no, qual=qual)
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


def title_index(units: Iterable[Unit]) -> _TitleIndex:
    index: _TitleIndex = {}
    for unit in units:
        index.setdefault((_title_key(unit.title), unit.level), []).append(unit)
    return index


def _title_key(title: str) -> str:
    """Titles compared without case, spaces or punctuation ('(In-Bound)' = '(Inbound)')."""
    return re.sub(r"[^a-z0-9]", "", title.lower())


def membership(row: _TableRow, by_key: dict[str, Unit], titles: _TitleIndex) -> Membership:
    """The unit a table row means: the one whose title and level it prints, else the one its ref names.

    A row's title can name another unit exactly (two rows swap their refs; 'Champion Customer
    Service' carries the ref of 'Manage Conflict in a Team'): the title wins then. Where the
    title has drifted ('Hand Over'), the ref decides. A ref that resolves to nothing is kept
    as printed, for the reader's check to report.
    """
    named = titles.get((_title_key(row.title), row.level), [])
    unit = named[0] if len(named) == 1 else by_key.get(row.ref)
    ref = unit.key if unit is not None else row.ref
    return table_membership(row, ref, row.group, row.kind, unit)


def group_label(unit: Unit, quals: list[Qualification]) -> str:
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


def hub(quals: list[Qualification]) -> int:
    """The primary qualification: the one sharing most units with the others, the centre of the suite."""
    refs = [{m.ref for m in q.units} for q in quals]
    shared = [sum(len(mine & theirs) for j, theirs in enumerate(refs) if j != i) for i, mine in enumerate(refs)]
    return shared.index(max(shared))
