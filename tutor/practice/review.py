"""Spaced review of knowledge criteria with FSRS: a marked answer schedules the criterion again.

Each criterion (keyed by its criterion id, e.g. ``"1.2"``) has one :class:`fsrs.Card`. A marking
verdict maps to a rating (``secure`` is Good, or Easy when no hint was needed and told so;
``partial`` Hard; ``not_yet`` and ``contradicted`` Again). Verdicts that are not marks (answers recorded for
the tutor, skips, notes) do not touch the schedule. Cards round-trip through plain dicts
(:meth:`Card.to_dict` / :meth:`Card.from_dict`) so a service can store them as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fsrs import Card, Rating, Scheduler

__all__ = ["cards_from_dict", "cards_to_dict", "due_criteria", "new_scheduler", "rating_for", "review"]

_RATINGS = {"secure": Rating.Good, "partial": Rating.Hard, "not_yet": Rating.Again, "contradicted": Rating.Again,
            "thin": Rating.Again, "none": Rating.Again}  # thin/none: verdicts stored before the one scale


def rating_for(verdict: str, easy: bool = False) -> Rating | None:
    """The FSRS rating for a marking verdict, or ``None`` for a verdict that is not a mark.

    ``easy`` upgrades a secure answer to Easy (e.g. secure at the first attempt with no hint)."""
    if verdict == "secure" and easy:
        return Rating.Easy
    return _RATINGS.get(verdict)


def new_scheduler() -> Scheduler:
    """The default scheduler: no fuzzing, so the same answers give the same due dates."""
    return Scheduler(enable_fuzzing=False)


def review(cards: dict[str, Card], criterion: str, verdict: str, now: datetime,
           scheduler: Scheduler | None = None, easy: bool = False) -> Card | None:
    """Review ``criterion``'s card (created on first use) with ``verdict`` at ``now``; the new card
    replaces the old one in ``cards`` and is returned. A verdict that is not a mark changes nothing
    and returns ``None``."""
    rating = rating_for(verdict, easy)
    if rating is None:
        return None
    card = cards.get(criterion) or Card(due=now)
    card, _log = (scheduler or new_scheduler()).review_card(card, rating, now)
    cards[criterion] = card
    return card


def due_criteria(cards: Mapping[str, Card], now: datetime) -> list[str]:
    """Criterion ids whose card is due at ``now``, most overdue first (ties by id)."""
    return [c for c, card in sorted(cards.items(), key=lambda kv: (kv[1].due, kv[0])) if card.due <= now]


def cards_to_dict(cards: Mapping[str, Card]) -> dict[str, dict[str, Any]]:
    return {criterion: card.to_dict() for criterion, card in cards.items()}


def cards_from_dict(data: Mapping[str, Mapping[str, Any]]) -> dict[str, Card]:
    return {criterion: Card.from_dict(dict(raw)) for criterion, raw in data.items()}
