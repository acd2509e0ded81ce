"""Ingest throughput: documents/s and statements/s through the real pipeline, with the time per stage.

Each corpus goes into a fresh DuckDB file in a temporary folder, exactly as `crosscheck ingest`
wires it: `extract_path` / `extract_text`, `schema.ensure_schema`, `writes.sync_actors`, then
`pipeline.store_documents` with `load_embedder()`, `load_scorer()` and `load_registry()`.

Corpora:
- `demo`: the files of data/demo/ that ingestion supports (`demo.demo_files`), read from disk;
- `press releases`: when ../shared/data/press_releases exists, --press items (default 200) of the
  Kremlin and Ukrainian presidency news feeds, spread evenly over their dates, ingested as pasted
  texts (headline + body) with their publication date and publisher;
- `transcripts`: --transcripts items (default 60) of the Kremlin feed, the latest of February 2022
  (meetings, talks, news conferences, addresses: about 2,900 statements for 60), the same way.

The stages are timed in the same run by wrapping the functions the pipeline calls (the real ones
run): segment + attribute (`split_sentences`, `attribute_sentences`), embed (the embedder passed in),
and the rest of the wall time is store + match + score (including the scorer's own passage
embedding). Model loading is timed separately and not counted in the rates.

Run (prints a markdown table and writes bench/results/ingest.md):

    .venv/bin/python bench/bench_ingest.py
    .venv/bin/python bench/bench_ingest.py --press 50
    .venv/bin/python bench/bench_ingest.py --press 0        # demo corpus only
    .venv/bin/python bench/bench_ingest.py --press 0 --demo 0 --transcripts 60 --raw-scoring   # the performance issue's corpus
    .venv/bin/python bench/bench_ingest.py --tiny --out /tmp/bench   # 3 demo files, 2 press releases, 1 transcript (the tests)

The raw models run in the same run on the same work: sentence-transformers `encode` of every stored
statement, and (--raw-scoring) `CrossEncoder.predict` on up to --raw-pairs of the scored pairs, its
rate projected to all of them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from benchutil import add_common_args, apply_sizes, results_path, write_results

from crosscheck import config, pipeline
from crosscheck.actors import load_registry
from crosscheck.db import connection, reads, schema, writes
from crosscheck.demo import demo_files
from crosscheck.errors import CrosscheckError
from crosscheck.ingest import extract_path, extract_text
from crosscheck.models.embedder import load_embedder
from crosscheck.models.stance import load_scorer

PRESS_DIR = config.ROOT.parent / "shared" / "data" / "press_releases"
# Feed file name prefix → publisher, so the press releases are attributed as the app would.
PRESS_PUBLISHERS = {"putin_kremlin": "Kremlin", "zelenskyy_president": "Office of the President of Ukraine"}


class StageTimer:
    """Accumulates seconds per stage around the functions the pipeline calls."""

    def __init__(self):
        self.seconds = {"segment+attribute": 0.0, "embed": 0.0}

    def wrap(self, stage: str, fn):
        """fn, with its run time added to stage."""

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - start

        return timed


class TimedEmbedder:
    """The real embedder, timed; only the pipeline's statement embedding goes through it."""

    def __init__(self, embedder, timer: StageTimer):
        self.inner, self.name, self.dim = embedder, embedder.name, embedder.dim
        self.embed = timer.wrap("embed", embedder.embed)


def load_demo(n: int) -> list:
    """Documents of the first n files of the demo corpus, one extraction per supported file."""
    docs = []
    for path in demo_files()[:n]:
        try:
            docs.extend(extract_path(path).documents)
        except CrosscheckError as e:
            print(f"skipped: {e}", file=sys.stderr)
    return docs


def load_press(n: int, folder: Path = PRESS_DIR) -> list:
    """n press-release items from both feeds, evenly spread over their dates, as pasted texts."""
    frames = []
    for path in sorted(folder.glob("*.csv")):
        frame = pd.read_csv(path, usecols=["link", "headline", "date", "body"])
        frame["publisher"] = next((p for k, p in PRESS_PUBLISHERS.items() if path.name.startswith(k)), None)
        frame["feed"] = path.name
        frames.append(frame)
    items = pd.concat(frames).dropna(subset=["body"]).sort_values(["date", "link"]).reset_index(drop=True)
    if n < len(items):
        step = len(items) / n
        items = items.iloc[[int(i * step) for i in range(n)]]
    return _pasted(items)


