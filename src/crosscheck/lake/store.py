"""The lake: documents, statements (with vectors) and scored pairs as Parquet partitioned by month.

`crosscheck ingest --engine ray --lake DIR` writes it (crosscheck.lake.engine); `crosscheck attach-lake DIR`
imports it into a workspace, so the pages, exports and search work on it unchanged. A lake is a folder
or any pyarrow.fs URI (s3://bucket/path, gs://…):

    _lake.json                                  the manifest: the only files that count
    documents/month=2022-02/<run>-<n>.parquet   documents by publication month (month=undated without one)
    statements/month=2022-02/<run>-<n>.parquet  statements by the month they were made, vectors included
    pairs/month=2022-02/<run>-<n>.parquet       the scored pairs of the claims made that month (one file, or one
                                                per share of its claims when the month was matched in shares)

Files are written under new names first; a part (some documents with their statements) or a month's pairs
counts once the manifest names it, and the manifest is replaced in one step. So a run killed mid-way leaves
only files the manifest does not name: readers ignore them and the next run deletes them. One run writes
to a lake at a time.

The manifest also keeps the months whose pairs must be computed again (`dirty`): a new part marks the
months whose date window it touches, and a month leaves the list only when its new pairs file is in place.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import uuid
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from crosscheck.errors import CrosscheckError

MANIFEST = "_lake.json"
FORMAT = 1
UNDATED = "undated"  # the month of documents and statements without a date
KINDS = ("documents", "statements", "pairs")


class LakeError(CrosscheckError):
    """A lake that cannot be read or written as asked (another model, other matching rules, a broken manifest)."""


def month_of(day: dt.date | None) -> str:
    return UNDATED if day is None or (isinstance(day, float) and math.isnan(day)) else f"{day.year:04d}-{day.month:02d}"


def _month_start(month: str) -> dt.date:
    year, mon = map(int, month.split("-"))
    return dt.date(year, mon, 1)


def _add_months(month: str, n: int) -> str:
    year, mon = map(int, month.split("-"))
    k = year * 12 + mon - 1 + n
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of a month."""
    start = _month_start(month)
    return start, _month_start(_add_months(month, 1)) - dt.timedelta(days=1)


def months_near(month: str, window_days: int) -> list[str]:
    """The months a statement of `month` can be paired with: those within window_days of any of its days."""
    reach = math.ceil(window_days / 28)
    return [_add_months(month, n) for n in range(-reach, reach + 1)]


@dataclass
class Manifest:
    meta: dict  # embed_model, embed_dim, scorer and the matching settings the lake was built with
    parts: list[dict]  # {"id", "documents": [files], "statements": [files], "months": [statement months]}
    pairs: dict[str, str]  # month, or month#share when a month was matched in shares → its pairs file
    dirty: list[str]  # months whose pairs must be computed again
    version: int = 0

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "version": self.version, "meta": self.meta, "parts": self.parts,
                           "pairs": self.pairs, "dirty": self.dirty}, indent=1, sort_keys=True)

    def files(self, kind: str, months: set[str] | None = None) -> list[str]:
        """The committed files of one kind, optionally only those of some months."""
        if kind == "pairs":
            return [f for k, f in sorted(self.pairs.items()) if months is None or pairs_month(k) in months]
        return [f for part in self.parts for f in part[kind] if months is None or _file_month(f) in months]

    def statement_months(self) -> set[str]:
        return {m for part in self.parts for m in part["months"]}


def pairs_key(month: str, share: int, shares: int) -> str:
    """The manifest's key of one month's pairs file: the month, or month#share when it was matched in shares."""
    return month if shares == 1 else f"{month}#{share}"


def pairs_month(key: str) -> str:
    return key.split("#", 1)[0]


def _file_month(path: str) -> str:
    return path.split("month=", 1)[1].split("/", 1)[0]


