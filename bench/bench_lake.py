"""The Ray engine against the local one on the same files: throughput, equality, a second run, a killed run.

Corpus: --press Kremlin and president.gov.ua releases (../shared/data/press_releases, spread evenly over their
dates; without that folder, the demo's files), written as text files (headline, body) named by date and feed, so
both engines read the same files. Every run is the real command line in a subprocess, timed from start to exit
(model loading and, for Ray, starting the local instance included):

1. local: `crosscheck ingest FILES --db local.duckdb --all-pairs` (every pair scored, as the lake scores them);
2. ray, 1 and 2 workers: `crosscheck ingest FILES --engine ray --lake L --workers N`, then `attach-lake` into a
   new workspace, compared with the local one: the same statements, the same pairs with the same stances;
3. the 2-worker lake again: adds nothing;
4. a new lake, killed (SIGKILL to the process group) once its first part is committed, then run again:
   it completes, with no file the manifest does not name and the local engine's pairs.

--throughput-press N times the 1- and 2-worker runs on the first N files only (they take as long as the
local run each); the equality, second-run and kill checks use the whole corpus.

    .venv/bin/python bench/bench_lake.py                   # 200 releases (writes bench/results/lake.md)
    .venv/bin/python bench/bench_lake.py --tiny --out /tmp  # 3 files: the test suite
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from benchutil import add_common_args, apply_sizes, results_path, write_results

from crosscheck import config

PRESS_DIR = config.ROOT.parent / "shared" / "data" / "press_releases"
FEEDS = {"putin_kremlin": "kremlin", "zelenskyy_president": "ukraine-president"}


def write_corpus(n: int, folder: Path, press_dir: Path) -> tuple[str, list[Path]]:
    """n releases as text files (or the first n demo files without the press releases); (corpus name, files)."""
    folder.mkdir(parents=True, exist_ok=True)
    csvs = sorted(press_dir.glob("*.csv")) if press_dir.exists() else []
    if not csvs:
        demo = sorted(p for p in config.DEMO_DIR.glob("2022-*") if p.suffix in (".md", ".txt"))[:n]
        return f"demo ({len(demo)} files)", demo
    frames = []
    for path in csvs:
        frame = pd.read_csv(path, usecols=["link", "headline", "date", "body"]).dropna(subset=["body"])
        frames.append(frame.assign(feed=next(v for k, v in FEEDS.items() if path.name.startswith(k))))
    items = pd.concat(frames).sort_values(["date", "link"]).reset_index(drop=True)
    if n < len(items):
        step = len(items) / n
        items = items.iloc[[int(i * step) for i in range(n)]]
    files = []
    for row in items.itertuples():
        path = folder / f"{str(row.date)[:10]}-{row.feed}-{row.Index}.txt"
        path.write_text(f"{row.headline}\n\n{row.body}\n" if isinstance(row.headline, str) else f"{row.body}\n")
        files.append(path)
    return f"press releases ({len(files)})", files


def cli(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "crosscheck", *args], capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"crosscheck {' '.join(args[:3])}… exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done, time.perf_counter() - start


def tables(db: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        statements = con.execute("SELECT statement_id, text, actor, stated_on FROM statements ORDER BY 1").df()
        pairs = con.execute("SELECT claim_id, report_id, similarity, stance, contradiction, shown FROM matches ORDER BY 1, 2").df()
    finally:
        con.close()
    return statements, pairs


def compare(db: Path, local: Path) -> str:
    """How the attached lake compares with the local workspace, in words ("same" when everything matches)."""
    s1, p1 = tables(db)
    s0, p0 = tables(local)
    if not s1.equals(s0):
        return f"statements differ ({len(s1):,} vs {len(s0):,})"
    both = p1.merge(p0, on=["claim_id", "report_id"], how="outer", indicator=True)
    only = int((both["_merge"] != "both").sum())
    inner = both[both["_merge"] == "both"]
    stance = float((inner["stance_x"] == inner["stance_y"]).mean()) if len(inner) else 1.0
    drift = float(np.abs(inner["contradiction_x"] - inner["contradiction_y"]).max()) if len(inner) else 0.0
    if only == 0 and stance == 1.0 and (inner["shown_x"] == inner["shown_y"]).all() and drift < 1e-4:
        return "same"
    return f"{only} pairs in one only; stances agree on {stance:.2%}; max contradiction drift {drift:.1e}"


def attach(lake: Path, db: Path) -> Path:
    done, _ = cli("attach-lake", str(lake), "--db", str(db))
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    return db


def killed_run(files: list[Path], lake: Path, part: int) -> tuple[int, float]:
    """Start a run, kill it once its first part is committed; (parts it had committed, seconds it ran)."""
    cmd = [sys.executable, "-m", "crosscheck", "ingest", *map(str, files), "--engine", "ray", "--lake", str(lake),
           "--part-docs", str(part), "--workers", "2"]
    start = time.perf_counter()
    run = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    manifest = lake / "_lake.json"
    while run.poll() is None:
        if manifest.exists() and len(json.loads(manifest.read_text())["parts"]) >= 1:
            break
        time.sleep(0.05)
    try:
        os.killpg(run.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    run.wait()
    return len(json.loads(manifest.read_text())["parts"]), time.perf_counter() - start


def counts(db: Path) -> tuple[int, int, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return tuple(con.execute("SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM statements), "
                                 "(SELECT count(*) FROM matches)").fetchone())
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--press", type=int, help="releases in the corpus (default 200)")
    parser.add_argument("--throughput-press", type=int, help="releases of the 1- and 2-worker timing runs (default: all)")
    parser.add_argument("--press-dir", type=Path, default=PRESS_DIR)
    add_common_args(parser, "lake")
    args = parser.parse_args(argv)
    apply_sizes(args, {"press": 200}, {"press": 3})
    rows = []
    with tempfile.TemporaryDirectory(prefix="crosscheck-lake-") as tmp:
        tmp = Path(tmp)
        corpus, files = write_corpus(args.press, tmp / "corpus", args.press_dir)
        timing = files[: args.throughput_press] if args.throughput_press else files

        def row(run, workers, db, seconds, same, n_files):
            d, s, p = counts(db)
            rows.append({"run": run, "workers": workers, "files": f"{n_files:,}", "documents": f"{d:,}",
                         "statements": f"{s:,}", "pairs": f"{p:,}", "wall s": f"{seconds:.1f}",
                         "documents/s": f"{n_files / seconds:.2f}", "statements/s": f"{s / seconds:.1f}", "vs local": same})

        _, t = cli("ingest", *map(str, files), "--db", str(tmp / "local.duckdb"), "--all-pairs")
        row("local engine", "-", tmp / "local.duckdb", t, "-", len(files))
        if timing is not files:
            _, t = cli("ingest", *map(str, timing), "--db", str(tmp / "local-t.duckdb"), "--all-pairs")
            row("local engine (timing files)", "-", tmp / "local-t.duckdb", t, "-", len(timing))
        reference = tmp / ("local-t.duckdb" if timing is not files else "local.duckdb")
        for workers in (1, 2):
            lake = tmp / f"lake-{workers}"
            _, t = cli("ingest", *map(str, timing), "--engine", "ray", "--lake", str(lake), "--workers", str(workers))
            db = attach(lake, tmp / f"ws-{workers}.duckdb")
            row("ray engine", str(workers), db, t, compare(db, reference), len(timing))
        lake = tmp / "lake-all"
        if timing is not files:
            _, t = cli("ingest", *map(str, files), "--engine", "ray", "--lake", str(lake), "--workers", "2")
            db = attach(lake, tmp / "ws-all.duckdb")
            row("ray engine (all files)", "2", db, t, compare(db, tmp / "local.duckdb"), len(files))
        else:
            shutil.copytree(tmp / "lake-2", lake)
        before = (lake / "_lake.json").read_text()
        done, t = cli("ingest", *map(str, files), "--engine", "ray", "--lake", str(lake), "--workers", "2")
        same = json.loads((lake / "_lake.json").read_text())
        unchanged = json.loads(before)["parts"] == same["parts"] and json.loads(before)["pairs"] == same["pairs"]
        skipped = done.stdout.count("already in the lake, skipped")
        row("ray engine, second run", "2", attach(lake, tmp / "ws-again.duckdb"), t,
            f"{'nothing added' if unchanged else 'CHANGED'}; {skipped} skipped", len(files))
        killed = tmp / "lake-killed"
        parts, t_kill = killed_run(files, killed, max(1, len(files) // 4))
        _, t = cli("ingest", *map(str, files), "--engine", "ray", "--lake", str(killed), "--workers", "2")
        manifest = json.loads((killed / "_lake.json").read_text())
        named = {f for p in manifest["parts"] for f in p["documents"] + p["statements"]} | set(manifest["pairs"].values())
        stray = {str(p.relative_to(killed)) for p in killed.rglob("*.parquet")} - named
        db = attach(killed, tmp / "ws-killed.duckdb")
        row(f"ray engine, killed after {parts} of {-(-len(files) // max(1, len(files) // 4))} parts, then restarted", "2", db,
            t_kill + t, f"{compare(db, tmp / 'local.duckdb')}; {len(stray)} stray files", len(files))
    load = os.getloadavg()[0]
    head = ["run", "workers", "files", "documents", "statements", "pairs", "wall s", "documents/s", "statements/s", "vs local"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" if h in ("run", "vs local", "workers") else "---:" for h in head) + "|"]
    lines += ["| " + " | ".join(r[h] for h in head) + " |" for r in rows]
    text = (f"# Ray engine and lake vs the local engine\n\nCorpus: {corpus}. Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}; run {dt.date.today().isoformat()}; load average at the end {load:.1f}. "
            "Wall time of each command from start to exit, model loading (and for Ray, starting a local instance) "
            "included; every pair scored in every run.\n\n" + "\n".join(lines) + "\n")
    print(text)
    write_results(results_path(args, "lake"), text, args.tiny)
    return 0 if all(re.match(r"^(same|nothing added|-)", r["vs local"]) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
