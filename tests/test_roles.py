"""Roles and the guarded writer: who may write what, every attempt audited, verdicts kept per analyst, schema 3 → 4."""

from __future__ import annotations

import datetime as dt
import logging

import duckdb
import pandas as pd
import pytest

from crosscheck import review, roles
from crosscheck.db import connection, reads, schema, writes
from crosscheck.db.writer import Writer
from crosscheck.errors import AccessDenied, InputError, StoreError
from crosscheck.records import Document, Statement

ANA = {"is_logged_in": True, "email": "Ana@Newsroom.test", "email_verified": True, "name": "Ana Analyst"}
VIC = {"is_logged_in": True, "email": "vic@partner.test", "name": "Victor Viewer"}
RULES = roles.RoleRules.from_section({
    "admin": ["lead@newsroom.test"],
    "analyst": ["@newsroom.test", "stringer@example.org"],
    "viewer": ["@partner.test", "lead@newsroom.test"],  # listed twice: the higher role wins
    "default": "none",
})


def test_rules_from_the_secrets_give_emails_then_grants_then_domains_then_the_default():
    assert RULES.role_for("lead@newsroom.test") == "admin"
    assert RULES.role_for("ana@newsroom.test") == "analyst"
    assert RULES.role_for("STRINGER@example.org") == "analyst"
    assert RULES.role_for("vic@partner.test") == "viewer"
    assert RULES.role_for("someone@gmail.test") == "none"
    assert RULES.role_for("sub.newsroom.test@x.test") == "none"  # a domain is matched whole, after the @
    grants = {"someone@gmail.test": "viewer", "vic@partner.test": "analyst", "lead@newsroom.test": "viewer"}
    assert RULES.role_for("someone@gmail.test", grants) == "viewer"
    assert RULES.role_for("vic@partner.test", grants) == "analyst"  # a grant comes before the domain
    assert RULES.role_for("lead@newsroom.test", grants) == "admin"  # an email in the secrets cannot be demoted
    assert ("everyone else signed in", "none") in RULES.describe()


def test_without_a_roles_section_every_signed_in_person_is_an_analyst_and_the_default_default_is_viewer():
    assert roles.RoleRules.from_section(None).role_for("x@y.test") == "analyst"
    assert roles.RoleRules.from_section({"analyst": ["@newsroom.test"]}).role_for("x@y.test") == "viewer"


@pytest.mark.parametrize("section, message", [
    ({"editor": ["a@b.test"]}, "unknown key 'editor'"),
    ({"default": "reader"}, "default = 'reader'"),
    ({"viewer": {"a": 1}}, "a list of emails"),
    ({"viewer": [""]}, "an empty entry"),
])
def test_a_roles_section_that_cannot_be_used_is_an_error(section, message):
    with pytest.raises(roles.RolesConfigError, match=message):
        roles.RoleRules.from_section(section)


def test_identity_of_a_run():
    ana = roles.identify(ANA, RULES, auth=True)
    assert (ana.user_id, ana.role, ana.name, ana.signed_in) == ("ana@newsroom.test", "analyst", "Ana Analyst", True)
    assert ana.label == "Ana Analyst (ana@newsroom.test)"
    assert roles.identify(VIC, RULES, auth=True).role == "viewer"
    assert roles.identify({"is_logged_in": False}, RULES, auth=True).role == "none"
    # An address the provider did not verify proves nothing: the default role, keyed by the subject.
    unverified = roles.identify({**ANA, "email_verified": False, "sub": "42"}, RULES, auth=True)
    assert (unverified.user_id, unverified.role) == ("42", "none")
    # Without sign-in: one anonymous analyst, as before roles existed; read-only makes everyone a viewer.
    assert roles.identify(None, RULES, auth=False) == roles.Identity("anonymous", "analyst")
    assert roles.identify(None, RULES, auth=False, read_only=True).role == "viewer"
    assert roles.identify({**ANA, "email": "lead@newsroom.test"}, RULES, auth=True, read_only=True).role == "viewer"


