"""Page rerun time while analysts browse and an upload is being ingested.

Starts the real dashboard (`streamlit run app.py`) on a free port against a copy of a database,
then, for each N in --sessions, opens N browser sessions (Playwright driving Debian's chromium,
one browser context each, so one Streamlit session each) that click through the pages in the
sidebar (Claims → Overview → Actors → Data → …) while one more session keeps uploading batches
of new documents through the Upload page, so the writer is ingesting throughout.

A page rerun is timed from the click to the `script_finished` message the server sends over
that session's websocket (read with Streamlit's own protobuf classes), so a rerun that is too
quick to show the app's `running` state is still seen. A page that ends showing an exception is
counted too. Each N runs against the same server, after a warm-up upload that loads the models;
a first row with one session and no upload gives the idle baseline.

Prints a markdown table and writes it to bench/results/load.md.

    python bench/bench_load.py                        # N = 1, 5, 10; builds the demo database
    python bench/bench_load.py --db var/demo.duckdb --sessions 1 5 --actions 8
    python bench/bench_load.py --tiny --out /tmp/bench   # 3 demo files, 1 session, 2 clicks, 1 file a batch (the tests)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import re
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from benchutil import add_common_args, apply_sizes, results_path, write_results

from crosscheck.demo import demo_files

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
# The browser tests' server and Chromium settings, so the benchmark measures the same set-up.
from e2e.conftest import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server  # noqa: E402

CYCLE = ["claims", "overview", "actors", "data"]

PLACES = ["Belgorod", "Kursk", "Voronezh", "Bryansk", "Yelnya", "Klintsy", "Valuyki", "Soloti", "Pogonovo", "Novozybkov"]
THINGS = ["armour", "trucks", "tents", "pontoon bridges", "helicopters", "field hospitals", "rail cars", "artillery"]


def write_upload_batch(folder: Path, batch: int, files: int, rng: random.Random) -> list[Path]:
    """New monitoring notes (a government claim and monitor reports) that no earlier batch had."""
    paths = []
    for k in range(files):
        place = rng.choice(PLACES)
        day = rng.randint(10, 20)
        lines = [
            f'"Units near {place} are returning to their bases after the drills," the Russian Ministry of Defence said.',
        ]
        for j in range(6):
            lines.append(
                f"The Conflict Intelligence Team said it counted {rng.randint(3, 90)} more {rng.choice(THINGS)} "
                f"near {place} on day {j + 1} of watch {batch}-{k}."
            )
        path = folder / f"2022-02-{day:02d}-load-{batch}-{k}.txt"
        path.write_text(" ".join(lines) + "\n")
        paths.append(path)
    return paths


class RunWatcher:
    """Counts the script runs of one page's session that finished, from the websocket messages."""

    def __init__(self, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._msg = ForwardMsg
        self._ended = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR)
        self.finished = 0
        self.changed = asyncio.Event()
        page.on("websocket", lambda ws: ws.on("framereceived", self._on_frame))

    def _on_frame(self, payload) -> None:
        if not isinstance(payload, bytes):
            return
        msg = self._msg()
        try:
            msg.ParseFromString(payload)
        except Exception:  # noqa: BLE001 - not a ForwardMsg: nothing to count
            return
        # A run cut short by a rerun (e.g. a page switch) is not the end of the click's work.
        if msg.WhichOneof("type") == "script_finished" and msg.script_finished in self._ended:
            self.finished += 1
            self.changed.set()

    async def wait_beyond(self, count: int, timeout_s: float) -> None:
        """Wait until more than `count` runs have finished."""
        async with asyncio.timeout(timeout_s):
            while self.finished <= count:
                self.changed.clear()
                await self.changed.wait()


async def open_page(browser, url: str, timeout_s: float):
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    watcher = RunWatcher(page)
    try:
        await page.goto(url, timeout=timeout_s * 1000)
        await watcher.wait_beyond(0, timeout_s)
        await page.wait_for_selector("[data-testid='stSidebarNav'] a", timeout=timeout_s * 1000)
    except BaseException:
        await context.close()
        raise
    return context, page, watcher


def nav_link(base: str, page: str) -> str:
    """The sidebar link of a page; the default page (overview) may live at the root URL."""
    hrefs = [f"{base}/{page}"] + ([f"{base}/"] if page == "overview" else [])
    return ", ".join(f"[data-testid='stSidebarNav'] a[href='{h}']" for h in hrefs)


