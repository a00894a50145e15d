"""Marking a learner's free-text answer against a knowledge sheet entry.

A key point is *made* when the answer shows one of its phrasings: an ``accept`` phrase, its
``short`` answer, or the key content words of its ``point`` sentence. Matching works on word
stems, allows the point's ``synonyms``, typos (rapidfuzz ratio on words of 5+ letters), and any
word order within a sliding window of the answer's content words. Stop-words never match on
their own. An answer that merely copies the question or the criterion scores nothing, and a
phrasing matched only on the question's own words shows nothing.

Polarity: a phrasing counts only when the answer asserts it the way the sheet does. Negation
(not, no, never, n't, no need to, without, hardly, nothing, none, rather than, instead of) reaches
forward to the end of its clause and back to its subject (see :func:`_negated_positions`); a key
point matched with the opposite polarity is *contradicted* and earns nothing. A sheet's misconceptions are phrasings too: an answer that asserts one is
marked as holding it (and one that denies it is not).

Verdicts, one scale: ``secure`` (the points the question asks for: ``required`` of them),
``partial`` (some, not enough), ``not_yet`` (none: empty, unrelated, on topic but no point, or a
copy of the question) and ``contradicted`` (a key point said the wrong way round, or a
misconception stated), whatever else the answer made.

Marked examples: where a sheet entry carries answers already marked (``examples``: by a tutor, or a
labelled data set), they have their say. With enough of them (see :func:`tutor.practice.example_model.trainable`)
the entry learns its own model from them and from the sheet's own sentences (:func:`_train_model`;
:mod:`tutor.practice.example_model`, over the features of :func:`_model_features`), which credits an answer
as likely as MODEL_THRESHOLDS asks for what the phrasings found in it; with fewer, an answer whose words
closely resemble some of them (cosine similarity of negation-marked word stems, weighted by how rare each
word is among the examples, at least :data:`EXAMPLE_MIN_SIMILARITY`) is marked as its
:data:`EXAMPLE_NEIGHBOURS` nearest were, by similarity-weighted vote. A credited precedent lifts a "not yet"
to "partial" (a model's, a "contradicted" too), an uncredited one overrules the phrasings.

Everything an entry needs is compiled once (:func:`compile_entry`, cached), so marking a
100-word answer costs about a millisecond.

Over 500 lines because the marker is one pipeline tuned as a whole against the corpora of
``benchmarks/``: its stages (words, compiling an entry, matching windows, polarity, examples) share the
compiled entry and the tuning constants at the top, each stage a section.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz import fuzz, process

from tutor.bank.model import SheetEntry
from tutor.practice import example_model
from tutor.practice.example_model import ExampleModel

__all__ = ["CompiledEntry", "Marking", "PointMatch", "compile_entry", "example_similarities", "example_vote",
           "mark_answer", "model_reading", "precedent_of"]

FUZZY_MIN_LEN = 5        # words (stems) shorter than this must match exactly
FUZZY_CUTOFF = 85        # rapidfuzz ratio for a typo to count as the word
SINGLE_WORD_CUTOFF = 88  # ... and a one-word phrasing at least this
TRANSPOSE_CUTOFF = 80    # ... or this, when the words have the same letters (a transposition)
PREFIX_SCORE = 90        # "environment" for "environmental", "compet" for "competitor"
PREFIX_SHARE = 0.75      # a shared beginning counts when it is this share of the shorter word
PREFIX_SHARE_LONGER = 0.7   # ... and this share of the longer (response is not responsibility, stand is not standard)
COPY_CUTOFF = 90         # token_set_ratio above which an answer is a copy of the question
COPY_EXTRA_WORDS = 2     # ... unless it adds more content words than this
EXAMPLE_NEIGHBOURS = 5   # marked examples that vote on an answer ...
EXAMPLE_MIN_SIMILARITY = 0.8  # ... each at least this close (chosen on SemEval's train split: benchmarks/semeval.py)
# How likely to be credited an entry's example model must find an answer before it credits it, by what the
# phrasings found: a key point said the wrong way round or a misconception held ("wrong"); some of the points
# the question asks for ("some"); all of them and nothing wrong ("all"); nothing ("none").
MODEL_THRESHOLDS = {"wrong": 0.8, "some": 0.95, "all": 0.5, "none": 0.9}
# Chosen on the development sets, never on the marking corpus (benchmarks/marking_corpus.py --tune prints the
# choice): the development corpus (tests/practice/marking_dev: 976 learner answers to the 61 corpus criteria,
# written and reviewed by helpers who never saw the marking corpus) and SemEval Beetle's train split, 5-fold
# cross-validated. Rule: the fewest wrong development answers credited (contradictory, misconception, irrelevant
# and empty, pooled) among the settings crediting at least 93% of its correct answers, with Beetle at 2-way
# macro-F1 >= 0.83 crediting <= 10% of its contradictory answers; ties to the most partial answers credited.
# Chosen: 1.4% of wrong answers, 94.8% of correct and 64.5% of partial answers credited; Beetle 0.830 and 9.2%.
# How much a key point's own sentence counts as a credited example in an entry's model, beside one marked example
# (its denial and each misconception count as a contradicted example does). Tried on the development sets at the
# same floors: a key point counting 2, or a misconception 6, credited more wrong answers; a denial counting 1 as
# many, and fewer partial answers.
SHEET_POINT_WEIGHT = 1.0
MODEL_LETTER_WEIGHT = 0.3  # letter 4-grams count for less than whole words (cross-validated on SemEval's train split)

NEGATIONS = frozenset("""
not no never nothing none nobody neither nor without hardly barely rarely seldom cannot cant dont doesnt didnt isnt arent
wasnt werent wont wouldnt shouldnt couldnt havent hasnt hadnt mustnt neednt aint nope
""".split())  # noqa: SIM905
# Words after these are negated: "rather than ignore", "instead of checking".
NEGATING_PAIRS = {("rather", "than"), ("instead", "of")}
# "Without" negates what follows it, never its subject ("pass them on without listening").
FORWARD_ONLY = frozenset({"without"})
# "not only X but also Y" asserts X.
NOT_NEGATING_AFTER = frozenset({"only", "just", "merely"})
# A negation's reach ends at the end of its clause.
CLAUSE_WORDS = frozenset("but however although though whereas while yet so because cos coz cuz bc since then".split())
BACK_REACH = 5  # words a negation reaches back to find what it denies ("the company's prices don't matter")
# A misconception that turns on one of these ("only managers affect reputation") is held only by an answer that
# says one of them too: "managers affect reputation" is true, "only managers do" is the misconception.
RESTRICTIVE = frozenset("only solely just exclusively purely all always entirely whatever anything everything".split())
# "and" starts a new clause when a new subject follows it ("... and they ...").
SUBJECTS = frozenset("i you u ya he she it we they theyre youre ur im ive theyve weve".split())

STOP_WORDS = frozenset("""
a an the and or but if of to in on at by for with from about as into onto than then so such
is are was were be been being am isnt arent wasnt werent im ive id
it its itself this that these those there theres here their they them theyre themselves
he she him her his hers we you your yours our ours us i me my mine
what whats which who whom whose when where why how whether
do does did doing done dont doesnt didnt have has had having havent hasnt
will would can could should may might must shall wont wouldnt cant cannot couldnt shouldnt
not no nor yes yeah yep ok okay
also very really just quite too only even still already again ever
like get gets got getting make makes made making go goes going went
all any some each every both either neither much many most
thing things something anything everything stuff lot lots bit
etc eg ie e g i.e u ur cos coz cuz bc because since while though although
well way ways kind sort basically actually mean means meant
describe explain state identify outline list say says said think know
""".split())  # noqa: SIM905

# Words too common in this domain to show a point on their own (dropped from short/point phrasings).
GENERIC_WORDS = frozenset("organisation organization company business firm customer client consumer".split())  # noqa: SIM905

# Words the whole domain treats as the same thing (every phrasing gets them as alternatives).
SYNONYM_GROUPS = (
    ("organisation", "organization", "company", "business", "firm", "employer"),
    ("customer", "client", "consumer"),
    ("staff", "employee", "worker", "colleague", "workforce"),
)

_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)?")


@dataclass(frozen=True)
class PointMatch:
    """A key point the answer made: ``index`` into ``entry.key_points``, ``score`` 0-100, and the
    learner's own words that showed it."""

    index: int
    score: float
    evidence: str


