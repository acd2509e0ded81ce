"""The actor registry: canonical actors, aliases, organisation, country and type.

Organisations are the canonical actors statements are attributed to. An entry with a `role` is a
person; its `organisation` names the actor the person speaks for, so resolve("Putin") returns the
"Russian government" actor while the statement keeps "Putin" as the speaker written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import duckdb
import pandas as pd
import yaml

from crosscheck import config
from crosscheck.errors import CrosscheckError


@dataclass
class Actor:
    name: str
    actor_type: str = "other"
    country: str | None = None
    organisation: str | None = None
    role: str | None = None
    aliases: list[str] = field(default_factory=list)
    inferred: bool = False

    @property
    def is_person(self) -> bool:
        return bool(self.role)


_PUNCT = re.compile(r"[’`]")


def normalise_name(name: str) -> str:
    """Case-folded name with typographic apostrophes, a leading "the" and possessives removed."""
    name = _PUNCT.sub("'", name.strip()).strip(" ,.;:\"“”")
    name = re.sub(r"'s$", "", name)
    name = re.sub(r"^the\s+", "", name, flags=re.I)
    return re.sub(r"\s+", " ", name).casefold()


class ActorRegistry:
    """Looks up actors by any alias, case-insensitively; people resolve to their organisation."""

    def __init__(self, actors: list[Actor]):
        self.actors = {a.name: a for a in actors}
        self._index: dict[str, Actor] = {}
        surnames: dict[str, list[Actor]] = {}
        for a in actors:
            for alias in [a.name, *a.aliases]:
                self._index.setdefault(normalise_name(alias), a)
            if a.is_person and " " in a.name:
                surnames.setdefault(normalise_name(a.name.split()[-1]), []).append(a)
        for key, people in surnames.items():
            if len(people) == 1:
                self._index.setdefault(key, people[0])
        # Longest names first so "Russian Ministry of Defence" wins over "Russian".
        names = sorted({alias for a in actors for alias in [a.name, *a.aliases] if len(alias) > 1}, key=len, reverse=True)
        self._pattern = (
            re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])") if names else None
        )

    def lookup(self, name: str | None) -> Actor | None:
        """The registry entry (person or organisation) this name refers to, or None."""
        if not name:
            return None
        return self._index.get(normalise_name(name))

    def resolve(self, name: str | None) -> Actor | None:
        """The canonical organisation actor this name refers to, or None."""
        entry = self.lookup(name)
        seen = 0
        while entry is not None and entry.is_person and entry.organisation and seen < 4:
            parent = self.actors.get(entry.organisation) or self.lookup(entry.organisation)
            if parent is None or parent is entry:
                break
            entry, seen = parent, seen + 1
        return entry

    def find_names(self, text: str) -> list[tuple[int, int, Actor]]:
        """Known names mentioned in text, as (start, end, entry), left to right."""
        if not self._pattern or not text:
            return []
        return [(m.start(), m.end(), self._index[normalise_name(m.group(0))]) for m in self._pattern.finditer(text)
                if normalise_name(m.group(0)) in self._index]

    def add(self, actor: Actor) -> None:
        """Register an actor (e.g. one inferred from a document) so later lookups find it."""
        self.actors.setdefault(actor.name, actor)
        self._index.setdefault(normalise_name(actor.name), self.actors[actor.name])


def load_registry(path: str | Path | None = None) -> ActorRegistry:
    """Read data/actors.yaml (or another file) into a registry."""
    path = Path(path or config.ACTORS_FILE)
    if not path.exists():
        return ActorRegistry([])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise CrosscheckError(f"{path.name}: not valid YAML ({str(e).splitlines()[0]})") from e
    items = raw.get("actors", []) if isinstance(raw, dict) else raw
    actors = []
    for i, item in enumerate(items or []):
        if not isinstance(item, dict) or not item.get("name"):
            raise CrosscheckError(f"{path.name}: actor #{i + 1} needs a name")
        unknown = set(item) - {"name", "actor_type", "country", "organisation", "role", "aliases", "inferred"}
        if unknown:
            raise CrosscheckError(f"{path.name}: actor {item['name']!r} has unknown fields {sorted(unknown)}")
        actor = Actor(**{**item, "aliases": [str(a) for a in item.get("aliases") or []]})
        if actor.actor_type not in config.ACTOR_TYPES:
            raise CrosscheckError(f"{path.name}: actor {actor.name!r} has unknown type {actor.actor_type!r}")
        actors.append(actor)
    return ActorRegistry(actors)


def check_actor_type(actor_type: str) -> str:
    """The actor type if it is one of config.ACTOR_TYPES, else ValueError."""
    if actor_type not in config.ACTOR_TYPES:
        raise ValueError(f"unknown actor type {actor_type!r}; choose one of {', '.join(config.ACTOR_TYPES)}")
    return actor_type


def list_actors(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """All actors with how many statements each has, unconfirmed ones first."""
    return con.execute(
        """SELECT a.actor, a.actor_type, a.country, a.organisation, a.role, a.aliases, a.inferred, a.confirmed,
                  count(s.statement_id) AS statements
           FROM actors a LEFT JOIN statements s ON s.actor = a.actor
           GROUP BY ALL
           ORDER BY a.confirmed, statements DESC, a.actor"""
    ).df()


def update_actor(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    *,
    actor_type: str | None = None,
    country: str | None = None,
    aliases: list[str] | None = None,
    confirmed: bool | None = None,
) -> int:
    """Edit one actor; a new type also re-types its statements and its people. Returns statements re-typed."""
    if actor_type is not None:
        check_actor_type(actor_type)
    if aliases is not None and not all(isinstance(a, str) for a in aliases):
        raise ValueError("aliases must be a list of names")
    if not con.execute("SELECT 1 FROM actors WHERE actor = ?", [actor]).fetchone():
        raise ValueError(f"no actor named {actor!r}")
    changes = {"actor_type": actor_type, "country": country, "aliases": aliases, "confirmed": confirmed}
    changes = {k: v for k, v in changes.items() if v is not None}
    retyped = 0
    con.execute("BEGIN TRANSACTION")
    try:
        for column, value in changes.items():  # column names come from the fixed dict above
            con.execute(f"UPDATE actors SET {column} = ? WHERE actor = ?", [value, actor])
        if actor_type is not None:
            retyped = con.execute(
                "SELECT count(*) FROM statements WHERE actor = ? AND actor_type IS DISTINCT FROM ?", [actor, actor_type]
            ).fetchone()[0]
            con.execute("UPDATE statements SET actor_type = ? WHERE actor = ?", [actor_type, actor])
            con.execute("UPDATE actors SET actor_type = ? WHERE organisation = ? AND role IS NOT NULL", [actor_type, actor])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return retyped


def add_inferred_actors(con: duckdb.DuckDBPyConnection, statements: Iterable) -> int:
    """Add actors inferred during attribution to the actors table, unconfirmed; returns how many were new."""
    added = 0
    for s in statements:
        if not getattr(s, "inferred_actor", False) or not s.actor:
            continue
        if con.execute("SELECT 1 FROM actors WHERE actor = ?", [s.actor]).fetchone():
            continue
        con.execute(
            "INSERT INTO actors VALUES (?, ?, NULL, NULL, NULL, ?, true, false)",
            [s.actor, s.actor_type or "other", [s.speaker] if s.speaker and s.speaker != s.actor else []],
        )
        added += 1
    return added


def publisher_from_name(source_name: str, registry: ActorRegistry) -> str | None:
    """A publisher named at the start of a file name ("moscow_times_2022-02-16_….txt"), if it is a known organisation."""
    stem = re.split(r"\d{4}-\d{2}-\d{2}", Path(source_name).stem, maxsplit=1)[0]
    words = [w for w in re.split(r"[\s_\-.]+", stem) if w]
    for n in range(min(len(words), 5), 0, -1):
        entry = registry.lookup(" ".join(words[:n]))
        if entry is not None and not entry.is_person:
            return entry.name
    return None