async def timed_click(page, watcher: RunWatcher, selector: str, timeout_s: float) -> float:
    """Click, then wait for the script run it starts to finish; milliseconds."""
    done = watcher.finished
    t0 = time.perf_counter()
    await page.click(selector, timeout=timeout_s * 1000)
    await watcher.wait_beyond(done, timeout_s)
    return (time.perf_counter() - t0) * 1000


async def browse(browser, base: str, actions: int, offset: int, timeout_s: float) -> tuple[list[float], int, int]:
    """One analyst clicking through the sidebar pages: rerun times, failed reruns, pages showing an error."""
    try:
        context, page, watcher = await open_page(browser, f"{base}/overview", timeout_s)
    except Exception as e:  # noqa: BLE001 - a session that cannot even open fails every rerun it would have made
        print(f"  session {offset}: cannot open the app: {type(e).__name__}", file=sys.stderr)
        return [], actions, 0
    times, failed, errors = [], 0, 0
    try:
        for i in range(actions):
            target = CYCLE[(i + offset) % len(CYCLE)]
            try:
                times.append(await timed_click(page, watcher, nav_link(base, target), timeout_s))
            except Exception as e:  # noqa: BLE001 - a timeout or a lost page counts as a failed rerun
                failed += 1
                print(f"  session {offset}: {target}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", file=sys.stderr)
                continue
            if await page.locator("[data-testid='stException']").count():
                errors += 1
                print(f"  session {offset}: {target}: the page shows an exception", file=sys.stderr)
    finally:
        await context.close()
    return times, failed, errors


async def upload_once(browser, base: str, paths: list[Path], timeout_s: float) -> int:
    """Upload files through the Upload page and wait for the ingest; documents added."""
    context, page, watcher = await open_page(browser, f"{base}/upload", timeout_s)
    try:
        await page.set_input_files("[data-testid='stFileUploader'] input[type='file']", [str(p) for p in paths])
        await page.wait_for_function(
            "(n) => document.querySelectorAll(\"[data-testid='stFileChip']\").length >= n",
            arg=len(paths), timeout=60_000,
        )
        await timed_click(page, watcher, "[data-testid='stFormSubmitButton'] button", timeout_s)
        label = await page.get_by_text(re.compile(r"Done: \d+ added")).first.inner_text(timeout=10_000)
        return int(re.search(r"Done: (\d+) added", label)[1])
    finally:
        await context.close()


async def keep_uploading(browser, base: str, folder: Path, files: int, stop: asyncio.Event, rng, timeout_s: float) -> tuple[int, int]:
    """Upload batch after batch until stopped; (batches, documents added)."""
    batches = added = 0
    while not stop.is_set():
        paths = write_upload_batch(folder, rng.randrange(10**9), files, rng)
        added += await upload_once(browser, base, paths, timeout_s)
        batches += 1
    return batches, added


async def measure(browser, base: str, sessions: int, actions: int, ingest: bool, folder: Path, files: int, rng, timeout_s: float) -> dict:
    stop = asyncio.Event()
    uploader = asyncio.create_task(keep_uploading(browser, base, folder, files, stop, rng, timeout_s)) if ingest else None
    if uploader:
        await asyncio.sleep(3)  # let the first upload reach the writer before browsing starts
    started = time.monotonic()
    results = await asyncio.gather(*(browse(browser, base, actions, k, timeout_s) for k in range(sessions)))
    elapsed = time.monotonic() - started
    stop.set()
    batches, added = await uploader if uploader else (0, 0)
    times = [t for ts, _, _ in results for t in ts]
    return {
        "sessions": sessions, "ingest": ingest, "reruns": len(times),
        "failed": sum(f for _, f, _ in results), "errors": sum(e for _, _, e in results),
        "p50": float(np.percentile(times, 50)) if times else float("nan"),
        "p95": float(np.percentile(times, 95)) if times else float("nan"),
        "max": max(times) if times else float("nan"),
        "seconds": elapsed, "batches": batches, "added": added,
    }


