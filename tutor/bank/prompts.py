"""Open chat prompts for any knowledge criterion, worded for its command verb and its range.

Every knowledge criterion gets one, sheet or no sheet. The verb (state, describe, explain ...)
decides what the learner is asked to do; the unit's range terms that belong to the criterion
name the perspectives to cover.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutor.bank.catalogue_index import CriterionFacts
from tutor.bank.model import SheetEntry
from tutor.domain.catalogue import Unit
from tutor.rendering import TextRenderer

_STOPWORDS = {
    "a", "an", "the", "of", "to", "for", "on", "in", "and", "or", "how", "why", "what", "be", "should",
    "is", "are", "by", "with", "own", "can", "that", "their", "its",
}
_WORD = re.compile(r"[a-z]+")
_LO_PREFIX = re.compile(r"^LO(\d+)\s+")
KNOWN_VERBS = ("state", "describe", "explain", "identify", "define", "outline", "compare", "list")


@dataclass(frozen=True)
class OpenPrompt:
    criterion: CriterionFacts
    verb: str
    range_terms: dict[str, list[str]]
    own_organisation: bool
    text: str


def command_verb(criterion_text: str) -> str:
    words = _WORD.findall(criterion_text.lower())
    return words[0] if words else ""


def _stems(text: str) -> set[str]:
    # A six-letter prefix is a cheap stem: "important" and "importance" meet at "import".
    return {w[:6] for w in _WORD.findall(text.lower()) if w not in _STOPWORDS}


def range_for(criterion: CriterionFacts, unit: Unit) -> dict[str, list[str]]:
    """The range headings that belong to this criterion: its outcome's, best matching its words.

    A heading labelled with another outcome (``LO2 ...``) never applies. Among the rest, the
    headings whose significant words best cover the criterion's wording win.
    """
    words = _stems(criterion.text)
    scored: list[tuple[tuple[float, int], str]] = []
    for heading in unit.range:
        label = _LO_PREFIX.match(heading)
        if label and label.group(1) != criterion.outcome:
            continue
        heading_words = _stems(_LO_PREFIX.sub("", heading))
        if not heading_words:
            continue
        matched = len(heading_words & words)
        scored.append(((matched / len(heading_words), matched), heading))
    best = max((score for score, _ in scored), default=(0.0, 0))
    if best[0] < 0.6:
        return {}
    return {heading: unit.range[heading] for score, heading in scored if score == best}


def is_about_own_organisation(text: str) -> bool:
    return bool(re.search(r"\b(own|their|your)\b.*\b(organisation|role|job|workplace|team|contact centre)\b", text, re.I))


def open_prompt(criterion: CriterionFacts, unit: Unit, renderer: TextRenderer, sheet: SheetEntry | None = None) -> OpenPrompt:
    """The chat's open question for a criterion. Whether it is about the learner's own organisation is the
    sheet's call where the criterion has one (one place decides); the wording is the guess only without a sheet."""
    verb = command_verb(criterion.text)
    terms = range_for(criterion, unit)
    if sheet is not None:
        own = sheet.own_organisation
    else:
        own = is_about_own_organisation(criterion.text) or any("own organisation" in t.lower() for v in terms.values() for t in v)
    text = renderer.render(
        "prompts/open.j2", criterion=criterion, verb=verb, known=verb in KNOWN_VERBS,
        task=criterion.text[len(verb):].strip() if verb else criterion.text,
        range_terms=terms, own_organisation=own, unit=unit,
    ).strip()
    return OpenPrompt(criterion, verb, terms, own, text)