def test_what_each_role_may_do():
    table = {role: {a for a in [*roles.REQUIRES, "read", "export", "audit"] if roles.Identity("x@y.test", role).may(a)}
             for role in roles.ASSIGNABLE}
    assert table["none"] == set()
    assert table["viewer"] == {"read", "export", "follow"}  # following changes no evidence
    assert table["analyst"] == {"read", "export", "audit", "upload", "verdict", "edit_actor", "recalibrate", "follow"}
    assert table["admin"] == table["analyst"] | {"grant_role"}
    frozen = roles.Identity("x@y.test", "admin", read_only=True)
    assert not any(frozen.may(a) for a in roles.REQUIRES) and frozen.may("read")
    assert "read-only" in frozen.refusal("verdict")
    assert roles.Identity("vic@partner.test", "viewer", "Vic").refusal("verdict") == (
        "verdict needs the analyst role; Vic (vic@partner.test) is a viewer")
    assert not roles.Identity("x@y.test", "admin").may("drop_everything")


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("YES", True), ("0", False), ("", False)])
def test_read_only_mode_comes_from_the_environment(value, expected):
    assert roles.read_only_mode({"CROSSCHECK_READ_ONLY": value}) is expected
    assert roles.read_only_mode({}) is False


# ---------------------------------------------------------------- the database side


def _add_pair(con) -> tuple[str, str]:
    """A claim and a report stored by hand, with a scored pair between them."""
    ids = []
    for n, (text, actor, kind) in enumerate([("Forces are pulling back from the border.", "Russian government", "government"),
                                             ("Armour moved toward the border.", "Conflict Intelligence Team", "osint")]):
        doc = Document(text=text, publisher=actor, published_on=dt.date(2022, 2, 15 + n), source_name=f"{n}.txt", sha256=f"{n}" * 64)
        statement = Statement(text=text, start=0, end=len(text), actor=actor, actor_type=kind, stated_on=doc.published_on)
        ids += writes.insert_document(con, doc, [statement], None)
    writes.save_matches(con, pd.DataFrame([{"claim_id": ids[0], "report_id": ids[1], "similarity": 0.7, "stance": "contradicts",
                                            "contradiction": 0.9, "support": 0.05, "lag_days": 1}]))
    return ids[0], ids[1]


@pytest.fixture
def pair(db):
    return _add_pair(db)


def test_each_analyst_keeps_their_own_verdict_and_the_agreement_counts_them(db, pair):
    claim, report = pair
    writes.save_verdict(db, claim, report, "confirmed", analyst="ana@newsroom.test", analyst_name="Ana")
    writes.save_verdict(db, claim, report, "confirmed", analyst="bo@newsroom.test", analyst_name="Bo")
    both = reads.claim_verdicts(db, claim)
    assert list(both["analyst"]) == ["ana@newsroom.test", "bo@newsroom.test"] and set(both["label"]) == {"contradicts"}
    assert review.agreement(both).summary == "2 of 2 analysts agree: contradicts"
    writes.save_verdict(db, claim, report, "rejected", analyst="bo@newsroom.test", analyst_name="Bo")
    split = reads.claim_verdicts(db, claim)
    assert len(split) == 2 and not review.agreement(split).unanimous
    assert review.agreement(split).summary == "Analysts disagree: contradicts (1), not contradicts (1)"
    # The pair-level reads keep one row per pair: the latest verdict.
    details = reads.report_details(db, claim, [report])
    assert len(details) == 1 and details.loc[0, "verdict"] == "rejected" and details.loc[0, "analyst"] == "bo@newsroom.test"
    rows = reads.pair_rows(db)
    assert len(rows) == 1 and rows.loc[0, "verdict"] == "rejected"
    assert len(reads.verdict_pairs(db)) == 2  # both are labelled pairs for the calibration
    assert review.agreement(split.iloc[:0]).summary == "No analyst verdict yet."


