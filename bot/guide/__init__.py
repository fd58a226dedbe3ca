"""The treatment guide: question-level answers with their provenance, matching, and honest declines.

entry.py (what an answer is), content_*.py (the answers), entries.py (all of them, topic words), text.py and
typos.py (questions into terms), matcher.py (which entry, or none), labelled.py (the labelled questions that
tune and measure the matcher).
"""

from bot.guide.entry import DERMATOLOGIST, GENERAL, SEED, Entry
from bot.guide.matcher import Answer, Guide, Scored, default_guide

__all__ = ["DERMATOLOGIST", "GENERAL", "SEED", "Answer", "Entry", "Guide", "Scored", "default_guide"]
