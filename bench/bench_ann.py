"""The approximate index (crosscheck.ann, faiss IVF) against brute force: top-10 latency and recall@10.

Vectors: real MiniLM embeddings (the shipped embedder) of --real sentences of the press releases in
../shared/data (else of the demo corpus), and, to reach each size, statements that restate one of
them: the real vector plus Gaussian noise, cosine 0.74–0.93 to it (a corpus where stories are
retold many times, as news is). Queries: --queries real sentences held out of the corpus. Recall@10
is the share of the exact top 10 (numpy brute force over the same vectors) the index returns; the
index is built with `crosscheck.ann.VectorIndex` (its clusters, its keys), searched one query at a
time as the matching does, at several `nprobe`.

Prints a markdown table and writes bench/results/ann.md.

    python bench/bench_ann.py                         # 100k and 1M, 20,000 real sentences
    python bench/bench_ann.py --sizes 100000 --real 5000
    python bench/bench_ann.py --tiny --out /tmp/bench   # 2,000 vectors from the demo corpus (the tests)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time

import numpy as np
import pandas as pd
from benchutil import add_common_args, apply_sizes, results_path, write_results

from crosscheck import ann, config
from crosscheck.demo import demo_files
from crosscheck.ingest import extract_path
from crosscheck.models.embedder import load_embedder
from crosscheck.segment import split_sentences

PRESS_DIR = config.ROOT.parent / "shared" / "data" / "press_releases"
NPROBES = (16, 32, 64, 128)


def real_sentences(n: int) -> tuple[list[str], str]:
    """Up to n distinct sentences of 30–400 characters: the press releases when present, else the demo corpus."""
    texts, source = [], "the demo corpus"
    if PRESS_DIR.is_dir():
        for path in sorted(PRESS_DIR.glob("*.csv")):
            texts += pd.read_csv(path, usecols=["body"])["body"].dropna().tolist()
        source = "the Kremlin and president.gov.ua press releases"
    else:
        for path in demo_files():
            try:
                texts += [d.text for d in extract_path(path).documents]
            except Exception:  # noqa: BLE001 - a file the benchmark cannot read is skipped
                continue
    seen, out = set(), []
    for text in texts:
        for sentence in split_sentences(text):
            s = sentence.text.strip()
            if 30 <= len(s) <= 400 and s not in seen:
                seen.add(s)
                out.append(s)
    rng = np.random.default_rng(3)
    rng.shuffle(out)
    return out[:n], source


def restated(rng: np.random.Generator, parents: np.ndarray, n: int) -> np.ndarray:
    """n vectors each close to a random parent: parent + noise of norm 0.4–0.9 (cosine 0.74–0.93), normalised."""
    pick = parents[rng.integers(0, len(parents), size=n)]
    noise = rng.standard_normal(pick.shape, dtype=np.float32)
    noise *= (rng.uniform(0.4, 0.9, size=(n, 1)) / np.linalg.norm(noise, axis=1, keepdims=True)).astype(np.float32)
    out = pick + noise
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out.astype(np.float32)


def run_size(size: int, real: np.ndarray, queries: np.ndarray, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    corpus = real[:size] if size <= len(real) else np.vstack([real, restated(rng, real, size - len(real))])
    ids = [f"s{i:08d}" for i in range(len(corpus))]
    truth_start = time.perf_counter()
    exact = [np.argsort(-(corpus @ q), kind="stable")[:10] for q in queries]
    brute_ms = 1000 * (time.perf_counter() - truth_start) / len(queries)
    start = time.perf_counter()
    index = ann.VectorIndex("bench", corpus.shape[1], "bench")
    sample = corpus[rng.choice(len(corpus), min(len(corpus), ann.clusters_for(len(corpus)) * ann.TRAIN_PER_CLUSTER), replace=False)]
    index.train(sample, len(corpus))
    for lo in range(0, len(corpus), ann.BUILD_BATCH):
        index.add(ids[lo:lo + ann.BUILD_BATCH], corpus[lo:lo + ann.BUILD_BATCH])
    build_s = time.perf_counter() - start
    rows = []
    for nprobe in NPROBES:
        times, hits = [], 0
        for q, truth in zip(queries, exact):
            t = time.perf_counter()
            found = index.search(q[None, :], 10, nprobe=nprobe)[0]
            times.append(1000 * (time.perf_counter() - t))
            hits += len({int(f[1:]) for f in found} & set(truth.tolist()))
        times.sort()
        rows.append({
            "statements": len(corpus), "clusters": index.index.nlist, "nprobe": nprobe, "build s": build_s,
            "p50 ms": statistics.median(times), "p95 ms": times[min(len(times) - 1, int(0.95 * len(times)))],
            "recall@10": hits / (10 * len(queries)), "brute force ms": brute_ms,
        })
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| statements | clusters | nprobe | build s | p50 ms | p95 ms | recall@10 | numpy brute force ms |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['statements']:,} | {r['clusters']:,} | {r['nprobe']} | {r['build s']:.1f} | {r['p50 ms']:.2f} | "
                     f"{r['p95 ms']:.2f} | {r['recall@10']:.3f} | {r['brute force ms']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", help="statements per index (default 100k 1M; tiny 2,000)")
    parser.add_argument("--real", type=int, help="real sentences embedded (default 20,000; tiny 300)")
    parser.add_argument("--queries", type=int, help="held-out real sentences searched (default 200; tiny 20)")
    parser.add_argument("--seed", type=int, default=11)
    add_common_args(parser, "ann")
    args = parser.parse_args(argv)
    apply_sizes(args, full={"sizes": [100_000, 1_000_000], "real": 20_000, "queries": 200},
                tiny={"sizes": [2_000], "real": 300, "queries": 20})
    out = results_path(args, "ann")
    sentences, source = real_sentences(args.real + args.queries)
    embedder = load_embedder()
    start = time.perf_counter()
    vectors = embedder.embed(sentences)
    embed_s = time.perf_counter() - start
    queries, real = vectors[:args.queries], vectors[args.queries:]
    rows = []
    for size in args.sizes:
        print(f"index of {size:,} statements …", file=sys.stderr)
        rows += run_size(size, real, queries, args.seed)
    import faiss

    text = "\n".join([
        "# Approximate index: top-10 latency and recall@10 against brute force",
        "",
        f"Real MiniLM vectors of {len(real):,} sentences of {source} (embedded in {embed_s:.0f} s), the rest of each "
        "corpus restating them (the real vector plus noise, cosine 0.74–0.93 to it); "
        f"{len(queries)} held-out real sentences as queries, one at a time. Index: `crosscheck.ann.VectorIndex` "
        "(faiss IVF-Flat, inner product on normalised vectors, about 4·√n clusters); recall@10 = share of the exact "
        "top 10 (numpy over the same vectors) returned. The app re-ranks the returned candidates exactly on the vectors "
        "in DuckDB, and asks for many more than 10 (see crosscheck.match.ANN_OVERSAMPLE).",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, faiss {faiss.__version__}, "
        f"numpy {np.__version__}; run {dt.date.today().isoformat()}; load average at the end {os.getloadavg()[0]:.1f}.",
        "",
        table(rows),
        "",
    ])
    print(text)
    write_results(out, text, args.tiny)
    return 0


if __name__ == "__main__":
    sys.exit(main())
