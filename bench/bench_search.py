"""Top-10 cosine search latency: DuckDB brute force vs numpy, at growing corpus sizes.

Synthetic 384-d normalised vectors (the size of all-MiniLM-L6-v2), dated uniformly over three
years. For each size, in the same run and on the same vectors:

- DuckDB `array_inner_product` and `array_cosine_similarity` over a FLOAT[384] table, whole
  table and with a ±14-day date filter (the matching window), ORDER BY … LIMIT 10;
- numpy brute force: `matrix @ q` then `argpartition`, whole matrix and over the rows of the
  window (matrix kept sorted by date, window found with `searchsorted`, as crosscheck.match does);
- `find_matches` for one new document (10 claims + 10 reports) against a statements table of
  that size, the way the pipeline matches each new document, and, for comparison, the cost of
  loading every report vector (what matching cost per document before the window was pushed
  into SQL).

Latencies are the median (p50) over --queries queries. Prints a markdown table and writes it to
bench/results/search.md.

    python bench/bench_search.py                     # 10k, 100k, 1M
    python bench/bench_search.py --sizes 10000 --queries 20
    python bench/bench_search.py --tiny --out /tmp/bench   # 2,000 vectors, 3 queries (what the tests run)

The statements, actors and matches tables are created by `schema.ensure_schema` and filled with the
registry's actors by `writes.sync_actors`, as the app does, so a change of schema or of the matching
SQL shows up here (and in tests/test_bench.py) instead of leaving the benchmark to rot.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from benchutil import add_common_args, apply_sizes, results_path, write_results

from crosscheck.actors import load_registry
from crosscheck.config import CLAIM_TYPES, REPORT_TYPES, MatchSettings
from crosscheck.db import schema, writes
from crosscheck.db.vectors import fetch_vectors
from crosscheck.match import find_matches, search_reports

DIM = 384
DAYS = 3 * 365
WINDOW = 14
START = np.datetime64("2020-01-01")
CHUNK = 100_000
# The name stored as the database's embedding model: these vectors come from no model.
SYNTHETIC_MODEL = "synthetic-384"


def make_chunk(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    vecs = rng.standard_normal((n, DIM), dtype=np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    days = START + rng.integers(0, DAYS, size=n).astype("timedelta64[D]")
    return vecs, days


def arrow_chunk(offset: int, vecs: np.ndarray, days: np.ndarray) -> pa.Table:
    n = len(vecs)
    ids = np.arange(offset, offset + n)
    kinds = np.where(ids % 2 == 0, CLAIM_TYPES[0], REPORT_TYPES[0])
    return pa.table({
        "id": pa.array(ids, pa.int64()),
        "sid": pa.array([f"s{i:08d}" for i in ids]),
        "actor_type": pa.array(kinds),
        "day": pa.array(days.astype("datetime64[D]"), pa.date32()),
        "embedding": pa.FixedSizeListArray.from_arrays(pa.array(vecs.reshape(-1)), DIM),
    })


def registry_actors() -> tuple[list[str], list[str]]:
    """Actors of the registry the synthetic statements are attributed to: claimants, and evidence sources."""
    actors = load_registry().actors.values()
    claimants = sorted(a.name for a in actors if a.actor_type == CLAIM_TYPES[0])
    reporters = sorted(a.name for a in actors if a.actor_type == REPORT_TYPES[0])
    return claimants, reporters


def build(con: duckdb.DuckDBPyConnection, size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Fill DuckDB (vecs table + the store's own schema and actors) and return the numpy copy.

    The statements, actors and matches tables are the app's (`schema.ensure_schema`, `writes.sync_actors`
    with the real registry), so matching runs the same SQL as in the pipeline, actor join included.
    Even ids are claims of the registry's government actors, odd ids reports of its OSINT monitors,
    cycling through them, so claims of one country are also evidence against another's.
    """
    schema.ensure_schema(con, SYNTHETIC_MODEL, DIM)
    writes.sync_actors(con, load_registry())
    claimants, reporters = registry_actors()
    con.execute(f"CREATE TABLE vecs (id BIGINT, day DATE, embedding FLOAT[{DIM}])")
    con.register("_claimants", pa.table({"k": pa.array(range(len(claimants)), pa.int64()), "actor": claimants}))
    con.register("_reporters", pa.table({"k": pa.array(range(len(reporters)), pa.int64()), "actor": reporters}))
    rng = np.random.default_rng(seed)
    matrix = np.empty((size, DIM), dtype=np.float32)
    days = np.empty(size, dtype="datetime64[D]")
    # Built in chunks so the peak is one chunk of Python/Arrow objects on top of the matrix.
    for offset in range(0, size, CHUNK):
        n = min(CHUNK, size - offset)
        vecs, d = make_chunk(rng, n)
        matrix[offset : offset + n], days[offset : offset + n] = vecs, d
        chunk = arrow_chunk(offset, vecs, d)
        con.register("_chunk", chunk)
        con.execute("INSERT INTO vecs SELECT id, day, embedding FROM _chunk")
        con.execute(
            f"""INSERT INTO statements (statement_id, doc_id, seq, text, start, "end", actor, actor_type, stated_on,
                   embedding)
               SELECT c.sid, 'doc' || (c.id // 20)::VARCHAR, c.id % 20, 'synthetic', 0, 0,
                   coalesce(g.actor, r.actor), c.actor_type, c.day, c.embedding
               FROM _chunk c
               LEFT JOIN _claimants g ON c.id % 2 = 0 AND g.k = (c.id // 2) % {len(claimants)}
               LEFT JOIN _reporters r ON c.id % 2 = 1 AND r.k = (c.id // 2) % {len(reporters)}
               ORDER BY c.id"""
        )
        con.unregister("_chunk")
        del chunk
    con.unregister("_claimants")
    con.unregister("_reporters")
    con.execute("CHECKPOINT")
    return matrix, days


