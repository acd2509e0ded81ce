from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from typed_docs import add_document

from crosscheck.config import ClusterSettings, MatchSettings
from crosscheck.db import reads, writes
from crosscheck.match import claim_reports, claim_share, find_matches, rank_pairs, rematch, search_reports

FEB15 = dt.date(2022, 2, 15)
WITHDRAW = "A decision has been taken to partially withdraw forces from the border."
RETURNING = "Russian units are returning to their bases after the exercises."
NO_SIGN = "We see no sign of withdrawal of Russian forces from the border."
MASSING = "Satellite images show Russian troops are still massing near the border."
FOOTBALL = "A football match was postponed because of rain."
LOOSE = MatchSettings(window_days=14, top_k=10, threshold=0.2)


def days(n: int) -> dt.date:
    return FEB15 + dt.timedelta(days=n)


def test_new_report_finds_old_claim_and_new_claim_finds_old_report(db, embedder):
    claim_ids, first = add_document(db, embedder, [(WITHDRAW, "Kremlin", "government")], FEB15, settings=LOOSE)
    assert first.empty  # no reports stored yet
    report_ids, pairs = add_document(db, embedder, [(NO_SIGN, "NATO", "intl_org")], days(2), settings=LOOSE)
    assert list(zip(pairs["claim_id"], pairs["report_id"])) == [(claim_ids[0], report_ids[0])]
    assert pairs["lag_days"].tolist() == [2]

    later_claim, pairs = add_document(db, embedder, [(RETURNING, "Russian MoD", "government")], days(3), settings=LOOSE)
    assert list(zip(pairs["claim_id"], pairs["report_id"])) == [(later_claim[0], report_ids[0])]
    assert pairs["lag_days"].tolist() == [-1]  # report came before this claim


def test_window_keeps_reports_within_days_either_side(db, embedder):
    claim, _ = add_document(db, embedder, [(WITHDRAW, "Kremlin", "government")], FEB15, settings=LOOSE)
    inside, _ = add_document(db, embedder, [(NO_SIGN, "NATO", "intl_org")], days(14), settings=LOOSE)
    before, _ = add_document(db, embedder, [(MASSING, "CIT", "osint")], days(-14), settings=LOOSE)
    outside, _ = add_document(db, embedder, [("No withdrawal of forces from the border is visible.", "CIT", "osint")], days(15), settings=LOOSE)
    pairs = search_reports(db, claim[0], LOOSE)
    assert set(pairs["report_id"]) == {inside[0], before[0]}
    assert dict(zip(pairs["report_id"], pairs["lag_days"])) == {inside[0]: 14, before[0]: -14}
    wider = search_reports(db, claim[0], MatchSettings(window_days=15, top_k=10, threshold=0.2))
    assert outside[0] in set(wider["report_id"])


def test_threshold_and_top_k_are_respected(db, embedder):
    claim, _ = add_document(db, embedder, [(WITHDRAW, "Kremlin", "government")], FEB15, settings=LOOSE)
    reports, _ = add_document(
        db, embedder,
        [(NO_SIGN, "NATO", "intl_org"), (MASSING, "CIT", "osint"), (FOOTBALL, "BBC", "independent_media")],
        days(1), settings=LOOSE,
    )
    everything = search_reports(db, claim[0], MatchSettings(window_days=14, top_k=10, threshold=-1.0))
    assert len(everything) == 3
    sims = everything["similarity"].tolist()
    assert sims == sorted(sims, reverse=True)
    assert everything["report_id"].iloc[-1] == reports[2]  # football is the least similar

    threshold = (sims[0] + sims[1]) / 2
    strict = search_reports(db, claim[0], MatchSettings(window_days=14, top_k=10, threshold=threshold))
    assert strict["report_id"].tolist() == everything["report_id"].iloc[:1].tolist()
    assert (strict["similarity"] >= threshold).all()

    top2 = rematch(db, MatchSettings(window_days=14, top_k=2, threshold=-1.0))
    assert top2["report_id"].tolist() == everything["report_id"].iloc[:2].tolist()


