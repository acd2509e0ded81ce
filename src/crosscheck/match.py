"""Match: pair government claims with monitor reports about the same events.

A claim is a statement of a `government` actor; a report is one of `osint`,
`independent_media`, `intl_org`, or the statement of another country's government (Kyiv or NATO
capitals saying "we see no withdrawal" is evidence against Moscow's "we are withdrawing"; a
government is never evidence against itself). Candidates are reports within ±window days of the claim,
ranked by cosine similarity, top-k above a threshold. A statement without a date is compared
with every date (its lag is unknown). New statements are matched in both directions: new
claims against stored reports, and new reports against stored claims.

Speed: the date window is pushed into SQL, so matching one new document fetches only the
vectors inside the window of its dates; the ranking itself is numpy over that slice.
"""

from __future__ import annotations

from typing import Sequence

import duckdb
import numpy as np
import pandas as pd

from crosscheck.config import CLAIM_TYPES, REPORT_TYPES, MatchSettings
from crosscheck.dates import as_date, shift, to_days

# Statements that can serve as evidence: monitors, and governments other than the claim's.
EVIDENCE_TYPES = tuple(dict.fromkeys([*REPORT_TYPES, *CLAIM_TYPES]))

MATCH_COLUMNS = ["claim_id", "report_id", "similarity", "lag_days"]
# Claims scored together in one matrix product; bounds memory to chunk × window reports.
CLAIM_CHUNK = 256


def _marks(values: Sequence) -> str:
    return ", ".join("?" for _ in values)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({
        "claim_id": pd.Series(dtype=object), "report_id": pd.Series(dtype=object),
        "similarity": pd.Series(dtype="float64"), "lag_days": pd.Series(dtype="Int64"),
    })[MATCH_COLUMNS]


def _id_rank(ids: np.ndarray) -> np.ndarray:
    """Position of each id in sorted order, so results never depend on the order rows were read."""
    rank = np.empty(len(ids), dtype=np.int64)
    rank[np.argsort(ids.astype(str), kind="stable")] = np.arange(len(ids))
    return rank


def fetch_vectors(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence = ()) -> tuple[pd.DataFrame, np.ndarray]:
    """Run a query whose columns include `embedding`; return the other columns and an (n, dim) float32 matrix."""
    got = con.execute(sql, list(params)).fetchnumpy()
    emb = got.pop("embedding")
    columns = {}
    for name, values in got.items():
        if np.ma.isMaskedArray(values):
            values = values.astype(object).filled(None) if values.dtype == object else values.filled(np.datetime64("NaT") if values.dtype.kind == "M" else 0)
        columns[name] = values
    frame = pd.DataFrame(columns)
    if len(emb) == 0:
        return frame, np.zeros((0, 0), dtype=np.float32)
    return frame, np.vstack(list(emb)).astype(np.float32, copy=False)


def _select(kinds: Sequence[str], where: str = "", params: Sequence = ()) -> tuple[str, list]:
    # `side` is the country (else the actor) of a government statement: pairs on the same side are skipped.
    sql = f"""SELECT s.statement_id, s.stated_on,
                     CASE WHEN s.actor_type IN ({_marks(CLAIM_TYPES)}) THEN coalesce(a.country, s.actor, '') END AS side,
                     s.doc_id || '|' || coalesce(s.actor, '') AS source,
                     s.actor_type, s.embedding
              FROM statements s LEFT JOIN actors a ON a.actor = s.actor
              WHERE s.actor_type IN ({_marks(kinds)}) AND s.embedding IS NOT NULL AND NOT s.boilerplate {where}"""
    return sql, [*CLAIM_TYPES, *kinds, *params]


def _window_filter(days: np.ndarray, window: int) -> tuple[str, list]:
    """SQL that keeps statements dated inside [min - window, max + window] of `days`, or undated."""
    if len(days) == 0 or np.isnat(days).any():
        return "", []  # an undated statement is compared with every date
    lo = shift(as_date(days.min()), -window)
    hi = shift(as_date(days.max()), window)
    return "AND (stated_on IS NULL OR stated_on BETWEEN ? AND ?)", [lo, hi]


