"""Marking a learner's free-text answer against a knowledge sheet entry.

A key point is *made* when the answer shows one of its phrasings: an ``accept`` phrase, its
``short`` answer, or the key content words of its ``point`` sentence. Matching works on word
stems, allows the point's ``synonyms``, typos (rapidfuzz ratio on words of 5+ letters), and any
word order within a sliding window of the answer's content words. Stop-words never match on
their own. An answer that merely copies the question or the criterion scores nothing.

Everything an entry needs is compiled once (:func:`compile_entry`, cached), so marking a
100-word answer costs about a millisecond.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from tutor.bank.model import SheetEntry

__all__ = ["CompiledEntry", "Marking", "PointMatch", "compile_entry", "mark_answer"]

FUZZY_MIN_LEN = 5        # words (stems) shorter than this must match exactly
FUZZY_CUTOFF = 85        # rapidfuzz ratio for a typo to count as the word
TRANSPOSE_CUTOFF = 80    # ... or this, when the words have the same letters (a transposition)
PREFIX_SCORE = 90        # "environment" for "environmental", "compet" for "competitor"
PREFIX_SHARE = 0.75      # a shared beginning counts when it is this share of the shorter word
PREFIX_SHARE_LONGER = 0.55  # ... and this share of the longer (response is not responsibility)
COPY_CUTOFF = 90         # token_set_ratio above which an answer is a copy of the question
COPY_EXTRA_WORDS = 2     # ... unless it adds more content words than this

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


@dataclass(frozen=True)
class Marking:
    """The result of marking one answer.

    ``verdict`` is ``secure`` (all or all-but-one key points, and at least 2), ``partial``,
    ``thin`` (on topic but no point, or one point in a very short answer) or ``none`` (empty,
    unrelated, or a copy of the question)."""

    made: tuple[PointMatch, ...]
    missed: tuple[int, ...]
    verdict: str
    copied_question: bool

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


def _content_stems(text: str, keep_caps: bool = False) -> list[str]:
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
        if word in STOP_WORDS and not (keep_caps and len(raw) >= 2 and raw.isupper()):
            continue
        out.append(word)
    return out


# --------------------------------------------------------------------------- compiling an entry

@dataclass(frozen=True)
class _Phrase:
    point: int
    slots: tuple[tuple[str, ...], ...]     # each slot: alternative stems (the word and its synonyms)
    need: int                              # how many slots must be found
    window: int                            # within this many consecutive content words


@dataclass(frozen=True)
class CompiledEntry:
    """An entry's phrasings, normalised once."""

    n_points: int
    phrases: tuple[_Phrase, ...]
    vocab: tuple[str, ...]                 # every stem any phrase can match (fuzzy targets)
    vocab_set: frozenset[str]
    prefixes: dict[str, tuple[str, ...]]   # prefix (5+ letters) of a vocab stem -> vocab stems
    topic: frozenset[str]                  # stems of the criterion and question wording
    copy_sources: tuple[tuple[str, frozenset[str]], ...]


def _synonym_map(synonyms: dict[str, list[str]]) -> tuple[dict[str, list[str]], dict[str, list[list[str]]]]:
    """Single-word alternatives per stem, and multi-word alternatives (as stem lists) per stem."""
    single: dict[str, list[str]] = {}
    multi: dict[str, list[list[str]]] = {}
    for word, alts in synonyms.items():
        key = _content_stems(word)
        if len(key) != 1:
            continue
        for alt in alts:
            alt_stems = _content_stems(alt)
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


def _build(entry: SheetEntry) -> CompiledEntry:
    topic_texts = [entry.text, entry.question, entry.question_not]
    topic = frozenset(s for t in topic_texts for s in _content_stems(t))
    phrases: list[_Phrase] = []
    compounds: set[str] = set()
    seen: set[tuple] = set()
    for index, kp in enumerate(entry.key_points):
        single, multi = _synonym_map(kp.synonyms)
        candidates: list[tuple[list[str], str]] = []
        for a in kp.accept:
            words = _content_words(a, keep_caps=True)
            candidates.append((_dedupe([stem(w) for w in words]), "accept"))
            for i in range(len(words) - 1):            # "front line" is also written "frontline"
                joined = [stem(w) for w in words[:i]] + [stem(words[i] + words[i + 1])] + [stem(w) for w in words[i + 2:]]
                candidates.append((_dedupe(joined), "accept"))
                compounds.add(joined[i])
        for sentence in (kp.short, kp.point):
            stems = [s for s in _dedupe(_content_stems(sentence, keep_caps=True)) if s not in topic and s not in _GENERIC_STEMS]
            candidates.append((stems, "sentence"))
        for stems, kind in candidates:
            if not stems:
                continue                                   # stop-words (or topic words) alone never match
            for slots in _phrase_variants(stems, single, multi):
                k = len(slots)
                if kind == "accept":
                    need, window = (k if k < 4 else k - 1), k + 3
                else:
                    need, window = (k if k <= 2 else max(2, math.ceil(0.6 * k))), 2 * k + 2
                key = (index, tuple(slots), need)
                if key in seen:
                    continue
                seen.add(key)
                phrases.append(_Phrase(index, tuple(slots), need, window))
    vocab = sorted({alt for p in phrases for slot in p.slots for alt in slot})
    plain = {stem(w) for kp in entry.key_points for t in [kp.point, kp.short, *kp.accept] for w in _content_words(t)}
    prefixes: dict[str, list[str]] = {}
    for v in vocab:
        if v in compounds and v not in plain:
            continue                                       # a joined compound matches whole (or by typo) only
        for n in range(FUZZY_MIN_LEN, len(v) + 1):
            prefixes.setdefault(v[:n], []).append(v)
    sources = []
    for text in topic_texts:
        if text:
            sources.append((" ".join(w for w, _, _ in _tokens(text)), frozenset(_content_stems(text))))
    return CompiledEntry(
        n_points=len(entry.key_points),
        phrases=tuple(phrases),
        vocab=tuple(vocab),
        vocab_set=frozenset(vocab),
        prefixes={p: tuple(vs) for p, vs in prefixes.items()},
        topic=topic,
        copy_sources=tuple(sources),
    )


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


