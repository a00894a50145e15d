"""The practice-item generator: jinja2 item models turn a knowledge sheet into items.

Forms, each recorded as the item's template (``provenance.template``):

* ``scenario`` - a sheet's workplace situation and question, its key and its three wrong answers;
* ``single_best`` - "which of these ...": a key point's short answer against three wrong answers;
* ``statement`` - "which statement is correct": a key point's sentence against three false statements;
* ``negative`` - "which is NOT": a misconception among three key points (served rarely, see the engine);
* ``true_false`` - one statement; ``matching`` - a sheet's pairs; ``ordering`` - a sheet's sequence.

Distractors come from the entry's misconceptions and, where it has too few for variety, from its
neighbouring criteria's misconceptions (false statements about the same unit); no two items of a criterion
share the same three distractors. Output is deterministic for a seed: each criterion draws from its own
``random.Random`` seeded with the bank seed and the criterion, so adding a sheet never changes another
criterion's items. rapidfuzz keeps distractors from being near-copies of the key or of each other.
Generated items are always practice items.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterable

from rapidfuzz import fuzz

from tutor.bank.checks import NEAR_COPY
from tutor.bank.grammar import opens_on_pronoun
from tutor.bank.model import LETTERS, Item, KeyPoint, Misconception, SheetEntry
from tutor.rendering import TextRenderer

DEFAULT_SEED = 2794
MAX_SINGLE_BEST = 6
MAX_STATEMENT = 4
MAX_NEGATIVE = 3
FORMS = ("scenario", "single_best", "statement", "negative", "true_false", "matching", "ordering")


def item_form(item: Item) -> str:
    """The form an item was written in: its template's name for generated items, else its kind."""
    template = str(item.provenance.get("template", ""))
    return template.removeprefix("items/").removesuffix(".j2") if template else item.kind


_LIST_MARKER = re.compile(r"(?:^|\s)(?:[a-z]|[ivx]+)\)\s+")


def criterion_topic(text: str) -> str:
    """A criterion's words as a topic line: its list markers ("a) employers b) employees") become a plain
    list ("employers, employees"), so no bracket is left open, and the end has no full stop."""
    parts = [p.strip().rstrip(",;") for p in _LIST_MARKER.split(text) if p.strip()]
    if len(parts) > 1:
        head, items = parts[0].rstrip(":").strip(), parts[1:]
        text = f"{head}: {', '.join(items)}"
    text = " ".join(text.split()).rstrip(".")
    return text[:1].upper() + text[1:]


def _split(rendered: str) -> tuple[str, str]:
    stem, _, rationale = rendered.partition("\n---\n")
    return " ".join(stem.split()), " ".join(rationale.split())


def _similar(a: str, b: str) -> bool:
    return fuzz.ratio(a.lower(), b.lower()) >= NEAR_COPY


def _distinct(candidates: Iterable[str], against: list[str], need: int) -> list[str]:
    """Up to ``need`` candidates, each unlike ``against`` and unlike those already chosen."""
    chosen: list[str] = []
    for text in candidates:
        if all(not _similar(text, other) for other in against + chosen):
            chosen.append(text)
        if len(chosen) == need:
            break
    return chosen


def _distractor_sets(own: list[Misconception], neighbours: list[Misconception], key: str, text, count: int,
                     rng: random.Random, used: set[frozenset[str]]) -> list[list[Misconception]]:
    """Up to ``count`` sets of three misconceptions for items whose key is ``key``: the entry's own first, a
    neighbour's where the entry has too few for a fresh set; never a set already ``used`` for the criterion.
    ``text`` gives the text a misconception shows in these items."""
    own = [m for m in own if not _similar(text(m), key)]
    neighbours = [m for m in neighbours if not _similar(text(m), key)]
    rng.shuffle(own)
    rng.shuffle(neighbours)
    sets: list[list[Misconception]] = []
    # Own misconceptions only, then with one neighbour, then two: the closest confusions first.
    for n_neighbours in (0, 1, 2):
        pairs = itertools.product(itertools.combinations(own, 3 - n_neighbours),
                                  itertools.combinations(neighbours[:6], n_neighbours))
        for mine, theirs in pairs:
            chosen = list(mine) + list(theirs)
            texts = [text(m) for m in chosen]
            signature = frozenset(texts)
            if signature in used or len(_distinct(texts, [key], 3)) < 3:
                continue
            used.add(signature)
            sets.append(chosen)
            if len(sets) == count:
                return sets
    return sets


