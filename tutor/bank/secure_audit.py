"""The checks on a secure pool that an item panel cannot do by eye, each a figure with its threshold.

Provides :func:`audit_secure_pool`, which measures one test's approved secure items:

- **test-wise strategies**: the expected score of a candidate who never reads for content but picks
  by most (or fewest) words shared with the stem, the longest option, the shortest, anything but the longest,
  anything without absolute or legal-duty wording, hedged wording, and the three rules combined.
  Each strategy is scored per item as the chance it lands on the key (ties split evenly), so the
  figure is exact, not simulated;
- **register balance**: how often keys and distractors carry absolute/legal-duty words and hedges;
- **item cues**: single items a test-wise candidate beats (a key far longer or shorter than every
  distractor, absolutes only in distractors, the key the only hedged option, the key the only option
  echoing the stem);
- **exposure**: every secure option against every option the practice engine can serve for the same
  unit, compared by content words (stemmed, order-free, fuzzy), so a rewording is still a match;
- **give-away pairs**: one item's stem or key stating another's key, found by content-word
  containment and reported unless the pair is declared as enemies in the bank.

Pure: works on :class:`~tutor.bank.model.Item` lists; no database, no files.

Over 500 lines because it is one report: its checks share the content-word model (stems, spelling
variants) and the thresholds at the top, and an item panel reads the figures side by side.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from tutor.bank.model import Item
from tutor.domain.testing import PoolItem, TestRuleError, assemble_form
from tutor.practice.marking import STOP_WORDS, content_stems

STRATEGY_LIMIT = 0.30  # no strategy may score more than this on a test's pool (chance is 0.25)
CRITERION_STRATEGY_LIMIT = 0.50  # per criterion (about ten items: a coarser limit)
REGISTER_GAP_LIMIT = 0.10  # keys and distractors may differ by at most this in a register rate
LENGTH_CUE_RATIO = 1.30  # a key this many times longer than the longest distractor is a cue
SHORT_CUE_RATIO = 0.70  # ... or this many times shorter than the shortest distractor
EXPOSURE_SIMILARITY = 85  # rapidfuzz ratio at which two words are spellings of one word
EXPOSURE_MIN_WORDS = 3  # options shorter than this (terms such as "Social") are vocabulary, not items
EXPOSURE_SHORTER_SHARE = 0.80  # share of the shorter option's content words found in the other
EXPOSURE_LONGER_SHARE = 0.50  # ... which must also be at least this share of the longer one
GIVEAWAY_CONTAINMENT = 0.80  # share of a key's content words found in another item's text
GIVEAWAY_MARGIN = 0.30  # ... by this much more than any of its distractors' words are
GIVEAWAY_MIN_WORDS = 2
MIN_FRESH_FORMS = 8  # forms a candidate can sit in turn, none repeating an item, enemies kept apart
FORM_SEEDS = range(20)  # the draws tried when counting them
LIMITS = {"strategy": STRATEGY_LIMIT, "criterion_strategy": CRITERION_STRATEGY_LIMIT,
          "register_gap": REGISTER_GAP_LIMIT, "fresh_forms": MIN_FRESH_FORMS}
"""Every limit of the audit, by name (for the report)."""

ABSOLUTE = re.compile(
    r"\b(always|never|every\w*|all|only|must|guarantee[sd]?|no longer|remove[sd]? the need|by law|"
    r"legal(ly)? (required|requirement|duty|obligation)|required by law|law requires|whatever|entirely|"
    r"completely|any (situation|circumstances?) at all|in any (situation|circumstances?)|no one|nothing|none)\b",
    re.I)
HEDGE = re.compile(
    r"\b(may|might|can|could|perhaps|possibly|likely|usually|often|sometimes|tends? to|helps?)\b", re.I)

# Particles the marker keeps (they matter inside a phrasing: "sold out", "front line") but that carry no
# meaning of their own when two items' words are compared.
_PARTICLES = frozenset("out up off down over back away".split())


def content_words(text: str) -> list[str]:
    """The stems of the words that carry meaning, as the chat marker reads them (one notion of a word
    for the whole project, less particles), so the forms of one word match."""
    return [s for s in content_stems(text) if s not in _PARTICLES]


# -- test-wise strategies ---------------------------------------------------------------------

Chooser = Callable[[Item], list[str]]  # the letters a strategy would pick among (uniformly)


def _lengths(item: Item) -> dict[str, int]:
    return {letter: len(text) for letter, text in item.options.items()}


def _most(values: dict[str, float], pick=max) -> list[str]:
    best = pick(values.values())
    return [letter for letter, value in values.items() if value == best]


def _stem_overlap(item: Item) -> list[str]:
    stem = set(content_words(item.stem))
    return _most({letter: len(stem & set(content_words(text))) for letter, text in item.options.items()})


def _stem_avoid(item: Item) -> list[str]:
    stem = set(content_words(item.stem))
    return _most({letter: len(stem & set(content_words(text))) for letter, text in item.options.items()}, min)


def _longest(item: Item) -> list[str]:
    return _most(_lengths(item))


def _shortest(item: Item) -> list[str]:
    return _most(_lengths(item), min)


def _keep(letters: list[str], test: Callable[[str], bool]) -> list[str]:
    kept = [letter for letter in letters if test(letter)]
    return kept or letters


def _avoid_longest(item: Item) -> list[str]:
    lengths = _lengths(item)
    return _keep(list(item.options), lambda letter: lengths[letter] < max(lengths.values()))


def _avoid_shortest(item: Item) -> list[str]:
    lengths = _lengths(item)
    return _keep(list(item.options), lambda letter: lengths[letter] > min(lengths.values()))


def _avoid_stem_fewest(item: Item) -> list[str]:
    stem = set(content_words(item.stem))
    shared = {letter: len(stem & set(content_words(text))) for letter, text in item.options.items()}
    return _keep(list(item.options), lambda letter: shared[letter] > min(shared.values()))


def _avoid_stem_most(item: Item) -> list[str]:
    stem = set(content_words(item.stem))
    shared = {letter: len(stem & set(content_words(text))) for letter, text in item.options.items()}
    return _keep(list(item.options), lambda letter: shared[letter] < max(shared.values()))


def _avoid_absolute(item: Item) -> list[str]:
    return _keep(list(item.options), lambda letter: not ABSOLUTE.search(item.options[letter]))


def _prefer_hedged(item: Item) -> list[str]:
    return _keep(list(item.options), lambda letter: bool(HEDGE.search(item.options[letter])))


def _combined(item: Item) -> list[str]:
    letters = _keep(list(item.options), lambda letter: not ABSOLUTE.search(item.options[letter]))
    letters = _keep(letters, lambda letter: bool(HEDGE.search(item.options[letter])))
    lengths = {letter: len(item.options[letter]) for letter in letters}
    return _keep(letters, lambda letter: lengths[letter] < max(lengths.values()))


STRATEGIES: dict[str, tuple[str, Chooser]] = {
    "stem_overlap": ("pick the option sharing most words with the stem", _stem_overlap),
    "stem_avoid": ("pick the option sharing fewest words with the stem", _stem_avoid),
    "longest": ("pick the longest option", _longest),
    "shortest": ("pick the shortest option", _shortest),
    "avoid_longest": ("pick any option but the longest", _avoid_longest),
    "avoid_shortest": ("pick any option but the shortest", _avoid_shortest),
    "avoid_stem_most": ("pick any option but the one sharing most stem words", _avoid_stem_most),
    "avoid_stem_fewest": ("pick any option but the one sharing fewest stem words", _avoid_stem_fewest),
    "avoid_absolute": ("drop options with absolute or legal-duty words", _avoid_absolute),
    "prefer_hedged": ("prefer options with hedged wording", _prefer_hedged),
    "combined": ("drop absolutes, prefer hedges, avoid the longest", _combined),
}


def strategy_score(items: list[Item], choose: Chooser) -> float:
    """The expected proportion correct of a candidate who picks uniformly among ``choose(item)``."""
    if not items:
        return 0.0
    return sum((item.key in (picked := choose(item))) / len(picked) for item in items) / len(items)


# -- register ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterBalance:
    key_absolute: float  # share of keys with an absolute or legal-duty word
    distractor_absolute: float
    key_hedged: float
    distractor_hedged: float
    key_longest: float  # share of items whose key is strictly the longest option
    key_shortest: float

    @property
    def absolute_gap(self) -> float:
        return abs(self.key_absolute - self.distractor_absolute)

    @property
    def hedge_gap(self) -> float:
        return abs(self.key_hedged - self.distractor_hedged)


def register_balance(items: list[Item]) -> RegisterBalance:
    keys = [item.options[item.key] for item in items]
    distractors = [text for item in items for letter, text in item.options.items() if letter != item.key]

    def rate(texts: list[str], pattern: re.Pattern) -> float:
        return sum(bool(pattern.search(t)) for t in texts) / len(texts) if texts else 0.0

    def strictly(item: Item, pick) -> bool:
        lengths = _lengths(item)
        return all(pick(lengths[item.key], n) for letter, n in lengths.items() if letter != item.key)

    count = len(items) or 1
    return RegisterBalance(
        rate(keys, ABSOLUTE), rate(distractors, ABSOLUTE), rate(keys, HEDGE), rate(distractors, HEDGE),
        sum(strictly(i, int.__gt__) for i in items) / count, sum(strictly(i, int.__lt__) for i in items) / count,
    )


# -- findings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One defect the audit found: ``check`` names the check, ``message`` says what and where."""

    check: str
    item: str
    message: str
    other: str = ""  # the practice item or the other secure item involved

    def __str__(self) -> str:
        return f"{self.item}: {self.message}"


