"""Grammar and sense checks for items a reader sees: capitals, end punctuation, options parallel with each other,
no doubled words, articles that agree, no sentence that opens on a pronoun with nothing to refer to.

Pure functions over an item; ``tests/bank/test_grammar.py`` runs them over every generated and authored item.
"""

from __future__ import annotations

import re

from tutor.bank.model import Item

__all__ = ["grammar_problems", "opens_on_pronoun"]

_DOUBLED = re.compile(r"(?<![-\w])(\w+)\s+\1\b", re.IGNORECASE)  # "add-on on" is fine
_SENTENCE_END = (".", "!", '."', '?"', '!"')
_A_BEFORE_VOWEL = re.compile(r"\b[Aa]\s+([aeioAEIO]\w*)")
_AN_BEFORE_CONSONANT = re.compile(r"\b[Aa]n\s+([b-df-gj-np-tv-zB-DF-GJ-NP-TV-Z]\w*)")
# Vowel letters with a consonant sound ("a one-off", "a European") and silent h ("an hour").
_A_EXCEPTIONS = ("one", "once", "eu", "uni", "use", "usu")
_AN_EXCEPTIONS = ("hour", "honest", "honour", "heir", "nhs", "sla", "sms", "mp", "fcr", "nps", "rsi", "fsa", "fca", "lgo")
# A sentence shown on its own that opens on a pronoun has nothing to refer to ("It makes the organisation look
# outward"); "It is fine to ..." / "It can be ..." is the empty "it" of English and reads well.
_PRONOUN_START = re.compile(r"^(?:(?:Its|They|Their|Them|This|These|Those|He|She)\b|It\b(?!\s+(?:is|was|isn't|can|may|will|would|should|must|might|could|takes|costs|pays|tends|helps to|makes sense|is worth)\b))")
_DOUBLED_OK = {"that", "had", "is", "do"}  # "that that", "had had": grammatical


def _sentence_problems(text: str, what: str) -> list[str]:
    problems = []
    if "  " in text:
        problems.append(f"{what} has a double space")
    for match in _DOUBLED.finditer(text):
        first, second = match.group(0).split()[0], match.group(0).split()[-1]
        if first == second and first.lower() not in _DOUBLED_OK and not first.isdigit():
            problems.append(f"{what} repeats the word {match.group(1)!r}")
    for match in _A_BEFORE_VOWEL.finditer(text):
        if not match.group(1).lower().startswith(_A_EXCEPTIONS) and not match.group(1).isupper():
            problems.append(f"{what} has 'a' before {match.group(1)!r}")
    for match in _AN_BEFORE_CONSONANT.finditer(text):
        if not match.group(1).lower().startswith(_AN_EXCEPTIONS) and not match.group(1).isupper():
            problems.append(f"{what} has 'an' before {match.group(1)!r}")
    for opening, closing in ("()", "[]"):
        if text.count(opening) != text.count(closing):
            problems.append(f"{what} has unbalanced {opening}{closing}")
    if text.count('"') % 2:
        problems.append(f"{what} has an unclosed quotation mark")
    return problems


def opens_on_pronoun(sentence: str) -> bool:
    """Whether a sentence shown on its own opens on a pronoun with nothing to refer to."""
    return bool(_PRONOUN_START.match(sentence.strip()))


def _starts_well(text: str) -> bool:
    return bool(text) and (text[0].isupper() or text[0].isdigit() or text[0] in "\"'(£")


def grammar_problems(item: Item) -> list[str]:
    """What a careful reader would correct in the item, as one line each (empty: none)."""
    problems = []
    stem = item.stem.strip()
    if not _starts_well(stem):
        problems.append("the stem does not start with a capital letter")
    if item.kind == "true_false":
        statement = stem.split("?", 1)[-1].strip()
        if not statement.endswith(_SENTENCE_END):
            problems.append("the true/false statement does not end with a full stop")
        if _PRONOUN_START.match(statement):
            problems.append("the true/false statement opens on a pronoun with nothing to refer to")
    elif not stem.endswith(("?", ":", ".")):
        problems.append("the stem does not end with a question mark, colon or full stop")
    problems += _sentence_problems(stem, "the stem")
    if item.kind in ("single_best", "negative"):
        texts = list(item.options.values())
        for letter, text in item.options.items():
            if not _starts_well(text):
                problems.append(f"option {letter} does not start with a capital letter")
            problems += _sentence_problems(text, f"option {letter}")
        # Quoted speech and exclamations end as they end; among the rest, a full stop on all or none.
        full_stops = [t.endswith(".") for t in texts if not t.endswith(('"', "'", "!", "?"))]
        if any(full_stops) and not all(full_stops):
            problems.append("some options end with a full stop and some do not (not parallel)")
        if "statement" in str(item.provenance.get("template", "")):
            for letter, text in item.options.items():
                if _PRONOUN_START.match(text):
                    problems.append(f"option {letter} opens on a pronoun with nothing to refer to")
    for term, meaning in item.pairs:
        problems += _sentence_problems(term, "a matching term") + _sentence_problems(meaning, "a matching meaning")
    for step in item.sequence:
        problems += _sentence_problems(step, "an ordering step")
    return problems
