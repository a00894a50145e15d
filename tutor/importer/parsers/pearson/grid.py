"""A Pearson unit's grid of learning outcomes and assessment criteria: its rows read into
outcomes and criteria whatever the PDF did to them (ids lost, fused, doubled; criteria run
together; outcome numbers garbled), then each outcome finished (its text restored from the unit
summary, fused criteria split, its kind told)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from tutor.domain.catalogue import COMPETENCE, KNOWLEDGE, Criterion, Outcome
from tutor.importer.errors import spec_error
from tutor.importer.parsers.pearson.layout import join_words
from tutor.importer.text import SourceLine

GRID_TITLE = "Learning outcomes and assessment criteria"
GRID_HEAD = re.compile(r"^Lea[^\t]*\t.*outcomes|^Learning outcomes\t")

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
class OutcomeDraft:
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


def read_grid(grid: list[SourceLine], local_id: str, head_line: int) -> list[OutcomeDraft]:
    outcomes: dict[str, OutcomeDraft] = {}
    current: OutcomeDraft | None = None
    last: tuple[OutcomeDraft, str] | None = None
    for line in grid:
        if not line.text.strip() or line.text == GRID_TITLE or GRID_HEAD.match(line.text):
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
            raise spec_error("pearson", "grid_starts_with_row", line=line.no, local_id=local_id)
        current = outcomes.setdefault(major, OutcomeDraft(major))
        current.fragments.extend(row.lo_text)
        for piece in row.pieces:
            if not piece.ids:
                piece.ids = [current.next_id()]  # the PDF lost the id: the next one in sequence
            major = piece.ids[0].split(".")[0]
            current = outcomes.setdefault(major, OutcomeDraft(major))
            current.add(piece)
            last = (current, piece.ids[0])
        if row.tail:
            if last is None:
                raise spec_error("pearson", "criterion_text_with_no", line=line.no, local_id=local_id)
            owner, ac = last
            owner.criteria[ac].text = join_words([owner.criteria[ac].text, row.tail])
    if not outcomes:
        raise spec_error("pearson", "outcomes_grid_empty", line=grid[-1].no if grid else head_line, local_id=local_id)
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


# -- finishing outcomes --------------------------------------------------------------------------


def finish_outcome(draft: OutcomeDraft, boundary: re.Pattern[str]) -> Outcome:
    text = ""
    for fragment in draft.fragments:
        if not _repeats_tail(text, fragment):
            text = join_words([text, fragment])
    text = _DOUBLED_WORD.sub(r"\1", text)  # 'organisational organisational': a wrap printed twice
    criteria: list[Criterion] = []
    for key in sorted(draft.criteria, key=lambda k: int(k.split(".")[1])):
        criteria.extend(_split_fused(draft.criteria[key], boundary, draft))
    return Outcome(id=draft.id, text=text, kind=COMPETENCE, criteria=criteria)


def _split_fused(piece: _Piece, boundary: re.Pattern[str], draft: OutcomeDraft) -> list[Criterion]:
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


def summary_clauses(summary: str) -> str:
    """The outcomes a 'This unit concerns being able to a, b, c and understand d.' summary lists."""
    m = _SUMMARY_LIST.search(summary)
    return m[1] if m else ""


def complete_from_summary(text: str, clauses: str) -> str:
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


def outcome_kind(outcome: Outcome) -> str:
    """Knowledge for 'Understand/Know/Be able to understand ...'; a fragment the PDF cut goes by its criteria."""
    if outcome.text[:1].isupper():
        return KNOWLEDGE if outcome.text.startswith(_KNOWLEDGE_OPENERS) else COMPETENCE
    verbs = [c.text.split(" ", 1)[0].lower() for c in outcome.criteria]
    knowing = sum(v in _KNOWLEDGE_VERBS for v in verbs)
    return KNOWLEDGE if knowing * 2 > len(verbs) else COMPETENCE
