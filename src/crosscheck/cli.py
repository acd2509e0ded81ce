"""The `crosscheck` command line (also `python -m crosscheck`)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

from crosscheck import config
from crosscheck.dates import EARLIEST, LATEST, is_plausible
from crosscheck.db import connection, reads, schema
from crosscheck.errors import CrosscheckError

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def _date(value: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value}") from None
    if not is_plausible(day):
        raise argparse.ArgumentTypeError(f"{value} is outside {EARLIEST.year}–{LATEST.year}")
    return day


def _log_to_file() -> None:
    """Errors of ours go to the log file with their traceback; the terminal gets one line each."""
    logger = logging.getLogger("crosscheck")
    path = config.log_path()
    if any(getattr(h, "crosscheck_log", None) == path for h in logger.handlers):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8", errors="backslashreplace", delay=True)
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.crosscheck_log = path
    logger.addHandler(handler)
    logger.propagate = False


def _print_frame(frame, fmt: str) -> None:
    if fmt == "json":
        records = json.loads(frame.to_json(orient="records", date_format="iso"))
        for rec in records:
            for key, value in rec.items():
                if isinstance(value, str) and key in ("stated_on",) and "T" in value:
                    rec[key] = value[:10]
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        from crosscheck.export import to_csv_text

        sys.stdout.write(to_csv_text(frame))


def open_for_reading(db: str | None):
    """A read-only connection, or None when the database does not exist yet."""
    path = config.db_path(db)
    if path != ":memory:" and not Path(path).exists():
        return None
    return connection.connect(path, read_only=True)


def cmd_ingest(args) -> int:
    from crosscheck.ingest import extract_path, extract_url
    from crosscheck.pipeline import extract_each
    from crosscheck.workspace import add_documents, open_workspace

    if args.engine == "ray":
        return _ingest_on_ray(args)
    if args.lake or args.address:
        raise CrosscheckError("--lake and --address go with --engine ray")
    with open_workspace(args.db) as ws:
        options = {"date": args.date, "publisher": args.publisher, "title": args.title}
        jobs = [
            (item, lambda item=item: (extract_url if _URL.match(item) else extract_path)(item, **options))
            for item in args.paths
        ]
        documents, total = extract_each(jobs)
        # Statements are stored and searchable first; the pairs are scored after, in large batches.
        total.extend(add_documents(ws.con, documents, ws.models, defer_scoring=True))
        for line in total.lines():
            print(line, flush=True)
        _score(ws, wait=not args.no_wait, scope="all" if args.all_pairs else "monitors")
    if any(r.unexpected for r in total.refused):
        print(f"the tracebacks of unexpected errors are in {config.log_path()}", file=sys.stderr)
    return 1 if total.refused else 0


def _ingest_on_ray(args) -> int:
    """`crosscheck ingest --engine ray --lake DIR`: the pipeline's stages on Ray, into a Parquet lake (crosscheck.lake.engine)."""
    import dataclasses

    from crosscheck.config import ClusterSettings

    if not args.lake:
        raise CrosscheckError("--engine ray writes a lake: give --lake DIR (a folder or a URI such as s3://bucket/lake)")
    if any(_URL.match(p) for p in args.paths):
        raise CrosscheckError("--engine ray reads files (a folder, or any path Ray's workers can read), not URLs")
    try:
        from crosscheck.lake import engine
    except ImportError as e:
        raise CrosscheckError(f"--engine ray needs Ray: pip install -e .[cluster] ({e})") from e
    settings = ClusterSettings()
    changes = {k: v for k, v in (("workers", args.workers), ("part_docs", args.part_docs),
                                 ("month_chunks", args.month_chunks)) if v is not None}
    options = {k: v for k, v in {"date": args.date, "publisher": args.publisher, "title": args.title}.items() if v is not None}
    summary = engine.build_lake(args.paths, args.lake, address=args.address, options=options,
                            cluster=dataclasses.replace(settings, **changes), out=lambda line: print(line, flush=True))
    for line in summary.lines()[len(summary.results):]:  # warnings and notes (each document's line came as it landed)
        print(line)
    print(f"open it in a workspace: crosscheck attach-lake {args.lake} --db WORKSPACE.duckdb")
    return 1 if summary.refused else 0


def cmd_attach_lake(args) -> int:
    """Import a lake into the workspace: the pages, exports and search then show it."""
    from crosscheck.lake import store
    from crosscheck.workspace import open_workspace

    uri = args.lake or config.lake_uri()
    if not uri:
        raise CrosscheckError("give the lake (crosscheck attach-lake DIR) or set CROSSCHECK_LAKE")
    with open_workspace(args.db) as ws:
        counts = store.attach(ws.con, uri)
        c = reads.counts(ws.con)
        print(f"lake {uri} (version {counts['version']}): {counts['documents']:,} documents and {counts['statements']:,} "
              f"statements added, {counts['pairs']:,} pairs imported, {counts['pairs_removed']:,} removed")
        print(f"database {ws.path}: {c['documents']} documents, {c['statements']} statements, {c['matches']} matched pairs")
    return 0