def item_cues(item: Item) -> list[Finding]:
    """Cues a single item gives a test-wise candidate."""
    found = []
    key = item.options[item.key]
    distractors = [text for letter, text in item.options.items() if letter != item.key]
    if len(key) > LENGTH_CUE_RATIO * max(map(len, distractors)):
        found.append(Finding("length_cue", item.id,
                             f"length cue: the key ({len(key)} characters) is over {LENGTH_CUE_RATIO:g} times the "
                             f"longest distractor ({max(map(len, distractors))})"))
    if len(key) < SHORT_CUE_RATIO * min(map(len, distractors)):
        found.append(Finding("length_cue", item.id,
                             f"length cue: the key ({len(key)} characters) is under {SHORT_CUE_RATIO:g} times the "
                             f"shortest distractor ({min(map(len, distractors))})"))
    absolute = [bool(ABSOLUTE.search(text)) for text in distractors]
    if sum(absolute) >= 2 and not ABSOLUTE.search(key):
        found.append(Finding("absolute_distractors", item.id,
                             f"register cue: {sum(absolute)} distractors carry absolute or legal-duty words "
                             "and the key none"))
    if HEDGE.search(key) and not any(HEDGE.search(text) for text in distractors):
        found.append(Finding("hedged_key", item.id, "register cue: the key is the only option with hedged wording"))
    stem = set(content_words(item.stem))
    shared = {letter: len(stem & set(content_words(text))) for letter, text in item.options.items()}
    others = max(n for letter, n in shared.items() if letter != item.key)
    if shared[item.key] >= 2 and shared[item.key] >= others + 2:
        found.append(Finding("stem_echo", item.id,
                             f"word-match cue: the key shares {shared[item.key]} words with the stem, no distractor "
                             f"more than {others}"))
    return found


