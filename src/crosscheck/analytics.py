"""Analytics: matched pairs as tables, storylines of claims, and time series for the Overview.

Pure pandas over reads from crosscheck.db; no streamlit. Every function works on an empty database.
"""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd

from crosscheck.attribute import spoken_text
from crosscheck.config import GOVERNMENT_EVIDENCE_TYPES, REPORT_TYPES
from crosscheck.db import reads, schema, vectors

STORYLINE_COLUMNS = ["claim_id", "storyline", "storyline_label"]
TIMELINE_COLUMNS = [
    "period", "group", "mean_similarity", "contradiction_share", "pairs", "claims", "contradicting", "scored",
    "claim_actor", "report_actor",  # the two actors of an actor-pair group; None for other groupings
    "share_low", "share_high",  # 95 % Wilson interval of contradiction_share: a share of 2 pairs is not one of 200
]
TIMELINE_GROUPINGS = ("actor_pair", "storyline", None)
FREQUENCIES = ("D", "W")
ALL_GROUP = "all pairs"

# Average-linkage cosine distance under which claims share a storyline. MiniLM puts paraphrases
# of one event 0.2–0.5 apart; on 300 Kremlin headlines 0.7 merged all meetings and calls into one
# blob of 110, while 0.6 kept topics apart (61 storylines, 23 of one claim).
STORYLINE_DISTANCE = 0.65
# Average linkage needs all n² distances; past this many claims use mini-batch KMeans.
MAX_AGGLOMERATIVE = 3000
KMEANS_SAMPLE = 50_000  # claims the centres are fitted on, past MAX_AGGLOMERATIVE


