"""The practice-item generator: jinja2 item models turn a knowledge sheet into items.

Kinds: single best answer (a key point against three misconceptions), "which is NOT" (a
misconception among three key points), true/false statements, matching (a sheet's pairs) and
ordering (a sheet's sequence). Output is deterministic for a seed: each criterion draws from
its own ``random.Random`` seeded with the bank seed and the criterion, so adding a sheet never
changes another criterion's items. rapidfuzz keeps distractors from being near-copies of the
key or of each other. Generated items are always practice items.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from rapidfuzz import fuzz

from tutor.bank.checks import NEAR_COPY
from tutor.bank.model import LETTERS, Item, KeyPoint, Misconception, SheetEntry
from tutor.rendering import TextRenderer

DEFAULT_SEED = 2794
MAX_SINGLE_BEST = 6
MAX_NEGATIVE = 3


def _split(rendered: str) -> tuple[str, str]:
    stem, _, rationale = rendered.partition("\n---\n")
    return " ".join(stem.split()), " ".join(rationale.split())


def _distinct(candidates: Iterable[str], against: list[str], need: int) -> list[str]:
    """Up to ``need`` candidates, each unlike ``against`` and unlike those already chosen."""
    chosen: list[str] = []
    for text in candidates:
        if all(fuzz.ratio(text.lower(), other.lower()) < NEAR_COPY for other in against + chosen):
            chosen.append(text)
        if len(chosen) == need:
            break
    return chosen


class ItemGenerator:
    """Generates practice items from sheet entries with the templates in ``templates/items``."""

    def __init__(self, renderer: TextRenderer, seed: int = DEFAULT_SEED) -> None:
        self.renderer = renderer
        self.seed = seed

    def generate(self, entry: SheetEntry) -> list[Item]:
        rng = random.Random(f"{self.seed}:{entry.ref.unit}:{entry.ref.outcome}:{entry.ref.criterion}")
        items = self._single_best(entry, rng) + self._negative(entry, rng) + self._true_false(entry)
        if len(entry.pairs) >= 3:
            items.append(self._matching(entry, rng))
        if len(entry.sequence) >= 3:
            items.append(self._ordering(entry))
        return items

    # -- kinds -----------------------------------------------------------------------------

    def _single_best(self, entry: SheetEntry, rng: random.Random) -> list[Item]:
        items = []
        for n, point in enumerate(entry.key_points[:MAX_SINGLE_BEST], start=1):
            pool = list(entry.misconceptions)
            rng.shuffle(pool)
            wrong_texts = _distinct((m.wrong for m in pool), [point.short], 3)
            if len(wrong_texts) < 3:
                continue
            wrongs = [next(m for m in pool if m.wrong == w) for w in wrong_texts]
            stem, rationale = _split(self.renderer.render("items/single_best.j2", entry=entry, point=point, wrongs=wrongs))
            options, key = self._place(point.short, wrong_texts, rng)
            items.append(self._item(entry, "single_best", n, stem, options, key, rationale, point.source))
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
            items.append(self._item(entry, "negative", n, stem, options, key, rationale, misconception.source))
        return items

    def _true_false(self, entry: SheetEntry) -> list[Item]:
        statements: list[tuple[bool, KeyPoint | Misconception]] = [(True, p) for p in entry.key_points]
        statements += [(False, m) for m in entry.misconceptions]
        items = []
        for n, (truth, fact) in enumerate(statements, start=1):
            text = fact.point if isinstance(fact, KeyPoint) else fact.statement
            why = "" if isinstance(fact, KeyPoint) else fact.why
            stem, rationale = _split(self.renderer.render("items/true_false.j2", statement=text, truth=truth, why=why))
            items.append(self._item(entry, "true_false", n, stem, {"A": "True", "B": "False"},
                                    "A" if truth else "B", rationale, fact.source))
        return items

    def _matching(self, entry: SheetEntry, rng: random.Random) -> Item:
        pairs = list(entry.pairs)
        if len(pairs) > 6:
            pairs = rng.sample(pairs, 6)
        stem, rationale = _split(self.renderer.render("items/matching.j2", criterion_text=entry.text, pairs=pairs))
        item = self._item(entry, "matching", 1, stem, {}, None, rationale, entry.key_points[0].source)
        item.pairs = pairs
        return item

    def _ordering(self, entry: SheetEntry) -> Item:
        stem, rationale = _split(self.renderer.render("items/ordering.j2", criterion_text=entry.text,
                                                      sequence=entry.sequence))
        item = self._item(entry, "ordering", 1, stem, {}, None, rationale, entry.key_points[0].source)
        item.sequence = list(entry.sequence)
        return item

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _place(key_text: str, others: list[str], rng: random.Random) -> tuple[dict[str, str], str]:
        texts = [key_text, *others]
        rng.shuffle(texts)
        options = dict(zip(LETTERS, texts, strict=True))
        return options, LETTERS[texts.index(key_text)]

    def _item(self, entry: SheetEntry, kind: str, n: int, stem: str, options: dict[str, str], key: str | None,
              rationale: str, source: dict) -> Item:
        return Item(
            id=f"gen-{entry.ref.unit}-{entry.ref.criterion}-{kind}-{n}",
            ref=entry.ref,
            kind=kind,
            use="practice",
            status="approved",
            difficulty=1 if kind == "true_false" else 2,
            stem=stem,
            options=options,
            key=key,
            rationale=rationale,
            source=dict(source),
            provenance={"kind": "generated", "template": f"items/{kind}.j2", "seed": self.seed},
            file=entry.file,
            line=entry.line,
        )

    def generate_all(self, entries: list[SheetEntry]) -> list[Item]:
        return [item for entry in entries for item in self.generate(entry)]