def load_transcripts(n: int, folder: Path = PRESS_DIR) -> list:
    """The n latest Kremlin items of February 2022, as pasted texts."""
    frames = [pd.read_csv(path, usecols=["link", "headline", "date", "body"]).assign(feed=path.name)
              for path in sorted(folder.glob("putin_kremlin*.csv"))]
    items = pd.concat(frames).dropna(subset=["body"])
    items = items[items["date"].astype(str).str.startswith("2022-02")].sort_values(["date", "link"]).tail(n)
    return _pasted(items.assign(publisher=PRESS_PUBLISHERS["putin_kremlin"]))


def _pasted(items: pd.DataFrame) -> list:
    """Documents of feed rows (headline, body, date, publisher, link), as the Upload page's pasted text."""
    docs = []
    for row in items.itertuples():
        text = f"{row.headline}\n\n{row.body}" if isinstance(row.headline, str) else row.body
        try:
            docs.extend(extract_text(
                text, source_name=f"{row.feed}#{row.Index}", title=row.headline if isinstance(row.headline, str) else None,
                publisher=row.publisher, date=dt.date.fromisoformat(str(row.date)[:10]), url=row.link,
            ).documents)
        except CrosscheckError as e:
            print(f"skipped: {e}", file=sys.stderr)
    return docs


def raw_scoring_rate(con, scorer, n: int) -> float | None:
    """Pairs/s of a raw `CrossEncoder.predict` (torch) on up to n stored pairs' texts; None without a model."""
    model = getattr(scorer, "model", None)
    if model is None or n <= 0:
        return None
    pairs = con.execute(
        "SELECT c.text, r.text FROM matches m JOIN statements c ON c.statement_id = m.claim_id "
        "JOIN statements r ON r.statement_id = m.report_id ORDER BY m.claim_id, m.report_id LIMIT ?", [n]).fetchall()
    if not pairs:
        return None
    start = time.perf_counter()
    model.predict([tuple(p) for p in pairs], batch_size=32, show_progress_bar=False)
    return len(pairs) / (time.perf_counter() - start)


_RAW: dict = {}


def raw_encoder(embedder):
    """The library's own SentenceTransformer (torch) for the embedder's model, loaded once: the raw model to compare
    with, whatever runtime the pipeline's embedder uses (ONNX by default)."""
    if embedder.name not in _RAW:
        from sentence_transformers import SentenceTransformer

        from crosscheck.models.embedder import minilm_path

        path = minilm_path() if embedder.name == config.DEFAULT_EMBED_MODEL else embedder.name
        _RAW[embedder.name] = SentenceTransformer(path, device="cpu")
        _RAW[embedder.name].encode(["Warm-up sentence."])
    return _RAW[embedder.name]