def _is_copy(words: list[str], stems: list[str], c: CompiledEntry, question: str | None) -> bool:
    if not stems:
        return False
    answer = " ".join(words)
    sources = list(c.copy_sources)
    if question:
        sources.append((" ".join(w for w, _, _ in _tokens(question)), frozenset(_content_stems(question))))
    for text, source_stems in sources:
        extra = [s for s in stems if s not in source_stems]
        if len(extra) <= COPY_EXTRA_WORDS and fuzz.token_set_ratio(answer, text) >= COPY_CUTOFF:
            return True
    return False


def _best_window(phrase: _Phrase, occ: dict[str, list[tuple[int, float]]]) -> tuple[float, int, int] | None:
    """Best (score, first, last) content-word positions where enough of the phrase's slots occur."""
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
    starts = sorted({pos for o in slot_occ for pos, _ in o})
    k = len(phrase.slots)
    best: tuple[float, int, int] | None = None
    for start in starts:
        end = start + phrase.window
        got: list[tuple[float, int]] = []
        for o, positions in zip(slot_occ, slot_pos):
            i = bisect_left(positions, start)
            top: tuple[float, int] | None = None
            while i < len(o) and o[i][0] < end:
                if top is None or o[i][1] > top[0]:
                    top = (o[i][1], o[i][0])
                i += 1
            if top is not None:
                got.append(top)
        if len(got) >= phrase.need:
            score = sum(s for s, _ in got) / k
            first, last = min(p for _, p in got), max(p for _, p in got)
            if best is None or score > best[0] or (score == best[0] and last - first < best[2] - best[1]):
                best = (score, first, last)
    return best


def _better(a: tuple[float, int, int], b: tuple[float, int, int]) -> bool:
    """Higher score wins; on a tie, the tighter evidence."""
    return a[0] > b[0] or (a[0] == b[0] and a[2] - a[1] < b[2] - b[1])


def _verdict(n_made: int, n_points: int, n_words: int, related: bool) -> str:
    if n_made == 0:
        return "thin" if related else "none"
    if n_made >= 2 and n_made >= n_points - 1:
        return "secure"
    if n_made == 1 and n_words < 4:
        return "thin"
    return "partial"


def mark_answer(answer: str, entry: SheetEntry, question: str | None = None) -> Marking:
    """Mark ``answer`` against ``entry``'s key points. ``question`` is the wording the learner was
    actually shown, if it differs from the sheet's; copying it scores nothing."""
    c = compile_entry(entry)
    all_missed = tuple(range(c.n_points))
    tokens = _tokens(answer or "")
    words = [w for w, _, _ in tokens]
    content = [(stem(w), start, end) for w, start, end in tokens if w and w not in STOP_WORDS]
    if not content:
        return Marking((), all_missed, "none", False)
    stems = [s for s, _, _ in content]
    if _is_copy(words, stems, c, question):
        return Marking((), all_missed, "none", True)

    occ: dict[str, list[tuple[int, float]]] = {}
    per_stem: dict[str, dict[str, float]] = {}
    for pos, s in enumerate(stems):
        matches = per_stem.get(s)
        if matches is None:
            matches = per_stem[s] = _word_matches(s, c)
        for v, score in matches.items():
            occ.setdefault(v, []).append((pos, score))

    best: dict[int, tuple[float, int, int]] = {}
    for phrase in c.phrases:
        found = _best_window(phrase, occ)
        if found and (phrase.point not in best or _better(found, best[phrase.point])):
            best[phrase.point] = found
    made = tuple(
        PointMatch(i, round(score, 1), answer[content[first][1]:content[last][2]])
        for i, (score, first, last) in sorted(best.items())
    )
    missed = tuple(i for i in all_missed if i not in best)
    related = bool(occ) or any(s in c.topic for s in stems)
    return Marking(made, missed, _verdict(len(made), c.n_points, len(words), related), False)
