"""The model worker: embedding and stance scoring in a process of their own, at lower scheduling priority.

The dashboard serves pages from one process; a model working there competes with every session's script for the
interpreter and the cores. With the worker (the dashboard's default, $CROSSCHECK_MODEL_WORKER) the dashboard holds
proxies with the same interface as the models (`embed`, `score`, `name`, `dim`, `passage_model`): each call is sent
to the worker and answered there, while the dashboard's writer thread waits without holding the interpreter. The
database never leaves the dashboard: the worker only turns texts into vectors and scores.

    worker = ModelWorker()                  # starts `python -m crosscheck.models.worker`, loads the models
    models = worker.models(registry)        # workspace.Models of proxies
    models.embedder.embed(["a sentence"])   # computed in the worker

A worker that dies (killed, out of memory) fails the call in progress with ModelError; the next call starts a new
one. So a killed worker refuses at most the documents being embedded at that moment, each with one clear line,
or (the group's embedding failing first) they are embedded again one by one: nothing is half-written.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import threading
from typing import Any, BinaryIO

from crosscheck import config
from crosscheck.errors import ModelError

_HEADER = struct.Struct("!Q")


def _send(stream: BinaryIO, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream: BinaryIO) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the stream ended")
    size = _HEADER.unpack(header)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the stream ended")
    return pickle.loads(data)  # noqa: S301 - only our own process, over its own pipe


class ModelWorker:
    """One worker process and its pipe; calls are answered one at a time, in order."""

    def __init__(self, niceness: int | None = None):
        self.niceness = config.worker_niceness() if niceness is None else niceness
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self.info: dict = {}
        with self._lock:
            self._start()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def _start(self) -> None:
        env = {**os.environ, "CROSSCHECK_WORKER_NICE": str(self.niceness)}  # the worker lowers itself (main)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "crosscheck.models.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
        )
        try:
            self.info = self._answer(self._proc)
        except ModelError:
            self._proc = None
            raise

    def _answer(self, proc: subprocess.Popen) -> Any:
        try:
            reply = _receive(proc.stdout)
        except (EOFError, OSError, pickle.UnpicklingError) as e:
            code = proc.poll()
            if code is None:
                proc.kill()
                code = proc.wait()
            raise ModelError(f"the model worker stopped (exit status {code}); the next call starts a new one") from e
        if reply[0] == "error":
            raise ModelError(f"model worker: {reply[1]}")
        return reply[1]

    def call(self, target: str, method: str, *args, **kwargs) -> Any:
        """`method` of the worker's embedder or scorer (`target`), with these arguments; its answer."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            proc = self._proc
            try:
                _send(proc.stdin, (target, method, args, kwargs))
            except OSError:
                pass  # a dead worker: the answer below says so
            try:
                return self._answer(proc)
            except ModelError:
                if proc.poll() is not None:
                    self._proc = None
                raise

    def models(self, registry):
        """workspace.Models whose embedder and scorer run in this worker."""
        from crosscheck.workspace import Models

        return Models(RemoteEmbedder(self), RemoteScorer(self), registry)

    def close(self) -> None:
        """Stop the worker (it also stops by itself when the dashboard's end of the pipe closes)."""
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        proc.stdout.close()


class RemoteEmbedder:
    """The worker's embedder, as seen from the dashboard."""

    def __init__(self, worker: ModelWorker):
        self.worker = worker
        self.name, self.dim, self.backend = worker.info["embedder"]

    def embed(self, texts):
        return self.worker.call("embedder", "embed", list(texts))


class RemoteScorer:
    """The worker's stance scorer, as seen from the dashboard."""

    def __init__(self, worker: ModelWorker):
        self.worker = worker
        self.name, self.passage_model = worker.info["scorer"]

    def score(self, claims, evidences, claim_dates=None, evidence_dates=None, known_vectors=None):
        return self.worker.call("scorer", "score", list(claims), list(evidences), claim_dates, evidence_dates,
                                known_vectors=known_vectors)


def serve(inbox: BinaryIO, outbox: BinaryIO) -> None:
    """The worker's side: load the models, say what they are, then answer calls until the pipe closes."""
    try:
        from crosscheck.workspace import load_models

        models = load_models()
        targets = {"embedder": models.embedder, "scorer": models.scorer}
        _send(outbox, ("ok", {
            "embedder": (models.embedder.name, models.embedder.dim, getattr(models.embedder, "backend", "")),
            "scorer": (models.scorer.name, models.scorer.passage_model),
        }))
    except Exception as e:  # noqa: BLE001 - the dashboard shows why the models could not load
        _send(outbox, ("error", f"{type(e).__name__}: {e}"))
        return
    while True:
        try:
            target, method, args, kwargs = _receive(inbox)
        except EOFError:
            return
        try:
            reply = ("ok", getattr(targets[target], method)(*args, **kwargs))
        except Exception as e:  # noqa: BLE001 - the call fails in the dashboard with this message
            reply = ("error", f"{type(e).__name__}: {e}")
        _send(outbox, reply)


def main() -> None:
    os.nice(config.worker_niceness())
    # The pipe is this process's stdout; anything a library prints goes to stderr instead.
    outbox = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, outbox)


if __name__ == "__main__":
    main()
