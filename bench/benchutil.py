"""What every benchmark shares: the --tiny mode the test suite runs, and where results are written.

`--tiny` runs the same code path with minimal sizes, so a benchmark that no longer runs against the
current code fails `tests/test_bench.py` instead of rotting until someone wants figures. A tiny run
never writes to bench/results/: without --out its table goes to a temporary folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
TINY_NOTE = "Tiny run (`--tiny`): minimal sizes, only to check that the benchmark runs; these figures mean nothing."


def add_common_args(parser: argparse.ArgumentParser, name: str) -> None:
    """--tiny and --out, the same in every benchmark."""
    parser.add_argument(
        "--tiny", action="store_true",
        help="minimal sizes, same code path (the test suite runs this); results go to a temporary folder unless --out",
    )
    parser.add_argument(
        "--out", type=Path,
        help=f"results file, or a folder to write {name}.md in (default: bench/results/{name}.md)",
    )


def apply_sizes(args: argparse.Namespace, full: dict, tiny: dict) -> None:
    """Fill every size option left unset (None) with its full or tiny default."""
    for key, value in (tiny if args.tiny else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)


def results_path(args: argparse.Namespace, name: str) -> Path:
    """Where this run's table goes: --out (a file, or a folder for NAME.md), else bench/results/ (tiny: a temp dir)."""
    out = args.out
    if out is None:
        out = Path(tempfile.gettempdir()) / "crosscheck-bench-tiny" if args.tiny else RESULTS_DIR
    if out.is_dir() or not out.suffix:
        out = out / f"{name}.md"
    if args.tiny and out.resolve().parent == RESULTS_DIR.resolve():
        raise SystemExit(f"--tiny never writes to {RESULTS_DIR}: pass --out elsewhere")
    return out


def write_results(path: Path, text: str, tiny: bool) -> None:
    """Write the table (a tiny run says so at the top) and tell where it went."""
    if tiny:
        title, _, rest = text.partition("\n")
        text = f"{title}\n\n{TINY_NOTE}\n{rest}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text.endswith("\n") else text + "\n")
    print(f"wrote {path}", file=sys.stderr)


def proc_status_mib(pid: int, key: str, missing: float = float("nan")) -> float:
    """A memory figure of /proc/PID/status (VmRSS resident now, VmHWM its peak) in MiB; `missing` when the
    process or /proc is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return missing
