"""Checks on the question bank: every item and sheet entry against the rules and the catalogue.

Each problem names its file, item and line, with a message of its own, so a reviewer can go
straight to it. Errors fail ``tutor bank check``; nothing here is a matter of taste.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass

from rapidfuzz import fuzz

from tutor.bank.catalogue_index import CatalogueIndex
from tutor.bank.model import (
    ABOVE_OPTION,
    EXAMPLE_LABELS,
    KINDS,
    LETTERS,
    STATUSES,
    USES,
    Bank,
    CriterionRef,
    Item,
    SheetEntry,
)
from tutor.practice.marking import STOP_WORDS

NEAR_COPY = 90  # rapidfuzz ratio at or above which two texts are near-copies
_LOWER_NEGATIVE = re.compile(r"\b(not|except)\b")
_OPTION_KINDS = ("single_best", "negative")


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    file: str
    item: str
    line: int | None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.item}: {self.message}"


@dataclass(frozen=True)
class FormReport:
    qualification: str
    unit: str
    blueprint: dict[str, int]
    pool: dict[str, int]
    disjoint_forms: int


# Words that appear in answers to every criterion of the domain: a phrasing made only of these shows nothing.
GENERIC_PHRASE_WORDS = frozenset("""customer customers client clients consumer consumers staff employee employees worker
workers colleague colleagues team organisation organisations organization company companies business businesses firm
service services people person they them their it things thing good better best important make makes get gets
need needs needed over help helps helping helped sure use uses used using give gives take takes put keep keeps work
works time right new know able look looks want find try tell deal dealing sort""".split())


def phrase_is_specific(phrase: str) -> bool:
    """Whether an accepted phrasing keeps at least one content word beyond the domain's generic ones
    (the marker's stop-words, less the few that are nouns in a phrasing: a to-do list, a lot)."""
    words = [w.lower() for w in re.findall(r"[A-Za-z0-9]+", phrase)]
    return any(w not in _PHRASE_STOP and w not in GENERIC_PHRASE_WORDS and (len(w) > 1 or w.isdigit() or w in "pestl")
               for w in words) or any(len(w) >= 2 and w.isupper() for w in re.findall(r"[A-Za-z]+", phrase))


_PHRASE_STOP = STOP_WORDS - {"list", "way", "ways", "kind", "lot"}


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _identity(item: Item) -> str:
    """What makes two items the same question. Authored stems must be unique; generated items
    share a sheet's question stem, so their options count too, and the same true statement may
    serve two criteria (units overlap), so their criterion counts as well."""
    stem = _normal(item.stem)
    if item.provenance.get("kind") != "generated":
        return stem
    parts = sorted(_normal(t) for t in item.options.values()) + [f"{a}={b}" for a, b in item.pairs] + item.sequence
    return "|".join([stem, str(item.ref), *parts])


def _check_source(source: dict, ref: CriterionRef, index: CatalogueIndex) -> tuple[str, str] | None:
    has_line, has_fact = "spec_line" in source, bool(str(source.get("outside_fact", "")).strip())
    if has_line == has_fact:
        return ("missing_source", "cites no source: give spec_line or outside_fact (exactly one)")
    if has_line:
        scope = index.scope(ref.qualification)
        line, limit = source["spec_line"], scope.lines if scope else 0
        if not isinstance(line, int) or not 1 <= line <= limit:
            return ("bad_source", f"spec_line {line!r} is not a line of the unit's specification (1-{limit})")
    return None


def _check_criterion(ref: CriterionRef, index: CatalogueIndex) -> tuple[str, str] | None:
    scope = index.scope(ref.qualification)
    if scope is None:
        return ("unknown_criterion", f"qualification {ref.qualification!r} is not in the catalogue")
    if scope.resolve(ref.unit) is None:
        return ("unknown_criterion", f"unit {ref.unit} is not in qualification {ref.qualification!r}")
    facts = index.criterion(ref.qualification, ref.unit, ref.outcome, ref.criterion)
    if facts is None:
        return ("unknown_criterion", f"criterion {ref.unit} LO{ref.outcome} {ref.criterion} is not in the catalogue")
    if facts.kind != "knowledge":
        return ("competence_criterion",
                f"criterion {ref.criterion} is a competence criterion: it needs workplace evidence, not questions")
    return None


def _item_shape(item: Item) -> list[tuple[str, str]]:
    problems = []
    if item.kind not in KINDS:
        problems.append(("bad_field", f"kind {item.kind!r} is not one of {', '.join(KINDS)}"))
    if item.use not in USES:
        problems.append(("bad_field", f"use {item.use!r} is not one of {', '.join(USES)}"))
    if item.status not in STATUSES:
        problems.append(("bad_field", f"status {item.status!r} is not one of {', '.join(STATUSES)}"))
    if item.difficulty not in (1, 2, 3):
        problems.append(("bad_field", "difficulty must be 1, 2 or 3"))
    if not item.stem:
        problems.append(("bad_field", "has no stem"))
    if not item.rationale:
        problems.append(("bad_field", "has no rationale"))
    provenance = item.provenance.get("kind")
    if provenance not in ("authored", "generated"):
        problems.append(("bad_field", "provenance kind must be authored or generated"))
    elif provenance == "generated" and not {"template", "seed"} <= set(item.provenance):
        problems.append(("bad_field", "a generated item must record its template and seed"))
    if provenance == "generated" and item.use == "secure":
        problems.append(("secure_generated", "generated items are practice items; secure items are authored"))
    return problems


def _option_problems(item: Item) -> list[tuple[str, str]]:
    problems = []
    if item.kind in _OPTION_KINDS:
        if tuple(item.options) != LETTERS:
            problems.append(("bad_options", f"needs exactly four options A-D, has {', '.join(item.options) or 'none'}"))
        last_sentence = re.split(r"(?<=[.!?])\s+", item.stem)[-1]
        if _LOWER_NEGATIVE.search(last_sentence) and item.status != "retired":  # a retired stem is never shown again
            problems.append(("negative_stem", "a negative stem must write NOT in capitals"))
        if item.kind == "negative" and "NOT" not in item.stem:
            problems.append(("negative_stem", "a 'which is NOT' item must say NOT in its stem"))
    elif item.kind == "true_false" and item.options != {"A": "True", "B": "False"}:
        problems.append(("bad_options", "a true/false item has options A: True and B: False"))
    if item.kind in _OPTION_KINDS + ("true_false",):
        if item.extra_keys:
            problems.append(("two_keys", f"has {1 + len(item.extra_keys)} keys; exactly one option is correct"))
        if item.key is None or item.key not in item.options:
            problems.append(("no_key", f"key {item.key!r} is not one of its options"))
        texts = list(item.options.items())
        if any(not text for _, text in texts):
            problems.append(("bad_options", "has an empty option"))
        for i, (a, text_a) in enumerate(texts):
            for b, text_b in texts[i + 1:]:
                if _normal(text_a) == _normal(text_b):
                    problems.append(("duplicate_options", f"options {a} and {b} are the same"))
                elif fuzz.ratio(_normal(text_a), _normal(text_b)) >= NEAR_COPY:
                    problems.append(("near_copy_options", f"options {a} and {b} are near-copies"))
        if any(ABOVE_OPTION.search(text) for _, text in texts):
            problems.append(("above_option", "uses 'all/none of the above'"))
    if item.kind == "matching":
        terms, meanings = [p[0] for p in item.pairs], [p[1] for p in item.pairs]
        if not 3 <= len(item.pairs) <= 6 or not all(terms) or not all(meanings):
            problems.append(("bad_pairs", "a matching item needs 3 to 6 complete pairs"))
        if len(set(terms)) != len(terms) or len(set(meanings)) != len(meanings):
            problems.append(("duplicate_options", "a matching item's terms and meanings must be distinct"))
    if item.kind == "ordering":
        if not 3 <= len(item.sequence) <= 6 or len(set(item.sequence)) != len(item.sequence):
            problems.append(("bad_sequence", "an ordering item needs 3 to 6 distinct steps"))
    return problems


def check_items(items: list[Item], index: CatalogueIndex) -> list[Problem]:
    problems: list[Problem] = []

    def report(item: Item, code: str, message: str) -> None:
        problems.append(Problem(code, message, item.file, item.id or "(no id)", item.line))

    ids = Counter(item.id for item in items)
    secure = [(item.id, _normal(item.stem), {_normal(t) for t in item.options.values()})
              for item in items if item.use == "secure"]
    seen_stems: dict[str, str] = {}
    for item in items:
        if not item.id:
            report(item, "bad_field", "has no id")
        elif ids[item.id] > 1:
            report(item, "duplicate_id", f"id {item.id} is used by {ids[item.id]} items")
        for code, message in _item_shape(item) + _option_problems(item):
            report(item, code, message)
        for found in (_check_criterion(item.ref, index), _check_source(item.source, item.ref, index)):
            if found:
                report(item, *found)
        stem = _normal(item.stem)
        identity = _identity(item)
        if identity in seen_stems and seen_stems[identity] != item.id:
            report(item, "duplicate_stem", f"same question as item {seen_stems[identity]}")
        seen_stems.setdefault(identity, item.id)
        if item.use == "practice":
            options = {_normal(t) for t in item.options.values()}
            for secure_id, secure_stem, secure_options in secure:
                if fuzz.ratio(stem, secure_stem) >= NEAR_COPY and len(options & secure_options) >= 2:
                    report(item, "secure_in_practice",
                           f"copies secure item {secure_id}: secure items never appear in practice")
    return problems


def check_sheets(entries: list[SheetEntry], index: CatalogueIndex) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str, str, str, str]] = set()
    for entry in entries:
        name = f"{entry.ref.unit} {entry.ref.criterion}"

        def report(code: str, message: str, entry: SheetEntry = entry, name: str = name) -> None:
            problems.append(Problem(code, message, entry.file, name, entry.line))

        found = _check_criterion(entry.ref, index)
        if found:
            report(*found)
            continue
        facts = index.criterion(entry.ref.qualification, entry.ref.unit, entry.ref.outcome, entry.ref.criterion)
        identity = (facts.qualification, facts.unit, facts.outcome, facts.criterion)
        if identity in seen:
            report("duplicate_sheet", "the criterion has two sheet entries")
        seen.add(identity)
        if _normal(entry.text) != _normal(facts.text):
            report("sheet_text", "its text differs from the catalogue's wording of the criterion")
        if not entry.question or not entry.question_not:
            report("bad_field", "needs question and question_not")
        if not 3 <= len(entry.key_points) <= 6:
            report("sheet_points", f"needs 3 to 6 key points, has {len(entry.key_points)}")
        if len(entry.misconceptions) < 3:
            report("sheet_misconceptions", f"needs at least 3 misconceptions, has {len(entry.misconceptions)}")
        for point in entry.key_points:
            if not (point.point and point.short and point.accept):
                report("bad_field", "a key point needs point, short and accept")
            for phrase in point.accept:
                if not phrase_is_specific(phrase):
                    report("generic_phrasing", f"accepted phrasing {phrase!r} has no word specific to its key point "
                                               "(only stop-words or words such as customer, staff, organisation)")
            if found := _check_source(point.source, entry.ref, index):
                report(*found)
        for wrong in entry.misconceptions:
            if not (wrong.statement and wrong.wrong and wrong.why):
                report("bad_field", "a misconception needs statement, wrong and why")
            if found := _check_source(wrong.source, entry.ref, index):
                report(*found)
        for example in entry.examples:
            if not example.text or example.label not in EXAMPLE_LABELS:
                report("bad_field", f"a marked example needs text and a label ({', '.join(EXAMPLE_LABELS)})")
        for scenario in entry.scenarios:
            if not (scenario.situation and scenario.question and scenario.key and scenario.why):
                report("bad_field", "a scenario needs situation, question, key and why")
            if len(scenario.wrong) != 3 or not all(scenario.wrong):
                report("bad_field", f"a scenario needs exactly three wrong answers, has {len(scenario.wrong)}")
            if found := _check_source(scenario.source, entry.ref, index):
                report(*found)
        author, reviewer = entry.provenance.get("author"), entry.provenance.get("reviewer")
        if author and reviewer and author == reviewer:
            report("self_review", "a sheet's reviewer must not be its author")
    return problems


def form_reports(items: list[Item], index: CatalogueIndex) -> list[FormReport]:
    """Per test specification: the approved secure pool per outcome and how many disjoint forms it allows."""
    reports = []
    for qualification, spec in index.test_specs:
        unit = index.scopes[qualification].resolve(spec.unit)
        blueprint = spec.blueprint()
        pool = Counter(
            item.ref.outcome for item in items
            if item.use == "secure" and item.status == "approved" and item.ref.qualification == qualification
            and index.scopes[qualification].resolve(item.ref.unit) == unit
        )
        counts = {outcome: pool.get(outcome, 0) for outcome in blueprint}
        forms = min((counts[o] // need for o, need in blueprint.items() if need), default=0)
        reports.append(FormReport(qualification, spec.unit, blueprint, counts, forms))
    return reports


def check_bank(bank: Bank, index: CatalogueIndex) -> list[Problem]:
    return check_items(bank.items, index) + check_sheets(bank.sheets, index)


def problems_as_dicts(problems: list[Problem]) -> list[dict]:
    return [asdict(p) for p in problems]
