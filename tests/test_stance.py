"""Stance scoring: evidence passages, the time rule, and the bundled model on clear pairs we wrote."""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
import pandas as pd
import pytest

from crosscheck import config
from crosscheck.models.gate import RelatednessGate, gated_probability
from crosscheck.models.labels import normalise_label
from crosscheck.models.passages import overlap_features, select_passages, short_evidence
from crosscheck.models.stance import CrossEncoderScorer, StanceScorer, load_scorer
from crosscheck.models.timing import apply_time_rule, is_forward_looking


def test_labels_of_other_datasets_map_to_ours():
    assert normalise_label("agree") == "supports"
    assert normalise_label("Disagree") == "contradicts"
    assert normalise_label("entailment") == "supports"
    assert normalise_label("contradiction") == "contradicts"
    assert normalise_label("neutral") == "discusses"
    with pytest.raises(ValueError, match="unknown stance label"):
        normalise_label("perhaps")


@pytest.mark.parametrize("claim, expected", [
    ("Troops will return to their bases after the drills end.", True),
    ("Not a single Russian serviceman will stay in Belarus after the exercises.", True),
    ("Forces are to be withdrawn by 20 February.", True),
    ("The units are set to return to their garrisons.", True),
    ("A decision has been taken to partially withdraw forces.", False),
    ("Russian troops shelled the city overnight.", False),
])
def test_forward_looking_claims_are_detected(claim, expected):
    assert is_forward_looking(claim) is expected


def test_overlap_features():
    coverage, jaccard, bigrams = overlap_features("Tanks moved to the border", "tanks moved away from the border")
    assert coverage == pytest.approx(1.0)
    assert 0 < jaccard < 1
    assert bigrams == pytest.approx(0.5)  # "tanks moved" shared, "moved border" not
    assert overlap_features("", "anything") == [0.0, 0.0, 0.0]


def test_passages_pick_the_sentences_about_the_claim(embedder):
    body = (
        "The weather in Minsk was cold on Tuesday. "
        "Satellite images show new field hospitals near the Ukrainian border. "
        "A local team won the hockey cup. "
        "Observers counted more tanks arriving at the border than leaving. "
        "Bread prices rose slightly."
    )
    passages, feats = select_passages(["Russian troops are pulling back from the Ukrainian border."], [body], embedder, k=2)
    assert "field hospitals" in passages[0] and "tanks arriving" in passages[0]
    assert "hockey" not in passages[0] and "Bread" not in passages[0]
    # Text order is kept so the passage reads as in the source.
    assert passages[0].index("field hospitals") < passages[0].index("tanks arriving")
    assert feats.shape == (1, 5) and feats[0, 0] >= feats[0, 1] > 0


def test_time_rule_damps_early_reports_on_forward_looking_claims():
    frame = pd.DataFrame({"stance": ["contradicts"] * 3, "contradiction": [0.9] * 3, "support": [0.0] * 3})
    claims = ["Troops will return to their bases after the drills end."] * 2 + ["Troops are pulling back."]
    out = apply_time_rule(frame, claims, [dt.date(2022, 2, 15)] * 3, ["2022-02-10", "2022-02-20", "2022-02-10"])
    assert out["stance"].tolist() == ["discusses", "contradicts", "contradicts"]
    assert out["contradiction"].tolist() == pytest.approx([0.18, 0.9, 0.9])
    assert out["lag_days"].tolist() == [-5, 5, -5]
    assert out["forward_looking"].tolist() == [True, True, False]


def test_time_rule_ignores_missing_dates():
    frame = pd.DataFrame({"stance": ["contradicts"], "contradiction": [0.9], "support": [0.0]})
    out = apply_time_rule(frame, ["Troops will return."], [None], [float("nan")])
    assert out["stance"].tolist() == ["contradicts"] and pd.isna(out["lag_days"][0])


def test_when_note_says_how_long_after_the_claim_the_report_came():
    from crosscheck.models.timing import dated_passages, when_note

    assert when_note("2022-03-01", "2022-03-01") == "(same day) "
    assert when_note("2022-03-01", dt.date(2022, 3, 2)) == "(1 day later) "
    assert when_note("2022-03-10", "2022-03-04") == "(6 days earlier) "
    assert when_note("2022-03-01", "2022-03-29") == "(4 weeks later) "
    assert when_note("2022-06-01", "2022-02-24") == "(3 months earlier) "
    assert when_note(None, "2022-03-01") == when_note("2022-03-01", float("nan")) == when_note("not a date", "2022-03-01") == ""
    assert dated_passages(["Tanks at the border."], ["2022-02-15"], ["2022-02-17"]) == ["(2 days later) Tanks at the border."]
    assert dated_passages(["Tanks at the border."], None, None) == ["Tanks at the border."]