VERDICTS = ("secure", "partial", "not_yet", "contradicted")


@dataclass(frozen=True)
class Marking:
    """The result of marking one answer.

    ``verdict`` is one of :data:`VERDICTS` (see the module docstring). ``contradicted`` holds the key
    points the answer asserted the wrong way round (with the learner's words), ``misconceptions``
    the indexes of the sheet's misconceptions it stated; ``related`` says whether it was on topic at all."""

    made: tuple[PointMatch, ...]
    missed: tuple[int, ...]
    verdict: str
    copied_question: bool
    contradicted: tuple[PointMatch, ...] = ()
    misconceptions: tuple[PointMatch, ...] = ()
    related: bool = False
    precedent: str | None = None  # the marked examples' vote (an EXAMPLE_LABELS value), when some were close

    @property
    def share(self) -> float:
        total = len(self.made) + len(self.missed)
        return len(self.made) / total if total else 0.0

    @property
    def made_indexes(self) -> tuple[int, ...]:
        return tuple(m.index for m in self.made)


# --------------------------------------------------------------------------- words

def _norm_word(word: str) -> str:
    word = word.lower().replace("\u2019", "'")
    word = word.removesuffix("'s")
    return word.replace("'", "")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A deliberately small English stemmer: the same word in its common forms gets one stem."""
    w = word
    if len(w) <= 3:
        return w
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) + len(repl) >= 3:
            if suffix == "s" and w.endswith(("ss", "us", "is")):
                break
            w = w[: len(w) - len(suffix)] + repl
            if suffix in ("ing", "ed") and len(w) >= 4 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]                                   # planning -> plan
            break
    if len(w) >= 4 and w.endswith("e"):
        w = w[:-1]                                           # service/services -> servic
    return w


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """(normalised word, start, end) for each word of ``text``."""
    return [(_norm_word(m.group()), m.start(), m.end()) for m in _WORD_RE.finditer(text)]


def content_stems(text: str, keep_caps: bool = False) -> list[str]:
    """Stems of the words that are not stop-words. With ``keep_caps``, an acronym written in
    capitals (IT, SLA) counts as content even when its lower-case form is a stop-word."""
    return [stem(w) for w in _content_words(text, keep_caps)]


def _content_words(text: str, keep_caps: bool = False) -> list[str]:
    out = []
    for m in _WORD_RE.finditer(text):
        raw = m.group()
        word = _norm_word(raw)
        if not word:
            continue
        if word in STOP_WORDS:
            if not (keep_caps and _is_acronym(raw, word)):
                continue
            word = raw.upper().replace("'", "").replace("\u2019", "")  # "ID", "IT": kept apart from "I'd", "it"
        out.append(word)
    return out


def _is_acronym(raw: str, word: str) -> bool:
    """A short capitalised word that is a stop-word in lower case: ID, IT (not "NOT" or "NO": still negations)."""
    return 2 <= len(word) <= 3 and raw.isupper() and word not in NEGATIONS


# --------------------------------------------------------------------------- compiling an entry

@dataclass(frozen=True)
class _Phrase:
    point: int                             # key point index (or misconception index, for a misconception)
    slots: tuple[tuple[str, ...], ...]     # each slot: alternative stems (the word and its synonyms)
    need: int                              # how many slots must be found
    window: int                            # within this many consecutive content words
    negated: bool = False                  # the phrasing itself says "not ..." (polarity to match)
    polar: bool = True                     # False: a fragment of a point that is itself said with "not"
    topical: tuple[bool, ...] = ()         # per slot: made only of the question's own words
    restrictive: bool = False              # a misconception that says "only", "all", "just" ...: the answer must too


@dataclass(frozen=True)
class CompiledEntry:
    """An entry's phrasings, normalised once."""

    n_points: int
    required: int                          # points a complete answer to the question makes
    phrases: tuple[_Phrase, ...]
    wrongs: tuple[_Phrase, ...]            # the misconceptions' phrasings
    vocab: tuple[str, ...]                 # every stem any phrase can match (fuzzy targets)
    vocab_set: frozenset[str]
    prefixes: dict[str, tuple[str, ...]]   # prefix (5+ letters) of a vocab stem -> vocab stems
    topic: frozenset[str]                  # stems of the criterion and question wording
    copy_sources: tuple[tuple[str, frozenset[str]], ...]
    examples: tuple[tuple[dict[str, float], str], ...] = ()  # marked examples: unit-length weighted vector, label
    example_weights: dict[str, float] | None = None          # stem -> weight (rarer among the examples: heavier)
    model: ExampleModel | None = None                         # learned from the examples, where there are enough