def test_new_report_enters_top_k_only_by_beating_stored_pairs(db, embedder):
    one = MatchSettings(window_days=14, top_k=1, threshold=0.0)
    claim, _ = add_document(db, embedder, [(WITHDRAW, "Kremlin", "government")], FEB15, settings=one)
    _, first = add_document(db, embedder, [(MASSING, "CIT", "osint")], days(1), settings=one)
    assert len(first) == 1
    _, weaker = add_document(db, embedder, [(FOOTBALL, "BBC", "independent_media")], days(1), settings=one)
    assert weaker.empty  # the stored pair is more similar, and k = 1
    stronger_ids, stronger = add_document(db, embedder, [(NO_SIGN, "NATO", "intl_org")], days(2), settings=one)
    assert stronger["report_id"].tolist() == stronger_ids
    assert stronger["similarity"].iloc[0] > first["similarity"].iloc[0]


def test_claim_and_report_in_one_document_are_paired(db, embedder):
    ids, pairs = add_document(
        db, embedder,
        [(WITHDRAW, "Vladimir Putin", "government"), (NO_SIGN, "Jens Stoltenberg", "intl_org"), (FOOTBALL, None, None)],
        FEB15, settings=LOOSE,
    )
    assert list(zip(pairs["claim_id"], pairs["report_id"])) == [(ids[0], ids[1])]
    assert pairs["lag_days"].tolist() == [0]


def test_untyped_statements_are_never_matched(db, embedder):
    add_document(db, embedder, [(RETURNING, None, None)], FEB15, settings=LOOSE)
    _, pairs = add_document(db, embedder, [(NO_SIGN, "NATO", "intl_org")], FEB15, settings=LOOSE)
    assert pairs.empty
    assert rematch(db, LOOSE).empty


def test_state_media_are_claims_never_evidence(db, embedder):
    """RT relays the official line: its statement is a claim that monitors answer, never evidence against one."""
    rt, _ = add_document(db, embedder, [(WITHDRAW, "RT", "state_media")], FEB15, settings=LOOSE)
    nato, pairs = add_document(db, embedder, [(NO_SIGN, "NATO", "intl_org")], FEB15, settings=LOOSE)
    assert set(zip(pairs["claim_id"], pairs["report_id"])) == {(rt[0], nato[0])}
    kremlin, pairs = add_document(db, embedder, [(RETURNING, "Kremlin", "government")], FEB15, settings=LOOSE)
    assert rt[0] not in set(pairs["report_id"]) and rt[0] not in set(rematch(db, LOOSE)["report_id"])


def test_undated_statements_match_any_date_with_unknown_lag(db, embedder):
    claim, _ = add_document(db, embedder, [(WITHDRAW, "Kremlin", "government")], None, settings=LOOSE)
    report, pairs = add_document(db, embedder, [(NO_SIGN, "NATO", "intl_org")], dt.date(2023, 6, 1), settings=LOOSE)
    assert pairs["report_id"].tolist() == report
    assert pairs["lag_days"].isna().all()


def test_find_matches_on_all_statements_equals_rematch(db, embedder):
    add_document(db, embedder, [(WITHDRAW, "Kremlin", "government"), (RETURNING, "Russian MoD", "government")], FEB15, settings=LOOSE)
    add_document(db, embedder, [(NO_SIGN, "NATO", "intl_org"), (MASSING, "CIT", "osint")], days(2), settings=LOOSE)
    whole = find_matches(db, None, LOOSE)
    assert len(whole) == 4
    pd.testing.assert_frame_equal(
        whole.sort_values(["claim_id", "report_id"]).reset_index(drop=True),
        rematch(db, LOOSE).sort_values(["claim_id", "report_id"]).reset_index(drop=True),
    )