def run_corpus(name: str, docs: list, embedder, scorer, registry, folder: Path, raw_pairs: int = 0,
               monitors_only: bool = False) -> dict:
    """Ingest docs into a fresh database file and return counts and timings."""
    con = connection.connect(folder / f"{name.replace(' ', '_')}.duckdb")
    schema.ensure_schema(con, embedder.name, embedder.dim)
    writes.sync_actors(con, registry)
    timer = StageTimer()
    originals = pipeline.split_sentences, pipeline.attribute_sentences
    pipeline.split_sentences = timer.wrap("segment+attribute", originals[0])
    pipeline.attribute_sentences = timer.wrap("segment+attribute", originals[1])
    try:
        # As `crosscheck ingest`: statements stored and searchable first, then the pairs scored in batches.
        start = time.perf_counter()
        summary = pipeline.store_documents(con, docs, embedder=TimedEmbedder(embedder, timer), scorer=scorer, registry=registry,
                                            defer_scoring=True)
        searchable = time.perf_counter() - start
        # `crosscheck ingest` returns once the monitors' pairs are scored; `crosscheck score` (or --all-pairs) does the rest.
        monitors = pipeline.score_pending(con, scorer, scope="monitors")
        monitors_scored = time.perf_counter() - start
        scored = monitors + (0 if monitors_only else pipeline.score_pending(con, scorer))
        wall = time.perf_counter() - start
    finally:
        pipeline.split_sentences, pipeline.attribute_sentences = originals
    counts = reads.counts(con)
    # The raw models on the same work, in the same run: the library's encode of every stored statement,
    # and CrossEncoder.predict on a sample of the pairs (its rate projected to all of them).
    texts = [t for (t,) in con.execute("SELECT text FROM statements").fetchall()]
    start = time.perf_counter()
    raw_encoder(embedder).encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    raw_encode = time.perf_counter() - start
    predict_rate = raw_scoring_rate(con, scorer, raw_pairs)
    con.close()
    refused = [r for r in summary.results if r.status == "refused"]
    for r in refused:
        print(f"refused: {r.source}: {r.message}", file=sys.stderr)
    rest = wall - timer.seconds["segment+attribute"] - timer.seconds["embed"]
    return {
        "corpus": name, "documents": counts["documents"], "statements": counts["statements"],
        "matched pairs": counts["matches"], "refused": len(refused), "wall": wall,
        "docs/s": counts["documents"] / wall, "statements/s": counts["statements"] / wall,
        "segment+attribute": timer.seconds["segment+attribute"], "embed": timer.seconds["embed"], "store+match+score": rest,
        "searchable": searchable, "scored": scored, "raw encode": raw_encode,
        "monitors scored": monitors_scored, "monitor pairs": monitors, "left pending": counts["pending"],
        "pairs/statement": scored / max(counts["statements"], 1),
        "stored pairs/statement": (scored + counts["pending"]) / max(counts["statements"], 1),
        "raw predict": scored / predict_rate if predict_rate else None,
    }