async def run_all(args, base: str, folder: Path) -> list[dict]:
    from playwright.async_api import async_playwright

    rng = random.Random(args.seed)
    timeout_s = args.timeout
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # Warm-up: load the models with one upload and fill the page caches once.
            warm = await upload_once(browser, base, write_upload_batch(folder, -1, 1, rng), timeout_s)
            print(f"warm-up upload: {warm} added", file=sys.stderr)
            await browse(browser, base, len(CYCLE), 0, timeout_s)
            rows = []
            plan = ([(1, False)] if args.baseline else []) + [(n, True) for n in args.sessions]
            for sessions, ingest in plan:
                row = await measure(browser, base, sessions, args.actions, ingest, folder, args.files, rng, timeout_s)
                print(format_row(row), file=sys.stderr)
                rows.append(row)
            return rows
        finally:
            await browser.close()


def format_row(r: dict) -> str:
    return (
        f"| {r['sessions']} | {'yes' if r['ingest'] else 'no'} | {r['reruns']} | {r['failed']} | {r['errors']} | "
        f"{r['p50']:.0f} | {r['p95']:.0f} | {r['max']:.0f} | {r['batches']} | {r['added']} | {r['seconds']:.0f} |"
    )


def report(rows: list[dict], args, db_info: str, load_before: str) -> str:
    head = (
        "| sessions | ingest running | page reruns | failed | pages with an error | p50 ms | p95 ms | max ms | upload batches | documents added | seconds |\n"
        "|---:|:---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [
        "# Load: page rerun time while browsing during an ingest",
        "",
        f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} CPU cores, Python {platform.python_version()}; load average before the run: {load_before}.",
        f"Database: {db_info}. Each session clicks {args.actions} times through the sidebar pages "
        f"({' → '.join(CYCLE)}); the uploader sends batches of {args.files} new files through the Upload page.",
        "",
        head,
        *map(format_row, rows),
        "",
        "Command: `python bench/bench_load.py " + " ".join(sys.argv[1:]) + "`",
        "",
    ]
    return "\n".join(lines)


def build_demo_database(db: Path, files: int, tmp: Path) -> str:
    """The demo database from the first `files` files of data/demo (all of them: `crosscheck demo`); its description."""
    from crosscheck.demo import build_demo
    from crosscheck.pipeline import LineKind

    every = demo_files()
    folder = None
    if files < len(every):
        folder = tmp / "demo"
        folder.mkdir()
        for path in every[:files]:
            shutil.copyfile(path, folder / path.name)
    errors = [line.text for line in build_demo(db, folder=folder) if line.kind is LineKind.REFUSED]
    if errors:
        raise SystemExit("the demo database could not be built:\n" + "\n".join(errors))
    if folder is None:
        return "the demo database (data/demo)"
    return f"the demo database from the first {files} files of data/demo"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", help="sessions of each row (default 1 5 10, tiny 1)")
    parser.add_argument("--actions", type=int, help="page clicks per session (default 12, tiny 2)")
    parser.add_argument("--files", type=int, help="files per upload batch (default 3, tiny 1)")
    parser.add_argument("--db", help="database to copy (default: build the demo database)")
    parser.add_argument("--demo-files", type=int, help="without --db: demo files to build from (default all, tiny 3)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds before a rerun counts as failed")
    parser.add_argument("--baseline", action=argparse.BooleanOptionalAction,
                        help="the idle one-session row first (default yes, tiny no)")
    parser.add_argument("--seed", type=int, default=6)
    add_common_args(parser, "load")
    args = parser.parse_args(argv)
    apply_sizes(
        args,
        full={"sessions": [1, 5, 10], "actions": 12, "files": 3, "demo_files": len(demo_files()), "baseline": True},
        tiny={"sessions": [1], "actions": 2, "files": 1, "demo_files": 3, "baseline": False},
    )
    out = results_path(args, "load")
    # A plain `kill` still stops the server and the browser (the finally blocks below run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: `make chromium` installs Debian's chromium")

    with tempfile.TemporaryDirectory(prefix="crosscheck-load-") as tmp:
        tmp = Path(tmp)
        db = tmp / "load.duckdb"
        if args.db:
            shutil.copyfile(args.db, db)
            db_info = f"copy of {args.db}"
        else:
            print("building the demo database …", file=sys.stderr)
            db_info = build_demo_database(db, args.demo_files, tmp)
        folder = tmp / "uploads"
        folder.mkdir()
        load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "n/a"
        server, url = start_server(db, tmp / "streamlit.log")
        try:
            rows = asyncio.run(run_all(args, url, folder))
        finally:
            stop_server(server)
    text = report(rows, args, db_info, load_before)
    print(text)
    write_results(out, text, args.tiny)
    return 0


if __name__ == "__main__":
    sys.exit(main())
