"""Batch ingestion on Ray: the local pipeline's own functions as Ray Data stages, writing a Parquet lake.

    crosscheck ingest PATHS... --engine ray [--address ADDR] --lake DIR_OR_URI

Stages (crosscheck.lake describes the lake's layout and how it commits):

1. read: `from_items(paths)` → `flat_map(extract)`: crosscheck.ingest.extract_path, one task per file.
2. prepare: `map_batches(Prepare)`, the embedder and registry loaded once per actor:
   pipeline.prepare_group segments, attributes and embeds a batch of documents. The driver takes the
   documents in input order, skips any whose sha256 the lake (or an earlier document of the run) has, and
   commits each part of documents with their statements.
3. match and score: `map_batches(MatchMonth)` over the months whose pairs changed, each in one task or, when
   few months changed, in shares of its claims (ClusterSettings.chunks_per_month), the models loaded once per
   actor: a month's statements and those of its date window are loaded into an in-memory workspace, where
   match.rematch ranks the month's claims, or one share of them (the local engine's rules: window, threshold,
   top-k, per source),
   pipeline.score_pairs scores the pairs the lake has not scored yet and db.writes.save_matches chooses what
   each source shows. No stage holds more than a part of documents or a month and its window; undated claims,
   compared with every date, are the exception (their month loads every statement).

The local engine keeps each claim's stored pairs equal to ranking it against every stored report at once
(db.writes.trim_sources), so a lake and a workspace built from the same files hold the same pairs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import logging
import math
import uuid
from typing import Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from crosscheck.config import ClusterSettings, Limits, MatchSettings
from crosscheck.lake.store import (
    UNDATED,
    Lake,
    add_inferred_actors,
    dirty_after,
    month_bounds,
    month_of,
    months_near,
    pairs_key,
    pairs_month,
)
from crosscheck.pipeline import DocResult, IngestSummary, Status, refusal
from crosscheck.records import Document

log = logging.getLogger(__name__)


def statement_schema(dim: int) -> pa.Schema:
    return pa.schema([
        ("statement_id", pa.string()), ("doc_id", pa.string()), ("seq", pa.int32()), ("text", pa.string()),
        ("start", pa.int32()), ("end", pa.int32()), ("speaker", pa.string()), ("actor", pa.string()),
        ("actor_type", pa.string()), ("stated_on", pa.date32()), ("is_quote", pa.bool_()), ("boilerplate", pa.bool_()),
        ("inferred_actor", pa.bool_()), ("is_question", pa.bool_()), ("embedding", pa.list_(pa.float32(), dim)),
    ])


DOCUMENT_SCHEMA = pa.schema([
    ("doc_id", pa.string()), ("sha256", pa.string()), ("title", pa.string()), ("publisher", pa.string()),
    ("url", pa.string()), ("published_on", pa.date32()), ("date_source", pa.string()), ("source_name", pa.string()),
    ("format", pa.string()), ("text", pa.string()), ("n_statements", pa.int32()), ("ingested_at", pa.timestamp("us")),
])
PAIR_SCHEMA = pa.schema([
    ("claim_id", pa.string()), ("report_id", pa.string()), ("similarity", pa.float32()), ("stance", pa.string()),
    ("contradiction", pa.float32()), ("support", pa.float32()), ("lag_days", pa.int32()), ("model", pa.string()),
    ("scored_at", pa.timestamp("us")), ("shown", pa.bool_()), ("raw_contradiction", pa.float32()),
    ("raw_support", pa.float32()), ("raw_stance", pa.string()), ("calibration", pa.string()), ("pending", pa.bool_()),
])


# --- documents and results across the stages, as JSON (Ray moves rows of plain columns) -----------------------

def _doc_json(doc: Document) -> str:
    out = dataclasses.asdict(doc)
    out["published_on"] = doc.published_on.isoformat() if doc.published_on else None
    return json.dumps(out)


def _doc_from_json(text: str) -> Document:
    raw = json.loads(text)
    raw["published_on"] = dt.date.fromisoformat(raw["published_on"]) if raw["published_on"] else None
    return Document(**raw)


def _result_json(result: DocResult) -> str:
    out = dataclasses.asdict(result)
    out["status"] = str(result.status)
    out["published_on"] = result.published_on.isoformat() if result.published_on else None
    return json.dumps(out)


def _result_from_json(text: str) -> DocResult:
    raw = json.loads(text)
    raw["status"] = Status(raw["status"])
    raw["published_on"] = dt.date.fromisoformat(raw["published_on"]) if raw["published_on"] else None
    return DocResult(**raw)


def _to_ipc(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(io.BytesIO(data)).read_all()


# --- stage 1: read ---------------------------------------------------------------------------------------------

def extract_rows(row: dict, options: dict) -> list[dict]:
    """One input path → its documents (or one refusal), each with its place in the input (path, row)."""
    from crosscheck.ingest import extract_path

    order = int(row["order"])
    try:
        extraction = extract_path(row["path"], **options)
    except Exception as e:  # noqa: BLE001 - one input must never stop the batch
        source = getattr(e, "source", None) or row["path"]
        return [{"order": order, "row": 0, "document": None, "result": _result_json(refusal(source, e)), "notes": "{}"}]
    notes = json.dumps({"notes": extraction.notes, "warnings": extraction.warnings})
    return [{"order": order, "row": i, "document": _doc_json(doc), "result": None, "notes": notes if i == 0 else "{}"}
            for i, doc in enumerate(extraction.documents)] or [
        {"order": order, "row": 0, "document": None, "result": None, "notes": notes}]


# --- stage 2: prepare ------------------------------------------------------------------------------------------

class Prepare:
    """A Ray actor: segment, attribute and embed batches of documents with models loaded once (pipeline.prepare_group)."""

    def __init__(self, known: frozenset[str], limits: Limits | None = None):
        from crosscheck.actors import load_registry
        from crosscheck.models.embedder import load_embedder

        self.embedder, self.registry = load_embedder(), load_registry()
        self.known, self.limits = known, limits or Limits()

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        from crosscheck import pipeline
        from crosscheck.db import writes

        batch = batch.reset_index(drop=True)
        docs = {k: _doc_from_json(text) for k, text in enumerate(batch["document"]) if isinstance(text, str)}
        keys = [k for k in docs if docs[k].sha256 not in self.known]
        prepared = pipeline.prepare_group([docs[k] for k in keys], self.registry, self.limits, self.embedder)
        by_key = {k: prepared.get(i) for i, k in enumerate(keys)}
        results, tables = [], []
        schema = statement_schema(self.embedder.dim)
        for k in range(len(batch)):
            doc, table = docs.get(k), None
            if doc is None:  # a refusal or notes from reading
                results.append(batch.loc[k, "result"])
            elif k not in by_key:
                results.append(_result_json(DocResult(doc.source_name, doc.doc_id, Status.DUPLICATE, title=doc.title)))
            else:
                try:
                    done = by_key[k]
                    if isinstance(done, BaseException):
                        raise done
                    statements, vectors = done
                    if vectors is None:  # the batch's embedding failed: this document alone
                        vectors = self.embedder.embed([s.text for s in statements])
                    frame = writes.statement_frame(doc.doc_id, statements, np.asarray(vectors, dtype=np.float32))
                    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
                    results.append(_result_json(pipeline.added_result(doc, statements, pd.DataFrame(), 1)))
                except Exception as e:  # noqa: BLE001 - one document is refused, the batch goes on
                    results.append(_result_json(refusal(doc.source_name, e, doc.doc_id)))
            tables.append(_to_ipc(table) if table is not None else None)
        return batch.assign(result=results, statements=tables)


# --- stage 3: match and score ------------------------------------------------------------------------------------

class MatchMonth:
    """A Ray actor: the pairs of one month's claims, scored, in an in-memory workspace (match.rematch, score_pairs)."""

    def __init__(self, lake_uri: str, manifest_json: str, settings: dict, run: str):
        from crosscheck.lake.store import Manifest
        from crosscheck.workspace import load_models

        raw = json.loads(manifest_json)
        self.manifest = Manifest(raw["meta"], raw["parts"], raw["pairs"], raw["dirty"], raw["version"])
        self.lake, self.settings, self.run = Lake(lake_uri), MatchSettings(**settings), run
        self.models = load_models()

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        files, counts = [], []
        for month, share, shares in zip(batch["month"], batch["share"], batch["shares"]):
            file, n = self.month(month, int(share), int(shares))
            files.append(file)
            counts.append(n)
        return batch[["month", "share", "shares"]].assign(file=files, pairs=counts)

    def month(self, month: str, share: int = 0, shares: int = 1) -> tuple[str, int]:
        """The pairs of a month's claims (or of share `share` of `shares` of them), written to a new file: (file, pairs)."""
        from crosscheck import match, pipeline, workspace
        from crosscheck.db import connection, reads, writes

        con = connection.connect(":memory:")
        try:
            workspace.prepare(con, self.models)
            near = None if month == UNDATED else set(months_near(month, self.settings.window_days)) | {UNDATED}
            statements = self.lake.read(self.manifest.files("statements", near))
            if statements is not None and statements.num_rows:
                writes.insert_statement_rows(con, statements)
                add_inferred_actors(con, statements)
            part = (share, shares) if shares > 1 else None
            if month == UNDATED:
                pairs = match.rematch(con, self.settings, undated_claims=True, share=part)
            else:
                pairs = match.rematch(con, self.settings, claims_on=month_bounds(month), share=part)
            scored = self._scored(month, pairs, con, pipeline.score_pairs)
            writes.save_matches(con, scored, self.settings.per_source)
            rows = reads.stored_pairs(con)
        finally:
            con.close()
        file = self.lake.new_file("pairs", month, self.run)
        self.lake.write(file, pa.Table.from_pandas(rows, schema=PAIR_SCHEMA, preserve_index=False))
        return file, len(rows)

    def _scored(self, month: str, pairs: pd.DataFrame, con, score_pairs: Callable) -> pd.DataFrame:
        """The pairs with their scores: those the lake scored before with this model kept, the others scored now."""
        if pairs.empty:
            return pairs
        before = self.lake.read(self.manifest.files("pairs", {month}))
        keep = pd.DataFrame()
        if before is not None and before.num_rows:
            old = before.to_pandas()
            old = old[(old["model"] == self.models.scorer.name) & ~old["pending"].astype(bool)]
            keep = pairs.merge(old.drop(columns=["similarity", "lag_days", "shown"]), on=["claim_id", "report_id"])
        if keep.empty:
            todo = pairs
        else:
            marked = pairs.merge(keep[["claim_id", "report_id"]], how="left", indicator=True)
            todo = marked[marked["_merge"] == "left_only"].drop(columns="_merge")
        fresh = score_pairs(con, todo.reset_index(drop=True), self.models.scorer) if len(todo) else todo
        return pd.concat([p for p in (keep, fresh) if len(p)], ignore_index=True)