def test_rank_pairs_never_pairs_a_statement_with_itself():
    vecs = np.eye(3, dtype=np.float32)
    ids = np.array(["a", "b", "c"], dtype=object)
    when = np.array(["2022-02-15"] * 3, dtype="datetime64[D]")
    pairs = rank_pairs(ids, when, vecs, ids, when, vecs, MatchSettings(window_days=1, top_k=5, threshold=-1.0))
    assert len(pairs) == 6
    assert not (pairs["claim_id"] == pairs["report_id"]).any()


def test_rank_pairs_takes_top_k_over_many_reports_by_day():
    rng = np.random.default_rng(0)
    reports = rng.normal(size=(500, 8)).astype(np.float32)
    reports /= np.linalg.norm(reports, axis=1, keepdims=True)
    r_days = np.datetime64("2022-01-01") + rng.integers(0, 60, size=500).astype("timedelta64[D]")
    claims = reports[:20] + 0.1
    claims /= np.linalg.norm(claims, axis=1, keepdims=True)
    c_days = r_days[:20]
    c_ids = np.array([f"c{i}" for i in range(20)], dtype=object)
    r_ids = np.array([f"r{i:03d}" for i in range(500)], dtype=object)
    settings = MatchSettings(window_days=3, top_k=4, threshold=0.1)
    pairs = rank_pairs(c_ids, c_days, claims, r_ids, r_days, reports, settings)
    # Brute force, one claim at a time, as the reference.
    for i in range(20):
        sims = reports @ claims[i]
        lag = (r_days - c_days[i]).astype(int)
        ok = np.flatnonzero((np.abs(lag) <= 3) & (sims >= 0.1))
        expected = [r_ids[j] for j in ok[np.argsort(-sims[ok], kind="stable")][:4]]
        got = pairs.loc[pairs["claim_id"] == c_ids[i], "report_id"].tolist()
        assert got == expected
        assert (pairs.loc[pairs["claim_id"] == c_ids[i], "lag_days"].abs() <= 3).all()


def test_another_governments_statement_is_evidence_but_not_the_same_governments(db, embedder):
    claim, _ = add_document(db, embedder, [(WITHDRAW, "Russian government", "government")], FEB15, settings=LOOSE)
    same_side, _ = add_document(
        db, embedder, [("Russian forces are partially withdrawing from the border.", "Russian Ministry of Defence", "government")],
        days(1), settings=LOOSE,
    )
    other_side, _ = add_document(db, embedder, [(NO_SIGN, "Ukrainian government", "government")], days(1), settings=LOOSE)
    pairs = search_reports(db, claim[0], LOOSE)
    assert other_side[0] in set(pairs["report_id"])
    assert same_side[0] not in set(pairs["report_id"])


def test_top_k_counts_sources_so_a_long_article_cannot_fill_it(db, embedder):
    claim, _ = add_document(db, embedder, [(WITHDRAW, "Russian government", "government")], FEB15, settings=LOOSE)
    article = [(f"Observers saw no withdrawal of forces from the border at site {i}.", "BBC", "independent_media") for i in range(5)]
    bbc, _ = add_document(db, embedder, article, days(1), settings=LOOSE)
    cit, _ = add_document(db, embedder, [(MASSING, "Conflict Intelligence Team", "osint")], days(1), settings=LOOSE)
    capped = search_reports(db, claim[0], MatchSettings(window_days=14, top_k=2, threshold=0.0, source_sentences=3))
    assert len(set(capped["report_id"]) & set(bbc)) == 3  # the source's three most similar sentences, all to be scored
    assert cit[0] in set(capped["report_id"])
    assert capped["source"].nunique() == 2
    one = search_reports(db, claim[0], MatchSettings(window_days=14, top_k=1, threshold=0.0, source_sentences=1))
    assert len(one) == 1 and one["source"].nunique() == 1
    loose = search_reports(db, claim[0], MatchSettings(window_days=14, top_k=10, threshold=0.0, source_sentences=5))
    assert set(bbc) <= set(loose["report_id"])


