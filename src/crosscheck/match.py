"""Match: pair government claims with monitor reports about the same events.

A claim is a statement of a `government` or (by default) `state_media` actor; a report is one of `osint`,
`independent_media`, `intl_org`, or the statement of another country's government (Kyiv or NATO
capitals saying "we see no withdrawal" is evidence against Moscow's "we are withdrawing"; a
government is never evidence against itself). Candidates are reports within ±window days of the claim,
ranked by cosine similarity, top-k above a threshold. A statement without a date is compared
with every date (its lag is unknown). New statements are matched in both directions: new
claims against stored reports, and new reports against stored claims.

Speed: the date window is pushed into SQL (db.vectors.matchable), so matching one new document fetches only the
vectors inside the window of its dates; the ranking itself is numpy over that slice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zlib
from typing import Sequence

import duckdb
import numpy as np
import pandas as pd

from crosscheck import ann
from crosscheck.config import CLAIM_TYPES, GOVERNMENT_EVIDENCE_TYPES, REPORT_TYPES, MatchSettings
from crosscheck.dates import as_date, shift, to_days
from crosscheck.db import reads, vectors

# Statements that can serve as evidence: monitors, and governments other than the claim's.
EVIDENCE_TYPES = tuple(dict.fromkeys([*REPORT_TYPES, *GOVERNMENT_EVIDENCE_TYPES]))

MATCH_COLUMNS = ["claim_id", "report_id", "similarity", "lag_days"]
# Claims scored together in one matrix product; bounds memory to chunk × window reports.
CLAIM_CHUNK = 256


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


def _window(days: np.ndarray, window: int) -> tuple[dt.date, dt.date] | None:
    """[min - window, max + window] of `days`, or None (no window) when any of them is undated."""
    if len(days) == 0 or np.isnat(days).any():
        return None  # an undated statement is compared with every date
    return shift(as_date(days.min()), -window), shift(as_date(days.max()), window)


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
    being evidence against itself. With sources (document + actor of each report), top-k counts
    sources, not sentences, so one long article cannot fill it and hide the other monitors; each
    source brings its `source_sentences` most similar sentences (a `source` column says whose), all
    scored, and the one that bears most on the claim is shown (db.writes.choose_shown).
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
    # Source codes in source-key order and report ranks in id order, so ties fall the same way however rows were read.
    source_codes = pd.factorize(report_sources, sort=True)[0] if report_sources is not None else None
    report_rank = _id_rank(report_ids)
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
        # In float64, then rounded: the same value whatever the shape of the slice (a float32 product's
        # rounding depends on it, which would let the local and lake engines break near-ties differently).
        sims = (claim_vecs[rows].astype(np.float64) @ report_vecs[cand].T.astype(np.float64)).astype(np.float32)
        lag = (report_days[cand][None, :] - days[:, None]).astype("timedelta64[D]")
        known = ~np.isnat(lag)
        ok = (sims >= settings.threshold) & (~known | (np.abs(np.where(known, lag, 0)) <= window))
        ok &= cand[None, :] != self_idx[rows][:, None]
        if claim_sides is not None and report_sides is not None:
            r_side = report_sides[cand]
            ok &= (r_side[None, :] == None) | (r_side[None, :] != claim_sides[rows][:, None])  # noqa: E711
        masked = np.where(ok, sims, -np.inf)
        if report_sources is not None:
            r, c = _top_sources(masked, source_codes[cand], report_rank[cand], int(settings.top_k),
                                max(int(settings.per_source), int(settings.source_sentences)))
        else:
            k = min(int(settings.top_k), len(cand))
            top = np.argpartition(-masked, k - 1, axis=1)[:, :k] if k < len(cand) else np.tile(np.arange(len(cand)), (len(rows), 1))
            r, c = np.nonzero(np.isfinite(np.take_along_axis(masked, top, axis=1)))
            c = top[r, c]
        if len(r) == 0:
            continue
        parts.append((rows[r], cand[c], masked[r, c], lag[r, c]))
    if not parts:
        return _empty()
    ci, rj, sim, lag = (np.concatenate(x) for x in zip(*parts))
    # Claims in id order, each one's reports by similarity, ties broken by report id.
    order = np.lexsort((report_rank[rj], -sim, _id_rank(claim_ids)[ci]))
    ci, rj, sim, lag = ci[order], rj[order], sim[order], lag[order]
    lag_days = pd.Series(np.where(np.isnat(lag), np.nan, lag.astype("int64")), dtype="float64").astype("Int64")
    pairs = pd.DataFrame({
        "claim_id": claim_ids[ci], "report_id": report_ids[rj],
        "similarity": sim.astype("float64"), "lag_days": lag_days,
    })
    if report_sources is None:
        return pairs
    return cap_sources(pairs.assign(source=report_sources[rj]), settings)


def _top_sources(masked: np.ndarray, sources: np.ndarray, ranks: np.ndarray, top_k: int,
                 per: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of each row's `top_k` sources by their most similar sentence, with up to `per` sentences each
    (masked: rows × candidates, -inf where a pair is not allowed; sources: the source code of each candidate;
    ranks: its report's place in id order).

    Exact whatever the number of sentences a source has: the sources are ranked on their best sentence first,
    so one long transcript's many similar sentences cannot crowd the other sources out. Ties go to the lower
    source code, then the lower report id, so the choice never depends on the order of the candidates."""
    order = np.argsort(sources, kind="stable")
    grouped = masked[:, order]
    codes = sources[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    group = np.cumsum(np.r_[False, codes[1:] != codes[:-1]])  # group index of each ordered column
    best = np.maximum.reduceat(grouped, starts, axis=1)  # rows × sources (in code order)
    k = min(top_k, best.shape[1])
    if k < best.shape[1]:
        kth = -np.partition(-best, k - 1, axis=1)[:, k - 1 : k]
        above = best > kth
        tied = best == kth
        chosen = above | (tied & (np.cumsum(tied, axis=1) <= (k - above.sum(axis=1))[:, None]))
    else:
        chosen = np.ones(best.shape, dtype=bool)
    chosen &= np.isfinite(best)
    r, c = np.nonzero(chosen[:, group] & np.isfinite(grouped))
    if len(r) == 0:
        return r, c
    # The `per` most similar sentences of each chosen source.
    rank = np.lexsort((ranks[order][c], -grouped[r, c], group[c], r))
    r, c = r[rank], c[rank]
    key = r.astype(np.int64) * (len(starts) + 1) + group[c]
    first = np.r_[True, key[1:] != key[:-1]]
    position = np.arange(len(key)) - np.maximum.accumulate(np.where(first, np.arange(len(key)), 0))
    keep = position < per
    return r[keep], order[c[keep]]


def cap_sources(pairs: pd.DataFrame, settings: MatchSettings) -> pd.DataFrame:
    """Keep each claim's `top_k` sources, ranked by their most similar sentence (ties by source key), with up to
    max(per_source, source_sentences) sentences each (pairs sorted by claim, then similarity, then report id)."""
    per = max(int(settings.per_source), int(settings.source_sentences))
    pairs = pairs[(pairs.groupby(["claim_id", "source"], sort=False).cumcount() < per).to_numpy()]
    firsts = pairs.drop_duplicates(["claim_id", "source"]).sort_values(
        ["claim_id", "similarity", "source"], ascending=[True, False, True], kind="stable")
    rank = firsts.groupby("claim_id", sort=False).cumcount().rename("source_rank")
    ranked = pairs.merge(firsts[["claim_id", "source"]].join(rank), on=["claim_id", "source"], how="left")
    return ranked[ranked["source_rank"] < settings.top_k].drop(columns="source_rank").reset_index(drop=True)


def _load(con, kinds: Sequence[str], **filters) -> tuple[np.ndarray, ...]:
    """Ids, days, vectors, sides and sources of the matchable statements of these actor types."""
    frame, vecs = vectors.matchable(con, kinds, **filters)
    if frame.empty:
        empty = np.array([], dtype=object)
        return empty, np.array([], dtype="datetime64[D]"), vecs, empty, empty
    return (
        frame["statement_id"].to_numpy(dtype=object), to_days(frame["stated_on"].to_numpy()), vecs,
        frame["side"].to_numpy(dtype=object), frame["source"].to_numpy(dtype=object),
    )


# Neighbours the approximate index hands over per undated statement, per sentence a claim can show.
ANN_OVERSAMPLE = 10


def _load_near(con, kinds: Sequence[str], days: np.ndarray, vecs: np.ndarray, settings: MatchSettings,
               **filters) -> tuple[np.ndarray, ...]:
    """The matchable statements of these kinds that statements of these dates and vectors can pair with.

    Every statement inside the window of their dates, exactly. When some of them are undated (compared
    with every date) and the corpus is large enough to have an approximate index (`crosscheck.ann`),
    the index's nearest neighbours of the undated ones stand in for the whole corpus; rank_pairs then
    ranks all of these exactly, on the stored vectors.
    """
    window = _window(days, settings.window_days)
    if window is not None or len(days) == 0 or (index := ann.for_database(con)) is None:
        return _load(con, kinds, window=window, **filters)
    undated = np.isnat(days)
    count = ANN_OVERSAMPLE * int(settings.top_k) * max(int(settings.per_source), int(settings.source_sentences))
    near = sorted({sid for row in index.search(vecs[undated], count) for sid in row})
    parts = [_load(con, kinds, ids=near, **filters)]
    if (~undated).any():
        parts.append(_load(con, kinds, window=_window(days[~undated], settings.window_days), **filters))
    return _union(parts)


def _union(parts: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    """The statements of several _load results, each once."""
    ids, days, vecs, sides, sources = (np.concatenate([p[i] for p in parts]) if i != 2 else
                                       np.vstack([p[2] for p in parts if len(p[0])] or [parts[0][2]]) for i in range(5))
    _, first = np.unique(ids.astype(str), return_index=True)
    first = np.sort(first)
    return ids[first], days[first], vecs[first] if len(vecs) else vecs, sides[first], sources[first]


def _new_claim_pairs(con, claims, settings: MatchSettings) -> pd.DataFrame:
    c_ids, c_days, c_vecs, c_sides, _ = claims
    if len(c_ids) == 0:
        return _empty()
    r_ids, r_days, r_vecs, r_sides, r_sources = _load_near(con, EVIDENCE_TYPES, c_days, c_vecs, settings)
    return rank_pairs(c_ids, c_days, c_vecs, r_ids, r_days, r_vecs, settings, c_sides, r_sides, r_sources)


def _new_report_pairs(con, reports, new_ids: list[str], settings: MatchSettings) -> pd.DataFrame:
    """Stored claims against the new reports; a new report enters a claim's top-k only by beating its stored pairs."""
    r_ids, r_days, r_vecs, r_sides, r_sources = reports
    if len(r_ids) == 0:
        return _empty()
    c_ids, c_days, c_vecs, c_sides, _ = _load_near(con, CLAIM_TYPES, r_days, r_vecs, settings, exclude=new_ids)
    pairs = rank_pairs(c_ids, c_days, c_vecs, r_ids, r_days, r_vecs, settings, c_sides, r_sides, r_sources)
    if pairs.empty:
        return pairs
    stored = reads.stored_sources(con, pairs["claim_id"].unique().tolist())
    if stored.empty:
        return pairs
    # Rank the new sources together with the claim's stored ones (each by its most similar sentence, ties by
    # source key as everywhere else); keep the new ones still in the top-k. A new document is always a new source.
    new = pairs.groupby(["claim_id", "source"], as_index=False, sort=False)["similarity"].max()
    both = pd.concat([new.assign(new=True), stored.assign(new=False)], ignore_index=True)
    both = both.sort_values(["claim_id", "similarity", "source"], ascending=[True, False, True], kind="stable")
    both["rank"] = both.groupby("claim_id").cumcount()
    keep = both.loc[both["new"] & (both["rank"] < settings.top_k), ["claim_id", "source"]]
    return pairs.merge(keep, on=["claim_id", "source"], how="inner").reset_index(drop=True)


def _promise_ids(con, **which) -> list[str]:
    """The dated claims among these (reads.claims_with_cue: ids=…, between=…) that are promises."""
    from crosscheck import promises

    found = reads.claims_with_cue(con, promises.CUE, dated=True, **which)
    return [row.claim_id for row in found.itertuples(index=False) if promises.detect(row.text, row.stated_on) is not None]


def _promise_pairs(con, claims, reports, settings: MatchSettings) -> pd.DataFrame:
    """Pairs past the window for promises: a promise is decided by what happens after it, whenever it comes
    ("no plans to attack", then the attack two months later). New promises against the monitor reports of their
    horizon (crosscheck.promises.HORIZON_DAYS after the statement), and new monitor reports against the stored
    promises whose horizon they fall in; only reports dated on or after the promise."""
    from crosscheck import promises

    far = dataclasses.replace(settings, window_days=promises.HORIZON_DAYS)
    parts = []
    c_ids, c_days = claims[0], claims[1]
    dated = ~np.isnat(c_days)
    if dated.any() and (found := _promise_ids(con, ids=list(c_ids[dated]))):
        p = _load(con, CLAIM_TYPES, ids=found, ordered=True)
        window = (as_date(p[1].min()), shift(as_date(p[1].max()), promises.HORIZON_DAYS))
        r = _load(con, REPORT_TYPES, dated=window)
        parts.append(rank_pairs(*p[:3], *r[:3], far, p[3], r[3], r[4]))
    r_ids, r_days, r_vecs, r_sides, r_sources = reports
    monitor = ~np.isnat(r_days) & pd.isna(r_sides)  # monitors have no side; governments are not promise evidence
    if monitor.any():
        lo, hi = shift(as_date(r_days[monitor].min()), -promises.HORIZON_DAYS), as_date(r_days[monitor].max())
        found = _promise_ids(con, between=(lo, hi))
        if found:
            p = _load(con, CLAIM_TYPES, ids=found, ordered=True)
            parts.append(rank_pairs(*p[:3], r_ids[monitor], r_days[monitor], r_vecs[monitor], far, p[3],
                                    r_sides[monitor], r_sources[monitor]))
    parts = [part for part in parts if not part.empty]
    if not parts:
        return _empty()
    pairs = pd.concat(parts, ignore_index=True)
    return pairs[pairs["lag_days"].notna() & (pairs["lag_days"] >= 0)].reset_index(drop=True)


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
    frame, vecs = vectors.matchable(con, EVIDENCE_TYPES, ids=new_ids, ordered=True)
    ids = frame["statement_id"].to_numpy(dtype=object) if len(frame) else np.array([], dtype=object)
    days = to_days(frame["stated_on"].to_numpy()) if len(frame) else np.array([], dtype="datetime64[D]")
    sides = frame["side"].to_numpy(dtype=object) if len(frame) else np.array([], dtype=object)
    sources = frame["source"].to_numpy(dtype=object) if len(frame) else np.array([], dtype=object)
    kinds = frame["actor_type"] if len(frame) else pd.Series(dtype=object)
    # New government statements are claims, and evidence against other governments' stored claims.
    claims = kinds.isin(CLAIM_TYPES).to_numpy()
    reports = kinds.isin(EVIDENCE_TYPES).to_numpy()
    claim_part = (ids[claims], days[claims], vecs[claims], sides[claims], sources[claims])
    report_part = (ids[reports], days[reports], vecs[reports], sides[reports], sources[reports])
    parts = [
        p for p in (
            _new_claim_pairs(con, claim_part, settings),
            _new_report_pairs(con, report_part, new_ids, settings),
            _promise_pairs(con, claim_part, report_part, settings),
        ) if not p.empty
    ]
    if not parts:
        return _empty()
    pairs = pd.concat(parts, ignore_index=True).drop_duplicates(["claim_id", "report_id"])
    return pairs.sort_values(["claim_id", "similarity"], ascending=[True, False], kind="stable").reset_index(drop=True)


def rematch(
    con: duckdb.DuckDBPyConnection, settings: MatchSettings | None = None, *,
    claims_on: tuple[dt.date, dt.date] | None = None, undated_claims: bool = False, share: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Every claim ranked against the stored reports with these settings (ad-hoc window, top-k, threshold).

    claims_on ranks only the claims dated inside it, undated_claims only the undated ones: the lake engine ranks
    one month's claims at a time against the reports of that month's window (crosscheck.lake.engine). share=(i, n)
    ranks only the claims of share i of n (claim_share): a claim's pairs never depend on the other claims, so the
    shares of a month together give its pairs."""
    settings = settings or MatchSettings()
    c_ids, c_days, c_vecs, c_sides, _ = _load(con, CLAIM_TYPES, dated=claims_on, undated=undated_claims)
    if share is not None and len(c_ids):
        keep = np.array([claim_share(c, share[1]) == share[0] for c in c_ids], dtype=bool)
        c_ids, c_days, c_vecs, c_sides = c_ids[keep], c_days[keep], c_vecs[keep], c_sides[keep]
    if len(c_ids) == 0:
        return _empty()
    r_ids, r_days, r_vecs, r_sides, r_sources = _load(con, EVIDENCE_TYPES)
    return rank_pairs(c_ids, c_days, c_vecs, r_ids, r_days, r_vecs, settings, c_sides, r_sides, r_sources)


def claim_share(claim_id: str, shares: int) -> int:
    """Which of `shares` shares a claim belongs to: a stable hash of its id, the same on every machine."""
    return zlib.crc32(str(claim_id).encode("utf-8")) % max(1, int(shares))


def search_reports(con: duckdb.DuckDBPyConnection, claim_id: str, settings: MatchSettings | None = None) -> pd.DataFrame:
    """One claim's reports under ad-hoc settings: claim_id, report_id, similarity, lag_days."""
    settings = settings or MatchSettings()
    c_ids, c_days, c_vecs, c_sides, _ = _load(con, CLAIM_TYPES, ids=[claim_id])
    if len(c_ids) == 0:
        return _empty()
    r_ids, r_days, r_vecs, r_sides, r_sources = _load_near(con, EVIDENCE_TYPES, c_days, c_vecs, settings)
    return rank_pairs(c_ids, c_days, c_vecs, r_ids, r_days, r_vecs, settings, c_sides, r_sides, r_sources)


REPORT_COLUMNS = [
    "report_id", "text", "speaker", "actor", "actor_type", "stated_on", "title", "publisher", "url", "doc_id",
    "lag_days", "similarity", "stance", "contradiction", "support", "verdict", "analyst", "decided_at", "source", "shown",
]


def claim_reports(
    con: duckdb.DuckDBPyConnection,
    claim_id: str,
    settings: MatchSettings | None = None,
) -> pd.DataFrame:
    """Reports (monitors and other governments) for one claim under the given window, threshold and top-k.

    The ranking is search_reports over the stored vectors, so other settings can be tried; stance
    and contradiction come from the stored scored pair (null when that pair was never scored) and
    the analyst's verdict, if any, is joined in. Every candidate sentence of a source is a row;
    `shown` marks the `per_source` a page lists: the stored choice (the sentence that bears most on
    the claim), else the most similar; the others are that source's other sentences.
    """
    settings = settings or MatchSettings()
    pairs = search_reports(con, claim_id, settings)
    if pairs.empty:
        return pd.DataFrame({c: pd.Series(dtype=bool if c == "shown" else object) for c in REPORT_COLUMNS})
    details = reads.report_details(con, claim_id, pairs["report_id"].tolist()).rename(columns={"shown": "stored_shown"})
    out = pairs[["report_id", "source", "lag_days", "similarity"]].merge(details, on="report_id", how="left")
    # Sources in the order of their most similar sentence; in each, the stored choice, then unscored, then the rest.
    pick = out["stored_shown"].map({True: 0, False: 2}).fillna(1)
    out = out.assign(order=out.groupby("source", sort=False).ngroup(), pick=pick)
    out = out.sort_values(["order", "pick", "similarity"], ascending=[True, True, False], kind="stable")
    out["shown"] = out.groupby("source", sort=False).cumcount() < settings.per_source
    return out[REPORT_COLUMNS].reset_index(drop=True)