def pairs_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per stored match, with claim and report texts, actors, dates (as datetimes), documents and verdict."""
    frame = reads.pair_rows(con)
    for col in ("claim_date", "report_date"):
        frame[col] = pd.to_datetime(frame[col])
    frame["lag_days"] = frame["lag_days"].astype("Int64")
    return frame


def cluster_vectors(vectors: np.ndarray, n: int | None = None, distance: float = STORYLINE_DISTANCE) -> np.ndarray:
    """Cluster labels for normalised vectors: n clusters when given, else by a cosine distance threshold."""
    count = len(vectors)
    if count == 0:
        return np.zeros(0, dtype=int)
    if count == 1 or n == 1:
        return np.zeros(count, dtype=int)
    if n is not None:
        n = max(1, min(int(n), count))
    if count > MAX_AGGLOMERATIVE:
        from sklearn.cluster import MiniBatchKMeans

        k = n or max(2, int(round(np.sqrt(count / 2))))
        # Fitted on a seeded sample, then every claim goes to its nearest centre: 424k claims in seconds, not a minute.
        sample = vectors[np.sort(np.random.default_rng(0).choice(count, min(count, KMEANS_SAMPLE), replace=False))]
        model = MiniBatchKMeans(n_clusters=min(k, len(sample)), n_init=1, init="random", random_state=0, batch_size=4096,
                                max_iter=20)
        return model.fit(sample).predict(vectors)
    # scipy's average linkage is an order of magnitude faster than scikit-learn's here.
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(vectors.astype(np.float64), method="average", metric="cosine")
    if n is not None:
        return fcluster(tree, t=n, criterion="maxclust") - 1
    return fcluster(tree, t=distance, criterion="distance") - 1


_SAID = re.compile(r"^[^“\"”]{0,90}?\b(?:said|says|stated|told [^,]{1,40}?|added|noted|claimed|insisted)"
                   r"(?:\s+(?:on|last|this)\s+\w+)?,?\s+(?:that\s+)?", re.I)
HEADLINE_CHARS = 80


def headline(text: str, limit: int = HEADLINE_CHARS) -> str:
    """A claim as a headline: what was said (its quoted words, else the sentence after "X said"), one line, shortened."""
    said = spoken_text(text)
    if said == text:
        said = _SAID.sub("", text, count=1)
    said = " ".join(said.strip(" \"“”").split())
    said = said[:1].upper() + said[1:]
    return said if len(said) <= limit else said[: limit - 1].rsplit(" ", 1)[0] + "…"


def headline_labels(texts: list[str], vectors: np.ndarray, labels: np.ndarray) -> dict[int, str]:
    """Each cluster's label: the headline of its most central claim (closest to the cluster's mean vector)."""
    names: dict[int, str] = {}
    for c in sorted(set(int(x) for x in labels)):
        members = np.flatnonzero(labels == c)
        centre = vectors[members].mean(axis=0)
        best = members[int(np.argmax(vectors[members] @ centre))]
        name = headline(texts[best])
        while name in names.values():  # labels are filter values: keep them apart
            name += " ·"
        names[c] = name
    return names


def assign_storylines(con: duckdb.DuckDBPyConnection, n: int | None = None) -> pd.DataFrame:
    """Claims grouped into storylines by clustering their embeddings, labelled by their most central claim.

    Deterministic: claims are read in id order, clustering is average-linkage agglomerative on
    cosine distance (mini-batch KMeans with a fixed seed past 3,000 claims, fitted on a sample of at most 50,000), storylines are numbered
    from 0 by size (largest first), ties by their first claim id. `n` forces the number of storylines.
    """
    if not schema.has_schema(con):
        return pd.DataFrame(columns=STORYLINE_COLUMNS)
    claims, matrix = vectors.claims_with_vectors(con)
    if claims.empty:
        return pd.DataFrame(columns=STORYLINE_COLUMNS)
    raw = np.asarray(cluster_vectors(matrix, n))
    # Renumber: largest storyline first, then by first claim id, so numbers are stable to read.
    sizes = pd.Series(raw).value_counts()
    first = pd.Series(range(len(raw))).groupby(raw).min()
    order = sorted(sizes.index, key=lambda c: (-sizes[c], first[c]))
    renumber = {old: new for new, old in enumerate(order)}
    labels = np.array([renumber[x] for x in raw], dtype=int)
    names = headline_labels(claims["text"].tolist(), matrix, labels)
    return pd.DataFrame({
        "claim_id": claims["claim_id"].to_numpy(),
        "storyline": labels,
        "storyline_label": [names[x] for x in labels],
    })


def actor_pair(claim_actor: str | None, report_actor: str | None) -> str:
    """Group name of a claim actor and a report actor, as shown in legends."""
    return f"{claim_actor or 'unknown'} → {report_actor or 'unknown'}"


# Whose evidence a series shows: the product's headline is official claims against independent monitors;
# other governments' statements are a separate series, never mixed into it.
EVIDENCE = {"monitors": REPORT_TYPES, "governments": GOVERNMENT_EVIDENCE_TYPES}


def evidence_types(evidence: str | None) -> tuple[str, ...]:
    """The report actor types of one kind of evidence (EVIDENCE); () for None (every pair)."""
    if evidence is None:
        return ()
    if evidence not in EVIDENCE:
        raise ValueError(f"unknown evidence {evidence!r}; use one of {', '.join(EVIDENCE)}")
    return EVIDENCE[evidence]


def _check(freq: str, date: str, by: str | None = None) -> None:
    if freq not in FREQUENCIES:
        raise ValueError(f"unknown frequency {freq!r}; use D (day) or W (week)")
    if date not in ("claim", "report"):
        raise ValueError(f"unknown date {date!r}; use claim or report")
    if by not in TIMELINE_GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; use one of actor_pair, storyline or None")


def _storyline_names(storylines: pd.DataFrame | None) -> pd.Series:
    if storylines is None:
        raise ValueError("grouping by storyline needs the storylines frame (assign_storylines)")
    return storylines.drop_duplicates("claim_id").set_index("claim_id")["storyline_label"]


def timeline(
    source,
    freq: str = "W",
    by: str | None = "actor_pair",
    storylines: pd.DataFrame | None = None,
    date: str = "claim",
    evidence: str | None = None,
) -> pd.DataFrame:
    """Per period and group: mean similarity, share of contradicting reports, pair and claim counts.

    `source` is a connection (its stored pairs that pages show) or a pairs frame (reads.pair_relation);
    `evidence` keeps one kind of evidence (EVIDENCE), None every pair. Aggregated in DuckDB, so a
    million pairs never reach pandas. A pair falls in the period of its claim's date by default
    (date="claim"): a point reads "claims made that day/week, and how the monitors' reports stood
    against them"; date="report" files pairs by the report date instead. Weeks start on Monday.
    contradiction_share is the share of scored pairs (stance not null) whose stance is "contradicts";
    it is NaN when no pair in the cell is scored. Pairs without a date are left out.
    """
    _check(freq, date, by)
    names = _storyline_names(storylines) if by == "storyline" else None
    # Storylines are grouped after the SQL, from one row per period and claim.
    cells = reads.timeline_cells(source, freq, date, "claim" if by == "storyline" else by, evidence_types(evidence))
    if cells.empty:
        return pd.DataFrame(columns=TIMELINE_COLUMNS)
    if by is None:
        cells["group"] = ALL_GROUP
    elif by == "actor_pair":
        cells = cells.rename(columns={"grp": "group"})
    else:
        cells["group"] = cells["claim_id"].map(names).fillna("no storyline").astype(object)
        cells = cells.groupby(["period", "group"], sort=False).agg(
            similarity_sum=("similarity_sum", "sum"), similarity_n=("similarity_n", "sum"), pairs=("pairs", "sum"),
            claims=("claim_id", "nunique"), contradicting=("contradicting", "sum"), scored=("scored", "sum"),
        ).reset_index()
    out = cells.sort_values(["period", "group"], kind="stable").reset_index(drop=True)
    for col in ("claim_actor", "report_actor"):
        if col not in out:
            out[col] = None
    out["period"] = pd.to_datetime(out["period"])
    out["mean_similarity"] = out["similarity_sum"] / out["similarity_n"].where(out["similarity_n"] > 0)
    out["contradiction_share"] = out["contradicting"] / out["scored"].where(out["scored"] > 0)
    out["share_low"], out["share_high"] = wilson_interval(out["contradicting"].to_numpy(), out["scored"].to_numpy())
    for col in ("pairs", "claims", "contradicting", "scored"):
        out[col] = out[col].astype(int)
    return out[TIMELINE_COLUMNS]


def wilson_interval(successes: np.ndarray, trials: np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of the Wilson score interval of each share (NaN where there are no trials)."""
    k, n = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low, high = np.where(n > 0, centre - half, np.nan), np.where(n > 0, centre + half, np.nan)
    return np.clip(low, 0, 1), np.clip(high, 0, 1)