def test_gate_round_trips_through_json():
    gate = RelatednessGate([0.0] * 8, [1.0] * 8, [2.0, 0, 0, 0, 0, 0, 0, 0], -1.0, threshold=0.4)
    again = RelatednessGate.from_json(gate.to_json())
    feats = np.array([[0.9, 0.8, 0.5, 0.3, 0.1], [0.0, 0.0, 0.0, 0.0, 0.0]], dtype=np.float32)
    assert again.probability(feats) == pytest.approx(gate.probability(feats))
    assert again.threshold == 0.4
    assert gate.probability(feats)[0] > 0.5 > gate.probability(feats)[1]


def test_gate_filters_documents_but_not_short_reports():
    gate = RelatednessGate([0.0] * 8, [1.0] * 8, [2.0, 0, 0, 0, 0, 0, 0, 0], -1.0, threshold=0.4)
    feats = np.zeros((2, 5), dtype=np.float32)  # nothing in common with the claim
    document = " ".join(f"The council met on day {i} to discuss the budget." for i in range(6))
    short = short_evidence([document, "Tanks moving towards the border."])
    assert short.tolist() == [False, True]
    related = gated_probability(gate, feats, short)
    assert related[0] == pytest.approx(gate.probability(feats)[0]) and related[0] < gate.threshold
    assert np.isinf(related[1])
    assert gated_probability(None, feats, short) is None


def test_none_scorer_leaves_pairs_unscored():
    scorer = load_scorer("none")
    assert type(scorer) is StanceScorer
    assert scorer.score(["a"], ["b"])["stance"].isna().all()


def test_an_unknown_model_is_a_model_error():
    from crosscheck.errors import ModelError

    with pytest.raises(ModelError, match="cannot load stance model"):
        load_scorer("/nonexistent/stance-model")


# Pairs we wrote: official claim vs a short report on the ground.
CLEAR_PAIRS = [
    ("A decision has been taken to partially withdraw forces from the border.",
     "On Thursday a column of tanks and rocket launchers was filmed moving toward the border.", "contradicts"),
    ("Russian units are returning to their permanent bases.",
     "Satellite images show the number of tanks at the border camp has grown since last week.", "contradicts"),
    ("There have been no strikes on civilian infrastructure in the city.",
     "A missile hit a residential building in the city centre, killing four civilians.", "contradicts"),
    ("The bridge over the river remains intact and open to traffic.",
     "Video verified by the monitors shows the bridge collapsed into the river.", "contradicts"),
    ("Units of the Southern Military District are loading onto trains to return to their garrisons.",
     "Trains carrying armoured vehicles left the district and arrived at their home garrisons.", "supports"),
    ("The humanitarian corridor from the city opened this morning.",
     "Buses carrying civilians left the city through the humanitarian corridor this morning.", "supports"),
    ("Grain shipments from the port resumed on Monday.",
     "Three ships loaded with grain left the port on Monday.", "supports"),
    ("A decision has been taken to partially withdraw forces from the border.",
     "The national orchestra announced its winter concert season.", "unrelated"),
    ("There have been no strikes on civilian infrastructure in the city.",
     "The football league postponed its final because of heavy snow.", "unrelated"),
]


@pytest.fixture(scope="module")
def bundled(embedder):
    if not (config.STANCE_MODEL_DIR / "config.json").exists():
        pytest.fail(f"{config.STANCE_MODEL_DIR} holds no trained model")
    return load_scorer("bundled", embedder=embedder)


def test_bundled_model_loads_offline(bundled):
    assert isinstance(bundled, CrossEncoderScorer)
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert bundled.name == "bundled"
    assert bundled.gate is not None
    size = sum(p.stat().st_size for p in config.STANCE_MODEL_DIR.iterdir())
    assert size <= 50 * 1000 * 1000


def test_bundled_model_tells_unrelated_pairs_apart(bundled):
    claims, evidences, gold = zip(*CLEAR_PAIRS)
    scored = bundled.score(list(claims), list(evidences))
    assert list(scored.columns[:3]) == ["stance", "contradiction", "support"]
    unrelated = np.array([g == "unrelated" for g in gold])
    assert (scored["stance"][unrelated] == "unrelated").all()
    assert scored["similarity"].to_numpy()[unrelated].max() < scored["similarity"].to_numpy()[~unrelated].min()
    assert scored["contradiction"].to_numpy()[unrelated].max() < scored["contradiction"].to_numpy()[~unrelated].max()


