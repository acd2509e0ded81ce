"""The time rule: a report dated before a forward-looking claim's promise cannot refute it; the time note the model
reads (how long after the claim a report is dated)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from crosscheck.dates import as_date

# Forward-looking claims seen before their date cannot be refuted; this much contradiction is kept.
EARLY_REPORT_DAMPING = 0.2
_FORWARD = re.compile(
    r"\b(will|shall|won't|is going to|are going to|plans? to|planning to|intends? to|intend(?:s|ed)? to|"
    r"promis(?:e|es|ed) to|pledg(?:e|es|ed) to|vow(?:s|ed)? to|expect(?:s|ed)? to|to be withdrawn|"
    r"set to|scheduled to|about to|will be|would return|after the (?:drills|exercises?) (?:end|are over|finish))\b",
    re.IGNORECASE,
)


def is_forward_looking(claim: str) -> bool:
    """True when the claim promises or predicts a future act ("troops will return after the drills")."""
    return bool(_FORWARD.search(claim or ""))


def when_note(claim_date, evidence_date) -> str:
    """When the report is dated against the claim, in words a cross-encoder reads: "(3 days later) ".

    Empty when either date is missing (None, NaN, NaT, not a date): an undated pair is scored without
    a time note, as the undated training pairs (FNC-1, ARC, SNLI) were. Models trained with dated passages (`dated_passages` in
    stance.json) see it in front of the report, so a strike in the same town two months earlier can
    read as another event. Buckets keep the wording few: days up to a week, then weeks, then months.
    """
    claim_day, report_day = as_date(claim_date), as_date(evidence_date)
    if claim_day is None or report_day is None:
        return ""
    lag = (report_day - claim_day).days
    if lag == 0:
        return "(same day) "
    n = abs(lag)
    if n <= 7:
        span = "1 day" if n == 1 else f"{n} days"
    elif n <= 60:
        span = f"{round(n / 7)} weeks"
    else:
        span = f"{round(n / 30.4)} months"
    return f"({span} {'later' if lag > 0 else 'earlier'}) "


def dated_passages(passages: Sequence[str], claim_dates: Sequence | None, evidence_dates: Sequence | None) -> list[str]:
    """Each passage behind its when_note (unchanged where a date is missing)."""
    n = len(passages)
    cds = claim_dates if claim_dates is not None else [None] * n
    eds = evidence_dates if evidence_dates is not None else [None] * n
    return [when_note(c, e) + p for p, c, e in zip(passages, cds, eds)]


def apply_time_rule(
    frame: pd.DataFrame, claims: Sequence[str], claim_dates: Sequence | None, evidence_dates: Sequence | None
) -> pd.DataFrame:
    """A report dated before a forward-looking claim cannot refute it: damp contradiction, no `contradicts`.

    Other claims keep their stance whatever the dates: a claim about past conduct ("we took every
    precaution in Mariupol") is refuted by an earlier report of a strike on a shelter.
    """
    n = len(frame)
    cds = [as_date(d) for d in (claim_dates if claim_dates is not None else [None] * n)]
    eds = [as_date(d) for d in (evidence_dates if evidence_dates is not None else [None] * n)]
    lags = [(e - c).days if c and e else None for c, e in zip(cds, eds)]
    forward = [is_forward_looking(c) for c in claims]
    frame["lag_days"] = pd.array(lags, dtype="Int64")
    frame["forward_looking"] = forward
    for i in range(n):
        if forward[i] and lags[i] is not None and lags[i] < 0:
            frame.loc[i, "contradiction"] = float(frame.loc[i, "contradiction"]) * EARLY_REPORT_DAMPING
            if frame.loc[i, "stance"] == "contradicts":
                frame.loc[i, "stance"] = "discusses"
    return frame