def _synonym_map(synonyms: dict[str, list[str]]) -> tuple[dict[str, list[str]], dict[str, list[list[str]]]]:
    """Single-word alternatives per stem, and multi-word alternatives (as stem lists) per stem."""
    single: dict[str, list[str]] = {}
    multi: dict[str, list[list[str]]] = {}
    for word, alts in synonyms.items():
        key = content_stems(word)
        if len(key) != 1:
            continue
        for alt in alts:
            alt_stems = content_stems(alt)
            if len(alt_stems) == 1:
                single.setdefault(key[0], []).append(alt_stems[0])
            elif alt_stems:
                multi.setdefault(key[0], []).append(alt_stems)
    return single, multi


def _phrase_variants(stems: list[str], single: dict[str, list[str]], multi: dict[str, list[list[str]]]) -> list[list[tuple[str, ...]]]:
    """The phrase as slots with single-word synonyms folded in, plus one variant per multi-word synonym."""
    base = [tuple(dict.fromkeys([s, *single.get(s, []), *_GLOBAL_SYNONYMS.get(s, [])])) for s in stems]
    variants = [base]
    for i, s in enumerate(stems):
        for alt in multi.get(s, []):
            variants.append(base[:i] + [(a,) for a in alt] + base[i + 1:])
    return variants


_GENERIC_STEMS = frozenset(stem(w) for w in GENERIC_WORDS)
_GLOBAL_SYNONYMS: dict[str, list[str]] = {}
for _group in SYNONYM_GROUPS:
    for _word in _group:
        _GLOBAL_SYNONYMS[stem(_word)] = [stem(w) for w in _group if w != _word]


def _dedupe(stems: list[str]) -> list[str]:
    return list(dict.fromkeys(stems))


def has_negation(text: str) -> bool:
    """Whether a phrasing says "not ..." itself (so an answer must say it that way too)."""
    words = [w for w, _, _ in _tokens(text)]
    return any(_negation_at(words, i) for i in range(len(words)))


def _negation_at(words: list[str], i: int) -> bool:
    """Whether ``words[i]`` starts negating what follows it."""
    word = words[i]
    if word in NEGATIONS:
        if word == "not" and i + 1 < len(words) and words[i + 1] in NOT_NEGATING_AFTER:
            return False  # "not only X but also Y" asserts X
        if word == "not" and i > 0 and words[i - 1] in ("if", "or"):
            return False  # "if not, ..." / "whether or not": the negated words are left out
        return True
    return i > 0 and (words[i - 1], word) in NEGATING_PAIRS


def required_points(entry: SheetEntry) -> int:
    """How many key points a complete answer to the question makes: the sheet's ``required`` if given,
    else one for "what is meant by" / "define" / a single "what is", two otherwise (never more than the sheet has)."""
    if entry.required:
        return max(1, min(entry.required, len(entry.key_points)))
    text = f"{entry.text} {entry.question}".lower()
    one = any(k in text for k in ("what is meant by", "define", "meaning of", "what is a ", "what is an "))
    return max(1, min(1 if one else 2, len(entry.key_points)))


