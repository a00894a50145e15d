"""A small classifier learned from a sheet entry's marked examples: credited or not.

Where an entry carries enough answers already marked (a tutor's judgements, or a labelled data set's
train split), the words of those answers say more about this one question than any general rule:
which words a right answer uses, which a wrong one does, which negations turn one into the other.
:func:`train` fits an L2-regularised logistic regression to them by stochastic gradient descent, with
a fixed seed, so the same examples always give the same model; :meth:`ExampleModel.probability` is
the chance an answer with these features would be credited.

Features are plain ``{name: value}`` dicts, built by the marker (:mod:`tutor.practice.marking`):
this module knows nothing of words. Pure Python: an entry's model trains in well under a second at
the sizes a sheet holds (tens to a hundred examples), and scoring is one sparse dot product.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

# Chosen by 5-fold cross-validation on SemEval-2013 Beetle's train split alone (benchmarks/semeval.py --tune),
# the best 2-way macro-F1 there: 0.830 at L2 1e-4 with contradicted examples weighing 3 (0.828 at weight 1,
# 0.824-0.826 at L2 1e-3), crediting 12.0% of the contradictory answers (14.0% at weight 1).
L2 = 1e-4
EPOCHS = 60
LEARNING_RATE = 0.5
SEED = 0
CONTRADICTED_WEIGHT = 3.0  # how much a contradicted example counts against crediting, beside a plain wrong one
MIN_EXAMPLES = 20   # fewer, and the nearest-example vote decides instead
MIN_PER_CLASS = 5   # ... as it does when either side has fewer than this


@dataclass(frozen=True)
class ExampleModel:
    """A linear model over sparse features; ``probability`` is P(credited)."""

    weights: dict[str, float]

    def probability(self, features: dict[str, float]) -> float:
        weights = self.weights
        return _sigmoid(sum(weights.get(name, 0.0) * value for name, value in features.items()))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def trainable(credited: int, not_credited: int) -> bool:
    """Whether examples in these numbers are enough to learn from."""
    return credited + not_credited >= MIN_EXAMPLES and min(credited, not_credited) >= MIN_PER_CLASS


def train(rows: list[tuple[dict[str, float], bool, float]], l2: float | None = None, epochs: int = EPOCHS,
          seed: int = SEED) -> ExampleModel:
    """Fit P(credited | features) to ``rows`` of (features, credited, how much the row counts)."""
    l2 = L2 if l2 is None else l2
    weights: dict[str, float] = {}
    order = list(range(len(rows)))
    shuffle = random.Random(seed).shuffle
    for epoch in range(epochs):
        shuffle(order)
        rate = LEARNING_RATE / (1 + 0.1 * epoch)
        for i in order:
            features, credited, counts = rows[i]
            error = _sigmoid(sum(weights.get(k, 0.0) * v for k, v in features.items())) - (1.0 if credited else 0.0)
            error *= counts
            for k, v in features.items():
                w = weights.get(k, 0.0)
                weights[k] = w - rate * (error * v + l2 * w)
    return ExampleModel(weights)
