"""Page rerun time while analysts browse and an upload is being ingested.

Starts the real dashboard (`streamlit run app.py`) on a free port against a copy of a database,
then, for each N in --sessions, opens N sessions that go through the pages (Claims → Overview →
Actors → Data → …), each pausing a think time between pages (--think, as an analyst reads a page),
while one more session keeps uploading batches of new documents through the Upload page, so the
writer and the models are working throughout.

Every session is a light client: it speaks Streamlit's own websocket protocol (its protobuf
classes) as the browser does, asking for a page with `rerun_script` and the page's name, and
uploading as the Upload form does (the file URLs, an HTTP PUT per file with the XSRF token, then
the form's submit), but renders nothing. The server does the same work as for a browser (more: a
light client caches no message), and eleven clients cost a fraction of eleven browsers. The
clients run at the lowest scheduling priority (nice 19), and the table reports the server's share
of all the CPU time used, so the figures are the server's, and the resident memory of the server
and of its model worker at the end of each row.

A page rerun is timed from the request to the `script_finished` message of that run; an upload,
from its submit to the end of its run, when its documents are searchable and their monitor pairs
scored. A page that shows an exception is counted. Each row runs against the same server, after a
warm-up upload that loads the models; the first rows are the idle baseline (one session, no
upload) and the upload alone (no session browsing), which each later row's upload is compared with.

Prints a markdown table and writes it to bench/results/load.md.

    python bench/bench_load.py                        # N = 1, 5, 10; builds the demo database
    python bench/bench_load.py --db var/demo.duckdb --sessions 1 5 --actions 8
    python bench/bench_load.py --tiny --out /tmp/bench   # 3 demo files, 1 session, 2 pages, 1 file a batch (the tests)
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

import httpx
import numpy as np
import websockets
from benchutil import add_common_args, apply_sizes, proc_status_mib, results_path, write_results

from crosscheck import config
from crosscheck.demo import demo_files

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
# The browser tests' server, so the benchmark measures the same set-up.
from e2e.conftest import start_server, stop_server  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

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


FINISHED = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR)


class LightSession:
    """One Streamlit session over its websocket, as a browser holds it, rendering nothing."""

    def __init__(self, base: str):
        self.base = base
        self.ws = self.http = self.xsrf = None
        self.session_id = ""

    async def __aenter__(self) -> LightSession:
        self.http = httpx.AsyncClient(base_url=self.base)
        # The health check sets the XSRF cookie, as the page load does for a browser; uploads send it back.
        (await self.http.get("/_stcore/health")).raise_for_status()
        self.xsrf = self.http.cookies.get("_streamlit_xsrf")
        url = self.base.replace("http://", "ws://", 1) + "/_stcore/stream"
        self.ws = await websockets.connect(
            url, subprotocols=["streamlit", self.xsrf] if self.xsrf else ["streamlit"], origin=self.base, max_size=None,
            additional_headers={"Cookie": f"_streamlit_xsrf={self.xsrf}"} if self.xsrf else None,
        )
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()
        await self.http.aclose()

    async def _run(self, msg: BackMsg, timeout_s: float, seen: list | None = None) -> tuple[float, bool]:
        """Send a rerun and read its messages until the run finishes: (milliseconds, whether it shows an exception).
        `seen` gets (milliseconds since the rerun was sent, message) of each message."""
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        error = False
        async with asyncio.timeout(timeout_s):
            while True:
                reply = ForwardMsg()
                reply.ParseFromString(await self.ws.recv())
                kind = reply.WhichOneof("type")
                if seen is not None:
                    seen.append(((time.perf_counter() - t0) * 1000, reply))
                if kind == "new_session":
                    self.session_id = reply.new_session.initialize.session_id
                elif kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                    error |= reply.delta.new_element.WhichOneof("type") == "exception"
                elif kind == "script_finished" and reply.script_finished in FINISHED:
                    return (time.perf_counter() - t0) * 1000, error

    async def open(self, page: str, timeout_s: float, seen: list | None = None) -> tuple[float, bool]:
        """Ask for `page` as the sidebar link does and wait for its run: (milliseconds, whether it shows an exception)."""
        msg = BackMsg()
        msg.rerun_script.page_name = page
        return await self._run(msg, timeout_s, seen)

    async def upload(self, paths: list[Path], timeout_s: float) -> tuple[int, float, float]:
        """Upload files through the Upload page as its form does and wait for the run that ingests them: (documents
        added, seconds from the submit to the page's "Done: N added", when they are stored and searchable, seconds
        to the run's end, when their monitor pairs are scored too)."""
        seen: list = []
        await self.open("upload", timeout_s, seen)
        widgets = {el.file_uploader.id if el.WhichOneof("type") == "file_uploader" else el.button.id: el.WhichOneof("type")
                   for _, m in seen if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element"
                   for el in [m.delta.new_element]
                   if el.WhichOneof("type") == "file_uploader" or (el.WhichOneof("type") == "button" and el.button.is_form_submitter)}
        request = BackMsg()
        request.file_urls_request.request_id = "bench"
        request.file_urls_request.session_id = self.session_id
        request.file_urls_request.file_names.extend(p.name for p in paths)
        await self.ws.send(request.SerializeToString())
        async with asyncio.timeout(timeout_s):
            while True:
                reply = ForwardMsg()
                reply.ParseFromString(await self.ws.recv())
                if reply.WhichOneof("type") == "file_urls_response":
                    break
        submit = BackMsg()
        submit.rerun_script.page_name = "upload"
        for widget_id, kind in widgets.items():
            state = submit.rerun_script.widget_states.widgets.add()
            state.id = widget_id
            if kind == "button":
                state.trigger_value = True
                continue
            for path, urls in zip(paths, reply.file_urls_response.file_urls):
                data = path.read_bytes()
                (await self.http.put(urls.upload_url, files={"file": (path.name, data, "text/plain")},
                                     headers={"X-Xsrftoken": self.xsrf or ""})).raise_for_status()
                info = state.file_uploader_state_value.uploaded_file_info.add()
                info.name, info.size, info.file_id = path.name, len(data), urls.file_id
                info.file_urls.CopyFrom(urls)
        seen.clear()
        ms, _ = await self._run(submit, timeout_s, seen)
        for at, m in seen:
            if done := re.search(rb"Done: (\d+) added", m.SerializeToString()):
                return int(done[1]), at / 1000, ms / 1000
        raise RuntimeError("the upload's run ended without its summary")


async def browse(base: str, actions: int, offset: int, think_s: float, rng: random.Random, timeout_s: float) -> tuple[list[float], int, int]:
    """One analyst going through the pages: rerun times, failed reruns, pages showing an error."""
    times, failed, errors = [], 0, 0
    try:
        async with LightSession(base) as session:
            await session.open("overview", timeout_s)
            for i in range(actions):
                await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))
                target = CYCLE[(i + offset) % len(CYCLE)]
                try:
                    ms, error = await session.open(target, timeout_s)
                except (TimeoutError, websockets.WebSocketException) as e:
                    failed += 1
                    print(f"  session {offset}: {target}: {type(e).__name__}", file=sys.stderr)
                    continue
                times.append(ms)
                if error:
                    errors += 1
                    print(f"  session {offset}: {target}: the page shows an exception", file=sys.stderr)
    except (OSError, TimeoutError, httpx.HTTPError, websockets.WebSocketException) as e:
        print(f"  session {offset}: cannot open the app: {type(e).__name__}", file=sys.stderr)
        return times, actions - len(times), errors
    return times, failed, errors