def rank_pairs(
    claim_ids: np.ndarray,
    claim_days: np.ndarray,
    claim_vecs: np.ndarray,
    report_ids: np.ndarray,
    report_days: np.ndarray,
    report_vecs: np.ndarray,
    settings: MatchSettings,
    claim_sides: np.ndarray | None = None,
    report_sides: np.ndarray | None = None,
    report_sources: np.ndarray | None = None,
) -> pd.DataFrame:
    """For each claim, the top-k reports inside the window with cosine ≥ threshold (vectors are normalised).

    Sides (country or actor of government statements, None for monitors) keep a government from
    being evidence against itself. With sources (document + actor of each report), a claim gets at
    most `settings.per_source` sentences of one source, so one long article cannot fill the top-k
    and hide the other monitors.
    """
    if len(claim_ids) == 0 or len(report_ids) == 0 or settings.top_k < 1:
        return _empty()
    window = np.timedelta64(int(settings.window_days), "D")
    # Reports sorted by day so each chunk of claims touches one contiguous slice; undated reports always apply.
    undated = np.isnat(report_days)
    dated_idx = np.flatnonzero(~undated)
    dated_idx = dated_idx[np.argsort(report_days[dated_idx], kind="stable")]
    dated_days = report_days[dated_idx]
    undated_idx = np.flatnonzero(undated)
    # Where a claim is also among the reports (overlapping types), never pair it with itself.
    self_idx = pd.Index(report_ids).get_indexer(claim_ids)

    claim_order = np.argsort(claim_days, kind="stable")  # undated claims sort last
    parts = []
    for start in range(0, len(claim_order), CLAIM_CHUNK):
        rows = claim_order[start : start + CLAIM_CHUNK]
        days = claim_days[rows]
        if np.isnat(days).any():
            cand = np.arange(len(report_ids))
        else:
            lo = np.searchsorted(dated_days, days.min() - window, side="left")
            hi = np.searchsorted(dated_days, days.max() + window, side="right")
            cand = np.concatenate([dated_idx[lo:hi], undated_idx])
        if len(cand) == 0:
            continue
        sims = claim_vecs[rows] @ report_vecs[cand].T
        lag = (report_days[cand][None, :] - days[:, None]).astype("timedelta64[D]")
        known = ~np.isnat(lag)
        ok = (sims >= settings.threshold) & (~known | (np.abs(np.where(known, lag, 0)) <= window))
        ok &= cand[None, :] != self_idx[rows][:, None]
        if claim_sides is not None and report_sides is not None:
            r_side = report_sides[cand]
            ok &= (r_side[None, :] == None) | (r_side[None, :] != claim_sides[rows][:, None])  # noqa: E711
        masked = np.where(ok, sims, -np.inf)
        # Take extra candidates when sources are capped, so the top-k can still be filled after the cap.
        k = min(int(settings.top_k) * (8 if report_sources is not None else 1), len(cand))
        top = np.argpartition(-masked, k - 1, axis=1)[:, :k] if k < len(cand) else np.tile(np.arange(len(cand)), (len(rows), 1))
        top_sims = np.take_along_axis(masked, top, axis=1)
        r, c = np.nonzero(np.isfinite(top_sims))
        if len(r) == 0:
            continue
        j = cand[top[r, c]]
        parts.append((rows[r], j, top_sims[r, c], lag[r, top[r, c]]))
    if not parts:
        return _empty()
    ci, rj, sim, lag = (np.concatenate(x) for x in zip(*parts))
    # Claims in id order, each one's reports by similarity, ties broken by report id.
    order = np.lexsort((_id_rank(report_ids)[rj], -sim, _id_rank(claim_ids)[ci]))
    ci, rj, sim, lag = ci[order], rj[order], sim[order], lag[order]
    lag_days = pd.Series(np.where(np.isnat(lag), np.nan, lag.astype("int64")), dtype="float64").astype("Int64")
    pairs = pd.DataFrame({
        "claim_id": claim_ids[ci], "report_id": report_ids[rj],
        "similarity": sim.astype("float64"), "lag_days": lag_days,
    })
    if report_sources is None:
        return pairs
    source = pd.Series(report_sources[rj])
    keep = pairs.assign(source=source).groupby(["claim_id", "source"], sort=False).cumcount() < settings.per_source
    pairs = pairs[keep.to_numpy()]
    keep = pairs.groupby("claim_id", sort=False).cumcount() < settings.top_k
    return pairs[keep.to_numpy()].reset_index(drop=True)


def _load(con, kinds: Sequence[str], where: str = "", params: Sequence = ()) -> tuple[np.ndarray, ...]:
    """Ids, days, vectors and sides of the matchable statements of these actor types."""
    frame, vecs = fetch_vectors(con, *_select(kinds, where, params))
    if frame.empty:
        empty = np.array([], dtype=object)
        return empty, np.array([], dtype="datetime64[D]"), vecs, empty, empty
    return (
        frame["statement_id"].to_numpy(dtype=object), to_days(frame["stated_on"].to_numpy()), vecs,
        frame["side"].to_numpy(dtype=object), frame["source"].to_numpy(dtype=object),
    )


def _new_claim_pairs(con, claims, settings: MatchSettings) -> pd.DataFrame:
    c_ids, c_days, c_vecs, c_sides, _ = claims
    if len(c_ids) == 0:
        return _empty()
    where, params = _window_filter(c_days, settings.window_days)
    r_ids, r_days, r_vecs, r_sides, r_sources = _load(con, EVIDENCE_TYPES, where, params)
    return rank_pairs(c_ids, c_days, c_vecs, r_ids, r_days, r_vecs, settings, c_sides, r_sides, r_sources)