def _compile_phrases(index: int, texts: list[tuple[str, str]], topic: frozenset[str], single, multi,
                     seen: set[tuple], compounds: set[str], least: int = 1) -> list[_Phrase]:
    """Phrases for one key point (or misconception) from (text, kind) pairs; kind is accept or sentence.
    ``least``: fewer slots than this make no phrase (a misconception is never one word)."""
    candidates: list[tuple[list[str], str, bool]] = []
    # A fragment without "not" of a point that is said with "not" ("statutory rights" for "the offer cannot
    # take away statutory rights") shows the topic but not which way round: it is not polar.
    # The short answer says what the point asserts; a "not" elsewhere in the full sentence ("the list is not
    # complete") does not make the point a negative one.
    short = next((text for text, kind in texts if kind == "sentence"), "")  # the short answer comes first
    point_negated = has_negation(short)
    for text, kind in texts:
        # A "not" in a key point's full sentence counts only if its short answer says "not" too: elsewhere it
        # is incidental ("the list is not complete").
        negated = has_negation(text) and (point_negated or kind != "sentence" or least > 1)
        restrictive = least > 1 and any(w in RESTRICTIVE for w, _, _ in _tokens(text))
        if kind == "accept":
            words = _content_words(text, keep_caps=True)
            candidates.append((_dedupe([stem(w) for w in words]), "accept", negated, restrictive))
            for i in range(len(words) - 1):            # "front line" is also written "frontline"
                joined = [stem(w) for w in words[:i]] + [stem(words[i] + words[i + 1])] + [stem(w) for w in words[i + 2:]]
                candidates.append((_dedupe(joined), "accept", negated, restrictive))
                compounds.add(joined[i])
        else:
            stems = [s for s in _dedupe(content_stems(text, keep_caps=True)) if s not in topic and s not in _GENERIC_STEMS]
            candidates.append((stems, "sentence", negated, restrictive))
    phrases = []
    for stems, kind, negated, restrictive in candidates:
        if not stems or all(s in _GENERIC_STEMS for s in stems):
            continue                                       # stop-words or generic words alone never match
        if len(stems) < least:
            continue
        for slots in _phrase_variants(stems, single, multi):
            k = len(slots)
            if kind == "accept":
                need, window = (k if k < 4 else k - 1), k + 3
            else:
                need, window = (k if k <= 2 else max(2, math.ceil(0.6 * k))), 2 * k + 2
            key = (index, tuple(slots), need, negated)
            if key in seen:
                continue
            seen.add(key)
            topical = tuple(any(_is_topic_word(alt, topic) for alt in slot) for slot in slots)
            polar = negated or not point_negated
            phrases.append(_Phrase(index, tuple(slots), need, window, negated=negated, polar=polar, topical=topical,
                                   restrictive=restrictive))
    return phrases


def _is_topic_word(word: str, topic: frozenset[str]) -> bool:
    """The question's own word (or a form of it: competition for competitor), or a generic domain word."""
    if word in topic or word in _GENERIC_STEMS:
        return True
    for t in topic:
        n = 0
        while n < min(len(word), len(t)) and word[n] == t[n]:
            n += 1
        if n >= FUZZY_MIN_LEN and n >= PREFIX_SHARE * min(len(word), len(t)):
            return True
    return False


def _build(entry: SheetEntry) -> CompiledEntry:
    topic_texts = [entry.text, entry.question, entry.question_not]
    topic = frozenset(s for t in topic_texts for s in content_stems(t))
    phrases: list[_Phrase] = []
    compounds: set[str] = set()
    seen: set[tuple] = set()
    for index, kp in enumerate(entry.key_points):
        single, multi = _synonym_map(kp.synonyms)
        texts = [(a, "accept") for a in kp.accept] + [(kp.short, "sentence"), (kp.point, "sentence")]
        phrases += _compile_phrases(index, texts, topic, single, multi, seen, compounds)
    wrongs: list[_Phrase] = []
    for index, m in enumerate(entry.misconceptions):
        wrongs += _compile_phrases(index, [(m.wrong, "sentence"), (m.statement, "sentence")], topic, {}, {},
                                   seen, compounds, least=2)
    vocab = sorted({alt for p in phrases + wrongs for slot in p.slots for alt in slot})
    plain = {stem(w) for kp in entry.key_points for t in [kp.point, kp.short, *kp.accept] for w in _content_words(t)}
    plain |= {stem(w) for m in entry.misconceptions for t in (m.wrong, m.statement) for w in _content_words(t)}
    prefixes: dict[str, list[str]] = {}
    for v in vocab:
        if v in compounds and v not in plain:
            continue                                       # a joined compound matches whole (or by typo) only
        for n in range(FUZZY_MIN_LEN, len(v) + 1):
            prefixes.setdefault(v[:n], []).append(v)
    sources = []
    for text in topic_texts:
        if text:
            sources.append((" ".join(w for w, _, _ in _tokens(text)), frozenset(content_stems(text))))
    examples, weights = _compile_examples(entry)
    compiled = CompiledEntry(
        n_points=len(entry.key_points),
        required=required_points(entry),
        phrases=tuple(phrases),
        wrongs=tuple(wrongs),
        vocab=tuple(vocab),
        vocab_set=frozenset(vocab),
        prefixes={p: tuple(vs) for p, vs in prefixes.items()},
        topic=topic,
        copy_sources=tuple(sources),
        examples=examples,
        example_weights=weights,
    )
    model = _train_model(entry, compiled) if entry.examples else None
    return replace(compiled, model=model) if model else compiled


def _bag(text: str) -> dict[str, int]:
    """Content-word stems of ``text``, a negated one marked with "-" ("doesnt help" -> -help)."""
    tokens = _split_clauses(text)
    stems = [stem(w) for w, _, _ in tokens if w and w != "," and w not in STOP_WORDS]
    return _bag_of(stems, _negated_positions(tokens))


def _bag_of(stems: list[str], negated: list[bool]) -> dict[str, int]:
    bag: dict[str, int] = {}
    for s, neg in zip(stems, negated):
        key = ("-" if neg else "") + s
        bag[key] = bag.get(key, 0) + 1
    return bag


def _unit_vector(bag: dict[str, int], weights: dict[str, float], default: float) -> dict[str, float]:
    vector = {k: n * weights.get(k.lstrip("-"), default) for k, n in bag.items()}
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {k: v / norm for k, v in vector.items()} if norm else {}


def _compile_examples(entry: SheetEntry) -> tuple[tuple[tuple[dict[str, float], str], ...], dict[str, float] | None]:
    if not entry.examples:
        return (), None
    bags = [(_bag(x.text), x.label) for x in entry.examples]
    counts: dict[str, int] = {}
    for bag, _ in bags:
        for k in {k.lstrip("-") for k in bag}:
            counts[k] = counts.get(k, 0) + 1
    n = len(bags)
    weights = {k: math.log(n / (1 + c)) + 1 for k, c in counts.items()}
    default = math.log(n) + 1
    return tuple((_unit_vector(bag, weights, default), label) for bag, label in bags), weights  # indexes match entry.examples