class Lake:
    """One lake, local or remote; every path below is relative to its root."""

    def __init__(self, uri: str):
        self.uri = str(uri)
        if "://" in self.uri:
            try:
                self.fs, self.root = pafs.FileSystem.from_uri(self.uri)
            except (pa.ArrowException, ValueError) as e:
                raise LakeError(f"lake {self.uri}: cannot open it ({e})") from e
        else:
            self.fs, self.root = pafs.LocalFileSystem(), os.path.abspath(self.uri)
        self.root = self.root.rstrip("/")

    def _path(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    def exists(self) -> bool:
        return self.fs.get_file_info(self._path(MANIFEST)).type == pafs.FileType.File

    def manifest(self) -> Manifest:
        """The committed state; LakeError when there is no lake here or its manifest is broken."""
        if not self.exists():
            raise LakeError(f"lake {self.uri}: no {MANIFEST} here (write one with `crosscheck ingest --engine ray --lake`)")
        try:
            with self.fs.open_input_stream(self._path(MANIFEST)) as f:
                raw = json.loads(f.read().decode("utf-8"))
            if raw.get("format") != FORMAT:
                raise LakeError(f"lake {self.uri}: manifest format {raw.get('format')!r}, this Crosscheck reads {FORMAT}")
            return Manifest(raw["meta"], raw["parts"], raw["pairs"], raw["dirty"], raw["version"])
        except (KeyError, TypeError, ValueError) as e:
            raise LakeError(f"lake {self.uri}: the manifest cannot be read ({type(e).__name__}: {e})") from e

    def open(self, meta: dict) -> Manifest:
        """The manifest, created on first use; LakeError when the lake was built with another model or rules."""
        if not self.exists():
            self.fs.create_dir(self.root, recursive=True)
            manifest = Manifest(dict(meta), [], {}, [])
            self.commit(manifest)
            return manifest
        manifest = self.manifest()
        differ = {k: (manifest.meta.get(k), v) for k, v in meta.items() if manifest.meta.get(k) != v}
        if differ:
            what = "; ".join(f"{k}: lake {old!r}, now {new!r}" for k, (old, new) in differ.items())
            raise LakeError(f"lake {self.uri} was built with other settings ({what}); use them again, or a new lake")
        return manifest

    def commit(self, manifest: Manifest) -> None:
        """Replace the manifest in one step (a new file moved over the old one)."""
        manifest.version += 1
        tmp = self._path(f"{MANIFEST}.{uuid.uuid4().hex}.tmp")
        with self.fs.open_output_stream(tmp) as f:
            f.write(manifest.to_json().encode("utf-8"))
        self.fs.move(tmp, self._path(MANIFEST))

    def new_file(self, kind: str, month: str, run: str) -> str:
        return f"{kind}/month={month}/{run}-{uuid.uuid4().hex[:12]}.parquet"

    def write(self, rel: str, table: pa.Table) -> None:
        self.fs.create_dir(self._path(rel.rsplit("/", 1)[0]), recursive=True)
        pq.write_table(table, self._path(rel), filesystem=self.fs)

    def read(self, files: list[str], columns: list[str] | None = None) -> pa.Table | None:
        """The rows of these files together (None when there are none)."""
        if not files:
            return None
        tables = [pq.read_table(self._path(f), filesystem=self.fs, columns=columns) for f in files]
        return pa.concat_tables(tables, promote_options="permissive")

    def delete(self, rel: str) -> None:
        try:
            self.fs.delete_file(self._path(rel))
        except FileNotFoundError:
            pass

    def clean(self, manifest: Manifest) -> int:
        """Delete the files no manifest names (left by a run that was killed); how many."""
        named = {f for kind in KINDS for f in manifest.files(kind)}
        gone = 0
        for kind in KINDS:
            selector = pafs.FileSelector(self._path(kind), recursive=True, allow_not_found=True)
            for info in self.fs.get_file_info(selector):
                rel = info.path[len(self.root) + 1:]
                if info.type == pafs.FileType.File and rel not in named:
                    self.delete(rel)
                    gone += 1
        for info in self.fs.get_file_info(pafs.FileSelector(self.root)):
            if info.base_name.startswith(MANIFEST + ".") and info.base_name.endswith(".tmp"):
                self.fs.delete_file(info.path)
        return gone

    def known_hashes(self, manifest: Manifest) -> set[str]:
        """The sha256 of every document in the lake."""
        table = self.read(manifest.files("documents"), columns=["sha256"])
        return set() if table is None else set(table.column("sha256").to_pylist())


def dirty_after(manifest: Manifest, new_months: set[str], window_days: int) -> list[str]:
    """The months whose pairs a part with statements of `new_months` changes: those within the window of any of
    them (every month when one is undated: undated statements pair with any date) and the undated month."""
    months = manifest.statement_months() | new_months
    if UNDATED in new_months:
        touched = set(months)
    else:
        touched = {near for m in new_months for near in months_near(m, window_days)} & months
    return sorted(set(manifest.dirty) | touched | ({UNDATED} if UNDATED in months else set()))


def add_inferred_actors(con, statements: pa.Table) -> int:
    """The actors that attribution inferred for these lake statements, added unconfirmed (db.writes.add_inferred_actors)."""
    from crosscheck.db import writes

    who = statements.select(["speaker", "actor", "actor_type", "inferred_actor"]).to_pandas()
    return writes.add_inferred_actors(con, who[who["inferred_actor"]].drop_duplicates("actor").itertuples())


def read_all(lake: Lake) -> tuple[Manifest, pa.Table | None, pa.Table | None, pa.Table | None]:
    """The manifest and every committed document, statement and pair."""
    manifest = lake.manifest()
    return (manifest, lake.read(manifest.files("documents")), lake.read(manifest.files("statements")),
            lake.read(manifest.files("pairs")))


def attach(con, uri: str) -> dict[str, int]:
    """Import the lake at `uri` into the workspace `con` (one transaction): its documents and statements, and its
    pairs, put through the workspace's calibration from verdicts when it has one. Verdicts and actor edits stay
    the workspace's. Returns the counts of db.writes.import_lake, and the lake's manifest version."""
    from crosscheck.db import connection, schema, writes
    from crosscheck.db.schema import MATCH_COLUMNS
    from crosscheck.models import calibration

    lake = Lake(uri)
    manifest, documents, statements, pairs = read_all(lake)
    if not schema.has_schema(con):  # a new workspace: the lake's model, and the registry's actors
        from crosscheck.actors import load_registry

        schema.ensure_schema(con, manifest.meta["embed_model"], int(manifest.meta["embed_dim"]))
        writes.sync_actors(con, load_registry())
    model, dim = schema.get_meta(con, "embed_model"), schema.get_meta(con, "embed_dim")
    if (manifest.meta.get("embed_model"), str(manifest.meta.get("embed_dim"))) != (model, str(dim)):
        raise LakeError(f"lake {uri} was embedded with {manifest.meta.get('embed_model')} ({manifest.meta.get('embed_dim')}-d), "
                        f"the workspace with {model} ({dim}-d)")
    if documents is None:
        return {"documents": 0, "statements": 0, "pairs": 0, "pairs_removed": 0, "version": manifest.version}
    frame = pairs.to_pandas() if pairs is not None else None
    if frame is not None and len(frame):
        # The model's own scores, decided again by the workspace's calibration when it has one.
        frame = calibration.calibrate_scores(con, frame.assign(contradiction=frame["raw_contradiction"],
                                                          support=frame["raw_support"], stance=frame["raw_stance"]))
        frame = frame[MATCH_COLUMNS]
    else:
        frame = pa.table({c: pa.array([], type=pa.string()) for c in MATCH_COLUMNS}).to_pandas()
    per_source = int(manifest.meta.get("settings", {}).get("per_source", 1))
    with connection.transaction(con):
        counts = writes.import_lake(con, documents, statements, frame)
        add_inferred_actors(con, statements)
        if len(frame):
            writes.choose_shown(con, frame["claim_id"].unique().tolist(), per_source)
        schema.set_meta(con, "lake", f"{uri}#{manifest.version}")
    return {**counts, "version": manifest.version}


def attach_if_changed(con, uri: str) -> dict[str, int] | None:
    """attach() when the workspace has not imported this version of the lake yet (the dashboard's start with
    $CROSSCHECK_LAKE); None when it has."""
    from crosscheck.db import schema

    version = Lake(uri).manifest().version
    if schema.get_meta(con, "lake") == f"{uri}#{version}":
        return None
    return attach(con, uri)