def table(rows: list[dict]) -> str:
    """Markdown table of the results."""
    lines = [
        "| corpus | documents | statements | matched pairs | wall s | documents/s | statements/s | segment+attribute s | embed s | store+match+score s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        share = {k: f"{r[k]:.1f} ({100 * r[k] / r['wall']:.0f} %)" for k in ("segment+attribute", "embed", "store+match+score")}
        lines.append(
            f"| {r['corpus']} | {r['documents']:,} | {r['statements']:,} | {r['matched pairs']:,} | {r['wall']:.1f} | "
            f"{r['docs/s']:.2f} | {r['statements/s']:.1f} | {share['segment+attribute']} | {share['embed']} | {share['store+match+score']} |"
        )
    lines += [
        "",
        "| corpus | raw encode s | searchable s | searchable ÷ raw encode | monitors' pairs | monitors' scored s | ÷ raw encode "
        "| stored pairs per statement | scored pairs | left pending | all scored s | all scored ÷ raw encode "
        "| raw predict of the scored pairs s | scored ÷ raw models |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        raw = max(r["raw encode"], 1e-9)
        predict = "–" if r["raw predict"] is None else f"{r['raw predict']:.1f}"
        models = "–" if r["raw predict"] is None else f"{r['wall'] / (raw + r['raw predict']):.2f}×"
        # With --monitors-only the other pairs stay pending: there is no "all scored" time.
        whole = ("–", "–") if r["left pending"] else (f"{r['wall']:.1f}", f"{r['wall'] / raw:.1f}×")
        lines.append(
            f"| {r['corpus']} | {r['raw encode']:.1f} | {r['searchable']:.1f} | {r['searchable'] / raw:.2f}× | "
            f"{r['monitor pairs']:,} | {r['monitors scored']:.1f} | {r['monitors scored'] / raw:.1f}× | "
            f"{r['stored pairs/statement']:.1f} | {r['scored']:,} | {r['left pending']:,} | {whole[0]} | {whole[1]} | "
            f"{predict} | {models} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--press", type=int, help="press-release items to ingest (0: none; default 200, tiny 2)")
    parser.add_argument("--demo", type=int, help="files of data/demo to ingest (default all, tiny 3)")
    parser.add_argument("--transcripts", type=int, help="latest Kremlin items of February 2022 to ingest (default 0, tiny 1)")
    parser.add_argument("--press-dir", type=Path, default=PRESS_DIR, help="folder of the press-release feeds")
    parser.add_argument("--raw-scoring", action="store_true", help="also time a raw CrossEncoder.predict on the scored pairs")
    parser.add_argument("--raw-pairs", type=int, default=2000, help="pairs of the raw predict sample (default 2000)")
    parser.add_argument("--monitors-only", action="store_true",
                        help="score only the monitors' pairs, as `crosscheck ingest` waits for; leave the others pending")
    add_common_args(parser, "ingest")
    args = parser.parse_args(argv)
    apply_sizes(args, full={"press": 200, "demo": len(demo_files()), "transcripts": 0},
                tiny={"press": 2, "demo": 3, "transcripts": 1})
    if args.tiny:
        args.raw_scoring, args.raw_pairs = True, 20
    out = results_path(args, "ingest")

    start = time.perf_counter()
    embedder, scorer, registry = load_embedder(), load_scorer(), load_registry()
    embedder.embed(["Warm-up sentence."])
    raw_encoder(embedder)
    if scorer.name != "none":
        scorer.score(["Troops are withdrawing."], ["New deployments were seen near the border."])
    load_s = time.perf_counter() - start

    n_demo = len(demo_files())
    corpora = []
    if args.demo > 0:
        corpora.append(("demo" if args.demo >= n_demo else f"demo ({args.demo} files)", load_demo(args.demo)))
    if args.press > 0 and args.press_dir.is_dir():
        corpora.append((f"press releases ({args.press})", load_press(args.press, args.press_dir)))
    if args.transcripts > 0 and args.press_dir.is_dir():
        corpora.append((f"Kremlin transcripts, February 2022 ({args.transcripts})", load_transcripts(args.transcripts, args.press_dir)))
    if (args.press > 0 or args.transcripts > 0) and not args.press_dir.is_dir():
        print(f"{args.press_dir} not found: press releases skipped", file=sys.stderr)

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as folder:
        for name, docs in corpora:
            print(f"ingesting {name}: {len(docs)} documents …", file=sys.stderr)
            rows.append(run_corpus(name, docs, embedder, scorer, registry, Path(folder), args.raw_pairs if args.raw_scoring else 0,
                                   args.monitors_only))

    import duckdb
    import sentence_transformers
    import torch

    text = "\n".join([
        "# Ingest throughput",
        "",
        "Real pipeline (`store_documents`) into a fresh DuckDB file per corpus; rates over the ingest wall time, "
        "models already loaded. Stage times come from the same run: segment+attribute and embed (statement vectors) "
        "are timed around the pipeline's calls, store+match+score is the rest (it includes the stance scorer's "
        "own passage embedding). Extraction (reading files, HTML/PDF/DOCX parsing) is done before and not counted. "
        "As `crosscheck ingest` does, statements are stored and searchable first (`defer_scoring`) and the pairs "
        "scored after in batches (`score_pending`), the monitors' pairs first: `crosscheck ingest` returns once those are "
        "scored (\"monitors' scored s\", from the start), the other governments' pairs wait for `crosscheck score`; the second table sets both against the raw models on the same work "
        "in the same run: sentence-transformers `encode` of every stored statement, and (with --raw-scoring) "
        "`CrossEncoder.predict` (torch) on a sample of the stored pairs, its rate projected to every scored pair "
        "(the ratios hold under load; the seconds do not).",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, torch {torch.__version__}, "
        f"sentence-transformers {sentence_transformers.__version__}, DuckDB {duckdb.__version__}; embedder runtime: {getattr(embedder, 'backend', 'torch')}; stance model: {scorer.name}; "
        f"run {dt.date.today().isoformat()}; load average at the end {os.getloadavg()[0]:.1f} (the machine was shared "
        "with other work while this ran, so the rates are lower bounds).",
        f"Model loading and warm-up: {load_s:.1f} s."
        + (" No stance model was configured or bundled, so matched pairs were stored unscored." if scorer.name == "none" else ""),
        "",
        table(rows),
        "",
    ] + [f"{r['corpus']}: {r['refused']} documents refused (over the size limits)." for r in rows if r["refused"]])
    print(text)
    write_results(out, text, args.tiny)
    return 0


if __name__ == "__main__":
    sys.exit(main())