def served_texts(item: Item) -> list[str]:
    """Every text a practice item shows as something to choose or judge."""
    if item.kind == "true_false":
        return [item.stem.split(":", 1)[-1]]
    return list(item.options.values()) + [meaning for _, meaning in item.pairs] + list(item.sequence)


@lru_cache(maxsize=None)
def _spelling_variants(word: str, other: str) -> bool:
    return fuzz.ratio(word, other) >= EXPOSURE_SIMILARITY


def _shared_words(a: set[str], b: set[str]) -> int:
    """Words of ``a`` found in ``b``, allowing for spelling variants (rapidfuzz ratio per word)."""
    exact = a & b
    return len(exact) + sum(1 for word in a - exact if any(_spelling_variants(word, other) for other in b))


def same_content(a: set[str], b: set[str]) -> bool:
    """Two options say the same thing in other words: most of the shorter's content words are in the
    longer, and they make up at least half of the longer (so a long sentence that merely mentions
    the same nouns is not a match)."""
    small, large = sorted((a, b), key=len)
    if len(small) < EXPOSURE_MIN_WORDS or len(small) < EXPOSURE_LONGER_SHARE * len(large) or not small & large:
        return False
    need = max(EXPOSURE_SHORTER_SHARE * len(small), EXPOSURE_LONGER_SHARE * len(large))
    exact = len(small & large)
    if exact >= need:
        return True
    if len(small) < need:  # even if every word had a spelling variant in the other (a quick way out)
        return False
    return _shared_words(small, large) >= need


def is_name(text: str) -> bool:
    """A named term ("Consumer Rights Act", "Unique Selling Point"): vocabulary both sides share, not an item."""
    words = [w for w in re.findall(r"[A-Za-z][\w'-]*", text) if w.lower() not in STOP_WORDS]
    return bool(words) and all(w[0].isupper() for w in words)