def undated_pairs(source, date: str = "claim", evidence: str | None = None) -> int:
    """How many pairs the timeline leaves out because their claim (or report) has no date."""
    _check("D", date)
    return reads.undated_count(source, date, evidence_types(evidence))


def pairs_at(
    source,
    period,
    group: str | None = None,
    freq: str = "W",
    by: str | None = "actor_pair",
    storylines: pd.DataFrame | None = None,
    date: str = "claim",
    evidence: str | None = None,
) -> pd.DataFrame:
    """The pairs behind one timeline point (as clicked: its period and group), in the order of reads.pair_rows."""
    _check(freq, date, by)
    claim_ids = None
    if group is not None and by == "storyline":
        names = _storyline_names(storylines)
        claim_ids = names.index[names == group].tolist()
    return reads.pairs_in_period(source, pd.Timestamp(period).to_pydatetime(), freq, date, evidence_types(evidence),
                                 actor_pair=group if by == "actor_pair" else None, claim_ids=claim_ids)


def claims_frame(pairs: pd.DataFrame, storylines: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per matched claim: its strongest supporting and contradicting report, and counts.

    Columns: claim_id, claim_text, claim_actor, claim_country, claim_date, pairs, contradicting,
    supporting, max_contradiction, max_similarity, top_contradicting_id/_text/_actor,
    top_supporting_id/_text/_actor, and storyline / storyline_label when storylines are given.
    """
    cols = ["claim_id", "claim_text", "claim_actor", "claim_actor_type", "claim_country", "claim_date"]
    if pairs.empty:
        out = pd.DataFrame(columns=cols + [
            "pairs", "contradicting", "supporting", "max_contradiction", "max_similarity",
            "top_contradicting_id", "top_contradicting_text", "top_contradicting_actor",
            "top_supporting_id", "top_supporting_text", "top_supporting_actor",
        ])
    else:
        base = pairs.drop_duplicates("claim_id")[cols].set_index("claim_id")
        grouped = pairs.groupby("claim_id")
        base["pairs"] = grouped.size()
        base["contradicting"] = grouped["stance"].agg(lambda s: int((s == "contradicts").sum()))
        base["supporting"] = grouped["stance"].agg(lambda s: int((s == "supports").sum()))
        base["max_contradiction"] = grouped["contradiction"].max()
        base["max_similarity"] = grouped["similarity"].max()
        for stance, score, prefix in (("contradicts", "contradiction", "top_contradicting"), ("supports", "support", "top_supporting")):
            chosen = pairs[pairs["stance"] == stance].sort_values([score, "similarity"], ascending=False, na_position="last")
            best = chosen.drop_duplicates("claim_id").set_index("claim_id")
            base[f"{prefix}_id"] = best["report_id"]
            base[f"{prefix}_text"] = best["report_text"]
            base[f"{prefix}_actor"] = best["report_actor"]
        out = base.reset_index()
    if storylines is not None:
        out = out.merge(storylines, on="claim_id", how="left")
    return out


EVENT_ROWS = 12  # storylines on the events chart; more rows are unreadable
EVENT_CLAIMS = 40  # claims drawn per storyline row (those with the most reports); the row's counts keep them all


def storyline_events(
    source,
    storylines: pd.DataFrame,
    max_rows: int = EVENT_ROWS,
    evidence: str | None = None,
    max_claims: int = EVENT_CLAIMS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dated pairs placed for the events chart, and one summary row per storyline.

    `source` and `evidence` as for `timeline`. Rows: the `max_rows` storylines with the most dated
    pairs, each with storyline, label, claims, pairs, scored, contradicting, supporting, the
    contradicting share and its 95 % Wilson interval — counts with their uncertainty, not a bare
    share — over all its dated pairs. Events: the pairs of each row's `max_claims` claims with the
    most reports, with `row` (the storyline's place, most pairs first), `y` (the claim's thread inside
    its row, so each claim and its reports read as one line from the claim date to the report dates)
    and `bearing` (the higher of contradiction and support).
    """
    columns = reads.EVENT_COLUMNS
    empty_rows = pd.DataFrame(columns=["storyline", "label", "claims", "pairs", "scored", "contradicting",
                                       "supporting", "share", "share_low", "share_high", "row"])
    empty_events = pd.DataFrame(columns=[*columns, "storyline", "row", "y", "bearing"])
    if storylines.empty:
        return empty_events, empty_rows
    rows, events = reads.storyline_events(source, storylines.drop_duplicates("claim_id"), evidence_types(evidence),
                                          max_rows, max_claims)
    if rows.empty:
        return empty_events, empty_rows
    rows["share"] = rows["contradicting"] / rows["scored"].where(rows["scored"] > 0)
    rows["share_low"], rows["share_high"] = wilson_interval(rows["contradicting"].to_numpy(), rows["scored"].to_numpy())
    rows["row"] = np.arange(len(rows))
    for col in ("claims", "pairs", "scored", "contradicting", "supporting"):
        rows[col] = rows[col].astype(int)
    for col in ("claim_date", "report_date"):
        events[col] = pd.to_datetime(events[col])
    events = events.merge(rows[["storyline", "row"]], on="storyline", how="inner")
    # Each claim gets its own thread in the row's band, in date order.
    threads = events.drop_duplicates("claim_id").sort_values(["row", "claim_date", "claim_id"], kind="stable")
    rank = threads.groupby("row").cumcount()
    size = threads.groupby("row")["claim_id"].transform("size")
    threads = threads.assign(y=threads["row"] + np.where(size > 1, (rank / (size - 1).clip(lower=1) - 0.5) * 0.7, 0.0))
    events = events.merge(threads[["claim_id", "y"]], on="claim_id", how="left")
    events = events.sort_values(["row", "y", "report_date", "report_id"], kind="stable").reset_index(drop=True)
    events["bearing"] = events[["contradiction", "support"]].astype(float).max(axis=1).fillna(0.0)
    return events[[*columns, "storyline", "row", "y", "bearing"]], rows
