"""Build the demo database from the corpus in data/demo/."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterator

from crosscheck import config
from crosscheck.db import connection, reads, schema
from crosscheck.errors import CrosscheckError

# The corpus fingerprint stored in the database: a rerun on an unchanged corpus is a no-op.
CORPUS_META_KEY = "demo_corpus"


def demo_files(folder: Path | None = None) -> list[Path]:
    """The ingestible files of the demo corpus, in name (date) order; README and scripts are left out."""
    from crosscheck.ingest import FORMATS

    folder = Path(folder or config.DEMO_DIR)
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in FORMATS and not p.name.startswith((".", "README"))
    )


def corpus_fingerprint(files: list[Path]) -> str:
    """sha256 over the names and bytes of the corpus files."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode("utf-8") + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def _remove_database(path: Path) -> None:
    for p in (path, Path(str(path) + ".wal")):
        try:
            p.unlink(missing_ok=True)
        except OSError as e:
            raise CrosscheckError(f"{p}: cannot delete the old demo database: {e.strerror or e}") from e


def build_demo(
    db: str | Path,
    *,
    rebuild: bool = False,
    folder: Path | None = None,
    embedder=None,
    scorer=None,
    registry=None,
) -> Iterator[str]:
    """Ingest every demo file into db and yield one summary line (a pipeline.SummaryLine) per document.

    An unchanged corpus already in db is not ingested again (no model is loaded); rebuild deletes
    the database first. A file that cannot be read is reported and skipped. Models may be passed in
    (tests reuse theirs); otherwise the configured ones are loaded.
    """
    from crosscheck.ingest import extract_path
    from crosscheck.pipeline import LineKind, SummaryLine, extract_each
    from crosscheck.workspace import add_documents, load_models, open_workspace

    files = demo_files(folder)
    if not files:
        raise CrosscheckError(f"{folder or config.DEMO_DIR}: no demo files found")
    fingerprint = corpus_fingerprint(files)
    path = Path(db)
    if rebuild and str(db) != ":memory:":
        _remove_database(path)
    if str(db) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    with connection.connect(db) as con:  # the no-op check loads no model
        if schema.get_meta(con, CORPUS_META_KEY) == fingerprint:
            c = reads.counts(con)
            yield SummaryLine(LineKind.NOTE,
                f"demo database {db} is already built: {c['documents']} documents, {c['statements']} statements, "
                f"{c['matches']} matched pairs (use --rebuild to build it again)"
            )
            return
    with open_workspace(db, load_models(embedder, scorer, registry)) as ws:
        documents, summary = extract_each([(str(file), lambda file=file: extract_path(file)) for file in files])
        summary.extend(add_documents(ws.con, documents, ws.models))
        failed = len(summary.refused)
        for line in summary.report():
            yield line
        if not failed:
            # Only a complete build is marked done, so a rerun retries the files that failed.
            schema.set_meta(ws.con, CORPUS_META_KEY, fingerprint)
        c = reads.counts(ws.con)
        yield SummaryLine(LineKind.NOTE,
            f"demo database {db}: {c['documents']} documents, {c['statements']} statements, "
            f"{c['matches']} matched pairs" + (f"; {failed} files or rows refused" if failed else "")
        )
