"""The labelled claim/report pairs in data/eval are well-formed, balanced, reproducible and verbatim."""

from __future__ import annotations

import csv
import importlib.util
import re
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import shared_data

EVAL = Path(__file__).resolve().parents[1] / "data" / "eval"
GENERATORS = Path(__file__).resolve().parents[1] / "src" / "crosscheck" / "training"
LABELS = {"contradicts", "supports", "unrelated"}
SYNTHETIC_COLUMNS = ["claim", "evidence", "label", "claim_date", "evidence_date", "phenomenon"]
REAL_COLUMNS = ["pair_id", "claim", "claim_source", "claim_speaker", "claim_date", "evidence", "evidence_source",
                "evidence_date", "evidence_place", "label", "split", "note"]


def read_rows(name: str) -> tuple[list[str], list[dict]]:
    """Header and rows of a CSV in data/eval."""
    with (EVAL / name).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def load_script(name: str):
    """Import a generator of crosscheck.training as a module (fresh each time, so its seeded state starts over)."""
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), GENERATORS / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def synthetic() -> list[dict]:
    header, rows = read_rows("synthetic_pairs.csv")
    assert header == SYNTHETIC_COLUMNS
    return rows


@pytest.fixture(scope="module")
def real() -> list[dict]:
    header, rows = read_rows("real_pairs.csv")
    assert header == REAL_COLUMNS
    return rows


def test_synthetic_pairs_are_well_formed(synthetic):
    assert 900 <= len(synthetic) <= 1200
    for row in synthetic:
        assert row["label"] in LABELS
        assert row["claim"].strip() and row["evidence"].strip() and row["phenomenon"].strip()
        date.fromisoformat(row["claim_date"])
        date.fromisoformat(row["evidence_date"])
    assert len({(r["claim"], r["evidence"]) for r in synthetic}) == len(synthetic)


def test_synthetic_pairs_are_balanced_and_cover_the_phenomena(synthetic):
    counts = {label: sum(r["label"] == label for r in synthetic) for label in LABELS}
    assert min(counts.values()) >= 0.28 * len(synthetic), counts
    phenomena = {r["phenomenon"] for r in synthetic}
    assert {"withdrawal_vs_buildup", "civilian_strike", "counts", "places", "dates_timing", "negation",
            "hedging", "denial", "drills_end", "hard_negative", "paraphrase_support", "field_report", "polarity"} <= phenomena
    assert all(r["label"] == "unrelated" for r in synthetic if r["phenomenon"] == "hard_negative")


def test_synthetic_timing_rule_holds(synthetic):
    """A report dated before a forward-looking promise never refutes it."""
    timing = [r for r in synthetic if r["phenomenon"] == "dates_timing"]
    for row in timing:
        if date.fromisoformat(row["evidence_date"]) < date.fromisoformat(row["claim_date"]):
            assert row["label"] == "unrelated", row
    assert any(r["label"] == "contradicts" for r in timing)


def test_synthetic_generator_reproduces_the_file(synthetic):
    rows = load_script("make_synthetic.py").build_rows()
    assert rows == synthetic


def test_real_pairs_are_well_formed(real):
    assert len(real) >= 220
    assert len({r["pair_id"] for r in real}) == len(real)
    assert len({(r["claim"], r["evidence"]) for r in real}) == len(real)
    for row in real:
        assert row["label"] in LABELS
        assert row["split"] in {"train", "heldout"}
        assert row["claim"].strip() and row["evidence"].strip() and row["claim_speaker"].strip()
        assert row["note"].strip()
        date.fromisoformat(row["claim_date"])
        date.fromisoformat(row["evidence_date"])
    for label in LABELS:
        assert sum(r["label"] == label for r in real) >= 0.25 * len(real)


def test_real_heldout_is_chosen_by_claim_and_large_enough(real):
    train_claims = {r["claim"] for r in real if r["split"] == "train"}
    heldout = [r for r in real if r["split"] == "heldout"]
    assert not train_claims & {r["claim"] for r in heldout}
    assert len(heldout) >= 80
    assert sum(r["label"] == "contradicts" for r in heldout) >= 25
    assert sum(r["label"] == "supports" for r in heldout) >= 25
    assert 0.3 <= len(heldout) / len(real) <= 0.5


def test_real_texts_are_verbatim_in_the_shared_data(real):
    root = shared_data()
    releases: dict[str, list[dict]] = {}
    csv.field_size_limit(2**31 - 1)
    with (root / "cir_monitor" / "events.csv").open(encoding="utf-8", newline="") as fh:
        events = {e["entry"]: e for e in csv.DictReader(fh)}
    for row in real:
        source = row["claim_source"]
        match = re.match(r"(press_releases/\S+\.csv) row (\d+) ", source)
        if match:
            rel, row_no = match.group(1), int(match.group(2))
            if rel not in releases:
                with (root / rel).open(encoding="utf-8", newline="") as fh:
                    releases[rel] = list(csv.DictReader(fh))
            item = releases[rel][row_no]
            assert row["claim"] in item["body"], row["pair_id"]
            assert item["date"][:10] == row["claim_date"], row["pair_id"]
        else:
            assert source.startswith("seed/"), row["pair_id"]
            assert row["claim"] in (root / source.split(" ")[0]).read_text(encoding="utf-8"), row["pair_id"]
        evidence_source = row["evidence_source"]
        match = re.match(r"cir_monitor/events\.csv entry (\S+) ", evidence_source)
        if match:
            event = events[match.group(1)]
            assert row["evidence"] in event["title"] or row["evidence"] in event["brief description"], row["pair_id"]
            assert event["date"] == row["evidence_date"], row["pair_id"]
        else:
            assert evidence_source.startswith("seed/"), row["pair_id"]
            seed_text = (root / evidence_source.split(" ")[0]).read_text(encoding="utf-8")
            assert row["evidence"] in seed_text, row["pair_id"]


def test_real_builder_reproduces_the_file(real):
    root = shared_data()
    rows = load_script("build_real_pairs.py").build_rows(root)
    assert rows == real
