"""Build the demo database from the corpus in data/demo/."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from crosscheck import config, store


def demo_files(folder: Path | None = None) -> list[Path]:
    folder = folder or config.DEMO_DIR
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "README")))


def build_demo(db: str, *, rebuild: bool = False, folder: Path | None = None) -> Iterator[str]:
    """Ingest every demo file into db (skips work when it is already built); yields summary lines."""
    from crosscheck.actors import load_registry
    from crosscheck.embed import load_embedder
    from crosscheck.ingest import extract_path
    from crosscheck.pipeline import ingest_documents
    from crosscheck.stance import load_scorer

    path = Path(db)
    if rebuild and path.exists():
        path.unlink()
        Path(str(path) + ".wal").unlink(missing_ok=True)
    con = store.connect(db)
    embedder, scorer, registry = load_embedder(), load_scorer(), load_registry()
    store.ensure_schema(con, embedder.name, embedder.dim)
    store.sync_actors(con, registry)
    for file in demo_files(folder):
        extraction = extract_path(file)
        summary = ingest_documents(con, extraction.documents, embedder=embedder, scorer=scorer, registry=registry)
        yield from summary.lines()
    c = store.counts(con)
    con.close()
    yield f"demo database {db}: {c['documents']} documents, {c['statements']} statements, {c['matches']} matched pairs"