def test_each_source_shows_the_sentence_that_bears_most_on_the_claim(db, embedder):
    """Not the most similar sentence: the one with the highest contradiction or support, counted once."""
    claim, _ = add_document(db, embedder, [(WITHDRAW, "Russian government", "government")], FEB15, settings=LOOSE)
    article = [
        ("Analysts have been watching the videos of forces near the border all week.", "CIT", "osint"),
        ("Their analysis has not indicated that any forces are leaving the border.", "CIT", "osint"),
        ("The weather near the border was cold.", "CIT", "osint"),
    ]
    cit, pairs = add_document(db, embedder, article, days(1), settings=LOOSE)
    assert set(pairs["report_id"]) == set(cit)
    scores = {cit[0]: ("uncertain", 0.40, 0.30), cit[1]: ("contradicts", 0.90, 0.05), cit[2]: ("unrelated", 0.10, 0.10)}
    for report, (stance, c, s) in scores.items():
        db.execute("UPDATE matches SET stance = ?, contradiction = ?, support = ? WHERE claim_id = ? AND report_id = ?",
                   [stance, c, s, claim[0], report])
    writes.choose_shown(db, claim)
    shown = db.execute("SELECT report_id FROM matches WHERE shown").fetchall()
    assert shown == [(cit[1],)]
    assert reads.headline_figures(db)["pairs"] == 1  # one source, one pair on every page
    reports = claim_reports(db, claim[0], LOOSE)
    assert reports.loc[reports["shown"], "report_id"].tolist() == [cit[1]]
    assert set(reports.loc[~reports["shown"], "report_id"]) == {cit[0], cit[2]}  # one click away on the Claim page
    # A new verdict-free re-score that makes another sentence bear more moves the choice.
    db.execute("UPDATE matches SET support = 0.95 WHERE report_id = ?", [cit[2]])
    writes.choose_shown(db, claim)
    assert db.execute("SELECT report_id FROM matches WHERE shown").fetchall() == [(cit[2],)]