def _exposures(secure: list[Item], practice: list[Item]):
    """(secure item, letter, practice id, practice text) for every secure option practice serves in any wording."""
    served = [(item.id, text, set(content_words(text))) for item in practice for text in served_texts(item)]
    by_word: dict[str, list[int]] = {}  # same_content needs one word in common: look only where there is one
    for n, (_, _, words) in enumerate(served):
        for word in words:
            by_word.setdefault(word, []).append(n)
    for item in secure:
        for letter, text in item.options.items():
            if is_name(text):
                continue
            words = set(content_words(text))
            for n in sorted({n for word in words for n in by_word.get(word, ())}):
                practice_id, practice_text, practice_words = served[n]
                if same_content(words, practice_words):
                    yield item, letter, practice_id, practice_text


def exposure(secure: list[Item], practice: list[Item]) -> list[Finding]:
    """Secure options that practice serves in any wording (same content words, fuzzy), each named once."""
    found, seen = [], set()
    for item, letter, practice_id, practice_text in _exposures(secure, practice):
        if (item.id, letter) in seen:
            continue
        seen.add((item.id, letter))
        role = "key" if letter == item.key else "distractor"
        found.append(Finding("exposure", item.id, f"option {letter} ({role}) is served in practice by {practice_id}: "
                                                  f"{practice_text!r}", practice_id))
    return found


def exposing_items(secure: list[Item], practice: list[Item]) -> set[str]:
    """Ids of the practice items that would serve a secure option in any wording (the generator's output
    drops them, so practice never shows a secure option)."""
    return {practice_id for _, _, practice_id, _ in _exposures(secure, practice)}


def _containment(needle: set[str], haystack: set[str]) -> float:
    return len(needle & haystack) / len(needle) if needle else 0.0


def giveaway_pairs(items: list[Item]) -> list[tuple[str, str, float]]:
    """(giver, receiver, containment): the giver's stem or key holds the receiver's key."""
    texts = {item.id: set(content_words(item.stem)) | set(content_words(item.options.get(item.key or "", "")))
             for item in items}
    pairs = []
    for receiver in items:
        key_words = set(content_words(receiver.options[receiver.key]))
        if len(key_words) < GIVEAWAY_MIN_WORDS:
            continue
        distractor_words = [set(content_words(t)) for letter, t in receiver.options.items() if letter != receiver.key]
        for giver in items:
            if giver.id == receiver.id:
                continue
            held = _containment(key_words, texts[giver.id])
            if held < GIVEAWAY_CONTAINMENT:
                continue
            if held - max(_containment(d, texts[giver.id]) for d in distractor_words) < GIVEAWAY_MARGIN:
                continue
            pairs.append((giver.id, receiver.id, held))
    return pairs


def declared_pairs(items: Iterable[Item]) -> set[frozenset[str]]:
    """The enemy pairs the bank declares (either item naming the other is enough)."""
    return {frozenset((item.id, other)) for item in items for other in item.enemies if other != item.id}


def fresh_forms(items: list[Item], blueprint: dict[str, int], seeds: Iterable[int] = FORM_SEEDS) -> int:
    """How many forms in a row the assembler draws before one must repeat an item (a candidate resitting
    again and again), enemies kept apart; the least over several seeds, since the draw is random."""
    pool = [PoolItem(i.id, i.version, i.ref.outcome, i.ref.criterion, frozenset(i.enemies)) for i in items]
    counts = []
    for seed in seeds:
        seen: set[str] = set()
        forms = 0
        while True:
            try:
                form = assemble_form(pool, blueprint, seed * 1000 + forms, avoid=frozenset(seen))
            except TestRuleError:
                break
            ids = {q.item_id for q in form.questions}
            if ids & seen:
                break
            seen |= ids
            forms += 1
        counts.append(forms)
    return min(counts) if counts else 0


# -- the audit --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StrategyFigure:
    name: str
    description: str
    score: float
    limit: float

    @property
    def passed(self) -> bool:
        return self.score <= self.limit


@dataclass
class PoolAudit:
    """The audit of one test's approved secure pool."""

    test: str
    items: int
    strategies: list[StrategyFigure]
    per_criterion: dict[str, list[StrategyFigure]]
    register: RegisterBalance
    cues: list[Finding]
    exposed: list[Finding]
    giveaways: list[Finding]  # detected and not declared
    declared: int  # declared enemy pairs
    detected_declared: int  # detected pairs that are declared
    fresh_forms: int | None = None  # forms in a row without a repeated item (None: no blueprint given)
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict:
        def figures(rows: list[StrategyFigure]) -> dict:
            return {f.name: {"score": round(f.score, 4), "limit": f.limit, "passed": f.passed} for f in rows}

        def findings(rows: list[Finding]) -> list[dict]:
            return [{"check": f.check, "item": f.item, "other": f.other, "message": f.message} for f in rows]

        r = self.register
        return {
            "test": self.test, "items": self.items, "passed": self.passed, "failures": self.failures,
            "strategies": figures(self.strategies),
            "per_criterion": {c: figures(rows) for c, rows in self.per_criterion.items()},
            "register": {"key_absolute": round(r.key_absolute, 4), "distractor_absolute": round(r.distractor_absolute, 4),
                         "key_hedged": round(r.key_hedged, 4), "distractor_hedged": round(r.distractor_hedged, 4),
                         "key_longest": round(r.key_longest, 4), "key_shortest": round(r.key_shortest, 4),
                         "gap_limit": REGISTER_GAP_LIMIT},
            "item_cues": findings(self.cues), "exposure": findings(self.exposed),
            "giveaway_pairs": findings(self.giveaways),
            "declared_pairs": self.declared, "detected_declared_pairs": self.detected_declared,
            "fresh_forms": self.fresh_forms, "fresh_forms_limit": MIN_FRESH_FORMS,
        }


