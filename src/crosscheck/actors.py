"""The actor registry: canonical actors, aliases, organisation, country and type."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from crosscheck import config


@dataclass
class Actor:
    name: str
    actor_type: str = "other"
    country: str | None = None
    organisation: str | None = None
    role: str | None = None
    aliases: list[str] = field(default_factory=list)
    inferred: bool = False


class ActorRegistry:
    """Looks up actors by any alias, case-insensitively."""

    def __init__(self, actors: list[Actor]):
        self.actors = {a.name: a for a in actors}
        self._index = {}
        for a in actors:
            for alias in [a.name, *a.aliases]:
                self._index[alias.casefold()] = a

    def resolve(self, name: str | None) -> Actor | None:
        """The actor this name refers to, or None."""
        if not name:
            return None
        return self._index.get(name.strip().casefold())


def load_registry(path: str | Path | None = None) -> ActorRegistry:
    """Read data/actors.yaml (or another file) into a registry."""
    path = Path(path or config.ACTORS_FILE)
    if not path.exists():
        return ActorRegistry([])
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items = raw.get("actors", raw) if isinstance(raw, dict) else raw
    return ActorRegistry([Actor(**item) for item in items])
