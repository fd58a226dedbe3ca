"""The treatment guide: question-level answers with their provenance, matching, and honest declines.

entry.py (what an answer is), content_*.py (the answers), entries.py (all of them, topic words), text.py and
typos.py (questions into terms), features.py (questions into the classifier's vectors), model.py (the saved
classifier, model.npz), matcher.py (which entry, or none), labelled.py (the labelled questions that train and
measure it), agreement.py (a second annotator's labels of the held-out parts, scored the same way), training.py
(training, `make guide-model`; scikit-learn, development only).
"""

from bot.guide.entry import DERMATOLOGIST, GENERAL, SEED, Entry
from bot.guide.matcher import Answer, Guide, Scored, default_guide

__all__ = ["DERMATOLOGIST", "GENERAL", "SEED", "Answer", "Entry", "Guide", "Scored", "default_guide"]