def _score(ws, wait: bool, scope: str = "all") -> None:
    """Score the workspace's pending pairs of this scope (unless not wait) and print the database's counts.

    `crosscheck ingest` waits for the monitors' pairs, which the headline series, the Claims page and
    a claim's standing count; other governments' pairs are scored by `crosscheck score`, by the
    dashboard in the background, or when their Claim page is opened."""
    import time

    from crosscheck.pipeline import score_pending

    pending = reads.pending_count(ws.con, scope=scope)
    if pending and wait:
        what = "pairs" if scope == "all" else "pairs of monitors' reports"
        print(f"statements stored and searchable; scoring {pending:,} {what}…", flush=True)
        start = time.monotonic()
        score_pending(ws.con, ws.models.scorer, scope=scope)
        print(f"scored {pending:,} {what} in {time.monotonic() - start:.1f} s")
    c = reads.counts(ws.con)
    waiting = ""
    if c["pending"]:
        others = reads.pending_count(ws.con, scope="governments")
        of = " (other governments' statements as evidence)" if others == c["pending"] else ""
        waiting = f"; {c['pending']:,} pairs{of} wait to be scored (`crosscheck score`, or the dashboard in the background)"
    print(f"database {ws.path}: {c['documents']} documents, {c['statements']} statements, {c['matches']} matched pairs{waiting}")


def cmd_score(args) -> int:
    """Score the pairs an earlier `ingest --no-wait` (or an interrupted one) left waiting."""
    from crosscheck.workspace import open_workspace

    with open_workspace(args.db) as ws:
        _score(ws, wait=True)
    return 0


def cmd_statements(args) -> int:
    con = open_for_reading(args.db)
    try:
        frame = reads.list_statements(con) if con is not None and schema.has_schema(con) else reads.empty_statements()
    finally:
        if con is not None:
            con.close()
    _print_frame(frame, args.format)
    return 0


def cmd_matches(args) -> int:
    con = open_for_reading(args.db)
    try:
        frame = reads.list_matches(con) if con is not None and schema.has_schema(con) else reads.empty_matches()
    finally:
        if con is not None:
            con.close()
    _print_frame(frame, args.format)
    return 0


def cmd_promises(args) -> int:
    """Promises, plans, deadlines and denials of intent among the claims, with their status (crosscheck.promises)."""
    from crosscheck import promises

    con = open_for_reading(args.db)
    try:
        frame = promises.list_promises(con, today=args.today) if con is not None and schema.has_schema(con) else \
            promises.empty()
    finally:
        if con is not None:
            con.close()
    _print_frame(promises.for_export(frame), args.format)
    return 0


def _follow_target(kind: str, target: str) -> str:
    """The stored target of a follow: a search URL becomes its query string, a Claim page URL its claim id."""
    from crosscheck import alerts

    if kind == "search":
        return alerts.search_query(target)
    if kind == "claim" and "claim=" in target:
        from urllib.parse import parse_qs, urlsplit

        return parse_qs(urlsplit(target).query).get("claim", [target])[-1]
    return target


def cmd_follow(args) -> int:
    """Follow (or unfollow) a claim, actor, storyline or Claims search for an analyst (crosscheck.alerts)."""
    from crosscheck.db import writes

    path = config.db_path(args.db)
    if not Path(path).exists():
        raise CrosscheckError(f"{path}: no database yet")
    con = connection.connect(path)
    try:
        if not schema.has_schema(con):
            raise CrosscheckError(f"{path}: no database yet")
        schema.upgrade(con)
        target = _follow_target(args.kind, args.target)
        if args.command == "follow":
            writes.follow(con, args.analyst, args.kind, target)
            print(f"{args.analyst} follows {args.kind} {target}")
        elif writes.unfollow(con, args.analyst, args.kind, target):
            print(f"{args.analyst} no longer follows {args.kind} {target}")
        else:
            print(f"{args.analyst} did not follow {args.kind} {target}")
    finally:
        con.close()
    return 0


