"""Match: pair government claims with monitor reports about the same events.

A claim is a statement of a `government` actor; a report is one of `osint`,
`independent_media`, `intl_org`. Candidates are reports within ±window days, ranked by
cosine similarity, top-k above a threshold. New statements are matched in both directions.
"""

from __future__ import annotations

from typing import Sequence

import duckdb
import numpy as np
import pandas as pd

from crosscheck.config import CLAIM_TYPES, REPORT_TYPES, MatchSettings

MATCH_COLUMNS = ["claim_id", "report_id", "similarity", "lag_days"]


def _load(con: duckdb.DuckDBPyConnection, types: Sequence[str]) -> pd.DataFrame:
    marks = ", ".join("?" for _ in types)
    return con.execute(
        f"""SELECT statement_id, stated_on, embedding FROM statements
            WHERE actor_type IN ({marks}) AND embedding IS NOT NULL AND NOT boilerplate""",
        list(types),
    ).df()


def find_matches(
    con: duckdb.DuckDBPyConnection,
    statement_ids: Sequence[str] | None = None,
    settings: MatchSettings | None = None,
) -> pd.DataFrame:
    """Pairs (claim_id, report_id, similarity, lag_days) touching the given statements (all when None)."""
    settings = settings or MatchSettings()
    claims, reports = _load(con, CLAIM_TYPES), _load(con, REPORT_TYPES)
    if claims.empty or reports.empty:
        return pd.DataFrame(columns=MATCH_COLUMNS)
    wanted = set(statement_ids) if statement_ids is not None else None
    c_vec = np.vstack(claims["embedding"].to_numpy()).astype(np.float32)
    r_vec = np.vstack(reports["embedding"].to_numpy()).astype(np.float32)
    c_days = pd.to_datetime(claims["stated_on"]).to_numpy("datetime64[D]")
    r_days = pd.to_datetime(reports["stated_on"]).to_numpy("datetime64[D]")
    rows = []
    new_report = np.array([wanted is None or r in wanted for r in reports["statement_id"]])
    for i, claim_id in enumerate(claims["statement_id"]):
        claim_is_new = wanted is None or claim_id in wanted
        if not claim_is_new and not new_report.any():
            continue
        sims = r_vec @ c_vec[i]
        lag = (r_days - c_days[i]).astype("timedelta64[D]").astype("float64")
        ok = np.isnan(lag) | (np.abs(lag) <= settings.window_days)
        ok &= sims >= settings.threshold
        if not claim_is_new:
            ok &= new_report
        idx = np.flatnonzero(ok)
        idx = idx[np.argsort(-sims[idx])][: settings.top_k]
        for j in idx:
            rows.append((claim_id, reports["statement_id"].iat[j], float(sims[j]), None if np.isnan(lag[j]) else int(lag[j])))
    return pd.DataFrame(rows, columns=MATCH_COLUMNS)
