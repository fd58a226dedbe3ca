"""`make guide-model`: train the guide's classifier on the wordings and the tune part, save bot/guide/model.npz.

Run it after changing the entries, their phrasings or the labelled questions; tests/guide/test_model.py fails
until the saved model is what training gives.
"""

from __future__ import annotations

import time

from bot.guide import labelled as labelled_set
from bot.guide.matcher import Guide
from bot.guide.model import PATH
from bot.guide.training import train


def main() -> None:
    started = time.perf_counter()
    model = train()
    model.save()
    questions = labelled_set.load()
    guide = Guide(model=model)
    figures = labelled_set.measure(guide, labelled_set.of_split(questions, labelled_set.HELD))
    fresh = labelled_set.measure(guide, labelled_set.of_split(questions, labelled_set.FRESH))
    print(
        f"saved {PATH.name}: {len(model.classes)} classes, {len(model.featurizer.vocabulary)} features, "
        f"thresholds {model.thresholds.min_probability} / {model.thresholds.min_gap}, "
        f"{time.perf_counter() - started:.1f} s\n"
        f"held-out: top-1 {figures.top1:.1%}, confident wrong {figures.confident_wrong:.1%}, "
        f"in-scope declines {figures.in_scope_declines:.1%}, ranked {figures.ranked_top1:.1%}, "
        f"out-of-scope declined {figures.out_of_scope_declined:.1%}, within a tap {figures.within_a_tap:.1%}\n"
        f"fresh held-out: top-1 {fresh.top1:.1%}, confident wrong {fresh.confident_wrong:.1%}, "
        f"in-scope declines {fresh.in_scope_declines:.1%}, ranked {fresh.ranked_top1:.1%}, "
        f"out-of-scope declined {fresh.out_of_scope_declined:.1%}, within a tap {fresh.within_a_tap:.1%}"
    )


if __name__ == "__main__":
    main()