def test_an_actor_edit_records_who_and_when(db):
    writes.update_actor(db, "Rochan Consulting", country="Poland", by="ana@newsroom.test")
    actors = reads.list_actors(db).set_index("actor")
    assert actors.loc["Rochan Consulting", "edited_by"] == "ana@newsroom.test"
    assert pd.notna(actors.loc["Rochan Consulting", "edited_at"])
    assert pd.isna(actors.loc["TASS", "edited_by"])


def test_role_grants_are_validated(db):
    writes.grant_role(db, " Vic@Partner.test ", "analyst", by="lead@newsroom.test", roles=roles.ASSIGNABLE)
    assert reads.role_grants(db)[["user_id", "role", "granted_by"]].values.tolist() == [["vic@partner.test", "analyst", "lead@newsroom.test"]]
    with pytest.raises(InputError, match="not an email"):
        writes.grant_role(db, "partner.test", "analyst", by="lead@newsroom.test", roles=roles.ASSIGNABLE)
    with pytest.raises(InputError, match="unknown role"):
        writes.grant_role(db, "vic@partner.test", "owner", by="lead@newsroom.test", roles=roles.ASSIGNABLE)
    writes.grant_role(db, "vic@partner.test", None, by="lead@newsroom.test", roles=roles.ASSIGNABLE)
    assert reads.role_grants(db).empty


def test_the_guarded_writer_refuses_a_write_without_the_role_and_audits_every_attempt(db, pair, caplog):
    claim, report = pair
    viewer = roles.identify(VIC, RULES, auth=True)
    analyst = roles.identify(ANA, RULES, auth=True)
    caplog.set_level(logging.INFO, logger="crosscheck.audit")
    with Writer(db, guarded=True) as writer:
        # A crafted request straight to the writer: without a caller, and as a viewer.
        with pytest.raises(AccessDenied, match="signed-in person"):
            writer.submit(writes.save_verdict, claim, report, "confirmed")
        with pytest.raises(AccessDenied, match="verdict needs the analyst role"):
            writer.submit_as(viewer, "verdict", f"{claim}/{report}", writes.save_verdict, claim, report, "confirmed",
                             analyst=viewer.user_id)
        with pytest.raises(AccessDenied, match="upload needs the analyst role"):
            writer.submit_as(viewer, "upload", "1 documents", writes.update_actor, "TASS", country="X")
        writer.submit_as(analyst, "verdict", f"{claim}/{report}", writes.save_verdict, claim, report, "confirmed",
                         analyst=analyst.user_id, analyst_name=analyst.name).result(timeout=30)
        with pytest.raises(InputError, match="no actor named"):
            writer.submit_as(analyst, "edit_actor", "Nobody", writes.update_actor, "Nobody", country="X").result(timeout=30)
    assert reads.list_verdicts(db)[["analyst", "analyst_name", "verdict"]].values.tolist() == [
        ["ana@newsroom.test", "Ana Analyst", "confirmed"]]
    assert reads.list_actors(db).set_index("actor").loc["TASS", "country"] != "X"
    audit = reads.list_audit(db).sort_values("attempted_at", kind="stable")
    got = audit[["user_id", "role", "action", "outcome"]].values.tolist()
    assert got == [["vic@partner.test", "viewer", "verdict", "refused"], ["vic@partner.test", "viewer", "upload", "refused"],
                   ["ana@newsroom.test", "analyst", "verdict", "done"], ["ana@newsroom.test", "analyst", "edit_actor", "failed"]]
    done = audit[audit["outcome"] == "done"].iloc[0]
    assert done["target"] == f"{claim}/{report}" and '"confirmed"' in done["detail"] and done["user_name"] == "Ana Analyst"
    assert "no actor named" in audit[audit["outcome"] == "failed"].iloc[0]["reason"]
    logged = [r.getMessage() for r in caplog.records if r.name == "crosscheck.audit"]
    assert sum(m.startswith("refused: ") for m in logged) == 3  # the one without a caller is logged too
    assert any(m.startswith("done: ana@newsroom.test (analyst) verdict") for m in logged)