async def upload_once(base: str, paths: list[Path], timeout_s: float) -> tuple[int, float, float]:
    """One upload in a session of its own: (documents added, seconds to searchable, seconds to scored)."""
    async with LightSession(base) as session:
        return await session.upload(paths, timeout_s)


async def keep_uploading(base: str, folder: Path, files: int, stop: asyncio.Event, rng, timeout_s: float,
                         batches: int | None = None) -> tuple[int, list[tuple[float, float]]]:
    """Upload batch after batch until stopped (or `batches` are done); (documents added, (seconds to searchable,
    seconds to scored) of each batch)."""
    added, seconds = 0, []
    while not stop.is_set() and (batches is None or len(seconds) < batches):
        paths = write_upload_batch(folder, rng.randrange(10**9), files, rng)
        n, searchable, scored = await upload_once(base, paths, timeout_s)
        added, seconds = added + n, seconds + [(searchable, scored)]
    return added, seconds


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of one live process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """The process ids whose parent is pid (the model worker)."""
    children = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return children


def server_cpu(pid: int) -> float:
    """CPU seconds of the server and its model worker (its child processes) so far."""
    return _cpu_seconds(pid) + sum(_cpu_seconds(c) for c in _children(pid))


def resident_mb(pid: int) -> float:
    """Resident memory of one live process in MB (0 when it is gone)."""
    return proc_status_mib(pid, "VmRSS", missing=0.0)


