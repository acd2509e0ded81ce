"""The Ray engine and its Parquet lake: the same statements, vectors and pairs as the local engine, idempotent,
restartable after a kill, and read by the dashboard once attached. Ray runs on this machine (a local instance)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from crosscheck.config import ROOT, ClusterSettings
from crosscheck.errors import CrosscheckError
from crosscheck.lake import store as lakes

pytestmark = pytest.mark.slow

# Claims and reports of 14-16 February and 1 March 2022 from the demo corpus: two months of pairs, four file formats.
FILES = [ROOT / "data" / "demo" / name for name in (
    "2022-02-14-kremlin-meeting-with-shoigu.txt",
    "2022-02-15-russian-mod-konashenkov-units-return.html",
    "2022-02-16-belarus-mfa-makei-no-serviceman-remains.md",
    "2022-02-16-cit-new-deployments-not-withdrawal.html",
    "2022-02-16-nato-stoltenberg-no-deescalation.html",
    "2022-02-16-rochan-withdrawal-not-genuine.md",
    "2022-03-01-bellingcat-kharkiv-strikes.md",
    "2022-03-01-russian-mod-shoigu-civilians-safe.md",
)]
PAIR_KEY = ["claim_id", "report_id"]


def _cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crosscheck", *args], capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def local_db(tmp_path_factory) -> Path:
    """The local engine's workspace for FILES, every pair scored."""
    path = tmp_path_factory.mktemp("local") / "local.duckdb"
    done = _cli("ingest", *map(str, FILES), "--db", str(path), "--all-pairs")
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=3, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def _attached(lake_dir: Path, db: Path) -> Path:
    done = _cli("attach-lake", str(lake_dir), "--db", str(db))
    assert done.returncode == 0, done.stderr
    return db


def _tables(db: Path) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        statements = con.execute("""SELECT statement_id, doc_id, text, speaker, actor, actor_type, stated_on, start, "end",
                                           is_question, boilerplate FROM statements ORDER BY statement_id""").df()
        vectors = np.array([r[0] for r in con.execute("SELECT embedding FROM statements ORDER BY statement_id").fetchall()])
        pairs = con.execute("""SELECT claim_id, report_id, similarity, lag_days, stance, contradiction, support, shown, pending
                               FROM matches ORDER BY claim_id, report_id""").df()
    finally:
        con.close()
    return statements, vectors, pairs


def assert_same_as_local(db: Path, local: Path, min_pairs: int = 50) -> None:
    s_lake, v_lake, p_lake = _tables(db)
    s_local, v_local, p_local = _tables(local)
    pd.testing.assert_frame_equal(s_lake, s_local)
    assert np.abs(v_lake - v_local).max() < 1e-5
    assert len(p_local) >= min_pairs and not p_local["pending"].any()
    assert p_lake[PAIR_KEY].equals(p_local[PAIR_KEY])  # the same pairs: window, threshold, top-k and per-source rules
    assert np.abs(p_lake["similarity"] - p_local["similarity"]).max() < 1e-5
    assert p_lake["lag_days"].equals(p_local["lag_days"])
    assert (p_lake["stance"] == p_local["stance"]).all() and (p_lake["shown"] == p_local["shown"]).all()
    assert np.abs(p_lake["contradiction"] - p_local["contradiction"]).max() < 1e-4