def example_similarities(answer: str, entry: SheetEntry, exclude: int | None = None) -> list[tuple[float, str]]:
    """(similarity, label) of each of the entry's marked examples to ``answer``, closest first. ``exclude``:
    an example's index to leave out, with every other example of the same words (for leave-one-out tuning,
    where a duplicate left in would make the nearest neighbour look perfect)."""
    return _similarities(compile_entry(entry), _bag(answer or ""), exclude)


def _similarities(c: CompiledEntry, bag: dict[str, int], exclude: int | None = None) -> list[tuple[float, str]]:
    if not c.examples:
        return []
    vector = _unit_vector(bag, c.example_weights or {}, math.log(len(c.examples)) + 1)
    if not vector:
        return []
    left_out = c.examples[exclude][0] if exclude is not None else None
    out = [(sum(v * other.get(k, 0.0) for k, v in vector.items()), label)
           for other, label in c.examples if left_out is None or other != left_out]
    return sorted(out, key=lambda pair: pair[0], reverse=True)


def precedent_of(similarities: list[tuple[float, str]], neighbours: int = EXAMPLE_NEIGHBOURS,
                 min_similarity: float = EXAMPLE_MIN_SIMILARITY) -> str | None:
    """The similarity-weighted vote of the ``neighbours`` closest examples at least ``min_similarity`` alike
    (``similarities`` closest first, as :func:`example_similarities` gives them)
    (an EXAMPLE_LABELS value), or None when none is that close."""
    votes: dict[str, float] = {}
    for n, (similarity, label) in enumerate(similarities):
        if similarity < min_similarity or (n >= neighbours and similarity < similarities[neighbours - 1][0]):
            break  # the nearest ``neighbours``, and any tied with the last of them (no order decides a tie)
        votes[label] = votes.get(label, 0.0) + similarity
    if not votes:
        return None
    if votes.get("credited", 0.0) > votes.get("contradicted", 0.0) + votes.get("not_credited", 0.0):
        return "credited"
    return "contradicted" if votes.get("contradicted", 0.0) >= votes.get("not_credited", 0.0) else "not_credited"


def example_vote(answer: str, entry: SheetEntry, neighbours: int = EXAMPLE_NEIGHBOURS,
                 min_similarity: float = EXAMPLE_MIN_SIMILARITY, exclude: int | None = None) -> str | None:
    """How the entry's marked examples closest to ``answer`` were marked (see :func:`precedent_of`)."""
    return precedent_of(example_similarities(answer, entry, exclude), neighbours, min_similarity)


_CACHE: OrderedDict[int, tuple[SheetEntry, CompiledEntry]] = OrderedDict()
_CACHE_SIZE = 1024


def compile_entry(entry: SheetEntry) -> CompiledEntry:
    """The entry's compiled phrasings, cached by identity (the cache holds the entry, so an id is
    never reused while cached). An entry edited in place after marking is not recompiled."""
    key = id(entry)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is entry:
        _CACHE.move_to_end(key)
        return hit[1]
    compiled = _build(entry)
    _CACHE[key] = (entry, compiled)
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return compiled


# --------------------------------------------------------------------------- marking

def _word_matches(s: str, c: CompiledEntry) -> dict[str, float]:
    """Vocabulary stems this answer stem counts as, with a score."""
    found: dict[str, float] = {}
    if s in c.vocab_set:
        found[s] = 100.0
    if len(s) >= FUZZY_MIN_LEN:
        # A long shared beginning: technology/technological, environment/environmental, compet/competitor.
        for n in range(len(s), FUZZY_MIN_LEN - 1, -1):
            for v in c.prefixes.get(s[:n], ()):
                if v not in found and n >= PREFIX_SHARE * min(len(s), len(v)) and n >= PREFIX_SHARE_LONGER * max(len(s), len(v)):
                    found[v] = PREFIX_SCORE
        # Typos: a close ratio, or two letters swapped in a word of 6+ letters (socail).
        for v, score, _ in process.extract(s, c.vocab, scorer=fuzz.ratio, score_cutoff=TRANSPOSE_CUTOFF, limit=None):
            if len(v) < FUZZY_MIN_LEN or score <= found.get(v, 0):
                continue
            if score >= FUZZY_CUTOFF or (min(len(s), len(v)) >= 6 and sorted(s) == sorted(v)):
                found[v] = float(score)
    return found


def _is_copy(reading: _Reading, c: CompiledEntry, question: str | None) -> bool:
    """Whether the answer is the question (or the criterion) again, with at most COPY_EXTRA_WORDS words added."""
    stems = reading.stems
    if not stems:
        return False
    answer = " ".join(w for w, _, _ in reading.tokens if w and w != ",")
    sources = list(c.copy_sources)
    if question:
        sources.append((" ".join(w for w, _, _ in _tokens(question)), frozenset(content_stems(question))))
    for text, source_stems in sources:
        extra = [s for s in stems if s not in source_stems]
        if len(extra) <= COPY_EXTRA_WORDS and fuzz.token_set_ratio(answer, text) >= COPY_CUTOFF:
            return True
    return False