def test_a_read_only_workspace_has_no_write_path(tmp_path, embedder, registry):
    path = tmp_path / "frozen.duckdb"
    con = connection.connect(path)
    schema.ensure_schema(con, embedder.name, embedder.dim)
    writes.sync_actors(con, registry)
    claim, report = _add_pair(con)
    con.close()
    frozen = connection.connect(path, read_only=True)
    try:
        who = roles.identify(None, roles.RoleRules(), auth=False, read_only=True)
        with Writer(frozen, guarded=True, read_only=True) as writer:
            with pytest.raises(AccessDenied, match="read-only"):
                writer.submit_as(who, "verdict", None, writes.save_verdict, claim, report, "confirmed")
            # Even a caller that claims every right is stopped by DuckDB itself.
            everyone = roles.Identity("root@x.test", "admin")
            future = writer.submit_as(everyone, "verdict", None, writes.save_verdict, claim, report, "confirmed")
            with pytest.raises(duckdb.Error, match="read-only"):
                future.result(timeout=30)
        assert reads.list_verdicts(frozen).empty and reads.list_audit(frozen).empty
    finally:
        frozen.close()


def test_a_version_3_database_keeps_its_verdicts_per_analyst(db, pair):
    claim, report = pair
    # Make it look as version 3 left it: one verdict per pair, no analyst, no edit columns, no audit or grants.
    db.execute("DROP TABLE verdicts")
    db.execute("""CREATE TABLE verdicts (claim_id VARCHAR NOT NULL, report_id VARCHAR NOT NULL, verdict VARCHAR NOT NULL,
                  analyst VARCHAR, note VARCHAR, decided_at TIMESTAMP NOT NULL, label VARCHAR, stance_seen VARCHAR,
                  PRIMARY KEY (claim_id, report_id))""")
    db.execute("INSERT INTO verdicts VALUES (?, ?, 'confirmed', NULL, 'seen', now()::TIMESTAMP, 'contradicts', 'contradicts')",
               [claim, report])
    for column in ("edited_by", "edited_at"):
        db.execute(f"ALTER TABLE actors DROP COLUMN {column}")
    db.execute("DROP TABLE audit")
    db.execute("DROP TABLE role_grants")
    schema.set_meta(db, "schema_version", "3")
    schema.upgrade(db)
    assert schema.get_meta(db, "schema_version") == str(schema.SCHEMA_VERSION) == "5"
    kept = reads.list_verdicts(db)
    assert kept[["analyst", "verdict", "label", "note"]].values.tolist() == [["anonymous", "confirmed", "contradicts", "seen"]]
    writes.save_verdict(db, claim, report, "rejected", analyst="ana@newsroom.test")
    assert len(reads.claim_verdicts(db, claim)) == 2
    writes.update_actor(db, "TASS", country="Russia", by="ana@newsroom.test")
    writes.record_audit(db, user_id="ana@newsroom.test", action="edit_actor", outcome="done")
    assert len(reads.list_audit(db)) == 1
    with pytest.raises(StoreError, match="outcome"):
        writes.record_audit(db, user_id="ana@newsroom.test", action="edit_actor", outcome="maybe")


def test_the_dashboards_own_upkeep_may_score_and_nothing_else(db):
    system = roles.system_identity()
    assert system.may("score") and not any(system.may(a) for a in roles.REQUIRES)
    assert not roles.system_identity(read_only=True).may("score")
    assert not roles.Identity("lead@newsroom.test", "admin").may("score")  # a person never writes as the dashboard
    with Writer(db, guarded=True) as writer:
        assert writer.submit_as(system, "score", "pending pairs", reads.pending_count).result(timeout=30) == 0
        with pytest.raises(AccessDenied, match="does only score, not verdict"):
            writer.submit_as(system, "verdict", None, writes.save_verdict, "a", "b", "confirmed")
    assert reads.list_audit(db)[["user_id", "role", "action", "outcome"]].values.tolist()[::-1] == [
        ["crosscheck", "system", "score", "done"], ["crosscheck", "system", "verdict", "refused"]]
