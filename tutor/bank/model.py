"""Items and knowledge sheets as dataclasses, and loading them from the bank's YAML files.

Loading is lenient about content and strict about shape: a file that is not YAML, or an entry
that is not a mapping, is a :class:`BankError`; everything else (a second key, a missing source)
is left for :mod:`tutor.bank.checks` to report with the item's id, so one run lists every problem.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tutor.yaml_lines import LINE_KEY, load_with_lines

LETTERS = ("A", "B", "C", "D")
USES = ("secure", "practice")
STATUSES = ("draft", "approved", "review", "retired")
KINDS = ("single_best", "negative", "true_false", "matching", "ordering")
ABOVE_OPTION = re.compile(r"\b(all|none|both) of the (above|these)\b", re.I)  # an option items never use


class BankError(Exception):
    """A bank file cannot be read at all; ``str()`` is one line naming the file."""


@dataclass(frozen=True)
class CriterionRef:
    """The exact criterion an item or sheet entry bears on."""

    qualification: str
    unit: str
    outcome: str
    criterion: str

    def __str__(self) -> str:
        return f"{self.unit} {self.criterion}"


@dataclass
class Item:
    """One question. ``options`` maps letters to text for option items; matching items use
    ``pairs`` and ordering items ``sequence`` instead."""

    id: str
    ref: CriterionRef
    kind: str
    use: str
    status: str
    difficulty: int | None
    stem: str
    options: dict[str, str]
    key: str | None
    rationale: str
    source: dict[str, Any]
    provenance: dict[str, Any]
    pairs: list[tuple[str, str]] = field(default_factory=list)
    sequence: list[str] = field(default_factory=list)
    file: str = ""
    line: int | None = None
    extra_keys: list[str] = field(default_factory=list)  # keys given beyond one (a defect to report)
    enemies: list[str] = field(default_factory=list)  # items never to share a form with this one

    @property
    def version(self) -> str:
        """A hash of what the learner sees and what is marked right: a new text is a new version."""
        content = {
            "criterion": [self.ref.qualification, self.ref.unit, self.ref.outcome, self.ref.criterion],
            "kind": self.kind,
            "stem": self.stem,
            "options": self.options,
            "key": self.key,
            "pairs": self.pairs,
            "sequence": self.sequence,
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "version": self.version,
            "qualification": self.ref.qualification,
            "unit": self.ref.unit,
            "outcome": self.ref.outcome,
            "criterion": self.ref.criterion,
            "kind": self.kind,
            "use": self.use,
            "status": self.status,
            "difficulty": self.difficulty,
            "stem": self.stem,
        }
        if self.options:
            out["options"] = dict(self.options)
            out["key"] = self.key
        if self.pairs:
            out["pairs"] = [list(p) for p in self.pairs]
        if self.sequence:
            out["sequence"] = list(self.sequence)
        out.update(rationale=self.rationale, source=dict(self.source), provenance=dict(self.provenance))
        if self.enemies:
            out["enemies"] = list(self.enemies)
        return out


@dataclass
class KeyPoint:
    point: str
    short: str
    accept: list[str]
    synonyms: dict[str, list[str]]
    source: dict[str, Any]


@dataclass
class Misconception:
    statement: str
    wrong: str
    why: str
    source: dict[str, Any]


EXAMPLE_LABELS = ("credited", "not_credited", "contradicted")


@dataclass(frozen=True)
class MarkedExample:
    """A learner's answer to the entry's question as a marker (a tutor, or a labelled data set) judged it:
    ``label`` is one of :data:`EXAMPLE_LABELS`. An answer that closely resembles marked examples is
    marked as they were (see ``tutor.practice.marking``)."""

    text: str
    label: str


@dataclass
class Scenario:
    """A short workplace situation and a question that applies the criterion to it, with one correct
    answer and three wrong ones written alongside it (a practice item's raw material)."""

    situation: str
    question: str
    key: str
    wrong: list[str]
    why: str
    source: dict[str, Any]


@dataclass
class SheetEntry:
    """What a good answer to one knowledge criterion contains."""

    ref: CriterionRef
    text: str
    own_organisation: bool
    question: str
    question_not: str
    key_points: list[KeyPoint]
    misconceptions: list[Misconception]
    pairs: list[tuple[str, str]] = field(default_factory=list)
    sequence: list[str] = field(default_factory=list)
    file: str = ""
    line: int | None = None
    required: int | None = None  # key points a complete answer makes (default: see marking.required_points)
    scenarios: list[Scenario] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)  # the sheet file's: author, reviewer
    examples: list[MarkedExample] = field(default_factory=list)  # marked answers the marker follows when close


@dataclass
class Bank:
    """Everything in a question bank folder."""

    items: list[Item] = field(default_factory=list)
    sheets: list[SheetEntry] = field(default_factory=list)



def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = load_with_lines(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BankError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise BankError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise BankError(f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict):
        raise BankError(f"{path}: expected a mapping with 'qualification', 'unit' and a list")
    return data


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _phrase(value: Any) -> str:
    """A phrasing or synonym: YAML reads a bare false, true, yes, no, on or off as a yes/no value, never a word."""
    if isinstance(value, bool):
        raise ValueError(f"the phrasing {value!r} was read as a yes/no value: put it in quotes")
    return _text(value)


def _pairs(value: Any) -> list[tuple[str, str]]:
    """Pairs as (term, meaning); a malformed entry keeps an empty side for the checks to report."""
    pairs = []
    for entry in value or []:
        if isinstance(entry, (list, tuple)) and len(entry) == 2:
            pairs.append((_text(entry[0]), _text(entry[1])))
        else:
            pairs.append((_text(entry), ""))
    return pairs


def _clean(mapping: Any) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != LINE_KEY} if isinstance(mapping, dict) else {}