def _best_window(phrase: _Phrase, occ: dict[str, list[tuple[int, float]]]) -> tuple[float, int, int, tuple[int, ...]] | None:
    """Best (score, first, last, positions) of content words where enough of the phrase's slots occur,
    at least one of them not merely a word of the question."""
    slot_occ: list[list[tuple[int, float]]] = []
    for slot in phrase.slots:
        merged: dict[int, float] = {}
        for alt in slot:
            for pos, score in occ.get(alt, ()):
                if score > merged.get(pos, 0):
                    merged[pos] = score
        slot_occ.append(sorted(merged.items()))
    slot_pos = [[p for p, _ in o] for o in slot_occ]
    if sum(1 for o in slot_occ if o) < phrase.need:
        return None
    topical = phrase.topical or (False,) * len(phrase.slots)
    starts = sorted({pos for o in slot_occ for pos, _ in o})
    k = len(phrase.slots)
    best: tuple[float, int, int, tuple[int, ...]] | None = None
    for start in starts:
        end = start + phrase.window
        got: list[tuple[float, int]] = []
        own_words = False
        for o, positions, is_topic in zip(slot_occ, slot_pos, topical):
            i = bisect_left(positions, start)
            top: tuple[float, int] | None = None
            while i < len(o) and o[i][0] < end:
                if top is None or o[i][1] > top[0]:
                    top = (o[i][1], o[i][0])
                i += 1
            if top is not None:
                got.append(top)
                own_words = own_words or not is_topic
        if k == 1 and got and got[0][0] < SINGLE_WORD_CUTOFF:
            continue  # a one-word phrasing shows nothing through a loose typo (counter is not country)
        if len(got) >= phrase.need and own_words:
            score = sum(s for s, _ in got) / k
            first, last = min(p for _, p in got), max(p for _, p in got)
            if best is None or score > best[0] or (score == best[0] and last - first < best[2] - best[1]):
                best = (score, first, last, tuple(p for _, p in got))
    return best


def _better(a: tuple, b: tuple) -> bool:
    """Higher score wins; on a tie, the match on more of the answer's words, then the tighter evidence."""
    if a[0] != b[0]:
        return a[0] > b[0]
    if len(a[3]) != len(b[3]):
        return len(a[3]) > len(b[3])
    return a[2] - a[1] < b[2] - b[1]


LIST_ITEM_WORDS = 3  # a negation reaches past a comma into a list ("no need to check prices, offers or adverts")


def _negated_positions(tokens: list[tuple[str, int, int]]) -> list[bool]:
    """For each content word of the answer: is it said negatively? A negation reaches forward to the end
    of its clause ("no need to check their prices"), past a comma only into a short list item, and back to
    the start of its clause, a comma, an earlier negation or its own subject ("their prices don't matter",
    "good service isn't what builds loyalty"; but in "checking prices means you don't lose customers" it
    stops at "you"). Two negations over one word cancel ("you can't spot chances without watching rivals",
    "never say complaints don't matter"), but a later predicate's own "not" ends an earlier negation's forward
    reach, and its own reach back stops where the earlier one's ended: in "what you can't do doesn't build trust"
    and "no prices, no offers" each denies its own words. A list item after a comma is in reach when it is short, or names
    a few things and ends the list with "or"/"and" ("never advertise on TV, radio or in the newspapers").
    "Rather than" and "instead of" negate only what follows them."""
    words = [w for w, _, _ in tokens]
    clauses: list[list[int]] = [[]]
    for i in range(len(tokens)):
        if i > 0 and _clause_break(tokens, i):
            clauses.append([])
        clauses[-1].append(i)
    flips = [0] * len(tokens)
    owned: set[int] = set()  # words an earlier negation's reach covers up to a later predicate's own "not"
    for clause in clauses:
        segments: list[list[int]] = [[]]          # the clause cut at its commas
        for i in clause:
            if words[i] == ",":
                segments.append([])
            else:
                segments[-1].append(i)
        for s_index, segment in enumerate(segments):
            for n, i in enumerate(segment):
                if not _negation_at(words, i):
                    continue
                reach = segment[n + 1:]
                for later in segments[s_index + 1:]:
                    if not _list_item(later, words):
                        break
                    reach += later
                reached, embedded = [], False
                for j in reach:
                    if _starts_own_reach(words, j) and not embedded:
                        owned.update(reached)  # ... and the later one's reach back stops short of them
                        break
                    embedded = embedded or words[j] in EMBEDDING
                    flips[j] += 1
                    reached.append(j)
                if words[i] not in NEGATIONS or words[i] in FORWARD_ONLY:
                    continue  # rather than / instead of / without: forward only
                for j in reversed(segment[max(0, n - BACK_REACH):n]):
                    if words[j] in SUBJECTS or _negation_at(words, j) or j in owned:
                        break
                    flips[j] += 1
    return [flips[i] % 2 == 1 for i, w in enumerate(words) if w and w != "," and w not in STOP_WORDS]


LIST_ENDS = frozenset({"or", "and"})
# A negation's reach carries on through a later "not" said of what someone says or thinks ("never say complaints
# don't matter", "it's not that customers don't matter"): the two cancel there.
EMBEDDING = frozenset("say says said saying think thinks thought believe believes reckon that mean means feel feels "
                      "tell tells told true".split())


def _starts_own_reach(words: list[str], j: int) -> bool:
    """Whether the word at ``j`` is a later predicate's own negation ("what you can't do doesn't build trust",
    "no prices, no offers"): it ends an earlier negation's reach instead of cancelling it."""
    return words[j] in NEGATIONS and words[j] not in FORWARD_ONLY and _negation_at(words, j)


def _list_item(segment: list[int], words: list[str]) -> bool:
    """Whether a comma segment after a negation's own is an item of the list it negates: a few words, or a few
    content words ending the list with "or"/"and" ("never advertise on TV, radio or in the newspapers"), not a
    segment that starts with them (", or customers will leave")."""
    if len(segment) <= LIST_ITEM_WORDS:
        return True
    if words[segment[0]] in LIST_ENDS:
        return False
    content = [i for i in segment if words[i] not in STOP_WORDS]
    return len(content) <= LIST_ITEM_WORDS and any(words[i] in LIST_ENDS for i in segment)


