"""The actor registry: canonical actors, aliases, organisation, country and type.

Organisations are the canonical actors statements are attributed to. An entry with a `role` is a
person; its `organisation` names the actor the person speaks for, so resolve("Putin") returns the
"Russian government" actor while the statement keeps "Putin" as the speaker written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from crosscheck import config
from crosscheck.errors import CrosscheckError, InputError


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
        try:
            config.check_actor_type(actor.actor_type)
        except InputError as e:
            raise InputError(f"{path.name}: actor {actor.name!r} has unknown type {actor.actor_type!r}") from e
        actors.append(actor)
    return ActorRegistry(actors)


def publisher_from_name(source_name: str, registry: ActorRegistry) -> str | None:
    """A publisher named at the start of a file name ("moscow_times_2022-02-16_….txt"), if it is a known organisation."""
    stem = re.split(r"\d{4}-\d{2}-\d{2}", Path(source_name).stem, maxsplit=1)[0]
    words = [w for w in re.split(r"[\s_\-.]+", stem) if w]
    for n in range(min(len(words), 5), 0, -1):
        entry = registry.lookup(" ".join(words[:n]))
        if entry is not None and not entry.is_person:
            return entry.name
    return None
