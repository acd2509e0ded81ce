"""An approximate nearest-neighbour index (faiss IVF) beside the DuckDB file, for corpora past a size.

DuckDB stays the store of record: the index holds statement vectors under sequential keys and the
list of statement ids in key order. It is a cache built from the database (`build`), brought up to
date with the statements stored since (`refresh`, which runs before every search), and rebuilt when
it does not fit the database (another embedding model or dimension, a replaced database file) or the
corpus has grown past four times the size its clusters were trained on. The index is an inverted
file of flat vectors: a query is compared exactly with every statement of its `nprobe` nearest
clusters, and callers re-rank the candidates on the float32 vectors DuckDB holds, so an approximate
search can miss a neighbour but never reaches a page with an approximate score. Statements deleted
from the database drop out at that re-ranking.

Files: DB.ann.faiss (the index), DB.ann.ids (one statement id per line), DB.ann.json (model,
dimension, count, the size it was trained on, the database file's stamp). The index serves searches
without a date window (an undated statement is compared with every date) once the corpus holds
`config.ann_min_statements()` embedded statements; windowed searches stay exact in DuckDB, whose
cost is bounded by the window, not the corpus.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
from pathlib import Path
from typing import Sequence

import duckdb
import numpy as np

from crosscheck import config
from crosscheck.db import connection, schema, vectors

log = logging.getLogger(__name__)

BUILD_BATCH = 50_000
TRAIN_PER_CLUSTER = 39  # training vectors per cluster (faiss warns below this)
REGROW = 4  # retrain once the corpus is this many times the size the clusters were trained on
SAVE_GROWTH = 1.1  # write the files again once the index holds 10 % more than the saved copy


def index_paths(db_path: str | os.PathLike) -> tuple[Path, Path, Path]:
    """The index, ids and meta files beside this database file."""
    return Path(f"{db_path}.ann.faiss"), Path(f"{db_path}.ann.ids"), Path(f"{db_path}.ann.json")


def clusters_for(n: int) -> int:
    """Inverted lists for a corpus of n: about 4·√n, and never fewer training vectors than faiss wants."""
    return max(1, min(int(4 * math.sqrt(max(n, 1))), n // TRAIN_PER_CLUSTER))


class VectorIndex:
    """An IVF index of one database's statement vectors (inner product on normalised vectors = cosine);
    thread-safe; keys are positions in `ids`."""

    def __init__(self, db_path: str | os.PathLike, dim: int, model: str, index=None, trained_on: int = 0):
        self.db_path, self.dim, self.model = str(db_path), int(dim), model
        self._file, self._ids_file, self._meta_file = index_paths(db_path)
        self._lock = threading.Lock()
        self.index, self.trained_on = index, int(trained_on)
        self.ids: list[str] = []
        self._known: set[str] = set()
        self.stamp: tuple | None = None  # the database's vectors.embedded_stamp at the last refresh
        self.saved_count = 0

    def __len__(self) -> int:
        return len(self.ids)

    def train(self, sample: np.ndarray, corpus_size: int) -> None:
        """Fresh clusters for a corpus of about corpus_size, from a sample of its vectors; empties the index."""
        import faiss

        lists = clusters_for(min(corpus_size, len(sample) * TRAIN_PER_CLUSTER))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(self.dim), self.dim, lists, faiss.METRIC_INNER_PRODUCT)
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        with self._lock:
            self.index, self.trained_on, self.ids, self._known = index, int(corpus_size), [], set()

    def add(self, ids: Sequence[str], vecs: np.ndarray) -> int:
        """Add statements not in the index yet; return how many were added."""
        keep = [i for i, sid in enumerate(ids) if sid not in self._known]
        if not keep:
            return 0
        with self._lock:
            start = len(self.ids)
            self.index.add_with_ids(np.ascontiguousarray(vecs[keep], dtype=np.float32),
                                    np.arange(start, start + len(keep), dtype=np.int64))
            for i in keep:
                self.ids.append(ids[i])
                self._known.add(ids[i])
        return len(keep)

    def search(self, queries: np.ndarray, count: int, nprobe: int | None = None) -> list[list[str]]:
        """The ids of about the `count` nearest statements to each query row (cosine), nearest first."""
        if not self.ids or self.index is None:
            return [[] for _ in range(len(queries))]
        with self._lock:
            self.index.nprobe = min(int(nprobe or config.ann_nprobe()), self.index.nlist)
            _, keys = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), min(int(count), len(self.ids)))
        return [[self.ids[int(k)] for k in row if 0 <= int(k) < len(self.ids)] for row in keys]

    def refresh(self, con: duckdb.DuckDBPyConnection) -> int:
        """Add the database's embedded statements the index does not hold yet (training it first when it
        has no clusters, or retraining when the corpus outgrew them); return how many were added."""
        total = vectors.embedded_count(con)
        if self.index is None or total > REGROW * max(self.trained_on, 1):
            self.train(vectors.sample_vectors(con, clusters_for(total) * TRAIN_PER_CLUSTER), total)
        added = 0
        for ids, vecs in vectors.embedded_batches(con, BUILD_BATCH, skip=self._known):
            added += self.add(ids, vecs)
        return added

    def save(self) -> None:
        """Write the index, ids and meta beside the database (each file replaced whole)."""
        import faiss

        with self._lock:
            tmp = self._file.with_name(self._file.name + ".tmp")
            faiss.write_index(self.index, str(tmp))
            os.replace(tmp, self._file)
            tmp = self._ids_file.with_name(self._ids_file.name + ".tmp")
            tmp.write_text("\n".join(self.ids) + ("\n" if self.ids else ""))
            os.replace(tmp, self._ids_file)
            tmp = self._meta_file.with_name(self._meta_file.name + ".tmp")
            tmp.write_text(json.dumps({"model": self.model, "dim": self.dim, "count": len(self.ids),
                                       "trained_on": self.trained_on, "db": _db_stamp(self.db_path)}))
            os.replace(tmp, self._meta_file)
            self.saved_count = len(self.ids)

    @classmethod
    def load(cls, db_path: str | os.PathLike, dim: int, model: str) -> VectorIndex | None:
        """The saved index of this database, or None when there is none or it belongs to another model or file."""
        import faiss

        file, ids_file, meta_file = index_paths(db_path)
        try:
            meta = json.loads(meta_file.read_text())
            if meta.get("model") != model or int(meta.get("dim", 0)) != int(dim) or meta.get("db") != _db_stamp(db_path):
                return None
            ids = ids_file.read_text().splitlines()
            index = faiss.read_index(str(file))
            if len(ids) != int(meta.get("count", -1)) or index.ntotal != len(ids) or index.d != int(dim):
                return None
        except (OSError, ValueError, RuntimeError) as e:
            log.info("vector index of %s not loaded (%s): it is rebuilt", db_path, e)
            return None
        loaded = cls(db_path, dim, model, index, int(meta.get("trained_on", len(ids))))
        loaded.ids, loaded._known, loaded.saved_count = ids, set(ids), len(ids)
        return loaded


def _db_stamp(db_path: str | os.PathLike) -> str:
    """An id of the database file, so an index is never reused for another file at the same path."""
    return str(os.stat(db_path).st_ino) if os.path.exists(db_path) else ""


def build(con: duckdb.DuckDBPyConnection, db_path: str | os.PathLike) -> VectorIndex:
    """A fresh index of every embedded statement of the database, saved beside it."""
    dim = int(schema.get_meta(con, "embed_dim") or 0)
    index = VectorIndex(db_path, dim, schema.get_meta(con, "embed_model") or "")
    index.refresh(con)
    index.save()
    return index


_OPEN: dict[str, VectorIndex] = {}
_OPEN_LOCK = threading.Lock()


def for_database(con: duckdb.DuckDBPyConnection) -> VectorIndex | None:
    """The index to search this database with, up to date, or None when the corpus is too small for one
    (or the database is in memory). Loaded once per process, refreshed on each call, saved when it grew."""
    db_path = connection.database_path(con)
    if not db_path or vectors.embedded_count(con) < config.ann_min_statements():
        return None
    dim = int(schema.get_meta(con, "embed_dim") or 0)
    model = schema.get_meta(con, "embed_model") or ""
    with _OPEN_LOCK:
        index = _OPEN.get(db_path)
        if index is None or index.dim != dim or index.model != model:
            index = VectorIndex.load(db_path, dim, model) or VectorIndex(db_path, dim, model)
            _OPEN[db_path] = index
        if index.stamp != (stamp := vectors.embedded_stamp(con)):
            index.refresh(con)
            index.stamp = stamp
            if len(index) > SAVE_GROWTH * index.saved_count:  # not on every upload: the file is big
                index.save()
    return index
