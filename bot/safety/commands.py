"""What ``ouderwijzer safety split | train | eval`` do, as functions over the settings.

Kept apart from the detector so the service never imports scikit-learn or reads the safety set.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from bot.errors import InputError
from bot.safety.classifier import SafetyModel, data_hash, train_model
from bot.safety.dataset import SafetyMessage, load_messages
from bot.safety.detector import SafetyCheck
from bot.safety.evaluate import SafetyEval, assign_splits, evaluate
from bot.safety.features import SafetyFeatures
from bot.settings import Settings
from ingest.embed import make_embedder
from ingest.units import load_units

log = logging.getLogger(__name__)

PATTERNS_FILE = Path(__file__).resolve().parent.parent / "data" / "safety_patterns.yaml"


def messages_dir(settings: Settings) -> Path:
    return settings.paths.safety_dir / "messages"


def model_path(settings: Settings) -> Path:
    return settings.paths.safety_dir / "model.json"


def load_set(settings: Settings, split: str | None = None) -> list[SafetyMessage]:
    """The safety set (one split, or all); problems in the files are an ``InputError``."""
    messages, problems = load_messages(messages_dir(settings))
    if problems:
        raise InputError(f"safety set: {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    if split and split != "all":
        unsplit = [m.id for m in messages if not m.split]
        if unsplit:
            raise InputError(f"{len(unsplit)} messages have no split yet; run: ouderwijzer safety split")
        messages = [m for m in messages if m.split == split]
    return messages


def split(settings: Settings) -> dict[str, int]:
    """Give every message without a split one (once; existing splits never change)."""
    return assign_splits(messages_dir(settings))


def features(settings: Settings, embedder: Any = None) -> SafetyFeatures:
    """What the classifier reads: the embedder's vectors (``embedder``: one already loaded), joined with the
    second encoder's when the settings name one (features passed in are used as they are)."""
    if isinstance(embedder, SafetyFeatures):
        return embedder
    primary = embedder or make_embedder(settings.embedder)
    name, weight = settings.safety.second_encoder, settings.safety.second_weight
    if not name or weight <= 0:
        return SafetyFeatures(primary)
    # One thread: the second encoder is NumPy, and BLAS threads left spinning after its call slowed the main
    # embedder's next call 2.5-fold (the whole check 56 -> 152 ms per message; it needs about 2 ms itself).
    second = make_embedder(settings.embedder.model_copy(update={"backend": name, "model": "", "threads": 1}))
    return SafetyFeatures(primary, second, weight)


def ordinary_questions(settings: Settings) -> list[str]:
    """The answer units' ways of asking (outside the safety topic): extra calm examples for training."""
    return [q for u in load_units(settings.paths.units_dir).units if u.topic != "veiligheid" for q in u.asked_as]


def train(settings: Settings) -> SafetyModel:
    """Train the classifier on the train split and write ``model.json``."""
    messages = load_set(settings, "train")
    embedder = features(settings)
    ordinary = ordinary_questions(settings)
    patterns = SafetyCheck.load(PATTERNS_FILE, model_path(settings), None)
    model = train_model(
        messages,
        embedder.queries,
        embedder_name=embedder.name,
        ordinary=ordinary,
        fired_by_patterns=patterns.quick,
        target_recall=settings.safety.target_recall,
        c=settings.safety.c,
        knn_weight=settings.safety.knn_weight,
        char_weight=settings.safety.char_weight,
    )
    model.save(model_path(settings))
    return model


def detector(settings: Settings, *, classifier: bool | None = None, embedder: object | None = None) -> SafetyCheck:
    """The detector from the settings, the one way the service and the commands build it (optionally
    patterns only); ``embedder``: one already loaded, else one is made when the classifier is used."""
    use = settings.safety.classifier if classifier is None else classifier
    return SafetyCheck.load(
        PATTERNS_FILE, model_path(settings), features(settings, embedder) if use else None, doubt_below=settings.safety.pattern_doubt_below,
        also_name_share=settings.safety.also_name_share, child_from=settings.safety.child_from,
        acute_from=settings.safety.acute_from,
    )


def model_is_current(settings: Settings) -> bool:
    """True when the weights were trained on today's train split."""
    try:
        model = SafetyModel.load(model_path(settings))
    except Exception:  # a missing or broken file is simply not current
        return False
    return model.data_hash == data_hash(load_set(settings, "train"))


def measure(settings: Settings, *, split_name: str = "test", check: SafetyCheck | None = None,
            dev_questions: list[tuple[str, str]] | None = None) -> tuple[SafetyEval, dict[str, Any]]:
    """Run the detector over one split (and the dev set's questions) and return the metrics."""
    check = check or detector(settings)
    messages = load_set(settings, split_name)
    if check.embedder is not None:
        check.embedder.query("warm-up")  # type: ignore[attr-defined]
    result = evaluate(messages, check.inspect)
    if dev_questions:
        calm = [q for q, expect in dev_questions if expect != "crisis"]
        crisis = [q for q, expect in dev_questions if expect == "crisis"]
        result.extra_false_alarms = {
            "dev_false_alarms": sum(check.check(q) is not None for q in calm),
            "dev_calm_questions": len(calm),
            "dev_crisis_ok": f"{sum(check.check(q) is not None for q in crisis)}/{len(crisis)}",
        }
    return result, result.metrics()
