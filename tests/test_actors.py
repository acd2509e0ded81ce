"""The actor registry file, lookups, and the editing functions the Actors page calls."""

from __future__ import annotations

import pytest

from crosscheck import config
from crosscheck.actors import Actor, ActorRegistry, load_registry
from crosscheck.db.reads import list_actors
from crosscheck.db.writes import add_inferred_actors, update_actor
from crosscheck.errors import CrosscheckError, InputError
from crosscheck.records import Statement


def test_registry_file_is_valid_and_people_point_to_known_actors(registry):
    assert len(registry.actors) >= 100
    for actor in registry.actors.values():
        assert actor.actor_type in config.ACTOR_TYPES, actor.name
        if actor.is_person:
            assert actor.organisation in registry.actors, f"{actor.name} → {actor.organisation}"
            assert not registry.actors[actor.organisation].is_person


@pytest.mark.parametrize(
    ("name", "actor", "actor_type"),
    [
        ("Putin", "Russian government", "government"),
        ("Vladimir Putin", "Russian government", "government"),
        ("the Kremlin", "Russian government", "government"),
        ("Zelenskiy", "Ukrainian government", "government"),
        ("Zelensky", "Ukrainian government", "government"),
        ("Zelenskyy", "Ukrainian government", "government"),
        ("Joe Biden", "US government", "government"),
        ("Stoltenberg", "NATO", "intl_org"),
        ("Vladimir Makei", "Belarusian Foreign Ministry", "government"),
        ("Ruslan Leviev", "Conflict Intelligence Team", "osint"),
        ("Konrad Muzyka", "Rochan Consulting", "osint"),
        ("Shoigu", "Russian Ministry of Defence", "government"),
        ("Konashenkov", "Russian Ministry of Defence", "government"),
        ("Lavrov", "Russian Foreign Ministry", "government"),
        ("Kuleba", "Ukrainian Foreign Ministry", "government"),
        ("Blinken", "US State Department", "government"),
        ("Grossi", "IAEA", "intl_org"),
        ("Guterres", "United Nations", "intl_org"),
        ("TASS", "TASS", "state_media"),
        ("RT", "RT", "state_media"),
        ("The Moscow Times", "The Moscow Times", "independent_media"),
        ("Meduza", "Meduza", "independent_media"),
        ("Bellingcat", "Bellingcat", "osint"),
        ("en.kremlin.ru", "Russian government", "government"),
        ("president.gov.ua", "Ukrainian government", "government"),
    ],
)
def test_resolve_maps_people_to_their_organisation(registry, name, actor, actor_type):
    found = registry.resolve(name)
    assert found is not None, name
    assert (found.name, found.actor_type) == (actor, actor_type)


def test_lookup_keeps_the_person_and_unknown_names_resolve_to_none(registry):
    assert registry.lookup("Putin").name == "Vladimir Putin"
    assert registry.lookup("Putin").role
    assert registry.resolve("Somebody Unknown") is None
    assert registry.resolve("") is None
    assert registry.resolve("Putin’s") is not None  # typographic possessive


def test_find_names_prefers_the_longest_name(registry):
    found = [(a.name, text) for _, _, a in registry.find_names("the Russian Defence Ministry said") for text in [a.name]]
    assert found == [("Russian Ministry of Defence", "Russian Ministry of Defence")]


def test_bad_registry_file_names_the_file_and_the_problem(tmp_path):
    path = tmp_path / "actors.yaml"
    path.write_text("actors:\n  - {name: X, actor_type: martian}\n")
    with pytest.raises(CrosscheckError, match=r"actors.yaml: actor 'X' has unknown type 'martian'"):
        load_registry(path)
    path.write_text("actors:\n  - {actor_type: osint}\n")
    with pytest.raises(CrosscheckError, match=r"actors.yaml: actor #1 needs a name"):
        load_registry(path)
    path.write_text("actors: [\n")
    with pytest.raises(CrosscheckError, match=r"actors.yaml: not valid YAML"):
        load_registry(path)


def _insert_statement(con, sid, actor, actor_type):
    con.execute(
        """INSERT INTO statements (statement_id, doc_id, seq, text, start, "end", speaker, actor, actor_type)
           VALUES (?, 'd1', 0, 'text', 0, 4, 'someone', ?, ?)""",
        [sid, actor, actor_type],
    )


def test_update_actor_retypes_its_statements_in_one_go(db):
    _insert_statement(db, "s1", "Interfax", "independent_media")
    _insert_statement(db, "s2", "Interfax", "independent_media")
    _insert_statement(db, "s3", "TASS", "state_media")
    changed = update_actor(db, "Interfax", actor_type="state_media", aliases=["Interfax", "IF"], confirmed=True)
    assert changed == 2
    rows = db.execute("SELECT actor, actor_type FROM statements ORDER BY statement_id").fetchall()
    assert rows == [("Interfax", "state_media"), ("Interfax", "state_media"), ("TASS", "state_media")]
    row = db.execute("SELECT actor_type, aliases FROM actors WHERE actor = ?", ["Interfax"]).fetchone()
    assert row == ("state_media", ["Interfax", "IF"])


def test_update_actor_refuses_bad_input_and_changes_nothing(db):
    _insert_statement(db, "s1", "TASS", "state_media")
    with pytest.raises(InputError, match="unknown actor type 'media'"):
        update_actor(db, "TASS", actor_type="media")
    with pytest.raises(InputError, match="no actor named 'Nobody'"):
        update_actor(db, "Nobody", actor_type="osint")
    assert db.execute("SELECT actor_type FROM statements").fetchone() == ("state_media",)


def test_retyping_an_organisation_retypes_its_people(db):
    update_actor(db, "Rochan Consulting", actor_type="other")
    row = db.execute("SELECT actor_type FROM actors WHERE actor = 'Konrad Muzyka'").fetchone()
    assert row == ("other",)


def test_inferred_actors_are_added_unconfirmed_and_listed_first(db):
    statements = [
        Statement("a", 0, 1, speaker="Jane Roe", actor="Baltic Monitoring Group", actor_type="osint", inferred_actor=True),
        Statement("b", 0, 1, speaker="Putin", actor="Russian government", actor_type="government"),
    ]
    assert add_inferred_actors(db, statements) == 1
    assert add_inferred_actors(db, statements) == 0  # already there
    table = list_actors(db)
    first = table.iloc[0]
    assert (first.actor, first.actor_type, bool(first.inferred), bool(first.confirmed)) == (
        "Baltic Monitoring Group", "osint", True, False
    )
    assert list(first.aliases) == ["Jane Roe"]
    update_actor(db, "Baltic Monitoring Group", confirmed=True)
    assert bool(list_actors(db).set_index("actor").loc["Baltic Monitoring Group", "confirmed"])


def test_registry_add_makes_new_actor_resolvable():
    reg = ActorRegistry([Actor("NATO", "intl_org")])
    reg.add(Actor("Baltic Monitoring Group", "osint", inferred=True))
    assert reg.resolve("baltic monitoring group").actor_type == "osint"