# --- the driver -----------------------------------------------------------------------------------------------

def _init_ray(address: str | None, cluster: ClusterSettings) -> None:
    import ray

    logging.getLogger("ray.data").setLevel(logging.WARNING)  # one line per stage and dataset is noise for an analyst
    if ray.is_initialized():
        return
    if address:
        ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    else:
        # The workers' CPUs, and one more for the reading tasks (an actor holds its CPU while it lives).
        ray.init(num_cpus=int(math.ceil(cluster.workers * cluster.cpus_per_worker)) + 1, include_dashboard=False,
                 log_to_driver=False, logging_level=logging.WARNING)


def build_lake(
    paths: Sequence[str],
    lake_uri: str,
    *,
    address: str | None = None,
    options: dict | None = None,
    settings: MatchSettings | None = None,
    cluster: ClusterSettings | None = None,
    limits: Limits | None = None,
    out: Callable[[str], None] = print,
) -> IngestSummary:
    """Ingest files into the lake at lake_uri on Ray (a local one with cluster.workers CPUs, or the one at address)."""
    import ray.data

    from crosscheck.models.embedder import load_embedder
    from crosscheck.models.stance import load_scorer

    settings, cluster, options = settings or MatchSettings(), cluster or ClusterSettings(), dict(options or {})
    embedder = load_embedder()
    meta = {"embed_model": embedder.name, "embed_dim": embedder.dim, "scorer": load_scorer(embedder=embedder).name,
            "settings": dataclasses.asdict(settings)}
    lake = Lake(lake_uri)
    manifest = lake.open(meta)
    if gone := lake.clean(manifest):
        out(f"lake {lake.uri}: removed {gone} files an interrupted run left")
    _init_ray(address, cluster)
    ray.data.DataContext.get_current().enable_progress_bars = False
    run = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    summary = IngestSummary()
    known = lake.known_hashes(manifest)
    step = max(1, int(cluster.part_docs))
    for start in range(0, len(paths), step):
        items = [{"order": start + i, "path": str(p)} for i, p in enumerate(paths[start:start + step])]
        ds = ray.data.from_items(items).flat_map(extract_rows, fn_kwargs={"options": options})
        ds = ds.map_batches(
            Prepare, fn_constructor_kwargs={"known": frozenset(known), "limits": limits}, batch_size=cluster.batch_docs,
            batch_format="pandas", compute=ray.data.ActorPoolStrategy(size=cluster.workers), num_cpus=cluster.cpus_per_worker,
            num_gpus=cluster.gpus_embed,
        )
        rows = pd.concat(list(ds.iter_batches(batch_format="pandas", batch_size=None)), ignore_index=True)
        manifest = _commit_part(lake, manifest, rows.sort_values(["order", "row"], kind="stable"), known, run, settings,
                                summary, out)
    if manifest.dirty:
        out(f"matching and scoring the claims of {len(manifest.dirty)} months…")
        manifest = _match(lake, manifest, settings, cluster, run, out)
    documents = sum(1 for _ in manifest.files("documents"))
    out(f"lake {lake.uri}: {len(known):,} documents in {documents} files, {len(manifest.pairs)} months of pairs")
    return summary