_CLAUSE_PUNCTUATION = re.compile(r"[.;:!?\n]|,\s*(and|but|however|although|though|whereas|so|it|they|we|you|u|i|this|that|he|she|its|theyre|then|plus|also)\b",
                                  re.IGNORECASE)


def _clause_break(tokens: list[tuple[str, int, int]], i: int) -> bool:
    word = tokens[i][0]
    if word == "and":
        return i + 1 < len(tokens) and tokens[i + 1][0] in SUBJECTS
    return word == "" or word in CLAUSE_WORDS


def _restricted(tokens: list[tuple[str, int, int]], content: list[tuple[str, int, int]], found: tuple) -> bool:
    """Whether the answer says "only", "all", "just" ... in or just around the words that matched."""
    start, end = content[found[1]][1], content[found[2]][2]
    return any(w in RESTRICTIVE and start - 30 <= a <= end + 15 for w, a, _ in tokens)


def _verdict(n_made: int, required: int, contradicted: bool) -> str:
    if contradicted:
        return "contradicted"
    if n_made == 0:
        return "not_yet"
    return "secure" if n_made >= required else "partial"


@dataclass(frozen=True)
class _Reading:
    """What the phrasings found in an answer, before any marked example is consulted."""

    tokens: list[tuple[str, int, int]]
    stems: list[str]
    negated: list[bool]
    asserted: dict[int, tuple]
    contradicted: dict[int, tuple]
    held: dict[int, tuple]
    related: bool


def _read(answer: str, c: CompiledEntry) -> _Reading | None:
    """The answer's key points asserted and contradicted and misconceptions held; None for no content."""
    tokens = _split_clauses(answer or "")
    content = [(stem(w), start, end) for w, start, end in tokens if w and w != "," and w not in STOP_WORDS]
    if not content:
        return None
    stems = [s for s, _, _ in content]
    negated = _negated_positions(tokens)

    occ: dict[str, list[tuple[int, float]]] = {}
    per_stem: dict[str, dict[str, float]] = {}
    for pos, s in enumerate(stems):
        matches = per_stem.get(s)
        if matches is None:
            matches = per_stem[s] = _word_matches(s, c)
        for v, score in matches.items():
            occ.setdefault(v, []).append((pos, score))

    asserted: dict[int, tuple] = {}
    opposed: dict[int, tuple] = {}
    mentioned: dict[int, tuple] = {}
    for phrase in c.phrases:
        found = _best_window(phrase, occ)
        if not found:
            continue
        said_not = any(negated[p] for p in found[3])
        table = (asserted if said_not == phrase.negated else opposed) if phrase.polar else mentioned
        if phrase.point not in table or _better(found, table[phrase.point]):
            table[phrase.point] = found
    for index, found in mentioned.items():  # a non-polar fragment counts unless the point was said the wrong way
        if index not in asserted and index not in opposed:
            asserted[index] = found
    held: dict[int, tuple] = {}
    for phrase in c.wrongs:
        found = _best_window(phrase, occ)
        if not found or any(negated[p] for p in found[3]) != phrase.negated:
            continue
        if phrase.restrictive and not _restricted(tokens, content, found):
            continue
        if phrase.point not in held or _better(found, held[phrase.point]):
            held[phrase.point] = found
    # Where a misconception and a key point are shown by the same words, the one that explains more of them
    # wins: a key point's phrasing found inside a misconception stated at length earns nothing (the
    # misconception blocks it), and a misconception that a key point's phrasing covers as well is the key point's.
    for index, found in list(held.items()):
        overlapping = {k: f for k, f in asserted.items() if set(f[3]) & set(found[3])}
        if any(len(f[3]) >= len(found[3]) for f in overlapping.values()):
            del held[index]
        else:
            for k in overlapping:
                del asserted[k]
    # A contradiction needs two of the answer's words said the wrong way round ("profit" alone does not deny
    # "not for profit"). Two such words outweigh a phrasing of the same point found elsewhere in the answer:
    # "handling a complaint well doesn't keep the customer ... win them back" denies the point it names.
    contradicted = {i: f for i, f in opposed.items() if len(f[3]) >= 2}
    related = bool(occ) or any(s in c.topic for s in stems)
    return _Reading(tokens, stems, negated, asserted, contradicted, held, related)


def _model_features(reading: _Reading) -> dict[str, float]:
    """The example model's features: negation-marked word stems, pairs of them, letter 4-grams (spelling
    slips), and what the phrasings found."""
    keys = [("-" if neg else "") + s for s, neg in zip(reading.stems, reading.negated)]
    features = {"bias": 1.0}
    for key in keys:
        features["w:" + key] = 1.0
    for first, second in zip(keys, keys[1:]):
        features["p:" + first + " " + second] = 1.0
    text = " " + " ".join(w for w, _, _ in reading.tokens if w and w != ",") + " "
    for i in range(len(text) - 3):
        features["c:" + text[i:i + 4]] = MODEL_LETTER_WEIGHT
    if reading.asserted:
        features["made"] = 1.0
    if reading.contradicted or reading.held:
        features["contradicted"] = 1.0
    return features