def busy_cpu() -> float:
    """CPU seconds every process of the machine has used so far (all cores, /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


async def measure(base: str, sessions: int, actions: int, ingest: bool, folder: Path, files: int, rng,
                  think_s: float, timeout_s: float, server_pid: int) -> dict:
    """One row: `sessions` light sessions browsing (none: the upload alone, `actions` batches) while uploads ingest."""
    stop = asyncio.Event()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "n/a"
    cpu0 = (server_cpu(server_pid), busy_cpu())
    started = time.monotonic()
    uploader = None
    if ingest:
        uploader = asyncio.create_task(keep_uploading(base, folder, files, stop, rng, timeout_s,
                                                      batches=None if sessions else max(1, actions // 2)))
        if sessions:
            await asyncio.sleep(3)  # let the first upload reach the writer before browsing starts
    results = await asyncio.gather(*(
        browse(base, actions, k, think_s, random.Random(rng.random()), timeout_s) for k in range(sessions)))
    if sessions:
        stop.set()  # else the uploader stops by itself after its batches
    added, batch_s = await uploader if uploader else (0, [])
    elapsed = time.monotonic() - started
    served, busy = server_cpu(server_pid) - cpu0[0], busy_cpu() - cpu0[1]
    times = [t for ts, _, _ in results for t in ts]
    pct = (lambda q: float(np.percentile(times, q))) if times else (lambda q: float("nan"))
    return {
        "sessions": sessions, "ingest": ingest, "reruns": len(times),
        "failed": sum(f for _, f, _ in results), "errors": sum(e for _, _, e in results),
        "p50": pct(50), "p95": pct(95), "max": max(times) if times else float("nan"),
        "seconds": elapsed, "batches": len(batch_s), "added": added,
        "searchable_s": float(np.median([b[0] for b in batch_s])) if batch_s else float("nan"),
        "scored_s": float(np.median([b[1] for b in batch_s])) if batch_s else float("nan"),
        "server_share": min(1.0, served / busy) if busy > 0 else float("nan"),
        "busy": busy / elapsed / (os.cpu_count() or 1),
        "load": load,
        "server_mb": resident_mb(server_pid),
        "worker_mb": sum(resident_mb(c) for c in _children(server_pid)),
    }


async def run_all(args, base: str, folder: Path, server_pid: int) -> list[dict]:
    rng = random.Random(args.seed)
    timeout_s = args.timeout
    # Warm-up: load the models with one upload and fill the page caches once.
    warm, _, _ = await upload_once(base, write_upload_batch(folder, -1, 1, rng), timeout_s)
    print(f"warm-up upload: {warm} added", file=sys.stderr)
    await browse(base, len(CYCLE), 0, 0.0, rng, timeout_s)
    rows = []
    plan = ([(1, False), (0, True)] if args.baseline else []) + [(n, True) for n in args.sessions]
    for sessions, ingest in plan:
        row = await measure(base, sessions, args.actions, ingest, folder, args.files, rng, args.think, timeout_s, server_pid)
        print(format_row(row, rows), file=sys.stderr)
        rows.append(row)
    return rows


def _alone(rows: list[dict], key: str) -> float:
    """The upload's median time (to searchable, to scored) with nobody browsing (nan without that row)."""
    return next((r[key] for r in rows if r["sessions"] == 0), float("nan"))


def _ms(v: float) -> str:
    return "–" if v != v else f"{v:.0f}"