def test_the_lake_holds_the_local_engines_statements_and_pairs_and_a_second_run_adds_nothing(
        ray_local, local_db, tmp_path, capsys):
    from crosscheck.lake import engine

    lake_dir = tmp_path / "lake"
    first = engine.build_lake([str(f) for f in FILES[:5]], str(lake_dir), cluster=ClusterSettings(workers=2, part_docs=5))
    assert [r.status for r in first.results] == ["added"] * 5
    # One month changed and two workers: the month is matched in two shares of its claims, a task each.
    assert sorted(lakes.Lake(str(lake_dir)).manifest().pairs) == ["2022-02#0", "2022-02#1"]
    later = pd.Timestamp.now(tz="UTC").tz_localize(None)
    # The rest: March's claims, and February's pairs computed again with the new reports (scored ones kept);
    # two months for two workers, so one task each, whose files replace February's two shares.
    summary = engine.build_lake([str(f) for f in FILES], str(lake_dir), cluster=ClusterSettings(workers=2, part_docs=5))
    assert [r.status for r in summary.results] == ["duplicate"] * 5 + ["added"] * 3
    manifest = lakes.Lake(str(lake_dir)).manifest()
    pairs = lakes.Lake(str(lake_dir)).read(manifest.files("pairs")).to_pandas()
    assert (pairs["scored_at"] < later).sum() > 0 and (pairs["scored_at"] > later).sum() > 0
    assert len(manifest.parts) == 2 and sorted(manifest.pairs) == ["2022-02", "2022-03"] and manifest.dirty == []
    assert all(f.startswith(("documents/month=2022-0", "statements/month=2022-0")) for p in manifest.parts
               for f in p["documents"] + p["statements"])
    assert_same_as_local(_attached(lake_dir, tmp_path / "ws.duckdb"), local_db)

    again = engine.build_lake([str(f) for f in FILES], str(lake_dir), cluster=ClusterSettings(workers=1))
    assert [r.status for r in again.results] == ["duplicate"] * len(FILES)
    assert "already in the lake, skipped" in capsys.readouterr().out
    after = lakes.Lake(str(lake_dir)).manifest()
    assert after.parts == manifest.parts and after.pairs == manifest.pairs  # nothing added, no pair computed again
    db = _attached(lake_dir, tmp_path / "ws.duckdb")  # attaching twice adds nothing either
    assert_same_as_local(db, local_db)

    # The dashboard started with CROSSCHECK_LAKE on a new workspace imports the lake and shows a lake claim.
    from app.conftest import open_page

    from crosscheck.ui.resources import close_resources

    con = duckdb.connect(str(db), read_only=True)
    claim = con.execute("SELECT claim_id FROM matches GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
    text = con.execute("SELECT text FROM statements WHERE statement_id = ?", [claim]).fetchone()[0]
    con.close()
    fresh = tmp_path / "dashboard.duckdb"
    os.environ.update(CROSSCHECK_DB=str(fresh), CROSSCHECK_LAKE=str(lake_dir))
    try:
        at = open_page("claim", {"claim": claim})
        assert not at.exception
        page = "\n".join(str(e.value) for kind in ("markdown", "caption", "subheader") for e in getattr(at, kind))
        assert text[:40] in page.replace("\\", "")
        assert int(at.subheader[0].value.split()[0]) >= 1  # "N matched reports"
    finally:
        del os.environ["CROSSCHECK_DB"], os.environ["CROSSCHECK_LAKE"]
        close_resources()
    assert_same_as_local(fresh, local_db)


def test_months_matched_in_shares_give_the_local_engines_pairs(ray_local, local_db, tmp_path):
    from crosscheck.lake import engine

    lake_dir = tmp_path / "lake"
    engine.build_lake([str(f) for f in FILES], str(lake_dir), cluster=ClusterSettings(workers=2, month_chunks=3))
    manifest = lakes.Lake(str(lake_dir)).manifest()
    assert sorted(manifest.pairs) == [f"{m}#{i}" for m in ("2022-02", "2022-03") for i in range(3)]
    assert manifest.dirty == [] and len(manifest.files("pairs", {"2022-02"})) == 3
    assert_same_as_local(_attached(lake_dir, tmp_path / "ws.duckdb"), local_db)


def test_a_run_killed_mid_way_completes_on_restart_with_no_duplicates(local_db, tmp_path):
    lake_dir = tmp_path / "lake"
    cmd = [sys.executable, "-m", "crosscheck", "ingest", *map(str, FILES), "--engine", "ray", "--lake", str(lake_dir),
           "--part-docs", "2"]
    run = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    manifest = lake_dir / lakes.MANIFEST
    # Generous: on a loaded 2-core machine starting Ray and the models took over 300 s once.
    deadline, committed = time.monotonic() + 900, False
    try:
        while time.monotonic() < deadline and run.poll() is None:  # kill it once the first part is committed
            if manifest.exists() and len(json.loads(manifest.read_text())["parts"]) >= 1:
                committed = True
                break
            time.sleep(0.05)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    assert committed, f"the run committed no part in 900 s (exit code {run.returncode})"
    killed = lakes.Lake(str(lake_dir)).manifest()
    assert 1 <= len(killed.parts) < 4 and not killed.pairs  # killed before its last part and before any pairs

    done = _cli("ingest", *map(str, FILES), "--engine", "ray", "--lake", str(lake_dir), "--part-docs", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("already in the lake, skipped") == 2 * len(killed.parts)
    final = lakes.Lake(str(lake_dir)).manifest()
    assert final.dirty == [] and sorted(final.pairs) == ["2022-02", "2022-03"]
    named = {f for kind in lakes.KINDS for f in final.files(kind)}
    on_disk = {str(p.relative_to(lake_dir)) for p in lake_dir.rglob("*.parquet")}
    assert on_disk == named  # what the killed run left half-written is gone
    assert_same_as_local(_attached(lake_dir, tmp_path / "ws.duckdb"), local_db)


def test_undated_and_broken_files_go_through_the_lake_as_through_the_local_engine(tmp_path):
    """A file without a date (its statements pair with any date: month=undated) and a broken one among good ones."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "kremlin-statement.txt").write_text(  # no date in its name or text
        "The Kremlin said a decision has been taken to partially withdraw forces from the border area. "
        "The Kremlin said the troops will return to their permanent bases.\n")
    files = [folder / "kremlin-statement.txt", ROOT / "tests" / "data" / "hostile" / "broken.docx",
             ROOT / "data" / "demo" / "2022-02-16-cit-new-deployments-not-withdrawal.html",
             ROOT / "data" / "demo" / "2022-02-16-nato-stoltenberg-no-deescalation.html"]
    local = tmp_path / "local.duckdb"
    done = _cli("ingest", *map(str, files), "--db", str(local), "--all-pairs")
    assert done.returncode == 1 and "broken.docx: refused" in done.stdout
    lake_dir = tmp_path / "lake"
    done = _cli("ingest", *map(str, files), "--engine", "ray", "--lake", str(lake_dir))
    assert done.returncode == 1, done.stderr
    assert "broken.docx: refused" in done.stdout and "kremlin-statement.txt: added" in done.stdout
    assert "(no date found)" in done.stdout
    manifest = lakes.Lake(str(lake_dir)).manifest()
    assert sorted(manifest.pairs) == ["2022-02", "undated"]
    _, _, pairs = _tables(_attached(lake_dir, tmp_path / "ws.duckdb"))
    assert pairs["lag_days"].isna().any()  # the undated claim's pairs: lag unknown
    assert_same_as_local(tmp_path / "ws.duckdb", local, min_pairs=5)


def test_a_lake_refuses_other_matching_rules_and_ignores_files_it_does_not_name(tmp_path):
    lake = lakes.Lake(str(tmp_path / "lake"))
    manifest = lake.open({"embed_model": "minilm", "embed_dim": 384, "settings": {"top_k": 10}})
    stray = lake.new_file("statements", "2022-02", "dead-run")
    lake.write(stray, pa.table({"statement_id": ["x"]}))
    assert manifest.files("statements") == []  # a file only counts once the manifest names it
    assert lake.clean(manifest) == 1 and not (tmp_path / "lake" / stray).exists()
    with pytest.raises(lakes.LakeError, match=r"built with other settings \(settings: lake \{'top_k': 10\}, now \{'top_k': 5\}"):
        lakes.Lake(str(tmp_path / "lake")).open({"embed_model": "minilm", "embed_dim": 384, "settings": {"top_k": 5}})
    with pytest.raises(lakes.LakeError, match="no _lake.json"):
        lakes.Lake(str(tmp_path / "nothing")).manifest()
    assert isinstance(lakes.LakeError("x"), CrosscheckError)


def test_months_a_new_statement_touches():
    manifest = lakes.Manifest({}, [{"months": ["2022-01", "2022-02", "2022-04"]}], {}, [])
    assert lakes.dirty_after(manifest, {"2022-02"}, 14) == ["2022-01", "2022-02"]  # March has no statements
    assert lakes.dirty_after(manifest, {"undated"}, 14) == ["2022-01", "2022-02", "2022-04", "undated"]
    assert lakes.months_near("2022-01", 14) == ["2021-12", "2022-01", "2022-02"]
    assert lakes.month_bounds("2022-02")[1].day == 28


def test_the_command_line_names_what_a_lake_run_needs(tmp_path):
    no_lake = _cli("ingest", str(FILES[0]), "--engine", "ray")
    assert no_lake.returncode == 2 and "--lake" in no_lake.stderr
    stray = _cli("ingest", str(FILES[0]), "--lake", str(tmp_path / "lake"), "--db", str(tmp_path / "x.duckdb"))
    assert stray.returncode == 2 and "--engine ray" in stray.stderr
    missing = _cli("attach-lake", str(tmp_path / "none"), "--db", str(tmp_path / "x.duckdb"))
    assert missing.returncode == 2 and "no _lake.json" in missing.stderr