def p50(fn, queries: list) -> float:
    times = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def duckdb_top10(con, function: str, windowed: bool):
    where = "WHERE day BETWEEN ? AND ?" if windowed else ""

    def run(q):
        vec, day = q
        params = [vec.tolist()]
        if windowed:
            params += [(day - np.timedelta64(WINDOW, "D")).astype(dt.date), (day + np.timedelta64(WINDOW, "D")).astype(dt.date)]
        rows = con.execute(
            f"SELECT id, {function}(embedding, ?::FLOAT[{DIM}]) AS s FROM vecs {where} ORDER BY s DESC LIMIT 10",
            params,
        ).fetchall()
        assert len(rows) == 10
        return [r[0] for r in rows]

    return run


def numpy_top10(matrix: np.ndarray):
    def run(q):
        sims = matrix @ q[0]
        top = np.argpartition(-sims, 10)[:10]
        return top[np.argsort(-sims[top])]

    return run


def numpy_window_top10(sorted_matrix: np.ndarray, sorted_days: np.ndarray, order: np.ndarray):
    def run(q):
        vec, day = q
        lo = np.searchsorted(sorted_days, day - np.timedelta64(WINDOW, "D"), side="left")
        hi = np.searchsorted(sorted_days, day + np.timedelta64(WINDOW, "D"), side="right")
        sims = sorted_matrix[lo:hi] @ vec
        top = np.argpartition(-sims, 10)[:10]
        return order[lo + top[np.argsort(-sims[top])]]

    return run