def _new_report_pairs(con, reports, new_ids: list[str], settings: MatchSettings) -> pd.DataFrame:
    """Stored claims against the new reports; a new report enters a claim's top-k only by beating its stored pairs."""
    r_ids, r_days, r_vecs, r_sides, r_sources = reports
    if len(r_ids) == 0:
        return _empty()
    where, params = _window_filter(r_days, settings.window_days)
    c_ids, c_days, c_vecs, c_sides, _ = _load(
        con, CLAIM_TYPES, f"AND NOT list_contains(?, statement_id) {where}", [new_ids, *params]
    )
    pairs = rank_pairs(c_ids, c_days, c_vecs, r_ids, r_days, r_vecs, settings, c_sides, r_sides, r_sources)
    if pairs.empty:
        return pairs
    stored = con.execute(
        "SELECT claim_id, similarity FROM matches WHERE list_contains(?, claim_id)",
        [pairs["claim_id"].unique().tolist()],
    ).df()
    if stored.empty:
        return pairs
    # Rank new candidates together with the claim's stored pairs; keep the new ones still in the top-k.
    both = pd.concat([pairs.assign(new=True), stored.assign(new=False)], ignore_index=True)
    both = both.sort_values(["claim_id", "similarity"], ascending=[True, False], kind="stable")
    both["rank"] = both.groupby("claim_id").cumcount()
    keep = both[both["new"] & (both["rank"] < settings.top_k)]
    return pairs.loc[keep.index.sort_values()].reset_index(drop=True)


def find_matches(
    con: duckdb.DuckDBPyConnection,
    statement_ids: Sequence[str] | None = None,
    settings: MatchSettings | None = None,
) -> pd.DataFrame:
    """Candidate pairs (claim_id, report_id, similarity, lag_days) touching the given statements.

    With `statement_ids` (the statements of newly stored documents) new claims are ranked against
    every report in their window, and new reports against the stored claims in theirs; with None,
    every claim is ranked afresh (as `rematch`). lag_days = report date − claim date.
    """
    settings = settings or MatchSettings()
    if statement_ids is None:
        return rematch(con, settings)
    new_ids = list(dict.fromkeys(statement_ids))
    if not new_ids:
        return _empty()
    sql, params = _select(EVIDENCE_TYPES, "AND list_contains(?, statement_id) ORDER BY statement_id", [new_ids])
    frame, vecs = fetch_vectors(con, sql, params)
    ids = frame["statement_id"].to_numpy(dtype=object) if len(frame) else np.array([], dtype=object)
    days = to_days(frame["stated_on"].to_numpy()) if len(frame) else np.array([], dtype="datetime64[D]")
    sides = frame["side"].to_numpy(dtype=object) if len(frame) else np.array([], dtype=object)
    sources = frame["source"].to_numpy(dtype=object) if len(frame) else np.array([], dtype=object)
    kinds = frame["actor_type"] if len(frame) else pd.Series(dtype=object)
    # New government statements are claims, and evidence against other governments' stored claims.
    claims = kinds.isin(CLAIM_TYPES).to_numpy()
    reports = kinds.isin(EVIDENCE_TYPES).to_numpy()
    parts = [
        p for p in (
            _new_claim_pairs(con, (ids[claims], days[claims], vecs[claims], sides[claims], sources[claims]), settings),
            _new_report_pairs(
                con, (ids[reports], days[reports], vecs[reports], sides[reports], sources[reports]), new_ids, settings
            ),
        ) if not p.empty
    ]
    if not parts:
        return _empty()
    pairs = pd.concat(parts, ignore_index=True).drop_duplicates(["claim_id", "report_id"])
    return pairs.sort_values(["claim_id", "similarity"], ascending=[True, False], kind="stable").reset_index(drop=True)


def rematch(con: duckdb.DuckDBPyConnection, settings: MatchSettings | None = None) -> pd.DataFrame:
    """Every claim ranked against the stored reports with these settings (ad-hoc window, top-k, threshold)."""
    settings = settings or MatchSettings()
    c_ids, c_days, c_vecs, c_sides, _ = _load(con, CLAIM_TYPES)
    if len(c_ids) == 0:
        return _empty()
    r_ids, r_days, r_vecs, r_sides, r_sources = _load(con, EVIDENCE_TYPES)
    return rank_pairs(c_ids, c_days, c_vecs, r_ids, r_days, r_vecs, settings, c_sides, r_sides, r_sources)


def search_reports(con: duckdb.DuckDBPyConnection, claim_id: str, settings: MatchSettings | None = None) -> pd.DataFrame:
    """One claim's reports under ad-hoc settings: claim_id, report_id, similarity, lag_days."""
    settings = settings or MatchSettings()
    c_ids, c_days, c_vecs, c_sides, _ = _load(con, CLAIM_TYPES, "AND statement_id = ?", [claim_id])
    if len(c_ids) == 0:
        return _empty()
    where, params = _window_filter(c_days, settings.window_days)
    r_ids, r_days, r_vecs, r_sides, r_sources = _load(con, EVIDENCE_TYPES, where, params)
    return rank_pairs(c_ids, c_days, c_vecs, r_ids, r_days, r_vecs, settings, c_sides, r_sides, r_sources)
