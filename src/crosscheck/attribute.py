"""Attribute: sentences → statements with speaker, actor, actor type and date."""

from __future__ import annotations

from crosscheck.actors import ActorRegistry
from crosscheck.records import Document, Sentence, Statement


def attribute_sentences(doc: Document, sentences: list[Sentence], registry: ActorRegistry) -> list[Statement]:
    """Who said each sentence and when; narration belongs to the publisher."""
    actor = registry.resolve(doc.publisher) if doc.publisher else None
    return [
        Statement(
            text=s.text, start=s.start, end=s.end,
            speaker=doc.speaker or doc.publisher,
            actor=actor.name if actor else doc.publisher,
            actor_type=actor.actor_type if actor else None,
            stated_on=doc.published_on,
        )
        for s in sentences
    ]
