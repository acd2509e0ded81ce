"""A generated workspace database of N statements (default 1,000,000), for measuring the pages at scale.

Built through the project's own schema (`schema.ensure_schema` with the default embedding model, so the
app opens it) and actors (`writes.sync_actors` with the real registry), then filled in bulk:

- documents of ~30 statements (10–50), dated over three years and stored in date order, of the real
  kinds: government briefings (their own claims, a visiting government, journalists' questions),
  state media, OSINT groups, independent media (narration plus quoted claims and monitors), international
  bodies; each with boilerplate (greetings, footers);
- statements of events: each document covers 1–5 events of its week (a place, a kind of kit), and a
  statement's vector is its event's centroid plus noise, normalised float32 384-d, so the statements of an
  event are neighbours (cosine about 0.2–0.7) and those of different events are not (about 0 ± 0.05);
- matched pairs ranked by the pipeline's own `match.rank_pairs` (window, threshold, top-k sources,
  sentences per source, a government never evidence against itself) over each run of events, with
  synthetic scores (stance, contradiction, support, their raw copies, model, scored_at) and `shown` chosen
  as `writes.choose_shown` does (per claim and source, the sentence that bears most on the claim);
- a few verdicts.

Deterministic for a seed. Prints the build time of each step.

    python bench/make_scale_db.py --db /work/var-scale/scale.duckdb            # 1,000,000 statements
    python bench/make_scale_db.py --db /tmp/small.duckdb --statements 100000
    python bench/make_scale_db.py --tiny --db /tmp/tiny.duckdb                 # 3,000 statements
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from crosscheck.actors import load_registry
from crosscheck.config import CLAIM_TYPES, DEFAULT_EMBED_MODEL, MatchSettings
from crosscheck.db import schema, writes
from crosscheck.match import EVIDENCE_TYPES, rank_pairs

DIM = 384
START = dt.date(2021, 1, 1)
DAYS = 3 * 365
STANCE_MODEL = "bundled"
TINY_STATEMENTS = 3_000
CHUNK = 100_000  # statements per insert
EVENT_BLOCK = 64  # events ranked together: a few days of news

PLACES = [
    "Belgorod", "Kursk", "Voronezh", "Bryansk", "Yelnya", "Klintsy", "Valuyki", "Soloti", "Pogonovo", "Novozybkov",
    "Rostov", "Taganrog", "Novoshakhtinsk", "Kamensk", "Millerovo", "Boguchar", "Rossosh", "Kantemirovka",
    "Gomel", "Mozyr", "Yelsk", "Brest", "Baranovichi", "Osipovichi", "Luninets", "Rechitsa", "Zyabrovka",
    "Dzhankoi", "Armyansk", "Sevastopol", "Feodosia", "Kerch", "Novoozernoye", "Slavne", "Perevalne",
    "Kharkiv", "Chernihiv", "Sumy", "Mariupol", "Donetsk", "Luhansk", "Kramatorsk", "Kherson", "Mykolaiv",
    "Zaporizhzhia", "Odesa", "Izium", "Bakhmut", "Avdiivka", "Pskov", "Smolensk", "Kaliningrad", "Yelets",
    "Pochep", "Unecha", "Starodub", "Shebekino", "Grayvoron", "Tomarovka", "Oboyan", "Lgov", "Sudzha",
]
THINGS = [
    "armour", "tanks", "trucks", "tents", "pontoon bridges", "helicopters", "field hospitals", "rail cars",
    "artillery", "air-defence systems", "fuel tankers", "troops", "combat aircraft", "landing ships",
    "rocket launchers", "blood supplies", "engineering vehicles", "drones",
]
CLAIM_TEMPLATES = [
    "Units near {place} are returning to their bases after the drills, {speaker} said.",
    "There are no {thing} near {place}; reports of a build-up are an information campaign.",
    "A decision has been taken to partially withdraw the {thing} from {place}.",
    "The exercises near {place} ended on schedule and the {thing} are going home.",
    "No serviceman will stay near {place} after the drills, {speaker} told reporters.",
    "We have never planned any operation from {place}; the {thing} there are routine.",
    "The {thing} seen near {place} belong to a scheduled rotation of {n} units.",
    "{speaker} said the situation around {place} was calm and under control.",
]
STATE_TEMPLATES = [
    "Columns of {thing} have left {place} by rail, the ministry's footage shows.",
    "Western claims about {thing} near {place} are fabricated, our correspondent reports.",
    "The troops near {place} completed {n} days of exercises and began loading the {thing}.",
]
OSINT_TEMPLATES = [
    "The {actor} counted {n} more {thing} moving toward {place} on day {d} of its watch.",
    "Satellite images of {place} show {n} new {thing} since last week.",
    "We geolocated videos of {thing} heading to {place}, not away from it.",
    "The {thing} near {place} have not moved; {n} new tents appeared overnight.",
    "Commercial imagery shows a pontoon crossing near {place} and {n} {thing} parked beside it.",
]
MEDIA_TEMPLATES = [
    "Residents of {place} said they saw {thing} passing through the town at night.",
    "Reporters in {place} counted {n} {thing} on the road toward the border.",
    "Officials in {place} declined to comment on the {thing} parked outside the town.",
    "A convoy of {n} {thing} was filmed near {place} on Tuesday, two days after the announcement.",
    "Local volunteers in {place} are preparing shelters as the {thing} arrive.",
]
INTL_TEMPLATES = [
    "Observers of the {actor} mission recorded {n} {thing} near {place}.",
    "The {actor} has seen no sign of a withdrawal of {thing} from {place}.",
    "The {actor} is concerned about the concentration of {thing} around {place}.",
]
OTHER_GOV_TEMPLATES = [
    "We see no withdrawal from {place}; on the contrary, {n} more {thing} have arrived, {speaker} said.",
    "Our intelligence confirms {thing} are still deployed near {place}.",
    "We welcome the return of the {thing} from {place} and will verify it, {speaker} said.",
]
QUESTION_TEMPLATES = [
    "Can you confirm that the {thing} are still near {place}?",
    "What about the {n} {thing} that journalists saw near {place} this week?",
    "When will the {thing} leave {place}?",
]
BOILERPLATE = [
    "Thank you.", "Good afternoon, colleagues.", "Next question, please.", "All rights reserved.",
    "Subscribe to our newsletter for daily updates.", "Photo: press service.", "This story has been updated.",
    "Follow us on Telegram.", "Please go ahead.", "The briefing is over, thank you.",
]
# Document kinds: share of documents, and the roles of their statements with their shares.
KINDS = {
    "government": (0.30, {"claim": 0.68, "question": 0.12, "boilerplate": 0.10, "other_gov": 0.06, "state": 0.04}),
    "state_media": (0.08, {"state": 0.55, "claim": 0.25, "boilerplate": 0.12, "question": 0.08}),
    "osint": (0.14, {"osint": 0.80, "claim": 0.08, "boilerplate": 0.12}),
    "independent_media": (0.32, {"media": 0.50, "claim": 0.15, "other_gov": 0.08, "osint": 0.07, "intl": 0.05,
                                 "question": 0.03, "boilerplate": 0.12}),
    "intl_org": (0.08, {"intl": 0.75, "claim": 0.06, "other_gov": 0.04, "boilerplate": 0.15}),
    "other_government": (0.08, {"other_gov": 0.70, "question": 0.10, "claim": 0.08, "boilerplate": 0.12}),
}
ROLES = ["claim", "other_gov", "state", "osint", "media", "intl", "question", "boilerplate"]
# Whose government speaks at a briefing (the home country of a government document).
HOME = {"Russia": 0.45, "Ukraine": 0.20, "Belarus": 0.08, "United States": 0.12, "United Kingdom": 0.07, "other": 0.08}
STANCE_SHARES = {"unrelated": 0.40, "uncertain": 0.35, "discusses": 0.10, "supports": 0.09, "contradicts": 0.06}


@dataclass
class Actors:
    """The registry's actors by the role a generated statement plays."""

    governments: dict[str, list[str]]  # country -> organisations
    people: dict[str, list[str]]  # organisation -> people who speak for it
    by_type: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_registry(cls, registry) -> Actors:
        governments: dict[str, list[str]] = {}
        people: dict[str, list[str]] = {}
        by_type: dict[str, list[str]] = {}
        for a in registry.actors.values():
            if a.is_person:
                if a.organisation:
                    people.setdefault(a.organisation, []).append(a.name)
                continue
            by_type.setdefault(a.actor_type, []).append(a.name)
            if a.actor_type == "government" and a.country:
                governments.setdefault(a.country, []).append(a.name)
        return cls({k: sorted(v) for k, v in governments.items()}, {k: sorted(v) for k, v in people.items()},
                   {k: sorted(v) for k, v in by_type.items()})


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM), dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def _choice(rng: np.random.Generator, shares: dict, n: int) -> np.ndarray:
    keys = list(shares)
    p = np.array([shares[k] for k in keys], dtype=float)
    return np.asarray(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def plan_documents(rng: np.random.Generator, statements: int) -> pd.DataFrame:
    """One row per document: kind, date (sorted), home country, size; sizes add up to `statements`."""
    sizes = []
    total = 0
    while total < statements:
        size = int(np.clip(rng.normal(30, 9), 10, 50))
        size = min(size, statements - total)
        sizes.append(size)
        total += size
    n = len(sizes)
    days = np.sort(rng.integers(0, DAYS, size=n))
    kinds = _choice(rng, {k: v[0] for k, v in KINDS.items()}, n)
    home = _choice(rng, HOME, n)
    return pd.DataFrame({"kind": kinds, "day": days, "home": home, "size": np.array(sizes)})


def generate(statements: int, seed: int = 0) -> dict:
    """Documents, statements (with vectors) and the actors they use, as numpy/pandas; nothing stored yet."""
    rng = np.random.default_rng(seed)
    registry = load_registry()
    actors = Actors.from_registry(registry)
    country_of = {a.name: a.country for a in registry.actors.values()}
    docs = plan_documents(rng, statements)
    n_docs = len(docs)

    # Events: a place and a kind of kit on a day, with a centroid; sorted by day.
    n_events = max(20, statements // 30)
    event_days = np.sort(rng.integers(-3, DAYS, size=n_events))
    event_place = rng.integers(0, len(PLACES), size=n_events)
    event_thing = rng.integers(0, len(THINGS), size=n_events)
    centroids = _unit(rng, n_events)
    boiler_centroids = _unit(rng, len(BOILERPLATE))

    # Each document covers 1–5 events of the week before it (its statements are about those).
    per_doc = rng.integers(1, 6, size=n_docs)
    doc_events = []
    for i in range(n_docs):
        lo = np.searchsorted(event_days, docs.day.iat[i] - 6)
        hi = max(np.searchsorted(event_days, docs.day.iat[i] + 1), lo + 1)
        doc_events.append(rng.integers(lo, min(hi, n_events), size=per_doc[i]) if lo < n_events else
                          np.array([n_events - 1] * per_doc[i]))

    doc_of = np.repeat(np.arange(n_docs), docs["size"].to_numpy())
    seq = np.concatenate([np.arange(s) for s in docs["size"]])
    n = len(doc_of)
    role = np.empty(n, dtype=object)
    for kind, (_, mix) in KINDS.items():
        rows = np.flatnonzero(docs["kind"].to_numpy()[doc_of] == kind)
        role[rows] = _choice(rng, mix, len(rows))
    # The first and the last sentence of a document are boilerplate (a greeting, a footer with its reference).
    first, last = seq == 0, np.r_[seq[1:] == 0, True]
    role[first | last] = "boilerplate"
    event = np.array([doc_events[d][j] for d, j in zip(doc_of, rng.integers(0, 60, size=n) % per_doc[doc_of])])

    # Vectors: the event's centroid plus noise (boilerplate: its phrase's centroid), normalised.
    noise = rng.uniform(0.4, 3.6, size=n).astype(np.float32) ** 0.5
    boiler = role == "boilerplate"
    phrase = rng.integers(0, len(BOILERPLATE), size=n)
    vectors = np.empty((n, DIM), dtype=np.float32)
    for lo in range(0, n, CHUNK):
        hi = min(lo + CHUNK, n)
        base = np.where(boiler[lo:hi, None], boiler_centroids[phrase[lo:hi]], centroids[event[lo:hi]])
        v = base + _unit(rng, hi - lo) * np.where(boiler[lo:hi], 0.5, noise[lo:hi])[:, None]
        vectors[lo:hi] = v / np.linalg.norm(v, axis=1, keepdims=True)

    # Who says each statement.
    kinds = docs["kind"].to_numpy()
    homes = docs["home"].to_numpy()
    others = sorted(c for c in actors.governments if c not in HOME)
    major = [c for c in HOME if c != "other"]
    doc_country = np.array([h if h != "other" else others[rng.integers(len(others))] for h in homes], dtype=object)
    # A document's own voice: its government, outlet, monitor or body.
    voice = []
    for i in range(n_docs):
        kind = kinds[i]
        if kind in ("government", "other_government"):
            if kind == "other_government" and doc_country[i] == "Russia":
                doc_country[i] = major[1 + rng.integers(len(major) - 1)]
            voice.append(actors.governments[doc_country[i]][rng.integers(len(actors.governments[doc_country[i]]))])
        else:
            pool = actors.by_type[kind]
            voice.append(pool[rng.integers(len(pool))])
    voice = np.array(voice, dtype=object)

    actor = np.empty(n, dtype=object)
    actor_type = np.empty(n, dtype=object)
    speaker = np.empty(n, dtype=object)
    picks = rng.integers(0, 10**6, size=(n, 3))
    # A document quotes few voices besides its own: one or two of each kind, chosen per document.
    quoted = rng.integers(0, 10**6, size=(n_docs, 3))
    claim_weights = np.array([HOME[c] for c in major] + [HOME["other"]])
    claim_country = np.asarray(major + ["other"], dtype=object)[
        rng.choice(len(claim_weights), size=(n_docs, 2), p=claim_weights / claim_weights.sum())]
    for i in range(n):
        d, r, pk = doc_of[i], role[i], picks[i]
        kind, q = kinds[d], quoted[d]
        if r == "claim":
            country = doc_country[d] if kind == "government" else claim_country[d, pk[2] % 2]
            if country == "other":
                country = others[q[2] % len(others)]
            orgs = actors.governments[country]
            org = voice[d] if kind == "government" and pk[0] % 3 else orgs[q[0] % len(orgs)]
            actor[i], actor_type[i] = org, "government"
            people = actors.people.get(org)
            speaker[i] = people[pk[1] % len(people)] if people and pk[1] % 4 else org
        elif r == "other_gov":
            home = doc_country[d] if kind in ("government", "other_government") else "Russia"
            pool = [c for c in major if c != home]
            orgs = actors.governments[pool[quoted[d, 2] % len(pool)]]
            org = voice[d] if kind == "other_government" else orgs[q[0] % len(orgs)]
            actor[i], actor_type[i] = org, "government"
            people = actors.people.get(org)
            speaker[i] = people[pk[1] % len(people)] if people and pk[1] % 2 else org
        elif r == "question":
            actor[i], actor_type[i], speaker[i] = None, "other", "Journalist"
        elif r == "boilerplate":
            actor[i], actor_type[i], speaker[i] = voice[d], _voice_type(kind), voice[d]
        else:
            kind_of_role = {"state": "state_media", "osint": "osint", "media": "independent_media", "intl": "intl_org"}[r]
            pool = actors.by_type[kind_of_role]
            actor[i] = voice[d] if _voice_type(kind) == kind_of_role else pool[q[1] % len(pool)]
            actor_type[i], speaker[i] = kind_of_role, actor[i]

    # Texts, from templates filled with the event's place and kit.
    templates = {
        "claim": CLAIM_TEMPLATES, "state": STATE_TEMPLATES, "osint": OSINT_TEMPLATES, "media": MEDIA_TEMPLATES,
        "intl": INTL_TEMPLATES, "other_gov": OTHER_GOV_TEMPLATES, "question": QUESTION_TEMPLATES,
    }
    texts = np.empty(n, dtype=object)
    for i in range(n):
        r, pk = role[i], picks[i]
        if r == "boilerplate":
            texts[i] = (f"Reference {doc_of[i]:07d}." if last[i] else BOILERPLATE[phrase[i]])
            continue
        pool = templates[r]
        texts[i] = pool[pk[1] % len(pool)].format(
            place=PLACES[event_place[event[i]]], thing=THINGS[event_thing[event[i]]], speaker=speaker[i] or "an official",
            actor=actor[i] or "", n=3 + pk[2] % 90, d=1 + pk[0] % 9,
        )
    # Statements are dated on their document's day, or a day or two before (a claim reported later).
    back = np.where(rng.random(n) < 0.2, rng.integers(1, 3, size=n), 0)
    day = docs["day"].to_numpy()[doc_of] - back
    return {
        "docs": docs.assign(voice=voice, country=doc_country), "doc_of": doc_of, "seq": seq, "role": role,
        "event": event, "vectors": vectors, "texts": texts, "actor": actor, "actor_type": actor_type,
        "speaker": speaker, "day": day, "country_of": country_of, "registry": registry,
    }


def _voice_type(kind: str) -> str:
    return "government" if kind in ("government", "other_government") else kind


def _date(day: np.ndarray) -> np.ndarray:
    return np.datetime64(START, "D") + day.astype("timedelta64[D]")


def document_frame(g: dict) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, list[str]]:
    """The documents table (text = its statements joined), each statement's offsets, and the doc ids."""
    docs, texts = g["docs"], g["texts"]
    starts = np.empty(len(texts), dtype=np.int64)
    ends = np.empty(len(texts), dtype=np.int64)
    bounds = np.r_[0, np.cumsum(docs["size"].to_numpy())]
    doc_texts, ids, shas = [], [], []
    for d in range(len(docs)):
        parts = texts[bounds[d]:bounds[d + 1]]
        lengths = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
        offsets = np.r_[0, np.cumsum(lengths + 1)[:-1]]
        starts[bounds[d]:bounds[d + 1]] = offsets
        ends[bounds[d]:bounds[d + 1]] = offsets + lengths
        text = " ".join(parts)
        sha = hashlib.sha256(text.encode()).hexdigest()
        doc_texts.append(text)
        shas.append(sha)
        ids.append(sha[:16])
    days = _date(docs["day"].to_numpy())
    titles = [
        f"{kind.replace('_', ' ').title()}: {voice}, {str(day)}" for kind, voice, day in zip(docs["kind"], docs["voice"], days)
    ]
    ingested = pd.Timestamp("2024-01-15 09:00") + pd.to_timedelta(np.arange(len(docs)), unit="s")
    frame = pd.DataFrame({
        "doc_id": ids, "sha256": shas, "title": titles, "publisher": docs["voice"].to_numpy(),
        "url": [f"https://example.org/{kind}/{i}" for kind, i in zip(docs["kind"], ids)],
        "published_on": days, "date_source": "metadata", "source_name": [f"{i}.txt" for i in ids], "format": "txt",
        "text": doc_texts, "n_statements": docs["size"].to_numpy().astype(np.int32), "ingested_at": ingested,
    })
    return frame, starts, ends, ids


def statement_ids(doc_ids: list[str], doc_of: np.ndarray, seq: np.ndarray) -> np.ndarray:
    return np.array([writes.statement_id(doc_ids[d], int(s)) for d, s in zip(doc_of, seq)], dtype=object)


def rank_matches(g: dict, ids: np.ndarray, doc_ids: list[str], settings: MatchSettings) -> pd.DataFrame:
    """Candidate pairs by the pipeline's ranking (match.rank_pairs), a run of EVENT_BLOCK events at a time.

    Statements of different events are ~orthogonal (cosine 0 ± 0.05, below the 0.2 threshold), so ranking
    each run of events apart finds what one ranking over the whole table would, at a fraction of the cost.
    """
    role, kind = g["role"], g["actor_type"]
    usable = (role != "boilerplate") & (role != "question")
    is_claim = usable & np.isin(kind.astype(str), CLAIM_TYPES)
    is_evidence = usable & np.isin(kind.astype(str), EVIDENCE_TYPES)
    country = np.array([g["country_of"].get(a) for a in g["actor"]], dtype=object)
    side = np.where(np.isin(kind.astype(str), CLAIM_TYPES), np.where(country == None, g["actor"], country), None)  # noqa: E711
    source = np.array([f"{doc_ids[d]}|{a or ''}" for d, a in zip(g["doc_of"], g["actor"])], dtype=object)
    days = _date(g["day"])
    block = g["event"] // EVENT_BLOCK
    order = np.argsort(block, kind="stable")
    cuts = np.flatnonzero(np.diff(block[order])) + 1
    parts = []
    for rows in np.split(order, cuts):
        c, r = rows[is_claim[rows]], rows[is_evidence[rows]]
        if len(c) == 0 or len(r) == 0:
            continue
        pairs = rank_pairs(ids[c], days[c], g["vectors"][c], ids[r], days[r], g["vectors"][r], settings,
                           side[c], side[r], source[r])
        if not pairs.empty:
            parts.append(pairs)
    return pd.concat(parts, ignore_index=True)


def score_matches(rng: np.random.Generator, pairs: pd.DataFrame) -> pd.DataFrame:
    """Synthetic scores in the shares a real workspace shows, consistent with the stance; `shown` as choose_shown."""
    n = len(pairs)
    stance = _choice(rng, STANCE_SHARES, n)
    contradiction = rng.beta(1.2, 6.0, size=n)
    support = rng.beta(1.2, 5.0, size=n)
    contradiction = np.where(stance == "contradicts", rng.uniform(0.6, 0.99, size=n), contradiction)
    support = np.where(stance == "supports", rng.uniform(0.6, 0.99, size=n), support)
    out = pairs.assign(
        stance=stance, contradiction=contradiction.astype(np.float32), support=support.astype(np.float32),
        model=STANCE_MODEL, scored_at=pd.Timestamp("2024-01-15 10:00"),
    )
    out["raw_contradiction"], out["raw_support"], out["raw_stance"] = out["contradiction"], out["support"], out["stance"]
    out["calibration"] = None
    out["pending"] = False
    # Per claim and source, the sentence that bears most on the claim is shown (db.writes.choose_shown's rule).
    bearing = np.maximum(out["contradiction"], out["support"])
    ranked = out.assign(_b=bearing).sort_values(["claim_id", "source", "_b", "similarity", "report_id"],
                                                ascending=[True, True, False, False, True], kind="stable")
    ranked["shown"] = ranked.groupby(["claim_id", "source"], sort=False).cumcount() == 0
    return ranked.drop(columns=["_b"])


def insert_statements(con: duckdb.DuckDBPyConnection, g: dict, ids: np.ndarray, doc_ids: list[str],
                      starts: np.ndarray, ends: np.ndarray) -> None:
    """Statements in date order (as news arrives), in chunks, vectors as FLOAT[384]."""
    n = len(ids)
    days = _date(g["day"])
    order = np.lexsort((g["seq"], g["doc_of"]))  # documents are already in date order
    role = g["role"]
    doc = np.asarray(doc_ids, dtype=object)
    for lo in range(0, n, CHUNK):
        rows = order[lo:lo + CHUNK]
        chunk = pa.table({
            "statement_id": pa.array(ids[rows].tolist()), "doc_id": pa.array(doc[g["doc_of"][rows]].tolist()),
            "seq": pa.array(g["seq"][rows], pa.int32()), "text": pa.array(g["texts"][rows].tolist()),
            "start": pa.array(starts[rows], pa.int32()), "end": pa.array(ends[rows], pa.int32()),
            "speaker": pa.array(g["speaker"][rows].tolist(), pa.string()),
            "actor": pa.array(g["actor"][rows].tolist(), pa.string()),
            "actor_type": pa.array(g["actor_type"][rows].tolist(), pa.string()),
            "stated_on": pa.array(days[rows], pa.date32()),
            "is_quote": pa.array((role[rows] == "claim") & (g["docs"]["kind"].to_numpy()[g["doc_of"][rows]] != "government")),
            "boilerplate": pa.array(role[rows] == "boilerplate"),
            "is_question": pa.array(role[rows] == "question"),
            "embedding": pa.FixedSizeListArray.from_arrays(pa.array(g["vectors"][rows].reshape(-1)), DIM),
        })
        con.register("_chunk", chunk)
        con.execute(
            f"""INSERT INTO statements (statement_id, doc_id, seq, text, start, "end", speaker, actor, actor_type,
                    stated_on, is_quote, boilerplate, inferred_actor, embedding, is_question)
                SELECT statement_id, doc_id, seq, text, start, "end", speaker, actor, actor_type, stated_on,
                    is_quote, boilerplate, false, CAST(embedding AS FLOAT[{DIM}]), is_question FROM _chunk"""
        )
        con.unregister("_chunk")


def insert_verdicts(con: duckdb.DuckDBPyConnection, rng: np.random.Generator, matches: pd.DataFrame, count: int) -> int:
    """A few analysts' verdicts on shown pairs: confirmations of the stance shown and corrections."""
    shown = matches[matches["shown"]]
    chosen = shown.iloc[np.sort(rng.choice(len(shown), size=min(count, len(shown)), replace=False))]
    labels = np.asarray(["contradicts", "supports", "unrelated"], dtype=object)
    label = labels[rng.integers(0, 3, size=len(chosen))]
    agree = rng.random(len(chosen)) < 0.6
    seen = chosen["stance"].to_numpy()
    label = np.where(agree & np.isin(seen, labels), seen, label)
    frame = pd.DataFrame({
        "claim_id": chosen["claim_id"].to_numpy(), "report_id": chosen["report_id"].to_numpy(),
        "verdict": np.where(label == seen, "confirmed", "rejected"),
        "analyst": np.asarray([schema.ANONYMOUS, "ana@example.org", "ben@example.org"], dtype=object)[rng.integers(0, 3, size=len(chosen))],
        "note": None,
        "decided_at": pd.Timestamp("2024-02-01 12:00") + pd.to_timedelta(np.arange(len(chosen)) * 37, unit="s"),
        "label": label, "stance_seen": seen,
    })
    con.register("_verdicts", frame)
    con.execute("""INSERT INTO verdicts (claim_id, report_id, verdict, analyst, note, decided_at, label, stance_seen)
                   SELECT claim_id, report_id, verdict, analyst, note, decided_at, label, stance_seen FROM _verdicts""")
    con.unregister("_verdicts")
    return len(frame)


def build(path: Path, statements: int, seed: int = 0, log=print) -> dict:
    """Build the database at `path` (which must not exist); the counts and seconds of each step."""
    if path.exists():
        raise SystemExit(f"{path} exists: remove it or choose another --db")
    path.parent.mkdir(parents=True, exist_ok=True)
    times: dict[str, float] = {}
    t0 = time.perf_counter()

    def step(name: str, since: float) -> float:
        now = time.perf_counter()
        times[name] = now - since
        log(f"  {name}: {times[name]:.1f} s")
        return now

    t = t0
    g = generate(statements, seed)
    t = step("generate statements and vectors", t)
    documents, starts, ends, doc_ids = document_frame(g)
    ids = statement_ids(doc_ids, g["doc_of"], g["seq"])
    t = step("documents", t)
    settings = MatchSettings()
    pairs = rank_matches(g, ids, doc_ids, settings)
    claim_day = pd.Series(_date(g["day"]), index=ids)
    scored = score_matches(np.random.default_rng(seed + 1), pairs)
    # Stored as they would arrive: by the claim's date.
    scored = scored.assign(_day=claim_day.reindex(scored["claim_id"]).to_numpy()).sort_values(
        ["_day", "claim_id", "similarity"], ascending=[True, True, False], kind="stable").drop(columns=["_day", "source"])
    t = step("match (match.rank_pairs) and score", t)

    con = duckdb.connect(str(path))
    try:
        schema.ensure_schema(con, DEFAULT_EMBED_MODEL, DIM)
        writes.sync_actors(con, g["registry"])
        con.register("_documents", documents)
        con.execute("INSERT INTO documents SELECT * FROM _documents")
        con.unregister("_documents")
        t = step("insert documents and actors", t)
        insert_statements(con, g, ids, doc_ids, starts, ends)
        t = step("insert statements", t)
        cols = ["claim_id", "report_id", "similarity", "stance", "contradiction", "support", "lag_days", "model",
                "scored_at", "shown", "raw_contradiction", "raw_support", "raw_stance", "calibration", "pending"]
        frame = scored[cols].reset_index(drop=True)
        frame["lag_days"] = frame["lag_days"].astype("Int32")
        con.register("_matches", frame)
        con.execute(f"INSERT INTO matches ({', '.join(cols)}) SELECT {', '.join(cols)} FROM _matches")
        con.unregister("_matches")
        verdicts = insert_verdicts(con, np.random.default_rng(seed + 2), scored, max(20, statements // 4000))
        con.execute("CHECKPOINT")
        t = step("insert matches and verdicts", t)
    finally:
        con.close()
    times["total"] = time.perf_counter() - t0
    claims = int(np.sum(np.isin(g["actor_type"].astype(str), CLAIM_TYPES) & (g["role"] != "boilerplate") & (g["role"] != "question")))
    shown = int(scored["shown"].sum())
    claims_matched = int(scored["claim_id"].nunique())
    return {
        "statements": len(ids), "documents": len(documents), "claims": claims, "matches": len(scored), "shown": shown,
        "claims_matched": claims_matched, "shown_per_claim": shown / max(claims_matched, 1), "verdicts": verdicts,
        "seconds": times, "bytes": path.stat().st_size,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="database file to create (keep it outside the repository)")
    parser.add_argument("--statements", type=int, help=f"statements (default 1,000,000; tiny {TINY_STATEMENTS:,})")
    parser.add_argument("--tiny", action="store_true", help=f"{TINY_STATEMENTS:,} statements")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    statements = args.statements or (TINY_STATEMENTS if args.tiny else 1_000_000)
    print(f"building {statements:,} statements into {args.db} …", file=sys.stderr)
    facts = build(args.db, statements, args.seed, log=lambda line: print(line, file=sys.stderr, flush=True))
    print(
        f"{facts['statements']:,} statements, {facts['documents']:,} documents, {facts['claims']:,} claims "
        f"({facts['claims_matched']:,} matched), {facts['matches']:,} pairs ({facts['shown']:,} shown, "
        f"{facts['shown_per_claim']:.1f} per matched claim), {facts['verdicts']} verdicts; "
        f"{facts['bytes'] / 2**20:,.0f} MiB; built in {facts['seconds']['total']:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
