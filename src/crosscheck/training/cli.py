"""Command-line research commands: `train-stance`, `eval fnc1`, `eval pairs` (batch scoring is crosscheck.stance_cli)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from crosscheck import config
from crosscheck.datafiles import read_csv
from crosscheck.models.stance import load_trained_scorer
from crosscheck.training.blind import BLIND, RUWA, load_blind_pairs
from crosscheck.training.data import load_fnc, split_fnc
from crosscheck.training.evaluate import evaluate_fnc, evaluate_frame, evaluate_pairs, format_summary
from crosscheck.training.nli import DEFAULT_NLI_CAP
from crosscheck.training.train import (
    BLAME_EVENTS,
    TrainConfig,
    recalibrate,
    recalibrate_precision,
    train_nli_start,
    train_stance,
)


def cmd_train(args) -> int:
    if args.recalibrate:
        print(json.dumps(recalibrate(args.out, args.pairs or [], args.seed)))
        return 0
    if args.calibrate_precision is not None:
        real = next((p for p in (args.pairs or []) if Path(p).name == "real_pairs.csv"), None)
        if real is None:
            raise SystemExit("crosscheck train-stance --calibrate-precision: give --pairs data/eval/real_pairs.csv")
        others = [p for p in (args.pairs or []) if Path(p).name != "real_pairs.csv"]  # their held-out rows join in
        print(json.dumps(recalibrate_precision(args.out, real, args.calibrate_precision, args.seed, dev_files=others)))
        return 0
    if args.blame_pairs and not args.events:
        raise SystemExit("crosscheck train-stance: --blame-pairs needs --events (the pairs are written around logged strikes)")
    if args.releases and not args.events:
        raise SystemExit("crosscheck train-stance: --releases needs --events (accusations are paired with logged strikes)")
    cfg = TrainConfig(
        fnc_dir=args.fnc, arc_dir=args.arc, snli_file=args.snli, pair_files=args.pairs or [], out_dir=args.out,
        init=args.init, seed=args.seed, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
        max_length=args.max_length, max_minutes=args.max_minutes, cache_file=args.cache, pair_repeat=args.pair_repeat,
        snli_cap=args.snli_cap, keep_gate=args.keep_gate, events_file=args.events, release_files=args.releases or [],
        dated=args.dated, nli_dir=args.nli, blame_events=BLAME_EVENTS if args.blame_pairs else 0, device=args.device,
    )
    if args.nli_cap is not None:
        cfg.nli_cap = args.nli_cap
    if args.event_strikes is not None:
        cfg.event_strikes = args.event_strikes
    if args.fnc_cap is not None:
        cfg.fnc_caps = {label: min(cap, args.fnc_cap) for label, cap in cfg.fnc_caps.items()}
        cfg.gate_unrelated = min(cfg.gate_unrelated, 3 * args.fnc_cap)
        cfg.fnc_hard_unrelated = min(cfg.fnc_hard_unrelated, args.fnc_cap)
    if args.arc_cap is not None:
        cfg.arc_caps = {label: min(cap, args.arc_cap) for label, cap in cfg.arc_caps.items()}
    if args.dev_out and args.fnc:
        stances, _ = load_fnc(args.fnc)
        dev = split_fnc(stances, args.seed)[1]
        dev.rename(columns={"headline": "Headline", "body_id": "Body ID", "fnc": "Stance"}).to_csv(args.dev_out, index=False)
        print(f"FNC-1 dev split ({len(dev)} pairs) written to {args.dev_out}")
    report = train_stance(cfg)
    print(json.dumps({k: report[k] for k in ("train_seconds", "total_seconds", "pairs_seen")} | {"out": str(args.out)}))
    return 0


def cmd_train_nli(args) -> int:
    record = train_nli_start(
        args.nli, args.out, cap=args.cap, seed=args.seed, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
        max_length=args.max_length, init=args.init, device=args.device, checkpoint_minutes=args.checkpoint_minutes,
    )
    print(json.dumps({k: record[k] for k in ("pairs", "pairs_seen", "train_seconds", "pairs_per_second")} | {"out": str(args.out)}))
    return 0


def _print_summary(summary: dict, fnc_names: bool, as_json: bool) -> None:
    if as_json:
        data = {k: v for k, v in summary.items() if k != "confusion"}
        data["confusion"] = summary["confusion"].to_dict(orient="index")
        json.dump(data, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(format_summary(summary, fnc_names=fnc_names))


def cmd_eval_fnc(args) -> int:
    summary = evaluate_fnc(args.stances, args.bodies, load_trained_scorer(args.model), split=args.split, seed=args.seed)
    _print_summary(summary, fnc_names=True, as_json=args.json)
    return 0


def cmd_eval_pairs(args) -> int:
    read_csv(args.input, ["claim", "evidence", "label"])  # a bad file fails before the model loads
    summary, predictions = evaluate_pairs(args.input, load_trained_scorer(args.model), split=args.split)
    if args.predictions:
        predictions.to_csv(args.predictions, index=False)
    _print_summary(summary, fnc_names=False, as_json=args.json)
    return 0


def cmd_eval_blind(args) -> int:
    frame = load_blind_pairs(args.input, args.ruwa)  # a bad file or missing data fails before the model loads
    summary, predictions = evaluate_frame(frame, load_trained_scorer(args.model))
    if args.predictions:
        predictions.drop(columns=["claim", "evidence"]).to_csv(args.predictions, index=False)  # references only
    _print_summary(summary, fnc_names=False, as_json=args.json)
    return 0


def add_commands(sub):
    """Register train-stance and eval on the crosscheck parser; return eval's subcommands."""
    p = sub.add_parser("train-stance", help="train the stance model (relatedness gate + cross-encoder)")
    p.add_argument("--fnc", type=Path, help="FNC-1 folder with train_stances.csv and train_bodies.csv")
    p.add_argument("--arc", type=Path, help="ARC folder with arc_stances_train.csv and arc_bodies.csv")
    p.add_argument("--snli", type=Path, help="SNLI jsonl file")
    p.add_argument("--pairs", type=Path, nargs="*", help="labelled pair CSVs (claim, evidence, label[, split]); heldout rows are skipped")
    p.add_argument("--out", type=Path, default=config.STANCE_MODEL_DIR)
    p.add_argument("--init", help="start from this cross-encoder folder instead of all-MiniLM-L6-v2")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--epochs", type=int, default=4, help="passes over the training pairs; the best epoch on the calibration pairs is kept")
    p.add_argument("--lr", type=float, default=4e-5)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--max-length", type=int, default=96)
    p.add_argument("--max-minutes", type=float, help="stop the cross-encoder training after this long")
    p.add_argument("--fnc-cap", type=int, help="at most this many FNC-1 pairs per stance (default: agree 700, discuss 700, all disagree)")
    p.add_argument("--arc-cap", type=int, help="at most this many ARC pairs per stance (default: agree 400, discuss 200, disagree 500)")
    p.add_argument("--pair-repeat", type=int, default=3, help="times each row of the --pairs files is repeated")
    p.add_argument("--snli-cap", type=int, help="at most this many SNLI pairs per label")
    p.add_argument("--recalibrate", action="store_true",
                   help="do not train: choose the thresholds of the model in --out again on the calibration pairs of --pairs")
    p.add_argument("--calibrate-precision", type=float, nargs="?", const=0.8, metavar="PRECISION",
                   help="do not train: fit the temperature of the model in --out and choose thresholds so that "
                        "contradicts and supports are right at least PRECISION (0.8) of the time on the real pairs it "
                        "never fitted (its calibration split and the held-out rows), with the held-out (dev) rows of the "
                        "other --pairs files; the rest is `uncertain`")
    p.add_argument("--keep-gate", action="store_true", help="reuse the relatedness gate of --init (threshold recalibrated)")
    p.add_argument("--events", type=Path, metavar="EVENTS.csv",
                   help="OSINT event log (CIR format) to write claim/report pairs from; events near held-out rows of --pairs are left out")
    p.add_argument("--releases", type=Path, nargs="+", metavar="RELEASES.csv",
                   help="press releases (link, date, body): officials' accusations of strikes on a town, paired with the logged strikes (needs --events)")
    p.add_argument("--dated", action="store_true",
                   help="show the model how long after the claim each report is dated, e.g. \"(3 days later) \" (kept in stance.json)")
    p.add_argument("--nli", type=Path, metavar="DIR",
                   help="first train one epoch on the NLI pairs in DIR (mnli_dev, snli_dev_test, cad_nli, fever_dev_rte_binary), "
                        "then the on-task stage from those weights")
    p.add_argument("--nli-cap", type=int, metavar="N", help=f"NLI pairs in all, balanced by label (default {DEFAULT_NLI_CAP})")
    p.add_argument("--blame-pairs", action="store_true",
                   help="add headline-style responsibility and denial pairs (who struck a place: same side, swapped side, "
                        "denial, other subject) written from --events and --releases")
    p.add_argument("--event-strikes", type=int, help="strike events to write pairs for (default 500; 3 pairs each)")
    p.add_argument("--cache", type=Path, help="file to keep sentence embeddings in between runs")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                   help="where the cross-encoder trains (auto: a CUDA GPU when there is one); the saved weights are fp16 either way")
    p.add_argument("--dev-out", type=Path, help="also write the FNC-1 dev split (never trained on) to this CSV")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("train-nli", help="train the NLI start once (checkpointed; run again to go on), for train-stance --init")
    p.add_argument("--nli", type=Path, required=True, metavar="DIR",
                   help="the NLI sets (mnli_dev, snli_dev_test, cad_nli, fever_dev_rte_binary; others are never read)")
    p.add_argument("--out", type=Path, required=True, help="folder of the start (and its checkpoint while it trains)")
    p.add_argument("--cap", type=int, default=0, help="a balanced sample of this many pairs (default 0: every pair)")
    p.add_argument("--init", help="start from this cross-encoder folder instead of all-MiniLM-L6-v2")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--lr", type=float, default=4e-5)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--max-length", type=int, default=96)
    p.add_argument("--checkpoint-minutes", type=float, default=5.0, help="minutes between checkpoints")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.set_defaults(func=cmd_train_nli)

    p = sub.add_parser("eval", help="evaluate the stance model")
    esub = p.add_subparsers(dest="dataset", required=True)
    e = esub.add_parser("fnc1", help="FNC-1 format: FNC score, macro-F1, per-class F1, confusion matrix")
    e.add_argument("--stances", required=True, type=Path)
    e.add_argument("--bodies", required=True, type=Path)
    e.add_argument("--split", choices=["all", "dev"], default="all", help="dev: only the dev split train-stance holds out")
    e.add_argument("--seed", type=int, default=13, help="seed of the dev split")
    e.add_argument("--model")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_eval_fnc)
    e = esub.add_parser("pairs", help="labelled claim/evidence pairs: per-class F1, macro-F1, confusion matrix")
    e.add_argument("--in", dest="input", required=True, type=Path, metavar="FILE.csv")
    e.add_argument("--split", help="only rows with this split value (e.g. heldout)")
    e.add_argument("--predictions", type=Path, help="write the pairs with predictions to this CSV")
    e.add_argument("--model")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_eval_pairs)
    e = esub.add_parser("blind", help="the blind RUWA set (read once per candidate model): F1, precision, precision@10/20")
    e.add_argument("--in", dest="input", type=Path, default=BLIND, metavar="FILE.csv")
    e.add_argument("--ruwa", type=Path, default=RUWA, help="the RUWA rows the references point into")
    e.add_argument("--predictions", type=Path, help="write the predictions (references, no texts) to this CSV")
    e.add_argument("--model")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_eval_blind)
    return esub  # the runtime adds `eval verdicts` (a workspace's verdicts, crosscheck.cli)