def _seconds(r: dict, rows: list[dict], key: str) -> str:
    """Median seconds of the upload, and how many times its time alone when sessions browse."""
    value, alone = r[key], _alone(rows + [r], key)
    if value != value:
        return "–"
    return f"{value:.2f} ({value / alone:.2f}×)" if r["sessions"] and alone == alone else f"{value:.2f}"


def format_row(r: dict, rows: list[dict]) -> str:
    return (
        f"| {r['sessions']} | {'yes' if r['ingest'] else 'no'} | {r['reruns']} | {r['failed']} | {r['errors']} | "
        f"{_ms(r['p50'])} | {_ms(r['p95'])} | {_ms(r['max'])} | {r['batches']} | {r['added']} | "
        f"{_seconds(r, rows, 'searchable_s')} | {_seconds(r, rows, 'scored_s')} | "
        f"{r['server_share']:.0%} | {r['busy']:.0%} | {r['load']} | {r['server_mb']:.0f} | {r['worker_mb']:.0f} | "
        f"{r['seconds']:.0f} |"
    )


def report(rows: list[dict], args, db_info: str) -> str:
    head = (
        "| sessions | upload running | page reruns | failed | pages with an error | p50 ms | p95 ms | max ms | upload batches "
        "| documents added | upload: s to searchable (× alone) | upload: s to scored (× alone) | server's share of CPU used "
        "| cores busy | load before | server MB after | model worker MB after | seconds |\n"
        "|---:|:---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|---:|---:|---:|"
    )
    lines = [
        "# Load: page rerun time while browsing during an ingest",
        "",
        f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} CPU cores, Python {platform.python_version()}; model worker "
        f"{'on' if config.model_worker() else 'off (CROSSCHECK_MODEL_WORKER=off)'}; Streamlit's collection of all "
        f"garbage after each page run {'on (--post-script-gc)' if args.post_script_gc else 'off, as configured'}.",
        f"Database: {db_info}. Each session opens {args.actions} pages in turn ({' → '.join(CYCLE)}), pausing "
        f"{args.think:g} s on average (0.5–1.5×) between them; the uploader sends batches of {args.files} new files "
        "through the Upload page. Sessions are light websocket clients, and every client runs at nice 19.",
        "",
        head,
        *(format_row(r, rows[:i]) for i, r in enumerate(rows)),
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
    parser.add_argument("--actions", type=int, help="pages each session opens (default 12, tiny 2)")
    parser.add_argument("--think", type=float, help="seconds a session reads a page before the next (default 2, tiny 0)")
    parser.add_argument("--files", type=int, help="files per upload batch (default 3, tiny 1)")
    parser.add_argument("--db", help="database to copy (default: build the demo database)")
    parser.add_argument("--demo-files", type=int, help="without --db: demo files to build from (default all, tiny 3)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds before a rerun counts as failed")
    parser.add_argument("--baseline", action=argparse.BooleanOptionalAction,
                        help="the idle one-session row first (default yes, tiny no)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--post-script-gc", action="store_true",
                        help="turn Streamlit's gc.collect(2) after every page run back on (off in .streamlit/config.toml)")
    add_common_args(parser, "load")
    args = parser.parse_args(argv)
    apply_sizes(
        args,
        full={"sessions": [1, 5, 10], "actions": 12, "think": 2.0, "files": 3, "demo_files": len(demo_files()), "baseline": True},
        tiny={"sessions": [1], "actions": 2, "think": 0.0, "files": 1, "demo_files": 3, "baseline": False},
    )
    out = results_path(args, "load")
    # A plain `kill` still stops the server (the finally block below runs).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

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
        gc_arg = ("--runner.postScriptGC", "true") if args.post_script_gc else ()
        server, url = start_server(db, tmp / "streamlit.log", args=gc_arg)
        try:
            os.nice(19)  # from here on the clients yield to the server
            rows = asyncio.run(run_all(args, url, folder, server.pid))
        finally:
            stop_server(server)
    text = report(rows, args, db_info)
    print(text)
    write_results(out, text, args.tiny)
    return 0


if __name__ == "__main__":
    sys.exit(main())
