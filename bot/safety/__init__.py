"""Crisis detection: patterns (``patterns``) OR a classifier over the sentence embedding (``classifier``),
combined in ``detector``; the reply that fits the case in ``reply``; the labelled set in ``dataset``."""

from bot.safety.detector import CrisisSignal, SafetyCheck

__all__ = ["CrisisSignal", "SafetyCheck"]
