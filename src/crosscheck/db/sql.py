"""SQL building blocks: placeholders, the one definition of a claim and of a report, and a filter builder."""

from __future__ import annotations

from typing import Sequence

from crosscheck.config import CLAIM_TYPES, REPORT_TYPES


def marks(values: Sequence) -> str:
    """One placeholder per value: "?, ?, ?"."""
    return ", ".join("?" for _ in values)


def is_claim(alias: str = "s") -> tuple:
    """(condition, *params): a claim is a statement of a claim-type actor (government), not boilerplate, not a question.

    Every count and list of claims uses this one definition: `Where().add(*is_claim("s"))`.
    """
    return (f"{alias}.actor_type IN ({marks(CLAIM_TYPES)}) AND NOT {alias}.boilerplate AND NOT {alias}.is_question",
            *CLAIM_TYPES)


def is_report(alias: str = "s") -> tuple:
    """(condition, *params): a monitor report (OSINT, independent media, international body), not boilerplate or a question."""
    return (f"{alias}.actor_type IN ({marks(REPORT_TYPES)}) AND NOT {alias}.boilerplate AND NOT {alias}.is_question",
            *REPORT_TYPES)


def visible(alias: str = "m") -> str:
    """A stored pair that pages list and count: its source's shown sentence, and scored (not waiting for the scorer)."""
    prefix = f"{alias}." if alias else ""
    return f"({prefix}shown AND NOT {prefix}pending)"


class Where:
    """Conditions added one by one (optional filters), joined with AND, with their parameters in order.

    Usage::

        where = Where().add(*is_claim("s"))
        if start:
            where.add("s.stated_on >= ?", start)
        sql, params = where.build("SELECT s.statement_id FROM statements s", "ORDER BY s.statement_id")
    """

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list = []

    def add(self, clause: str, *params) -> Where:
        """One condition; `params` fill its placeholders in order."""
        self.clauses.append(clause)
        self.params.extend(params)
        return self

    def add_in(self, column: str, values: Sequence) -> Where:
        """column IN (values); nothing when values is empty."""
        if values:
            self.add(f"{column} IN ({marks(values)})", *values)
        return self

    def sql(self, keyword: str = "WHERE") -> str:
        """The conditions after `keyword`, or "" when there are none."""
        return f"{keyword} " + " AND ".join(f"({c})" for c in self.clauses) if self.clauses else ""

    def build(self, head: str, tail: str = "", tail_params: Sequence = ()) -> tuple[str, list]:
        """(head WHERE … tail, params): the statement and its parameters in placeholder order."""
        return " ".join(p for p in (head, self.sql(), tail) if p), [*self.params, *tail_params]


STANDINGS = ("contested", "corroborated", "open")
# Independent sources (distinct report actors) that must agree before a claim's standing changes:
# one noisy pair never makes a claim contested.
INDEPENDENT_SOURCES = 2


def standing(contradicting: str, supporting: str) -> str:
    """SQL for a claim's standing from its counts of independent contradicting and supporting sources."""
    n = int(INDEPENDENT_SOURCES)
    return (f"CASE WHEN {contradicting} >= {n} THEN 'contested' "
            f"WHEN {supporting} >= {n} AND {contradicting} = 0 THEN 'corroborated' ELSE 'open' END")
