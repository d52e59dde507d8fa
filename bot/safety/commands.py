"""What ``ouderwijzer safety split | train | eval`` do, as functions over the settings.

Kept apart from the detector so the service never imports scikit-learn or reads the safety set.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import InputError
from bot.safety.classifier import SafetyModel, data_hash, train_model, windows
from bot.safety.dataset import SafetyMessage, load_messages
from bot.safety.detector import SafetyCheck
from bot.safety.encoder import tuned_hash
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
    tuned_oof, tuned_id = _tuned_scores(settings, messages)
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
        tuned_oof=tuned_oof,
        tuned_weight=settings.safety.tuned_weight,
        tuned_id=tuned_id,
        net_false_alarms=settings.safety.net_false_alarms,
    )
    model.save(model_path(settings))
    return model


def tuned_path(settings: Settings) -> Path:
    return settings.paths.safety_dir / "tuned.npz"


def tuned_oof_path(settings: Settings) -> Path:
    return settings.paths.safety_dir / "tuned-oof.json"


def chosen_windows(settings: Settings, messages: list[SafetyMessage]) -> dict[str, int]:
    """For each long alarming message, the window today's logistic head finds most alarming for its label."""
    model = SafetyModel.load(model_path(settings))
    embedder = features(settings)
    chosen: dict[str, int] = {}
    for m in messages:
        parts = windows(m.text)
        if m.label == "none" or len(parts) < 2:
            continue
        probs = model.label.proba(np.asarray(embedder.queries(parts), dtype=np.float32))
        chosen[m.id] = int(np.argmax(probs[:, model.label.classes.index(m.label)]))
    return chosen


def tune(settings: Settings, progress: Callable[[str], None] = log.info) -> dict[str, Any]:
    """Fine-tune the crisis encoder on the train split; write its layers and the out-of-fold scores that
    ``train`` calibrates the thresholds with (so run ``train`` after this)."""
    from bot.safety.tune import TuneSettings
    from bot.safety.tune import tune as fine_tune

    messages = load_set(settings, "train")
    chosen = chosen_windows(settings, messages)
    knobs = settings.safety
    encoder, oof = fine_tune(messages, ordinary_questions(settings), chosen, folds=knobs.tune_folds,
                             settings=TuneSettings(epochs=knobs.tune_epochs), threads=settings.embedder.threads,
                             progress=progress)
    digest = data_hash(messages)
    encoder.save_tuned(tuned_path(settings), {"data_hash": digest})
    record = {"data_hash": digest, "tuned": tuned_hash(tuned_path(settings)), "folds": knobs.tune_folds,
              "epochs": knobs.tune_epochs, "scores": oof}
    tuned_oof_path(settings).write_text(json.dumps(record, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    return record


def _tuned_scores(settings: Settings, messages: list[SafetyMessage]) -> tuple[dict[str, float], str]:
    """The fine-tuned encoder's out-of-fold scores for this train split (empty when it is not used)."""
    if settings.safety.tuned_weight <= 0:
        return {}, ""
    try:
        record = json.loads(tuned_oof_path(settings).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("safety.tuned_weight is set but there is no fine-tuned encoder yet; run: ouderwijzer "
                         "safety tune (or set safety.tuned_weight to 0)") from None
    if record.get("data_hash") != data_hash(messages) or record.get("tuned") != tuned_hash(tuned_path(settings)):
        raise InputError("the fine-tuned encoder was trained on another train split; run: ouderwijzer safety tune")
    return {str(k): float(v) for k, v in record["scores"].items()}, str(record["tuned"])


def detector(settings: Settings, *, classifier: bool | None = None, embedder: object | None = None) -> SafetyCheck:
    """The detector from the settings, the one way the service and the commands build it (optionally
    patterns only); ``embedder``: one already loaded, else one is made when the classifier is used."""
    use = settings.safety.classifier if classifier is None else classifier
    return SafetyCheck.load(
        PATTERNS_FILE, model_path(settings), features(settings, embedder) if use else None, doubt_below=settings.safety.pattern_doubt_below,
        also_name_share=settings.safety.also_name_share, child_from=settings.safety.child_from,
        acute_from=settings.safety.acute_from, tuned_path=tuned_path(settings), threads=settings.embedder.threads,
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