def new_document(con, rng: np.random.Generator, number: int, matrix: np.ndarray, days: np.ndarray, actors):
    """Insert a 20-statement document as the pipeline would; return its ids.

    Its vectors are noisy copies (cosine ≈ 0.6) of stored statements from the same week, so each new
    statement has a few real neighbours above the default threshold, as a real article would.
    """
    day = START + np.timedelta64(int(rng.integers(WINDOW, DAYS - WINDOW)), "D")
    near = np.flatnonzero(np.abs((days - day).astype(int)) <= 3)
    source = matrix[rng.choice(near, size=20, replace=len(near) < 20)]
    vecs = source + rng.standard_normal(source.shape, dtype=np.float32) * np.float32(1.3 / np.sqrt(DIM))
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids = [f"new{number:04d}-{i:02d}" for i in range(20)]
    claimants, reporters = actors
    for i, (sid, vec) in enumerate(zip(ids, vecs)):
        kind, actor = (CLAIM_TYPES[0], claimants[number % len(claimants)]) if i < 10 else (
            REPORT_TYPES[0], reporters[(number + i) % len(reporters)])
        con.execute(
            f"""INSERT INTO statements (statement_id, doc_id, seq, text, start, "end", actor, actor_type, stated_on,
                   embedding) VALUES (?, ?, ?, 'synthetic', 0, 0, ?, ?, ?, ?::FLOAT[{DIM}])""",
            [sid, f"new{number}", i, actor, kind, day.astype(dt.date), vec.tolist()],
        )
    return ids


