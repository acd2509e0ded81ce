"""Model throughput: crosscheck's embedder and stance scorer next to raw sentence-transformers on the same texts.

Texts: statement-sized sentences (20–400 characters) of the demo corpus (data/demo/), topped up
from ../shared/data/press_releases when it exists, until --sentences (default 500).

- Encode: `load_embedder().embed(texts)` (ONNX Runtime fp32 by default, `CROSSCHECK_ONNX`) against
  `SentenceTransformer(crosscheck.models.embedder.minilm_path()).encode(texts)` (torch), same batch size. Then
  MiniLM through ONNX Runtime (`crosscheck.models.onnx.OnnxSentenceEncoder`, fp32 and int8) against
  the same torch `encode`, timed in the same alternation, with the lowest cosine to torch's vector.
- Stance (when the bundled model in data/models/stance is present, or CROSSCHECK_STANCE_MODEL
  names one): --pairs (default 200) pairs, each sentence with its most similar sentence from
  another document (what matching hands the scorer). Three rows: `load_scorer().score(claims,
  evidences)` (passage selection with its own embedding, relatedness gate, cross-encoder on the
  pairs the gate keeps, time rule); the scorer's cross-encoder alone on every pair
  (`scorer.probabilities`); and raw `sentence_transformers.CrossEncoder` over the same model
  folder, `predict` on every pair, same batch size. Then the cross-encoder through ONNX Runtime
  (`crosscheck.models.onnx`, fp32 — the scorer's default — and int8) against torch's `predict`,
  with how often each gives torch's most likely label.

Each measurement runs --repeats times, crosscheck and raw alternating; the table gives the best
(the machine is shared, so the best run is the least disturbed one).

Run (prints a markdown table and writes bench/results/models.md):

    nice -n 5 .venv/bin/python bench/bench_models.py
    nice -n 5 .venv/bin/python bench/bench_models.py --sentences 200 --pairs 100 --repeats 1
    .venv/bin/python bench/bench_models.py --tiny --out /tmp/bench   # 20 sentences, 10 pairs, 1 repeat (the tests)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from benchutil import add_common_args, apply_sizes, results_path, write_results

from crosscheck import config
from crosscheck.demo import demo_files
from crosscheck.errors import CrosscheckError
from crosscheck.ingest import extract_path
from crosscheck.models.embedder import load_embedder, minilm_path
from crosscheck.models.stance import CrossEncoderScorer, load_scorer
from crosscheck.segment import split_sentences

PRESS_DIR = config.ROOT.parent / "shared" / "data" / "press_releases"
BATCH_PAIRS = 32  # the batch size CrossEncoderScorer.probabilities uses


def collect_sentences(n: int, press_dir: Path = PRESS_DIR) -> tuple[list[str], list[int]]:
    """Up to n distinct sentences and, for each, the index of the document it came from."""
    texts: list[str] = []
    for path in demo_files():
        try:
            texts.extend(d.text for d in extract_path(path).documents)
        except CrosscheckError:
            continue
    if press_dir.is_dir():
        for path in sorted(press_dir.glob("*.csv")):
            texts.extend(pd.read_csv(path, usecols=["body"])["body"].dropna().head(200).tolist())
    seen: set[str] = set()
    sentences, docs = [], []
    for d, text in enumerate(texts):
        for s in split_sentences(text):
            if 20 <= len(s.text) <= 400 and s.text not in seen:
                seen.add(s.text)
                sentences.append(s.text)
                docs.append(d)
                if len(sentences) >= n:
                    return sentences, docs
    return sentences, docs


def best_rate(count: int, fns: dict, repeats: int) -> dict[str, float]:
    """Items per second, best of repeats, for each named function; functions alternate within a repeat."""
    best = {name: 0.0 for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            best[name] = max(best[name], count / (time.perf_counter() - start))
    return best


def make_pairs(vectors: np.ndarray, docs: list[int], n: int) -> list[tuple[int, int]]:
    """(i, j) pairs: sentence i with its most similar sentence j of another document."""
    sims = vectors @ vectors.T
    same = np.asarray(docs)[:, None] == np.asarray(docs)[None, :]
    sims[same] = -2.0
    return [(i, int(np.argmax(sims[i]))) for i in range(min(n, len(docs)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, help="sentences to encode (default 500, tiny 20)")
    parser.add_argument("--pairs", type=int, help="pairs to score (default 200, tiny 10)")
    parser.add_argument("--repeats", type=int, help="runs of each measurement (default 2, tiny 1)")
    parser.add_argument("--press-dir", type=Path, default=PRESS_DIR, help="folder of the press-release feeds")
    add_common_args(parser, "models")
    args = parser.parse_args(argv)
    apply_sizes(
        args,
        full={"sentences": 500, "pairs": 200, "repeats": 2},
        tiny={"sentences": 20, "pairs": 10, "repeats": 1},
    )
    out = results_path(args, "models")

    import sentence_transformers
    import torch
    from sentence_transformers import CrossEncoder, SentenceTransformer

    from crosscheck.models import onnx as onnx_backend

    sentences, docs = collect_sentences(args.sentences, args.press_dir)
    embedder = load_embedder()
    raw_embedder = SentenceTransformer(minilm_path(), device="cpu")
    batch = embedder.batch_size
    # MiniLM on ONNX Runtime, fp32 (the embedder's default) and int8, against torch on the same sentences.
    encoders = {k: onnx_backend.OnnxSentenceEncoder(minilm_path(), quantize=k == "int8") for k in ("fp32", "int8")}

    def raw_encode(texts):
        return raw_embedder.encode(texts, batch_size=batch, normalize_embeddings=True, show_progress_bar=False)

    # Warm-up, so the first timed call does not pay for lazy initialisation.
    embedder.embed(sentences[:8])
    raw_encode(sentences[:8])
    for encoder in encoders.values():
        encoder.encode(sentences[:8], batch_size=batch)
    print(f"encoding {len(sentences)} sentences …", file=sys.stderr)
    timed = {"crosscheck": lambda: embedder.embed(sentences), "raw": lambda: raw_encode(sentences)}
    timed |= {f"onnx {k}": (lambda e=e: e.encode(sentences, batch_size=batch)) for k, e in encoders.items()}
    enc = best_rate(len(sentences), timed, args.repeats)
    mean_chars = sum(map(len, sentences)) / len(sentences)
    rows = [
        f"| encode | {len(sentences)} sentences (mean {mean_chars:.0f} chars), batch {batch} | "
        f"`Embedder.embed` ({getattr(embedder, 'backend', 'torch')}): {enc['crosscheck']:.1f} sentences/s | "
        f"`SentenceTransformer.encode`: {enc['raw']:.1f} sentences/s | {enc['crosscheck'] / enc['raw']:.2f} |"
    ]
    torch_vectors = raw_encode(sentences)
    for k, encoder in encoders.items():
        cos = (encoder.encode(sentences, batch_size=batch) * torch_vectors).sum(axis=1)
        rows.append(
            f"| encode, ONNX Runtime {k} | the same {len(sentences)} sentences | sentence encoder: {enc[f'onnx {k}']:.1f} sentences/s; "
            f"cosine to torch's vector: min {cos.min():.4f}, {int((cos < 0.99).sum())} below 0.99 | "
            f"`SentenceTransformer.encode` (torch): {enc['raw']:.1f} sentences/s | {enc[f'onnx {k}'] / enc['raw']:.2f} |"
        )
    notes = []

    scorer = load_scorer(embedder=embedder)
    if isinstance(scorer, CrossEncoderScorer):
        pairs = make_pairs(embedder.embed(sentences), docs, args.pairs)
        claims, evidences = [sentences[i] for i, _ in pairs], [sentences[j] for _, j in pairs]
        settings_file = Path(scorer.path) / "stance.json"
        settings = json.loads(settings_file.read_text()) if settings_file.exists() else {}
        raw_scorer = CrossEncoder(scorer.path, device="cpu", max_length=int(settings.get("max_length", 128)),
                                  model_kwargs={"dtype": torch.float32})
        raw_scorer.model.float()
        scorer.score(claims[:4], evidences[:4])
        raw_scorer.predict(list(zip(claims[:4], evidences[:4])), batch_size=BATCH_PAIRS, show_progress_bar=False)
        print(f"scoring {len(pairs)} pairs …", file=sys.stderr)
        results = {}

        def score_all():
            results["frame"] = scorer.score(claims, evidences)

        st = best_rate(len(pairs), {
            "score": score_all,
            "cross-encoder": lambda: scorer.probabilities(claims, evidences, batch_size=BATCH_PAIRS),
            "raw": lambda: raw_scorer.predict(list(zip(claims, evidences)), batch_size=BATCH_PAIRS, show_progress_bar=False),
        }, args.repeats)
        frame = results["frame"]
        kept = int((frame["related"] >= scorer.gate.threshold).sum()) if scorer.gate is not None else len(frame)
        rows.append(
            f"| stance | {len(pairs)} pairs (sentence, nearest sentence of another document), batch {BATCH_PAIRS} | "
            f"`StanceScorer.score`: {st['score']:.1f} pairs/s; its cross-encoder alone on every pair: {st['cross-encoder']:.1f} pairs/s | "
            f"`CrossEncoder.predict`: {st['raw']:.1f} pairs/s | {st['score'] / st['raw']:.2f} (cross-encoder alone {st['cross-encoder'] / st['raw']:.2f}) |"
        )
        # ONNX Runtime (fp32, the default when it loads; int8 to measure) against torch's predict on the same pairs.
        max_length = int(settings.get("max_length", 128))
        variants = {"fp32": onnx_backend.OnnxCrossEncoder(scorer.path, max_length)}
        variants["int8"] = onnx_backend.OnnxCrossEncoder(scorer.path, max_length, quantize=True)
        torch_logits = np.asarray(raw_scorer.predict(list(zip(claims, evidences)), batch_size=BATCH_PAIRS, show_progress_bar=False,
                                                     activation_fn=torch.nn.Identity()))
        timed = {"torch": lambda: raw_scorer.predict(list(zip(claims, evidences)), batch_size=BATCH_PAIRS, show_progress_bar=False)}
        timed |= {f"onnx {k}": (lambda v=v: v.logits(list(zip(claims, evidences)), batch_size=BATCH_PAIRS)) for k, v in variants.items()}
        speed = best_rate(len(pairs), timed, args.repeats)
        for k, v in variants.items():
            logits = v.logits(list(zip(claims, evidences)), batch_size=BATCH_PAIRS)
            same = float((logits.argmax(1) == torch_logits.argmax(1)).mean())
            rows.append(
                f"| stance, ONNX Runtime {k} | the same {len(pairs)} pairs | cross-encoder: {speed[f'onnx {k}']:.1f} pairs/s; "
                f"same most likely label as torch on {same:.1%}, largest logit change {np.abs(logits - torch_logits).max():.3f} | "
                f"`CrossEncoder.predict` (torch): {speed['torch']:.1f} pairs/s | {speed[f'onnx {k}'] / speed['torch']:.2f} |"
            )
        counts = frame["stance"].value_counts().to_dict()
        gate = (f"the relatedness gate sent {kept} of {len(pairs)} pairs to the cross-encoder" if scorer.gate is not None
                else "no relatedness gate: every pair goes to the cross-encoder")
        notes.append(
            f"Stance model: {scorer.name} ({scorer.path}); {gate}; "
            f"stances: {', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}."
        )
    else:
        notes.append(f"Stance: no cross-encoder configured or bundled ({config.STANCE_MODEL_DIR} missing): not measured.")

    text = "\n".join([
        "# Model throughput: crosscheck vs raw sentence-transformers",
        "",
        "Same texts, same batch size, models loaded and warmed up; best of "
        f"{args.repeats} runs, crosscheck and raw alternating. `StanceScorer.score` is the whole scoring step the "
        "pipeline runs (evidence passage selection with MiniLM, relatedness gate, cross-encoder on the pairs the "
        "gate keeps, time rule); the raw `CrossEncoder.predict` reads the pairs as they are.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"sentence-transformers {sentence_transformers.__version__}, Python {platform.python_version()}; run "
        f"{dt.date.today().isoformat()}; load average at the end {os.getloadavg()[0]:.1f} (2 shared cores: absolute rates "
        "move with the load; the ratio, measured in the same run, is the figure to read).",
        "",
        "| step | texts | crosscheck | raw sentence-transformers | crosscheck / raw |",
        "|---|---|---|---|---:|",
        *rows,
        "",
        *notes,
    ])
    print(text)
    write_results(out, text, args.tiny)
    return 0


if __name__ == "__main__":
    sys.exit(main())