def _train_model(entry: SheetEntry, c: CompiledEntry) -> ExampleModel | None:
    """The entry's model, learned from its marked examples and from the sheet itself: each key point's sentence
    is an answer to credit, the same words denied are a contradiction, and each misconception (its statement and
    its short form) an answer not to credit, counting as a contradicted example does. The sheet's own sentences
    are the surest examples it has, and the only ones of every point and every misconception."""
    credited = sum(1 for x in entry.examples if x.label == "credited")
    if not example_model.trainable(credited, len(entry.examples) - credited):
        return None
    wrong_weight = example_model.CONTRADICTED_WEIGHT
    rows = []
    for x in entry.examples:
        reading = _read(x.text, c)
        if reading is not None:
            weight = wrong_weight if x.label == "contradicted" else 1.0
            rows.append((_model_features(reading), x.label == "credited", weight))
    for kp in entry.key_points:
        reading = _read(kp.point, c)
        if reading is not None:
            rows.append((_model_features(reading), True, SHEET_POINT_WEIGHT))
            denied = replace(reading, negated=[True] * len(reading.negated), asserted={},
                             contradicted=dict(reading.asserted))
            rows.append((_model_features(denied), False, wrong_weight))
    for m in entry.misconceptions:
        for text in (m.statement, m.wrong):
            reading = _read(text, c)
            if reading is not None:
                rows.append((_model_features(reading), False, wrong_weight))
    return example_model.train(rows)


def mark_answer(answer: str, entry: SheetEntry, question: str | None = None) -> Marking:
    """Mark ``answer`` against ``entry``'s key points. ``question`` is the wording the learner was
    actually shown, if it differs from the sheet's; copying it scores nothing."""
    c = compile_entry(entry)
    all_missed = tuple(range(c.n_points))
    reading = _read(answer, c)
    if reading is None:
        return Marking((), all_missed, "not_yet", False)
    if _is_copy(reading, c, question):
        return Marking((), all_missed, "not_yet", True, related=True)
    content = [(start, end) for w, start, end in reading.tokens if w and w != "," and w not in STOP_WORDS]

    def evidence(found: tuple) -> str:
        return answer[content[found[1]][0]:content[found[2]][1]]

    asserted, contradicted, held = reading.asserted, reading.contradicted, reading.held
    made = tuple(PointMatch(i, round(f[0], 1), evidence(f)) for i, f in sorted(asserted.items()))
    missed = tuple(i for i in all_missed if i not in asserted)
    verdict = _verdict(len(made), c.required, bool(contradicted or held))
    precedent = _precedent(c, reading)
    # A model learned from the entry's examples weighs the phrasings' findings among its features, so where it
    # still credits an answer they found contradicted, it has learned that their contradiction misfires there
    # (as benchmarks/semeval.py measures it: the model decides). The nearest-example vote only lifts "not yet".
    if precedent == "credited" and verdict == "contradicted" and c.model is not None:
        verdict, contradicted, held = "partial", {}, {}  # what they heard is not told as a correction
    elif precedent == "credited" and verdict == "not_yet":
        verdict = "partial"
    elif precedent in ("contradicted", "not_credited") and verdict in ("secure", "partial"):
        verdict = "contradicted" if precedent == "contradicted" else "not_yet"
    return Marking(
        made, missed, verdict, False,
        contradicted=tuple(PointMatch(i, round(f[0], 1), evidence(f)) for i, f in sorted(contradicted.items())),
        misconceptions=tuple(PointMatch(i, round(f[0], 1), evidence(f)) for i, f in sorted(held.items())),
        related=reading.related,
        precedent=precedent,
    )


def _weigh(c: CompiledEntry, reading: _Reading) -> tuple[str, float]:
    """Which of MODEL_THRESHOLDS applies to this reading ("wrong", "some", "all" or "none", by what the phrasings
    found), and the entry's model's probability that the answer is to be credited."""
    if reading.contradicted or reading.held:
        case = "wrong"
    elif not reading.asserted:
        case = "none"
    else:
        case = "all" if len(reading.asserted) >= c.required else "some"
    return case, c.model.probability(_model_features(reading))


def _precedent(c: CompiledEntry, reading: _Reading) -> str | None:
    """The marked examples' say: the entry's model where it has one (credited when at least as likely as the
    threshold for what the phrasings found, MODEL_THRESHOLDS; else contradicted when they found a contradiction,
    not credited otherwise), else the nearest examples' vote."""
    if c.model is not None:
        case, probability = _weigh(c, reading)
        if probability >= MODEL_THRESHOLDS[case]:
            return "credited"
        return "contradicted" if case == "wrong" else "not_credited"
    if not c.examples:
        return None
    # The answer's words and their polarity are already read: the examples' vote reuses them.
    return precedent_of(_similarities(c, _bag_of(reading.stems, reading.negated)))


def model_reading(answer: str, entry: SheetEntry) -> tuple[str, float] | None:
    """What the entry's model weighs of ``answer``: the case of MODEL_THRESHOLDS that applies and the model's
    probability that the answer is to be credited. None where no model is asked (no content, a copy of the
    question, or an entry without a model). For choosing the thresholds without marking again
    (``benchmarks/marking_corpus.py --tune``): the answer is credited exactly when the probability reaches
    the case's threshold."""
    c = compile_entry(entry)
    reading = _read(answer, c)
    if c.model is None or reading is None:
        return None
    if _is_copy(reading, c, None):
        return None
    return _weigh(c, reading)


def _split_clauses(text: str) -> list[tuple[str, int, int]]:
    """:func:`_tokens`, with an empty word (a clause break) at each sentence end or clause comma, and a ","
    at any other comma (where a negation's reach may stop). An acronym that is a stop-word in lower case (ID,
    IT) is kept in capitals, as content, unless the whole answer is in capitals."""
    out: list[tuple[str, int, int]] = []
    last = 0
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) >= 8 and sum(c.isupper() for c in letters) > 0.6 * len(letters)
    for word, start, end in _tokens(text):
        if word in STOP_WORDS and not shouting and _is_acronym(text[start:end], word):
            word = word.upper()  # as phrasings keep it: "ID check", "IT systems"
        if out:
            if _CLAUSE_PUNCTUATION.search(text, last, end):
                out.append(("", start, start))
            elif "," in text[last:start]:
                out.append((",", start, start))
        out.append((word, start, end))
        last = end
    return out
