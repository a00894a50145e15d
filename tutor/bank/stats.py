"""Item-writing cue statistics: signs that test-wise candidates could guess keys without knowing.

The classic cues: the key is the longest option; keys bunch in one position; option lengths
vary so much that the odd one out stands out.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from tutor.bank.model import LETTERS, Item


@dataclass(frozen=True)
class CueStats:
    items: int
    key_longest: int  # items whose key is strictly the longest option
    key_longest_share: float
    chance_share: float  # what a random key position would give: 1 in 4
    key_positions: dict[str, int]
    mean_length_ratio: float  # mean over items of longest/shortest option length
    mean_key_length: float
    mean_distractor_length: float


def cue_stats(items: list[Item]) -> CueStats:
    option_items = [i for i in items if i.key in i.options and len(i.options) == 4]
    longest = 0
    ratios, key_lengths, distractor_lengths = [], [], []
    for item in option_items:
        lengths = {letter: len(text) for letter, text in item.options.items()}
        key_length = lengths[item.key]
        if all(key_length > length for letter, length in lengths.items() if letter != item.key):
            longest += 1
        ratios.append(max(lengths.values()) / max(1, min(lengths.values())))
        key_lengths.append(key_length)
        distractor_lengths.extend(length for letter, length in lengths.items() if letter != item.key)
    positions = Counter(item.key for item in option_items)
    count = len(option_items)
    return CueStats(
        items=count,
        key_longest=longest,
        key_longest_share=longest / count if count else 0.0,
        chance_share=0.25,
        key_positions={letter: positions.get(letter, 0) for letter in LETTERS},
        mean_length_ratio=statistics.fmean(ratios) if ratios else 0.0,
        mean_key_length=statistics.fmean(key_lengths) if key_lengths else 0.0,
        mean_distractor_length=statistics.fmean(distractor_lengths) if distractor_lengths else 0.0,
    )
