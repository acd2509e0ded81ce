"""NLI pairs for a first training stage (`crosscheck train-stance --nli DIR`).

Before the on-task stage the cross-encoder reads general inference pairs, so that it has learnt that a
report which repeats a claim's topic need not support it. Only sets whose licence allows sharing derived
weights are read (../shared/data/SOURCES.md): MultiNLI dev (OANC, permissive), SNLI dev + test
(CC BY-SA 4.0), counterfactually revised SNLI (Apache-2.0) and FEVER dev as RTE (CC BY-SA 3.0).

Labels: entailment → supports, contradiction → contradicts, neutral → discusses; rows without a gold
label (`-`) are dropped. FEVER's binary `not_entailment` mixes refutations with not-enough-info, so it is
neither a contradiction nor a neutral pair: those rows are skipped and FEVER gives `supports` only.
The hypothesis plays the claim and the premise the report, as in `data.load_snli`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crosscheck.errors import DataFileError

NLI_LABELS = {"entailment": "supports", "contradiction": "contradicts", "neutral": "discusses"}
# FEVER-RTE binary labels: not_entailment is refutes + not-enough-info together, so it is skipped.
FEVER_LABELS = {"entailment": "supports"}
DEFAULT_NLI_CAP = 12_000
COLUMNS = ["claim", "evidence", "label", "source"]

# Folder of each set under the NLI directory, and how to read it.
NLI_SETS = {
    "mnli": ("mnli_dev", ["multinli_1.0_dev_matched.csv", "multinli_1.0_dev_mismatched.csv"]),
    "snli": ("snli_dev_test", ["snli_1.0_dev.csv", "snli_1.0_test.csv"]),
    "cad": ("cad_nli/all_combined", ["train.tsv", "dev.tsv", "test.tsv"]),
    "fever": ("fever_dev_rte_binary", ["dev"]),
}


def _frame(premises, hypotheses, labels, table: dict, source: str) -> pd.DataFrame:
    rows = [(h, p, table[lab.strip().lower()], source) for p, h, lab in zip(premises, hypotheses, labels)
            if lab.strip().lower() in table and str(p).strip() and str(h).strip()]
    return pd.DataFrame(rows, columns=COLUMNS)


def read_nli_table(path: Path | str, source: str) -> pd.DataFrame:
    """An NLI file with sentence1 (premise), sentence2 (hypothesis) and label or gold_label (csv, or tsv by name)."""
    path = Path(path)
    sep = "\t" if path.suffix == ".tsv" else ","
    try:
        # CAD's tsv holds bare quotes inside sentences: read it without quoting.
        frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, quoting=3 if sep == "\t" else 0)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as e:
        raise DataFileError(f"{path}: cannot read NLI table ({e.__class__.__name__}: {e})") from e
    label = "gold_label" if "gold_label" in frame.columns else "label"
    missing = [c for c in ("sentence1", "sentence2", label) if c not in frame.columns]
    if missing:
        raise DataFileError(f"{path}: missing column(s) {', '.join(missing)}")
    return _frame(frame["sentence1"], frame["sentence2"], frame[label], NLI_LABELS, source)


def read_fever_rte(prefix: Path | str, source: str = "fever") -> pd.DataFrame:
    """FEVER as RTE in fairseq's raw format: PREFIX.raw.input0 (evidence), .raw.input1 (claim), .label, one per line."""
    prefix = Path(prefix)
    parts = []
    for suffix in (".raw.input0", ".raw.input1", ".label"):
        path = prefix.with_name(prefix.name + suffix)
        try:
            parts.append(path.read_text(encoding="utf-8").splitlines())
        except OSError as e:
            raise DataFileError(f"{path}: cannot read FEVER RTE file ({e.__class__.__name__}: {e})") from e
    if len({len(p) for p in parts}) != 1:
        raise DataFileError(f"{prefix}: input0, input1 and label hold different numbers of lines")
    return _frame(parts[0], parts[1], parts[2], FEVER_LABELS, source)


def load_nli_sources(directory: Path | str) -> pd.DataFrame:
    """All the licence-allowed NLI pairs found under directory (a set whose folder is absent is left out)."""
    directory = Path(directory)
    frames = []
    for source, (folder, names) in NLI_SETS.items():
        base = directory / folder
        if not base.is_dir():
            continue
        for name in names:
            if source == "fever":
                frames.append(read_fever_rte(base / name, source))
            elif (base / name).exists():
                frames.append(read_nli_table(base / name, source))
    if not frames:
        raise DataFileError(f"{directory}: no NLI sets found (looked for {', '.join(f for f, _ in NLI_SETS.values())})")
    return pd.concat(frames, ignore_index=True).drop_duplicates(["claim", "evidence"]).reset_index(drop=True)


def balanced_nli(pairs: pd.DataFrame, cap: int, seed: int) -> pd.DataFrame:
    """At most cap pairs, the same number for each label, and within a label the same number from each set.

    Equal shares per set keep one set (FEVER's Wikipedia sentences are all `supports`) from standing for a label;
    what a small set cannot fill is taken from the others.
    """
    labels = sorted(pairs["label"].unique())
    if not labels or cap <= 0:
        return pairs.iloc[:0]
    per_label = cap // len(labels)
    out = []
    for label in labels:
        part = pairs[pairs["label"] == label]
        groups = {s: g.sample(frac=1.0, random_state=seed) for s, g in part.groupby("source")}
        quota, taken = per_label, {s: 0 for s in groups}
        while quota > 0:
            open_ = [s for s in groups if taken[s] < len(groups[s])]
            if not open_:
                break
            share = max(1, quota // len(open_))
            for s in open_:
                n = min(share, len(groups[s]) - taken[s], quota)
                taken[s] += n
                quota -= n
                if quota <= 0:
                    break
        out += [groups[s].iloc[:n] for s, n in taken.items() if n]
    return pd.concat(out, ignore_index=True).sample(frac=1.0, random_state=seed).reset_index(drop=True)


def nli_pairs(directory: Path | str, cap: int = DEFAULT_NLI_CAP, seed: int = 13) -> pd.DataFrame:
    """The NLI stage's pairs: claim (hypothesis), evidence (premise), label, source; balanced and capped."""
    return balanced_nli(load_nli_sources(directory), cap, seed)