def bench_size(size: int, queries: int, workdir: Path) -> dict[str, float]:
    path = workdir / f"search-{size}.duckdb"
    con = duckdb.connect(str(path))
    t = time.perf_counter()
    matrix, days = build(con, size)
    build_s = time.perf_counter() - t
    rng = np.random.default_rng(1)
    qvecs, _ = make_chunk(rng, queries)
    qdays = START + rng.integers(WINDOW, DAYS - WINDOW, size=queries).astype("timedelta64[D]")
    qs = list(zip(qvecs, qdays))
    order = np.argsort(days, kind="stable")
    sorted_matrix, sorted_days = matrix[order], days[order]

    # Sanity: every method finds the same top-10 (ties aside) before we time them.
    exact = numpy_top10(matrix)(qs[0])
    assert set(duckdb_top10(con, "array_inner_product", False)(qs[0])) == set(exact.tolist())
    assert set(numpy_window_top10(sorted_matrix, sorted_days, order)(qs[0]).tolist()) == set(
        duckdb_top10(con, "array_inner_product", True)(qs[0])
    )

    row = {"size": size, "build_s": build_s}
    row["numpy"] = p50(numpy_top10(matrix), qs)
    row["numpy_window"] = p50(numpy_window_top10(sorted_matrix, sorted_days, order), qs)
    row["duckdb_inner"] = p50(duckdb_top10(con, "array_inner_product", False), qs)
    row["duckdb_cosine"] = p50(duckdb_top10(con, "array_cosine_similarity", False), qs)
    row["duckdb_inner_window"] = p50(duckdb_top10(con, "array_inner_product", True), qs)
    row["duckdb_cosine_window"] = p50(duckdb_top10(con, "array_cosine_similarity", True), qs)
    del sorted_matrix

    # The pipeline's path: one new document, matched in both directions inside its transaction,
    # with the default threshold and top-k. Measured twice: rows stored in random date order (a
    # back-filled archive: every row group holds every date, so the window prunes nothing on disk)
    # and in date order (news arriving over time: DuckDB's min/max zone maps skip other dates).
    settings = MatchSettings(window_days=WINDOW, top_k=10, threshold=0.2)
    actors = registry_actors()
    for label in ("random", "ordered"):
        if label == "ordered":
            # Rewritten in place, so the table keeps the store's schema (keys, defaults).
            con.execute("CREATE TABLE by_date AS SELECT * FROM statements ORDER BY stated_on")
            con.execute("DELETE FROM statements")
            con.execute("CHECKPOINT")
            con.execute("INSERT INTO statements SELECT * FROM by_date ORDER BY stated_on")
            con.execute("DROP TABLE by_date")
            con.execute("CHECKPOINT")
        doc_rng = np.random.default_rng(2)
        times, found = [], []
        for number in range(max(5, queries // 2)):
            con.execute("BEGIN")
            ids = new_document(con, doc_rng, number, matrix, days, actors)
            t = time.perf_counter()
            pairs = find_matches(con, ids, settings)
            times.append(time.perf_counter() - t)
            found.append(len(pairs))
            con.execute("ROLLBACK")
        assert sum(found) > 0
        row[f"pairs_per_document_{label}"] = statistics.median(found)
        row[f"match_document_{label}"] = statistics.median(times) * 1000
        # The app's ad-hoc path: one stored claim re-ranked with other settings.
        claim_ids = [f"s{2 * int(i):08d}" for i in doc_rng.integers(0, size // 2, size=queries)]
        row[f"search_claim_{label}"] = p50(lambda cid: search_reports(con, cid, settings), claim_ids)
    del matrix
    marks = ", ".join("?" for _ in REPORT_TYPES)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        fetch_vectors(
            con,
            f"SELECT statement_id, stated_on, embedding FROM statements WHERE actor_type IN ({marks})",
            list(REPORT_TYPES),
        )
        times.append(time.perf_counter() - t)
    row["load_all_reports"] = statistics.median(times) * 1000
    con.close()
    path.unlink(missing_ok=True)
    return row


HEADER = (
    "| statements | numpy full | numpy ±14 d | DuckDB inner product | DuckDB cosine | DuckDB inner ±14 d "
    "| DuckDB cosine ±14 d | match one document, random order | match one document, date order "
    "| one claim, random order | one claim, date order | load every report vector |\n"
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def format_row(r: dict) -> str:
    cells = [f"{r['size']:,}"] + [
        f"{r[k]:.1f}" for k in (
            "numpy", "numpy_window", "duckdb_inner", "duckdb_cosine", "duckdb_inner_window",
            "duckdb_cosine_window", "match_document_random", "match_document_ordered",
            "search_claim_random", "search_claim_ordered", "load_all_reports",
        )
    ]
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", help="statements per table (default 10k 100k 1M; tiny 2,000)")
    parser.add_argument("--queries", type=int, help="queries per size (default 20; tiny 3)")
    add_common_args(parser, "search")
    args = parser.parse_args(argv)
    apply_sizes(args, full={"sizes": [10_000, 100_000, 1_000_000], "queries": 20},
                tiny={"sizes": [2_000], "queries": 3})
    out = results_path(args, "search")
    if args.queries < 20 and not args.tiny:
        print("note: fewer than 20 queries; medians are noisy", file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory(prefix="crosscheck-bench-") as tmp:
        for size in args.sizes:
            print(f"building {size:,} vectors …", file=sys.stderr, flush=True)
            rows.append(bench_size(size, args.queries, Path(tmp)))
            print(format_row(rows[-1]), file=sys.stderr, flush=True)
    lines = [
        "# Search latency: top-10 cosine, DuckDB vs numpy",
        "",
        f"p50 over {args.queries} queries, milliseconds; 384-d normalised float32 vectors dated over "
        f"{DAYS} days, so a ±{WINDOW}-day window holds about {100 * (2 * WINDOW + 1) / DAYS:.1f} % of them. "
        "`match one document`: `find_matches` for a new document of 10 claims and 10 reports "
        "(both directions, default threshold 0.2 and top-10; each new statement is a noisy copy of a stored one, "
        "so it has real neighbours), half the stored statements being claims. `one claim`: `search_reports` "
        "for a stored claim (the app's ad-hoc re-ranking). `load every report vector`: fetching "
        "all report vectors once, the per-document cost before the window was pushed into SQL. "
        "`random order`: rows stored in random date order (a back-filled archive: the date filter cannot "
        "skip any row group); `date order`: rows stored by date (news arriving over time: DuckDB's zone maps "
        "skip row groups outside the window).",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, numpy {np.__version__}; run {dt.date.today().isoformat()}; "
        f"load average at the end {os.getloadavg()[0]:.1f} (the machine was shared while this ran).",
        "",
        HEADER,
        *[format_row(r) for r in rows],
        "",
        "Pairs found per new document (median): "
        + ", ".join(f"{r['size']:,}: {r['pairs_per_document_random']:.0f}" for r in rows),
        "",
        "Build time (DuckDB insert + numpy copy): "
        + ", ".join(f"{r['size']:,}: {r['build_s']:.0f} s" for r in rows),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    write_results(out, text, args.tiny)
    return 0


if __name__ == "__main__":
    sys.exit(main())