def _since(value: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date and time (ISO 8601, e.g. 2026-12-07T09:00:00Z): {value}") from None
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return when


def cmd_alerts(args) -> int:
    """What's new for an analyst's follows, as JSON or Atom (crosscheck.alerts)."""
    from crosscheck import alerts

    con = open_for_reading(args.db)
    try:
        frame = alerts.alerts(con, args.analyst, args.since) if con is not None else alerts.alerts_empty()
    finally:
        if con is not None:
            con.close()
    if args.format == "atom":
        sys.stdout.write(alerts.to_atom(frame, args.analyst, args.base_url))
    else:
        sys.stdout.write(alerts.to_json(frame) + "\n")
    return 0


def cmd_dossier(args) -> int:
    """A dossier of claims for an editor: self-contained HTML or Markdown (crosscheck.dossier)."""
    from crosscheck import dossier

    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm", ".md", ".markdown"):
        raise CrosscheckError(f"{out}: the dossier is written as .html or .md")
    con = open_for_reading(args.db)
    if con is None or not schema.has_schema(con):
        raise CrosscheckError(f"{config.db_path(args.db)}: no database to read claims from")
    try:
        found = dossier.gather(con, args.claim_ids)
    finally:
        con.close()
    write = dossier.to_markdown if out.suffix.lower() in (".md", ".markdown") else dossier.to_html
    out.write_text(write(found, base_url=args.base_url), encoding="utf-8")
    print(f"{out}: {len(found)} claim{'s' if len(found) != 1 else ''}, "
          f"{sum(len(d.reports) for d in found)} sources")
    return 0


def cmd_verdicts(args) -> int:
    """The stored stances against the analysts' verdicts; --recalibrate (or --reset) changes the workspace."""
    from crosscheck import review
    from crosscheck.models.stance import decision_thresholds

    if not (args.recalibrate or args.reset):
        con = open_for_reading(args.db)
        try:
            pairs = reads.verdict_pairs(con) if con is not None and schema.has_schema(con) else None
        finally:
            if con is not None:
                con.close()
        if pairs is None:
            raise CrosscheckError(f"{config.db_path(args.db)}: no Crosscheck database here")
        result = review.evaluate(pairs)
        print(json.dumps(result, indent=1) if args.json else review.format_evaluation(result))
        return 0
    if not Path(config.db_path(args.db)).exists():
        raise CrosscheckError(f"{config.db_path(args.db)}: no Crosscheck database here")
    with connection.connect(config.db_path(args.db)) as con:
        if not schema.has_schema(con):
            raise CrosscheckError(f"{config.db_path(args.db)}: no Crosscheck database here")
        schema.upgrade(con)
        with connection.transaction(con):
            result = review.recalibrate(con, decision_thresholds(), reset=args.reset)
    if args.json:
        print(json.dumps(result, indent=1, default=str))
    else:
        calibration = result["calibration"]
        print("calibration removed: the model's own scores are back" if calibration is None else
              f"calibration fitted on {calibration['verdicts']} verdicts (refitted: {', '.join(calibration['refitted']) or 'none'}; "
              f"contradicts ≥ {calibration['contradicts_threshold']}, supports ≥ {calibration['supports_threshold']})")
        print(f"{result['stances_changed']} of {result['pairs']} stored stances changed")
        print("before:\n" + review.format_evaluation(result["before"]))
        print("after (on the same verdicts it was fitted on):\n" + review.format_evaluation(result["after"]))
    return 0


def cmd_demo(args) -> int:
    from crosscheck.demo import build_demo
    from crosscheck.pipeline import LineKind

    path = config.db_path(args.db)
    failed = False
    for line in build_demo(path, rebuild=args.rebuild):
        refused = line.kind is LineKind.REFUSED
        failed = failed or refused
        print(f"error: {line.text}" if refused else line.text, file=sys.stderr if refused else sys.stdout)
    return 1 if failed else 0


def cmd_serve(args) -> int:
    cmd = [sys.executable, "-m", "streamlit", "run", str(config.ROOT / "app.py"), "--server.port", str(args.port)]
    if args.headless:
        cmd += ["--server.headless", "true"]
    return subprocess.call(cmd)


def add_verdict_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `crosscheck verdicts` and `crosscheck eval verdicts`."""
    p.add_argument("--db")
    p.add_argument("--recalibrate", action="store_true",
                   help="fit a calibration of the stance scores on the verdicts, store it in the workspace and re-decide every pair")
    p.add_argument("--reset", action="store_true", help="remove the workspace's calibration: the model's own scores come back")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_verdicts)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crosscheck", description="Compare what governments claim with what monitors report.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="ingest files or URLs and print a summary")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--db")
    p.add_argument("--date", type=_date, help="publication date for every document (overrides dates found in them)")
    p.add_argument("--publisher")
    p.add_argument("--title")
    p.add_argument("--no-wait", action="store_true",
                   help="return once the statements are stored and searchable; the pairs wait to be scored (`crosscheck score`)")
    p.add_argument("--all-pairs", action="store_true",
                   help="also wait for the pairs whose evidence is another government's statement (by default only "
                        "the monitors' pairs are scored before it returns; the others wait for `crosscheck score`)")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local: into the workspace database; ray: the same stages on Ray, into a Parquet lake (--lake)")
    p.add_argument("--lake", help="with --engine ray: the lake to write (a folder, or a pyarrow URI such as s3://bucket/lake)")
    p.add_argument("--address", help="with --engine ray: the Ray cluster to join (default: a local one)")
    p.add_argument("--workers", type=int, help="with --engine ray: actors per stage (default $CROSSCHECK_RAY_WORKERS, 1)")
    p.add_argument("--part-docs", type=int,
                   help="with --engine ray: files committed to the lake together (default $CROSSCHECK_RAY_PART_DOCS, 256)")
    p.add_argument("--month-chunks", type=int,
                   help="with --engine ray: match-and-score tasks per month, each a share of its claims (default "
                        "$CROSSCHECK_RAY_MONTH_CHUNKS, 0: enough for every worker to have one when few months changed)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("attach-lake", help="import a lake (crosscheck ingest --engine ray) into the workspace database")
    p.add_argument("lake", nargs="?", help="the lake's folder or URI (default $CROSSCHECK_LAKE)")
    p.add_argument("--db")
    p.set_defaults(func=cmd_attach_lake)

    p = sub.add_parser("score", help="score the pairs that wait for it (after `ingest --no-wait` or an interrupted ingest)")
    p.add_argument("--db")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("statements", help="print all statements")
    p.add_argument("--db")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.set_defaults(func=cmd_statements)

    p = sub.add_parser("matches", help="print scored claim/report pairs")
    p.add_argument("--db")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.set_defaults(func=cmd_matches)

    p = sub.add_parser("promises", help="promises and denials of intent among the claims, with due date and status "
                       "(broken, overdue, kept, pending) and the report that decided it")
    p.add_argument("--db")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--today", type=_date, help="the day that decides overdue and pending (default: today)")
    p.set_defaults(func=cmd_promises)

    from crosscheck.db.schema import ANONYMOUS
    from crosscheck.db.writes import FOLLOW_KINDS

    for name, verb in (("follow", "follow"), ("unfollow", "stop following")):
        p = sub.add_parser(name, help=f"{verb} a claim, actor, storyline or Claims search (its URL) for an analyst")
        p.add_argument("kind", choices=FOLLOW_KINDS)
        p.add_argument("target", help="a claim id or Claim page URL, an actor's name, a storyline's label, a Claims URL")
        p.add_argument("--analyst", default=ANONYMOUS, help=f"who follows (default {ANONYMOUS!r}: the dashboard without sign-in)")
        p.add_argument("--db")
        p.set_defaults(func=cmd_follow)

    p = sub.add_parser("alerts", help="what arrived for an analyst's follows since a time, as JSON or an Atom feed")
    p.add_argument("--analyst", default=ANONYMOUS)
    p.add_argument("--since", type=_since, help="ISO date and time (default: when the analyst last marked What's new read)")
    p.add_argument("--format", choices=["json", "atom"], default="json")
    p.add_argument("--base-url", help="the dashboard's address, for absolute links in the feed")
    p.add_argument("--db")
    p.set_defaults(func=cmd_alerts)

    p = sub.add_parser("dossier", help="write claims with their evidence as a self-contained HTML file or Markdown")
    p.add_argument("claim_ids", nargs="+", metavar="CLAIM_ID")
    p.add_argument("--db")
    p.add_argument("--out", required=True, help="FILE.html or FILE.md")
    p.add_argument("--base-url", help="the dashboard's address, for links back to the live view (https://…)")
    p.set_defaults(func=cmd_dossier)

    p = sub.add_parser("verdicts", help="the stored stances against the analysts' verdicts (also `eval verdicts`); "
                                         "--recalibrate fits a calibration on them")
    add_verdict_arguments(p)

    p = sub.add_parser("demo", help="build the demo database from data/demo/")
    p.add_argument("--db")
    p.add_argument("--rebuild", action="store_true", help="delete and rebuild an existing database")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="start the dashboard")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--headless", action="store_true")
    p.set_defaults(func=cmd_serve)

    # Stance commands: `stance` (batch scoring, runtime) and the research commands `train-stance` and `eval`.
    # The parser is the composition root: the one runtime place allowed to import crosscheck.training
    # (tests/test_layout.py). No try/except: a command that cannot be registered is a bug to see, not to hide.
    from crosscheck import stance_cli
    from crosscheck.training.cli import add_commands as add_training_commands

    stance_cli.add_commands(sub)
    evaluations = add_training_commands(sub)
    add_verdict_arguments(evaluations.add_parser("verdicts", help="the workspace's stored stances against its analysts' verdicts"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _log_to_file()
    try:
        return args.func(args) or 0
    except CrosscheckError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except Exception as e:  # noqa: BLE001 - the command line answers in one line, the traceback goes to the log
        logging.getLogger("crosscheck").exception("crosscheck %s failed", args.command)
        print(f"error: unexpected {type(e).__name__}: {' '.join(str(e).split())[:200]}; traceback in {config.log_path()}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