def item_from_dict(raw: dict[str, Any], qualification: str, unit: str, file: str = "") -> Item:
    """Build an item from its YAML mapping, keeping defects for the checks to report."""
    options_raw = raw.get("options") or {}
    if isinstance(options_raw, list):
        options = {LETTERS[i] if i < 4 else str(i + 1): _text(v) for i, v in enumerate(options_raw)}
    else:
        options = {str(k): _text(v) for k, v in _clean(options_raw).items()}
    key_raw = raw.get("key")
    keys = [str(k).strip() for k in key_raw] if isinstance(key_raw, list) else ([str(key_raw).strip()] if key_raw is not None else [])
    difficulty = raw.get("difficulty")
    return Item(
        id=_text(raw.get("id")),
        ref=CriterionRef(_text(raw.get("qualification", qualification)), _text(raw.get("unit", unit)),
                         _text(raw.get("outcome")), _text(raw.get("criterion"))),
        kind=_text(raw.get("kind", "single_best")),
        use=_text(raw.get("use")),
        status=_text(raw.get("status")),
        difficulty=difficulty if isinstance(difficulty, int) else None,
        stem=_text(raw.get("stem")),
        options=options,
        key=keys[0] if keys else None,
        rationale=_text(raw.get("rationale")),
        source=_clean(raw.get("source")),
        provenance=_clean(raw.get("provenance")),
        pairs=_pairs(raw.get("pairs")),
        sequence=[_text(s) for s in raw.get("sequence") or []],
        file=file,
        line=raw.get(LINE_KEY),
        extra_keys=keys[1:],
        enemies=[_text(e) for e in raw.get("enemies") or []] if isinstance(raw.get("enemies"), list) else [],
    )


def _scenario(raw: Any) -> Scenario:
    raw = raw if isinstance(raw, dict) else {}
    wrong = raw.get("wrong")
    return Scenario(_text(raw.get("situation")), _text(raw.get("question")), _text(raw.get("key")),
                    [_text(w) for w in wrong] if isinstance(wrong, list) else [], _text(raw.get("why")),
                    _clean(raw.get("source")))


def _sheet_entry(raw: dict[str, Any], qualification: str, unit: str, file: str,
                 provenance: dict[str, Any] | None = None) -> SheetEntry:
    return SheetEntry(
        ref=CriterionRef(qualification, unit, _text(raw.get("outcome")), _text(raw.get("criterion"))),
        text=_text(raw.get("text")),
        own_organisation=bool(raw.get("own_organisation", False)),
        question=_text(raw.get("question")),
        question_not=_text(raw.get("question_not")),
        key_points=[
            KeyPoint(_text(k.get("point")), _text(k.get("short")), [_phrase(a) for a in k.get("accept") or []],
                     {_phrase(w): [_phrase(s) for s in alts] for w, alts in _clean(k.get("synonyms")).items()},
                     _clean(k.get("source")))
            for k in raw.get("key_points") or []
        ],
        misconceptions=[
            Misconception(_text(m.get("statement")), _text(m.get("wrong")), _text(m.get("why")), _clean(m.get("source")))
            for m in raw.get("misconceptions") or []
        ],
        pairs=_pairs(raw.get("pairs")),
        sequence=[_text(s) for s in raw.get("sequence") or []],
        file=file,
        line=raw.get(LINE_KEY),
        required=raw.get("required") if isinstance(raw.get("required"), int) else None,
        scenarios=[_scenario(x) for x in raw.get("scenarios") or []],
        provenance=dict(provenance or {}),
        examples=[MarkedExample(_text(x.get("text")), _text(x.get("label")))
                  for x in raw.get("examples") or [] if isinstance(x, dict)],
    )


def load_item_file(path: Path) -> list[Item]:
    data = _read_yaml(path)
    items = data.get("items")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BankError(f"{path}: 'items' must be a list of mappings")
    return [item_from_dict(raw, _text(data.get("qualification")), _text(data.get("unit")), path.name) for raw in items]


def load_sheet_file(path: Path) -> list[SheetEntry]:
    data = _read_yaml(path)
    entries = data.get("criteria")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise BankError(f"{path}: 'criteria' must be a list of mappings")
    try:
        provenance = _clean(data.get("provenance"))
        return [_sheet_entry(raw, _text(data.get("qualification")), _text(data.get("unit")), path.name, provenance)
                for raw in entries]
    except (AttributeError, TypeError, ValueError) as exc:
        raise BankError(f"{path}: malformed knowledge sheet entry: {exc}") from None


def load_bank(folder: Path) -> Bank:
    """Load ``items/*.yaml`` and ``sheets/*.yaml`` from a question bank folder."""
    bank = Bank()
    for path in sorted((folder / "items").glob("*.yaml")):
        bank.items.extend(load_item_file(path))
    for path in sorted((folder / "sheets").glob("*.yaml")):
        bank.sheets.extend(load_sheet_file(path))
    return bank