def _figures(items: list[Item], limit: float) -> list[StrategyFigure]:
    return [StrategyFigure(name, text, strategy_score(items, choose), limit)
            for name, (text, choose) in STRATEGIES.items()]


def _criterion_order(criterion: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.]", criterion))


def audit_secure_pool(test: str, secure: list[Item], practice: list[Item],
                      blueprint: dict[str, int] | None = None) -> PoolAudit:
    """Audit ``secure`` (the test's approved secure items, four-option single-best or NOT) against
    ``practice`` (every item the practice engine can serve for the same unit); with the test's
    ``blueprint``, also count the forms a resitting candidate can sit without meeting an item twice."""
    items = [i for i in secure if len(i.options) == 4 and i.key in i.options]
    by_criterion: dict[str, list[Item]] = {}
    for item in items:
        by_criterion.setdefault(item.ref.criterion, []).append(item)
    declared = declared_pairs(items)
    detected = giveaway_pairs(items)
    undeclared = []
    seen: set[frozenset[str]] = set()
    for giver, receiver, held in detected:
        pair = frozenset((giver, receiver))
        if pair in declared or pair in seen:
            continue
        seen.add(pair)
        undeclared.append(Finding("giveaway", receiver,
                                  f"give-away pair: {giver}'s stem or key holds {held:.0%} of this item's key "
                                  "(declare them enemies or rewrite one)", giver))
    audit = PoolAudit(
        test=test, items=len(items),
        strategies=_figures(items, STRATEGY_LIMIT),
        per_criterion={c: _figures(by_criterion[c], CRITERION_STRATEGY_LIMIT)
                       for c in sorted(by_criterion, key=_criterion_order)},
        register=register_balance(items),
        cues=[f for item in items for f in item_cues(item)],
        exposed=exposure(items, practice),
        giveaways=undeclared,
        declared=len(declared),
        detected_declared=len({frozenset((g, r)) for g, r, _ in detected} & declared),
        fresh_forms=fresh_forms(items, blueprint) if blueprint else None,
    )
    if audit.fresh_forms is not None and audit.fresh_forms < MIN_FRESH_FORMS:
        audit.failures.append(f"only {audit.fresh_forms} forms in a row without a repeated item "
                              f"(limit at least {MIN_FRESH_FORMS})")
    for figure in audit.strategies:
        if not figure.passed:
            audit.failures.append(f"strategy '{figure.description}' scores {figure.score:.1%} (limit {figure.limit:.0%})")
    for criterion, rows in audit.per_criterion.items():
        for figure in rows:
            if not figure.passed:
                audit.failures.append(f"criterion {criterion}: strategy '{figure.description}' scores "
                                      f"{figure.score:.1%} (limit {figure.limit:.0%})")
    r = audit.register
    if r.absolute_gap > REGISTER_GAP_LIMIT:
        audit.failures.append(f"absolute wording in {r.key_absolute:.1%} of keys and {r.distractor_absolute:.1%} of "
                              f"distractors (gap limit {REGISTER_GAP_LIMIT:.0%})")
    if r.hedge_gap > REGISTER_GAP_LIMIT:
        audit.failures.append(f"hedged wording in {r.key_hedged:.1%} of keys and {r.distractor_hedged:.1%} of "
                              f"distractors (gap limit {REGISTER_GAP_LIMIT:.0%})")
    if audit.cues:
        audit.failures.append(f"{len(audit.cues)} item cue(s) (limit 0)")
    if audit.exposed:
        audit.failures.append(f"{len(audit.exposed)} secure option(s) served in practice (limit 0)")
    if audit.giveaways:
        audit.failures.append(f"{len(audit.giveaways)} undeclared give-away pair(s) (limit 0)")
    return audit