def _commit_part(lake: Lake, manifest, rows: pd.DataFrame, known: set[str], run: str, settings: MatchSettings,
                 summary: IngestSummary, out: Callable[[str], None]):
    """Write one part's documents and statements by month, then name them in the manifest (the commit)."""
    from crosscheck.db import writes

    documents, statements = [], []
    for _, row in rows.iterrows():
        extra = json.loads(row["notes"]) if isinstance(row["notes"], str) else {}
        summary.notes.extend(extra.get("notes", []))
        summary.warnings.extend(extra.get("warnings", []))
        if not isinstance(row["result"], str):
            continue
        result = _result_from_json(row["result"])
        if result.status is Status.ADDED:
            doc = _doc_from_json(row["document"])
            if doc.sha256 in known:  # an earlier document of this run had the same text
                result = DocResult(doc.source_name, doc.doc_id, Status.DUPLICATE, title=doc.title)
            else:
                known.add(doc.sha256)
                table = _from_ipc(row["statements"])
                documents.append({**writes.document_record(doc, table.num_rows), "month": month_of(doc.published_on)})
                statements.append(table)
        result.matches = None
        summary.results.append(result)
        out(f"{result.source}: already in the lake, skipped" if result.status is Status.DUPLICATE
            else IngestSummary(results=[result]).report()[0].text)
    if not documents:
        return manifest
    part = {"id": run + f"-{len(manifest.parts)}", "documents": [], "statements": [], "months": []}
    docs = pd.DataFrame(documents)
    for month, group in docs.groupby("month"):
        file = lake.new_file("documents", month, run)
        lake.write(file, pa.Table.from_pandas(group.drop(columns="month"), schema=DOCUMENT_SCHEMA, preserve_index=False))
        part["documents"].append(file)
    table = pa.concat_tables(statements)
    months = np.array([month_of(d) for d in table.column("stated_on").to_pylist()], dtype=object)
    for month in sorted(set(months)):
        file = lake.new_file("statements", month, run)
        lake.write(file, table.filter(pa.array(months == month)))
        part["statements"].append(file)
        part["months"].append(month)
    manifest.dirty = dirty_after(manifest, set(part["months"]), settings.window_days)
    manifest.parts.append(part)
    lake.commit(manifest)
    return manifest