def test_bundled_model_on_clear_pairs(bundled):
    claims, evidences, gold = zip(*CLEAR_PAIRS)
    scored = bundled.score(list(claims), list(evidences))
    pairs = list(zip(scored["stance"], gold))
    # Precision first: a clear pair is never given the wrong label; the model may abstain (`uncertain`)
    # on a few, not on most.
    assert all(p in (g, "uncertain") for p, g in pairs), pairs
    assert sum(p == g for p, g in pairs) >= len(CLEAR_PAIRS) - 3, pairs
    contra = scored["contradiction"].to_numpy()
    is_contra = np.array([g == "contradicts" for g in gold])
    assert contra[is_contra].mean() > contra[~is_contra].mean() + 0.3


def test_bundled_model_respects_time(bundled):
    claim = "Not a single serviceman will stay in Belarus after the drills end."
    report = "Satellite images show Russian troops and tanks still deployed at camps in Belarus."
    early, late = bundled.score([claim, claim], [report, report], ["2022-02-15"] * 2, ["2022-02-10", "2022-02-25"]).to_dict("records")
    assert early["stance"] != "contradicts"
    assert early["contradiction"] < late["contradiction"]
    assert (early["lag_days"], late["lag_days"]) == (-5, 10)


def test_long_evidence_is_reduced_to_the_relevant_passage(bundled):
    claim = "There have been no strikes on civilian infrastructure in the city."
    filler = " ".join(f"The council met on day {i} to discuss the budget for parks and libraries." for i in range(30))
    report = filler + " A missile hit a residential building in the city centre, killing four civilians. " + filler
    short = bundled.score([claim], ["A missile hit a residential building in the city centre, killing four civilians."])
    long = bundled.score([claim], [report])
    assert long["stance"][0] == short["stance"][0]


def test_scoring_is_safe_from_several_threads(bundled):
    from concurrent.futures import ThreadPoolExecutor

    claims, evidences, _ = zip(*CLEAR_PAIRS)
    expected = bundled.score(list(claims), list(evidences))["stance"].tolist()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: bundled.score(list(claims), list(evidences))["stance"].tolist(), range(4)))
    assert all(r == expected for r in results)


def test_empty_input_gives_an_empty_frame(bundled):
    assert bundled.score([], []).empty
    with pytest.raises(ValueError, match="1 claims but 2 evidences"):
        bundled.score(["a"], ["b", "c"])


def test_earlier_reports_can_refute_claims_about_the_past():
    frame = pd.DataFrame({"stance": ["contradicts"], "contradiction": [0.9], "support": [0.1]})
    claims = ["While liberating the city, the army took every precaution to save civilian lives."]
    out = apply_time_rule(frame, claims, ["2022-04-21"], ["2022-03-16"])
    assert out["stance"].tolist() == ["contradicts"] and out["lag_days"].tolist() == [-36]


class CountingEmbedder:
    """Wraps an embedder and records which texts it was asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.dim, self.asked = inner, inner.name, inner.dim, []

    def embed(self, texts):
        self.asked.extend(texts)
        return self.inner.embed(texts)


def test_known_vectors_are_not_embedded_again(embedder):
    counting = CountingEmbedder(embedder)
    scorer = load_scorer("bundled", embedder=counting)
    claims, evidences, _ = zip(*CLEAR_PAIRS)
    fresh = scorer.score(list(claims), list(evidences))
    texts = list(dict.fromkeys(claims + evidences))
    known = dict(zip(texts, embedder.embed(texts)))
    counting.asked.clear()
    reused = scorer.score(list(claims), list(evidences), known_vectors=known)
    assert counting.asked == []
    pd.testing.assert_frame_equal(fresh, reused)
    # A text without a known vector is still embedded.
    counting.asked.clear()
    scorer.score([claims[0]], ["Trains with tanks were unloaded at the border station."], known_vectors=known)
    assert counting.asked == ["Trains with tanks were unloaded at the border station."]


def test_reported_speech_is_scored_on_the_quoted_words(bundled):
    quote = "a decision has been taken to partially withdraw forces from the border"
    framed = f"After the talks in Moscow, the president said “{quote}” following the drills near Ukraine."
    report = "Tanks and rocket launchers were filmed moving toward the border on Thursday"
    both = bundled.score([framed, quote], [f"“{report},” the monitor said.", report])
    assert both["stance"][0] == both["stance"][1]
    assert both["contradiction"][0] == pytest.approx(both["contradiction"][1], abs=1e-6)