class ItemGenerator:
    """Generates practice items from sheet entries with the templates in ``templates/items``."""

    def __init__(self, renderer: TextRenderer, seed: int = DEFAULT_SEED) -> None:
        self.renderer = renderer
        self.seed = seed

    def generate(self, entry: SheetEntry, neighbours: list[SheetEntry] = ()) -> list[Item]:
        """The entry's practice items; ``neighbours`` are the other entries of its unit (for distractors)."""
        rng = random.Random(f"{self.seed}:{entry.ref.unit}:{entry.ref.outcome}:{entry.ref.criterion}")
        others = [m for n in neighbours if n is not entry for m in n.misconceptions]
        used: set[frozenset[str]] = set()
        items = (self._scenario(entry, rng) + self._single_best(entry, others, rng, used)
                 + self._statement(entry, others, rng) + self._negative(entry, rng) + self._true_false(entry))
        if len(entry.pairs) >= 3:
            items.append(self._matching(entry, rng))
        if len(entry.sequence) >= 3:
            items.append(self._ordering(entry))
        return items

    # -- forms -----------------------------------------------------------------------------

    def _scenario(self, entry: SheetEntry, rng: random.Random) -> list[Item]:
        items = []
        for n, scenario in enumerate(entry.scenarios, start=1):
            wrongs = _distinct(scenario.wrong, [scenario.key], 3)
            if not scenario.situation or not scenario.question or len(wrongs) < 3:
                continue
            stem, rationale = _split(self.renderer.render("items/scenario.j2", scenario=scenario))
            texts = [scenario.key, *wrongs]
            if any(t.endswith(".") for t in texts) and not all(t.endswith(".") for t in texts):
                texts = [t.removesuffix(".") for t in texts]  # options parallel: no full stop on any
            options, key = self._place(texts[0], texts[1:], rng)
            items.append(self._item(entry, "single_best", "scenario", n, stem, options, key, rationale,
                                    scenario.source, difficulty=3))
        return items

    def _single_best(self, entry: SheetEntry, others: list[Misconception], rng: random.Random,
                     used: set[frozenset[str]]) -> list[Item]:
        items = []
        for n, point in enumerate(entry.key_points[:MAX_SINGLE_BEST], start=1):
            sets = _distractor_sets(entry.misconceptions, others, point.short, lambda m: m.wrong, 1, rng, used)
            if not sets:
                continue
            wrongs = sets[0]
            stem, rationale = _split(self.renderer.render("items/single_best.j2", entry=entry, point=point, wrongs=wrongs))
            options, key = self._place(point.short, [m.wrong for m in wrongs], rng)
            items.append(self._item(entry, "single_best", "single_best", n, stem, options, key, rationale, point.source))
        return items

    def _statement(self, entry: SheetEntry, others: list[Misconception], rng: random.Random) -> list[Item]:
        items = []
        used: set[frozenset[str]] = set()
        # A sentence that opens on "It ..." answers the criterion but cannot stand alone as a statement.
        points = [p for p in entry.key_points if not opens_on_pronoun(p.point)]
        rng.shuffle(points)
        for n, point in enumerate(points[:MAX_STATEMENT], start=1):
            standalone = [m for m in entry.misconceptions if not opens_on_pronoun(m.statement)]
            sets = _distractor_sets(standalone, [m for m in others if not opens_on_pronoun(m.statement)],
                                    point.point, lambda m: m.statement, 1, rng, used)
            if not sets:
                continue
            wrongs = sets[0]
            stem, rationale = _split(self.renderer.render("items/statement.j2", entry=entry, point=point, wrongs=wrongs,
                                                          topic=criterion_topic(entry.text)))
            options, key = self._place(point.point, [m.statement for m in wrongs], rng)
            items.append(self._item(entry, "single_best", "statement", n, stem, options, key, rationale, point.source))
        return items

    def _negative(self, entry: SheetEntry, rng: random.Random) -> list[Item]:
        items = []
        if len(entry.key_points) < 3:
            return items
        for n, misconception in enumerate(entry.misconceptions[:MAX_NEGATIVE], start=1):
            points = list(entry.key_points)
            rng.shuffle(points)
            true_texts = _distinct((p.short for p in points), [misconception.wrong], 3)
            if len(true_texts) < 3:
                continue
            chosen = [next(p for p in points if p.short == t) for t in true_texts]
            stem, rationale = _split(self.renderer.render(
                "items/negative.j2", entry=entry, misconception=misconception, points=chosen))
            options, key = self._place(misconception.wrong, true_texts, rng)
            items.append(self._item(entry, "negative", "negative", n, stem, options, key, rationale,
                                    misconception.source))
        return items

    def _true_false(self, entry: SheetEntry) -> list[Item]:
        statements: list[tuple[bool, KeyPoint | Misconception]] = [(True, p) for p in entry.key_points]
        statements += [(False, m) for m in entry.misconceptions]
        # Numbered by place in the sheet, so dropping a sentence that cannot stand alone renumbers nothing else.
        items = []
        for n, (truth, fact) in enumerate(statements, start=1):
            text = fact.point if isinstance(fact, KeyPoint) else fact.statement
            if opens_on_pronoun(text):
                continue
            why = "" if isinstance(fact, KeyPoint) else fact.why
            stem, rationale = _split(self.renderer.render("items/true_false.j2", statement=text, truth=truth, why=why))
            items.append(self._item(entry, "true_false", "true_false", n, stem, {"A": "True", "B": "False"},
                                    "A" if truth else "B", rationale, fact.source, difficulty=1))
        return items

    def _matching(self, entry: SheetEntry, rng: random.Random) -> Item:
        pairs = list(entry.pairs)
        if len(pairs) > 6:
            pairs = rng.sample(pairs, 6)
        stem, rationale = _split(self.renderer.render("items/matching.j2", criterion_text=entry.text, pairs=pairs))
        item = self._item(entry, "matching", "matching", 1, stem, {}, None, rationale, entry.key_points[0].source)
        item.pairs = pairs
        return item

    def _ordering(self, entry: SheetEntry) -> Item:
        stem, rationale = _split(self.renderer.render("items/ordering.j2", criterion_text=entry.text,
                                                      sequence=entry.sequence))
        item = self._item(entry, "ordering", "ordering", 1, stem, {}, None, rationale, entry.key_points[0].source)
        item.sequence = list(entry.sequence)
        return item

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _place(key_text: str, others: list[str], rng: random.Random) -> tuple[dict[str, str], str]:
        texts = [key_text, *others]
        rng.shuffle(texts)
        options = dict(zip(LETTERS, texts, strict=True))
        return options, LETTERS[texts.index(key_text)]

    def _item(self, entry: SheetEntry, kind: str, form: str, n: int, stem: str, options: dict[str, str],
              key: str | None, rationale: str, source: dict, difficulty: int = 2) -> Item:
        return Item(
            id=f"gen-{entry.ref.unit}-{entry.ref.criterion}-{form}-{n}",
            ref=entry.ref,
            kind=kind,
            use="practice",
            status="approved",
            difficulty=difficulty,
            stem=stem,
            options=options,
            key=key,
            rationale=rationale,
            source=dict(source),
            provenance={"kind": "generated", "template": f"items/{form}.j2", "seed": self.seed},
            file=entry.file,
            line=entry.line,
        )

    def generate_all(self, entries: list[SheetEntry]) -> list[Item]:
        units: dict[tuple[str, str], list[SheetEntry]] = {}
        for entry in entries:
            units.setdefault((entry.ref.qualification, entry.ref.unit), []).append(entry)
        return [item for entry in entries for item in self.generate(entry, units[(entry.ref.qualification, entry.ref.unit)])]