def _match(lake: Lake, manifest, settings: MatchSettings, cluster: ClusterSettings, run: str, out: Callable[[str], None]):
    """Compute, score and commit the pairs of each dirty month (one commit per month, once all its shares finished)."""
    import ray.data

    snapshot = manifest.to_json()
    shares = cluster.chunks_per_month(len(manifest.dirty))
    tasks = [{"month": m, "share": i, "shares": shares} for m in manifest.dirty for i in range(shares)]
    ds = ray.data.from_items(tasks).map_batches(
        MatchMonth, fn_constructor_kwargs={"lake_uri": lake.uri, "manifest_json": snapshot,
                                           "settings": dataclasses.asdict(settings), "run": run},
        batch_size=1, batch_format="pandas", compute=ray.data.ActorPoolStrategy(size=cluster.workers),
        num_cpus=cluster.cpus_per_worker,
        num_gpus=cluster.gpus_score,
    )
    done: dict[str, dict[str, str]] = {}
    counts: dict[str, int] = {}
    for row in ds.iter_rows():
        month = row["month"]
        done.setdefault(month, {})[pairs_key(month, int(row["share"]), shares)] = row["file"]
        counts[month] = counts.get(month, 0) + int(row["pairs"])
        if len(done[month]) < shares:
            continue
        old = [f for k, f in manifest.pairs.items() if pairs_month(k) == month]
        manifest.pairs = {k: f for k, f in manifest.pairs.items() if pairs_month(k) != month} | done.pop(month)
        manifest.dirty = [m for m in manifest.dirty if m != month]
        lake.commit(manifest)
        for file in old:
            lake.delete(file)
        out(f"month {month}: {counts[month]:,} pairs" + (f" ({shares} shares)" if shares > 1 else ""))
    return manifest
