"""Every benchmark still runs against the current code: each one, with --tiny, as a subprocess.

Same code path as a full run, minimal sizes, results in a temporary folder; no timing is asserted,
only that the benchmark exits cleanly and writes a table of numbers (and, where the benchmark counts
failures, that there were none). The ingest benchmark, which reads ../shared/data, also runs with it hidden,
so it keeps working on a checkout without it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from e2e.conftest import CHROMIUM

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
# A number at the start of a cell: "2,000", "0.61", "1.2 (45 %)"; never "nan".
NUMBER = re.compile(r"^-?\d[\d,]*(\.\d+)?(\s|$)")


def table(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """The first markdown table of text: its header and its rows as {column: cell}."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    block = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        block.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    header, separator, *rows = block
    assert all(re.fullmatch(r":?-+:?", cell) for cell in separator), separator
    for row in rows:
        assert len(row) == len(header), (header, row)
    return header, [dict(zip(header, row)) for row in rows]


def check_search(rows: list[dict[str, str]]) -> None:
    assert [r["statements"] for r in rows] == ["2,000"]


def check_ingest(rows: list[dict[str, str]]) -> None:
    demo = rows[0]
    assert demo["corpus"].startswith("demo") and int(demo["documents"]) == 3
    assert all(int(r["statements"].replace(",", "")) > 0 for r in rows)


def check_models(rows: list[dict[str, str]]) -> None:
    assert [r["step"] for r in rows][:1] == ["encode"]


def check_match_recall(rows: list[dict[str, str]]) -> None:
    assert [r["threshold"] for r in rows] == ["0.10", "0.15", "0.20", "0.25", "0.30", "0.35", "0.40"]
    for row in rows:
        assert all(0 <= float(v) <= 1 for k, v in row.items() if k != "threshold")


def check_load(rows: list[dict[str, str]]) -> None:
    (row,) = rows
    assert row["sessions"] == "1" and row["upload running"] == "yes"
    assert int(row["page reruns"]) == 2
    assert row["failed"] == "0" and row["pages with an error"] == "0"
    assert int(row["documents added"]) >= 1
    assert float(row["upload: s to searchable (× alone)"]) > 0  # no upload-alone row in a tiny run: no ratio
    assert 0 < float(row["server's share of CPU used"].rstrip("%")) <= 100
    assert float(row["server MB after"]) > 50 and float(row["model worker MB after"]) > 50  # both processes measured


def check_ann(rows: list[dict[str, str]]) -> None:
    assert {r["statements"] for r in rows} == {"2,000"}
    for row in rows:
        assert 0 <= float(row["recall@10"]) <= 1
        if int(row["nprobe"]) >= int(row["clusters"]):  # every cluster probed: the index must be exact
            assert row["recall@10"] == "1.000", row


def check_scale(rows: list[dict[str, str]]) -> None:
    pages = [r["page"] for r in rows]
    for name in ("Overview (timeline)", "Overview (events chart)", "Claims", "Actors", "Data", "Review", "Upload"):
        assert name in pages, pages
    assert any(p.startswith("Claim (") for p in pages), pages
    for row in rows:
        assert row["reruns"] == "2" and row["failed"] == "0" and row["pages with an error"] == "0", row
        assert NUMBER.match(row["first load ms"]), row


def check_lake(rows: list[dict[str, str]]) -> None:
    runs = [r["run"] for r in rows]
    assert runs[0] == "local engine" and runs.count("ray engine") == 2, runs
    assert all(r["vs local"] == "same" for r in rows if r["run"] == "ray engine"), rows
    second = next(r for r in rows if r["run"] == "ray engine, second run")
    assert second["vs local"].startswith("nothing added;"), second
    killed = next(r for r in rows if r["run"].startswith("ray engine, killed"))
    assert killed["vs local"] == "same; 0 stray files", killed
    assert len({r["pairs"] for r in rows}) == 1 and rows[0]["pairs"] != "0", rows  # every run: the local engine's pairs


CHECKS = {
    "search": check_search, "ingest": check_ingest, "models": check_models,
    "match_recall": check_match_recall, "load": check_load, "scale": check_scale, "ann": check_ann,
    "lake": check_lake,
}
browser = [
    pytest.mark.e2e, pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed (apt-get install chromium)"),
]


@pytest.mark.parametrize(
    ("name", "hide_shared"),
    [
        pytest.param("search", False, marks=pytest.mark.slow, id="search"),
        pytest.param("ingest", False, marks=pytest.mark.slow, id="ingest"),
        pytest.param("ingest", True, marks=pytest.mark.slow, id="ingest-without-shared-data"),
        pytest.param("models", False, marks=pytest.mark.slow, id="models"),
        pytest.param("match_recall", False, marks=pytest.mark.slow, id="match_recall"),
        pytest.param("ann", False, marks=pytest.mark.slow, id="ann"),
        pytest.param("lake", False, marks=pytest.mark.slow, id="lake"),
        pytest.param("load", False, marks=browser, id="load"),
        pytest.param("scale", False, marks=browser, id="scale"),
    ],
)
def test_benchmark_runs_tiny(name: str, hide_shared: bool, tmp_path: Path) -> None:
    results = {p: p.read_bytes() for p in (BENCH / "results").glob("*.md")}
    out = tmp_path / "results"
    cmd = [sys.executable, str(BENCH / f"bench_{name}.py"), "--tiny", "--out", str(out)]
    if hide_shared:
        cmd += ["--press-dir", str(tmp_path / "no-shared-data")]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run(cmd, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)} exited with {proc.returncode}:\n{proc.stderr[-4000:]}"

    path = out / f"{name}.md"
    assert path.is_file(), f"{path} not written; stderr:\n{proc.stderr[-2000:]}"
    text = path.read_text()
    assert "Tiny run (`--tiny`)" in text
    _, rows = table(text)
    assert rows, f"no rows in the table of {path}:\n{text}"
    for row in rows:
        cells = list(row.values())
        assert any(NUMBER.match(cell) for cell in cells), row
        assert not any(cell.lower() in ("nan", "inf", "-inf") for cell in cells), row
    CHECKS[name](rows)
    if hide_shared:
        assert [r["corpus"] for r in rows] == ["demo (3 files)"]
    # A tiny run never touches the published figures.
    assert {p: p.read_bytes() for p in (BENCH / "results").glob("*.md")} == results