def test_the_shares_of_a_months_claims_together_give_its_pairs(db, embedder):
    """The lake engine may match a month in shares of its claims (one Ray task each): their union is the whole."""
    add_document(db, embedder, [(WITHDRAW, "Kremlin", "government"), (RETURNING, "Russian MoD", "government")], FEB15, settings=LOOSE)
    add_document(db, embedder, [(NO_SIGN, "NATO", "intl_org"), (MASSING, "CIT", "osint")], days(2), settings=LOOSE)
    feb = (dt.date(2022, 2, 1), dt.date(2022, 2, 28))
    whole = rematch(db, LOOSE, claims_on=feb).sort_values(["claim_id", "report_id"]).reset_index(drop=True)
    assert whole["claim_id"].nunique() == 2
    for shares in (2, 3, 7):
        parts = [rematch(db, LOOSE, claims_on=feb, share=(i, shares)) for i in range(shares)]
        assert all(set(p["claim_id"]).isdisjoint(q["claim_id"]) for k, p in enumerate(parts) for q in parts[k + 1:])
        together = pd.concat([p for p in parts if len(p)]).sort_values(["claim_id", "report_id"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(together, whole)
    assert {claim_share(c, 5) for c in whole["claim_id"]} <= set(range(5))
    assert claim_share("s-123", 4) == claim_share("s-123", 4)  # stable: a hash of the id, not of the process


def test_month_tasks_give_every_worker_one_when_few_months_changed():
    assert ClusterSettings(workers=8).chunks_per_month(2) == 4
    assert ClusterSettings(workers=2).chunks_per_month(5) == 1
    assert ClusterSettings(workers=1).chunks_per_month(0) == 1
    assert ClusterSettings(workers=8, month_chunks=3).chunks_per_month(1) == 3


def _ingest_typed(con, embedder, items, day, settings):
    """One document of typed statements through the pipeline's store step (pairs pending, trimmed to the top-k)."""
    import hashlib

    from crosscheck.pipeline import store_document
    from crosscheck.records import Document, Statement

    text = " ".join(t for t, _, _ in items)
    doc = Document(text=text, published_on=day, source_name="typed", sha256=hashlib.sha256(text.encode()).hexdigest())
    statements, pos = [], 0
    for t, actor, actor_type in items:
        start = text.index(t, pos)
        pos = start + len(t)
        statements.append(Statement(t, start, pos, speaker=actor, actor=actor, actor_type=actor_type, stated_on=day))
    vectors = embedder.embed([s.text for s in statements])
    store_document(con, doc, embedder=embedder, scorer=None, registry=None, settings=settings, defer_scoring=True,
                    prepared=(statements, vectors))


def _stored(con) -> set[tuple[str, str]]:
    return set(map(tuple, con.execute("SELECT claim_id, report_id FROM matches").fetchall()))


def test_stored_pairs_are_the_top_k_of_all_reports_whatever_order_they_came_in(db, embedder):
    one = MatchSettings(window_days=14, top_k=1, threshold=0.0, source_sentences=1)
    _ingest_typed(db, embedder, [(WITHDRAW, "Kremlin", "government")], FEB15, one)
    _ingest_typed(db, embedder, [(FOOTBALL, "BBC", "independent_media")], days(1), one)
    weak = _stored(db)
    assert len(weak) == 1
    _ingest_typed(db, embedder, [(MASSING, "CIT", "osint")], days(1), one)
    _ingest_typed(db, embedder, [(NO_SIGN, "NATO", "intl_org")], days(2), one)
    everything = rematch(db, one)
    assert _stored(db) == set(zip(everything["claim_id"], everything["report_id"]))  # the pushed-out pairs are gone
    assert len(_stored(db)) == 1 and not (_stored(db) & weak)

    # A pair an analyst gave a verdict on is kept even when a stronger source pushes it out.
    (claim, kept), = _stored(db)
    writes.save_verdict(db, claim, kept, "confirmed")
    _ingest_typed(db, embedder, [(WITHDRAW.replace("A decision", "The decision"), "ISW", "osint")], days(2), one)
    assert (claim, kept) in _stored(db) and len(_stored(db)) == 2


def test_rank_pairs_finds_the_top_k_sources_however_many_sentences_one_source_has():
    """A transcript with 200 sentences nearer the claim than any other source still counts as one source."""
    rng = np.random.default_rng(3)
    claim = rng.normal(size=(1, 16)).astype(np.float32)
    claim /= np.linalg.norm(claim)

    def near(sim: float, n: int) -> np.ndarray:
        noise = rng.normal(size=(n, 16)).astype(np.float32)
        noise -= (noise @ claim.T) * claim  # orthogonal to the claim
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        return sim * claim + np.sqrt(1 - sim**2) * noise

    vecs = np.vstack([near(0.9, 200), near(0.6, 1), near(0.5, 1), near(0.4, 1), near(0.3, 1)])
    sources = np.array(["transcript"] * 200 + ["cit", "rochan", "nato", "bbc"], dtype=object)
    ids = np.array([f"r{i:03d}" for i in range(len(vecs))], dtype=object)
    day = np.array(["2022-02-15"] * len(vecs), dtype="datetime64[D]")
    settings = MatchSettings(window_days=14, top_k=3, threshold=0.2, per_source=1, source_sentences=2)
    pairs = rank_pairs(np.array(["c"], dtype=object), day[:1], claim, ids, day, vecs, settings, report_sources=sources)
    assert pairs["source"].tolist() == ["transcript", "transcript", "cit", "rochan"]  # 3 sources, 2 sentences at most each


def test_rank_pairs_breaks_ties_the_same_way_whatever_order_the_reports_come_in():
    """A release that repeats a sentence, and two sources equally near the claim, give the same pairs
    however the reports were read (the local and lake engines read them in different orders)."""
    rng = np.random.default_rng(5)
    claim = rng.normal(size=(1, 16)).astype(np.float32)
    claim /= np.linalg.norm(claim)
    noise = rng.normal(size=(12, 16)).astype(np.float32)
    noise -= (noise @ claim.T) * claim
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    sims = np.array([0.8, 0.8, 0.8, 0.8, 0.7, 0.7, 0.6, 0.6, 0.6, 0.5, 0.5, 0.4], dtype=np.float32)
    vecs = (sims[:, None] * claim + np.sqrt(1 - sims[:, None] ** 2) * noise).astype(np.float32)
    vecs[1] = vecs[2] = vecs[3] = vecs[0]  # one release says the same sentence four times
    vecs[7] = vecs[6]
    vecs[10] = vecs[9]  # two sources whose best sentences are identical
    sources = np.array(["rel"] * 4 + ["rel", "isw", "isw", "bbc", "cit", "nato", "aj", "un"], dtype=object)
    ids = np.array([f"r{i:02d}" for i in range(len(vecs))], dtype=object)
    day = np.array(["2022-02-15"] * len(vecs), dtype="datetime64[D]")
    settings = MatchSettings(window_days=14, top_k=4, threshold=0.2, per_source=1, source_sentences=3)
    results = []
    for seed in range(6):
        order = np.random.default_rng(seed).permutation(len(vecs)) if seed else np.arange(len(vecs))
        pairs = rank_pairs(np.array(["c"], dtype=object), day[:1], claim, ids[order], day[order], vecs[order],
                           settings, report_sources=sources[order])
        results.append(list(zip(pairs["source"], pairs["report_id"])))
    assert all(r == results[0] for r in results)
    got = results[0]
    assert [rid for src, rid in got if src == "rel"] == ["r00", "r01", "r02"]  # the lowest ids of the tie
    assert [src for src, _ in got].count("rel") == 3
    # Sources: rel (0.8), isw (0.7), then the tie bbc = cit (0.6) — both fit; nato and aj (0.5) tie for none left.
    assert list(dict.fromkeys(src for src, _ in got)) == ["rel", "isw", "bbc", "cit"]


def test_a_pairs_similarity_is_the_same_whatever_the_other_reports_ranked_with_it():
    """The lake ranks a month's claims against its window, the local engine a new document against the
    stored ones: the same pair must get the same similarity, to the last bit, or near-ties fall apart."""
    rng = np.random.default_rng(11)
    claims = rng.normal(size=(40, 384)).astype(np.float32)
    reports = rng.normal(size=(300, 384)).astype(np.float32)
    claims /= np.linalg.norm(claims, axis=1, keepdims=True)
    reports /= np.linalg.norm(reports, axis=1, keepdims=True)
    reports[150:] = 0.6 * claims[rng.integers(0, 40, 150)] + 0.8 * reports[150:]  # some near each claim
    c_ids = np.array([f"c{i:03d}" for i in range(40)], dtype=object)
    r_ids = np.array([f"r{i:03d}" for i in range(300)], dtype=object)
    c_days = np.array(["2022-02-15"] * 40, dtype="datetime64[D]")
    r_days = np.array(["2022-02-16"] * 300, dtype="datetime64[D]")
    settings = MatchSettings(window_days=14, top_k=300, threshold=-1.0, per_source=1)
    every = rank_pairs(c_ids, c_days, claims, r_ids, r_days, reports, settings)
    # A chunk of claims against every third report, and one claim alone (a document with one claim; a
    # float32 product takes another path for one row, and differed in the 7th digit on most pairs).
    for rows, cols in ((slice(3, 17), slice(None, None, 3)), (slice(5, 6), slice(None)), (slice(8, 9), slice(0, 50))):
        some = rank_pairs(c_ids[rows], c_days[rows], claims[rows], r_ids[cols], r_days[cols], reports[cols], settings)
        both = some.merge(every, on=["claim_id", "report_id"], suffixes=("_some", "_every"))
        assert len(both) == len(some) == len(c_ids[rows]) * len(r_ids[cols])
        assert (both["similarity_some"] == both["similarity_every"]).all()
