"""Candidate pairs for annotation, taken from the product's own matching.

Claims are the statements that ingest attributes to government actors in the Kremlin and
president.gov.ua releases (../shared/data/press_releases, one document per release, its date from the
release); reports are the Centre for Information Resilience monitor entries (title without its date
prefix, and the brief description when it says more). Statements are embedded by the bundled embedder
and paired by `match.rank_pairs` with the dashboard's settings, so the pairs are the ones an analyst
would see. No stance model runs here: annotators never see a model's opinion.

The sample over-represents what the model gets wrong: claims about the war on the ground (strikes,
civilians, troops, withdrawal, corridors, denials) and the most similar reports, beside a share of
ordinary matched pairs. `--cross` pairs claims about incidents with president.gov.ua headlines and leads instead,
in the style of agency copy. Each pair is stored as references (file, row, field, offsets), never as text;
`resolve` turns a reference back into its text.

    python -m crosscheck.training.candidates --out /tmp/annot/candidates.csv [--pairs 4800]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import random
import re
from pathlib import Path

import numpy as np

from crosscheck import config
from crosscheck.actors import load_registry
from crosscheck.config import CLAIM_TYPES, Limits, MatchSettings
from crosscheck.match import rank_pairs
from crosscheck.models.embedder import load_embedder
from crosscheck.pipeline import prepare_statements
from crosscheck.records import Document

DEFAULT_SHARED = config.ROOT.parent / "shared" / "data"
RELEASES = {
    "kremlin": "press_releases/putin_kremlin_en_news_2021-10-24_2022-06-24.csv",
    "ukraine": "press_releases/zelenskyy_president_gov_ua_en_news_2021-10-24_2022-06-24.csv",
}
CIR = "cir_monitor/events.csv"
SEED = 20261207
# Claims about facts on the ground, where polarity decides the label.
WAR_WORDS = re.compile(
    r"\b(?:strik\w*|shell\w*|bomb\w*|missile\w*|civilian\w*|troop\w*|forces|withdraw\w*|pull\w* (?:out|back)|"
    r"exercise\w*|drill\w*|border|corridor\w*|evacuat\w*|attack\w*|invad\w*|invasion|occup\w*|"
    r"hospitals?|school\w*|residential|killed|casualt\w*|destroy\w*|staged|fake|provocation\w*|"
    r"military infrastructure|ceasefire|humanitarian|mariupol|kharkiv|kyiv|bucha|donbas\w*|donetsk|luhansk|"
    r"mykolaiv|chernihiv|kherson|odesa|sumy|belarus|crimea|nuclear|chemical|biological)\b",
    re.IGNORECASE,
)
_DATE_PREFIX = re.compile(r"^\s*\d{1,2}/\d{1,2}/\d{2,4}\s*")


def _read_csv(path: Path) -> list[dict]:
    csv.field_size_limit(1 << 30)
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def claim_statements(shared: Path, registry, since: dt.date) -> list[dict]:
    """Government statements of the releases dated on or after `since`, with their references."""
    limits = Limits()
    out = []
    for side, rel in RELEASES.items():
        for row_no, row in enumerate(_read_csv(shared / rel)):
            day = dt.date.fromisoformat(row["date"][:10])
            if day < since or not row.get("body"):
                continue
            doc = Document(text=row["body"], title=row["headline"], url=row["link"], published_on=day,
                           source_name=row["link"], format="csv")
            doc.sha256 = hashlib.sha256(row["body"].encode()).hexdigest()
            try:
                statements = prepare_statements(doc, registry, limits)
            except Exception:  # noqa: BLE001 - a release the product refuses gives no claims
                continue
            for s in statements:
                if s.actor_type not in CLAIM_TYPES or s.boilerplate or s.is_question or len(s.text) < 30:
                    continue
                out.append({"ref": f"{rel}|{row_no}|body|{s.start}|{s.end}", "side": side, "text": s.text,
                            "date": day, "speaker": s.speaker or s.actor or "", "war": bool(WAR_WORDS.search(s.text))})
    return out


def report_entries(shared: Path, since: dt.date) -> list[dict]:
    """CIR monitor entries: the title without its date prefix, with the description when it adds words."""
    out = []
    for row_no, row in enumerate(_read_csv(shared / CIR)):
        try:
            day = dt.date.fromisoformat(row["date"][:10])
        except ValueError:
            continue
        if day < since:
            continue
        title = row["title"]
        start = _DATE_PREFIX.match(title).end() if _DATE_PREFIX.match(title) else 0
        text = title[start:].strip()
        if len(text) < 15:
            continue
        ref = f"{CIR}|{row_no}|title|{start}|{start + len(text)}"
        desc = (row.get("brief description") or "").strip()
        place = ", ".join(x for x in (row.get("town/city"), row.get("province"), row.get("country")) if x)
        out.append({"ref": ref, "entry": row["entry"], "text": text, "date": day, "place": place,
                    "group": row.get("event_group") or "",
                    "desc": desc if desc and desc.casefold() != text.casefold() else ""})
    return out


def resolve(ref: str, shared: Path = DEFAULT_SHARED, _cache: dict = {}) -> str:  # noqa: B006 - a file cache
    """The text a reference names: 'file|row|field|start|end'."""
    rel, row_no, fld, start, end = ref.split("|")
    if rel not in _cache:
        _cache[rel] = _read_csv(shared / rel)
    return _cache[rel][int(row_no)][fld][int(start):int(end)]


def pair_row(claim: dict, report: dict, similarity: float) -> dict:
    """One candidate pair as the annotation files hold it: references, the texts annotators read, dates, place."""
    return {"claim_ref": claim["ref"], "claim_side": claim["side"], "claim_speaker": claim["speaker"],
            "claim_date": claim["date"].isoformat(), "claim": claim["text"],
            "evidence_ref": report["ref"], "evidence_entry": report["entry"], "evidence_date": report["date"].isoformat(),
            "evidence_place": report["place"], "evidence": report["text"], "evidence_detail": report["desc"],
            "similarity": round(similarity, 3), "lag_days": (report["date"] - claim["date"]).days}


def sample_pairs(claims: list[dict], reports: list[dict], n: int, seed: int = SEED) -> list[dict]:
    embedder = load_embedder()
    cv = embedder.embed([c["text"] for c in claims])
    rv = embedder.embed([r["text"] for r in reports])
    settings = MatchSettings()
    pairs = rank_pairs(
        np.array([str(i) for i in range(len(claims))], dtype=object),
        np.array([c["date"] for c in claims], dtype="datetime64[D]"), np.asarray(cv, dtype=np.float32),
        np.array([str(i) for i in range(len(reports))], dtype=object),
        np.array([r["date"] for r in reports], dtype="datetime64[D]"), np.asarray(rv, dtype=np.float32),
        settings,
    )
    pairs["rank"] = pairs.groupby("claim_id").cumcount()
    rng = random.Random(seed)
    rows = pairs.to_dict("records")
    war = [p for p in rows if claims[int(p["claim_id"])]["war"] and p["rank"] < 4]
    other = [p for p in rows if p not in war] if len(rows) < 50_000 else \
        [p for p in rows if not (claims[int(p["claim_id"])]["war"] and p["rank"] < 4)]
    rng.shuffle(war)
    rng.shuffle(other)
    # At most 4 pairs per claim, so many claims are seen; three in four pairs from war claims.
    chosen, per_claim = [], {}
    for pool, quota in ((war, int(n * 0.75)), (other, n)):
        for p in pool:
            if len(chosen) >= quota:
                break
            if per_claim.get(p["claim_id"], 0) >= 4:
                continue
            per_claim[p["claim_id"]] = per_claim.get(p["claim_id"], 0) + 1
            chosen.append(p)
    rng.shuffle(chosen)
    out = []
    for p in chosen:
        out.append(pair_row(claims[int(p["claim_id"])], reports[int(p["report_id"])], float(p["similarity"])))
    return out


# Which monitor entries a topic of claim is paired with when the claim names no place.
_TOPICS = (
    (re.compile(r"civilian|residential|hospital|school|humanitarian|infrastructure|strik|shell|bomb|missile|"
                r"precision|human shield|corridor|evacuat", re.I),
     ("Civilian Infrastructure Damage", "Civilian Casualty", "Bombing or Explosion", "Mass grave")),
    (re.compile(r"troop|forces|withdraw|pull\w* (?:out|back)|exercise|drill|border|invad|invasion|attack|occup|"
                r"build-?up|deploy", re.I),
     ("Russian Military Presence", "Ground Battle", "Russian Firing Positions", "Russian Military Losses")),
)


def heldout_claims() -> set[str]:
    """Claims of data/eval/real_pairs.csv's held-out split, whose releases must stay out of training data."""
    with open(config.DATA_DIR / "eval" / "real_pairs.csv", newline="", encoding="utf-8") as fh:
        return {r["claim"] for r in csv.DictReader(fh) if r["split"] == "heldout"}


def trainable(claims: list[dict]) -> list[dict]:
    """The claims that may be drawn for training: none of real_pairs.csv's held-out claims, nor text inside one."""
    held = heldout_claims()
    return [c for c in claims if not any(h in c["text"] or c["text"] in h for h in held)]


def sample_targeted(claims: list[dict], reports: list[dict], n: int, exclude: set[tuple[str, str]],
                    seed: int = SEED) -> list[dict]:
    """Pairs where a stance is likely possible: a claim that names a place the monitor logs, against that
    place's entries of the same weeks; a claim about strikes, civilians or troops that names no place, against
    entries of that kind in the same weeks. Ranked by the embedder's similarity within each claim."""
    claims = trainable([c for c in claims if c["war"]])
    embedder = load_embedder()
    cv = np.asarray(embedder.embed([c["text"] for c in claims]), dtype=np.float64)
    rv = np.asarray(embedder.embed([r["text"] for r in reports]), dtype=np.float64)
    towns: dict[str, list[int]] = {}
    for j, r in enumerate(reports):
        for part in r["place"].split(", ")[:1]:
            if len(part) >= 4 and part[0].isupper():
                towns.setdefault(part, []).append(j)
    town_re = re.compile(r"\b(" + "|".join(sorted((re.escape(t) for t in towns), key=len, reverse=True)) + r")\b")
    days = np.array([r["date"].toordinal() for r in reports])
    groups = [r.get("group", "") for r in reports]
    rng = random.Random(seed)
    out = []
    for i, c in enumerate(claims):
        d = c["date"].toordinal()
        near = np.flatnonzero(np.abs(days - d) <= 14)
        named = {j for t in town_re.findall(c["text"]) for j in towns.get(t, [])}
        if named:
            pool = [j for j in near if j in named]
            take = 3
        else:
            kinds = [k for rx, k in _TOPICS if rx.search(c["text"])]
            wanted = tuple(g for k in kinds for g in k)
            pool = [j for j in near if wanted and groups[j].startswith(wanted)]
            take = 2
        if not pool:
            continue
        sims = cv[i] @ rv[pool].T
        for k in np.argsort(-sims)[:take]:
            j = pool[k]
            if (c["ref"], reports[j]["ref"]) in exclude or (not named and sims[k] < 0.3):
                continue
            out.append((i, j, float(sims[k]), bool(named)))
    rng.shuffle(out)
    # Places first (where most stances are), at most n pairs.
    out.sort(key=lambda x: not x[3])
    chosen = out[:n]
    rng.shuffle(chosen)
    rows = []
    for i, j, sim, _ in chosen:
        rows.append(pair_row(claims[i], reports[j], sim))
    return rows


# Official denials and assurances: the claims a monitor's entries most often contradict.
DENIAL = re.compile(
    r"only (?:at )?military|exclusively military|military infrastructure|precision|do(?:es)? not (?:target|threaten|strike|"
    r"attack|shell|bomb|hit)|not (?:targeting|striking|attacking|shelling|bombing)|protect\w* civilian|safety of civilians|"
    r"civilians? (?:are|is) not|staged|fake|provocation|hoax|fabricat|no plans? to|not (?:going|planning|intend\w*) to|"
    r"withdraw|pull\w* (?:out|back)|return\w* to (?:their )?(?:bases|garrisons|permanent)|exercises? (?:are|is|have been) "
    r"(?:over|complete)|humanitarian corridor|ceasefire|de-?escalat|no (?:russian )?(?:troops|soldiers|forces)",
    re.IGNORECASE,
)


def sample_denials(claims: list[dict], reports: list[dict], n: int, exclude: set[tuple[str, str]],
                   per_claim: int = 4, seed: int = SEED) -> list[dict]:
    """Denials and assurances by government speakers against the monitor entries of their kind (civilian harm for
    strike denials, troop presence for withdrawals) anywhere in the following weeks, most similar first."""
    claims = trainable([c for c in claims if c["side"] == "kremlin" and c["war"] and DENIAL.search(c["text"])])
    embedder = load_embedder()
    cv = np.asarray(embedder.embed([c["text"] for c in claims]), dtype=np.float64)
    rv = np.asarray(embedder.embed([r["text"] for r in reports]), dtype=np.float64)
    days = np.array([r["date"].toordinal() for r in reports])
    groups = [r.get("group", "") for r in reports]
    out = []
    for i, c in enumerate(claims):
        d = c["date"].toordinal()
        wanted = tuple(g for rx, kinds in _TOPICS if rx.search(c["text"]) for g in kinds) or _TOPICS[0][1]
        pool = [j for j in np.flatnonzero((days >= d - 7) & (days <= d + 21)) if groups[j].startswith(wanted)]
        if not pool:
            continue
        sims = cv[i] @ rv[pool].T
        for k in np.argsort(-sims)[:per_claim]:
            if (c["ref"], reports[pool[k]]["ref"]) not in exclude:
                out.append((i, pool[k], float(sims[k])))
    rng = random.Random(seed)
    rng.shuffle(out)
    rows = []
    for i, j, sim in out[:n]:
        rows.append(pair_row(claims[i], reports[j], sim))
    return rows


_LEAD = re.compile(r"\s*(\S[^\n]{30,300}?[.!?])(?=\s|$)")
# Incidents each side tells its own way: strikes, victims, atrocities and the denials of them.
INCIDENT = re.compile(
    r"\b(?:strik\w*|shell\w*|bomb\w*|missile\w*|rocket\w*|civilian\w*|killed|kill\w*|dead|died|wounded|destroy\w*|"
    r"hospital\w*|school\w*|residential|theat\w*|station|corridor\w*|evacuat\w*|mariupol|bucha|kramatorsk|irpin|"
    r"chernihiv|kharkiv|genocide|war crimes?|atrocit\w*|tortur\w*|staged|fake|provocation\w*|hostage\w*|"
    r"human shields?|filtration|deport\w*|chemical|nuclear power|biological|shot|execut\w*|mass grave\w*|"
    r"military infrastructure|precision|looting|rap\w+|encircl\w*|blockad\w*|surrender\w*|prisoners?)\b",
    re.IGNORECASE,
)


def headline_units(shared: Path, since: dt.date) -> list[dict]:
    """President.gov.ua news items as short reports in the style of agency copy: each item's headline, and its
    lead (the first sentence of the body), as two separate units with their references."""
    rel = RELEASES["ukraine"]
    out = []
    for row_no, row in enumerate(_read_csv(shared / rel)):
        day = dt.date.fromisoformat(row["date"][:10])
        if day < since:
            continue
        unit = {"entry": f"{rel}|{row_no}", "date": day, "place": "", "desc": ""}
        headline = row["headline"].strip()
        if len(headline) >= 20:
            start = row["headline"].index(headline)
            out.append({**unit, "ref": f"{rel}|{row_no}|headline|{start}|{start + len(headline)}", "text": headline})
        lead = _LEAD.match(row.get("body") or "")
        if lead:
            out.append({**unit, "ref": f"{rel}|{row_no}|body|{lead.start(1)}|{lead.end(1)}", "text": lead.group(1)})
    return out


def sample_cross(claims: list[dict], units: list[dict], n: int, per_claim: int = 2, seed: int = SEED) -> list[dict]:
    """Officials' claims about incidents (strikes, victims, atrocities and their denials) against the other side's
    news headlines and leads about incidents from three days before to two weeks after, most similar first: one
    incident as each side tells it, in the style of agency copy. Three in four pairs from Kremlin claims; a claim's
    own release is never its evidence."""
    claims = trainable([c for c in claims if INCIDENT.search(c["text"])])
    units = [u for u in units if INCIDENT.search(u["text"])]
    embedder = load_embedder()
    cv = np.asarray(embedder.embed([c["text"] for c in claims]), dtype=np.float64)
    uv = np.asarray(embedder.embed([u["text"] for u in units]), dtype=np.float64)
    days = np.array([u["date"].toordinal() for u in units])
    found = {"kremlin": [], "ukraine": []}
    for i, c in enumerate(claims):
        d = c["date"].toordinal()
        own = c["ref"].rsplit("|", 3)[0]
        pool = [j for j in np.flatnonzero((days >= d - 3) & (days <= d + 14)) if units[j]["entry"] != own]
        if not pool:
            continue
        sims = cv[i] @ uv[pool].T
        for k in np.argsort(-sims)[:per_claim]:
            if sims[k] >= 0.3:
                found[c["side"]].append((i, pool[k], float(sims[k])))
    rng = random.Random(seed)
    chosen = []
    for side, share in (("kremlin", 0.75), ("ukraine", 0.25)):
        rng.shuffle(found[side])
        chosen += found[side][: int(n * share)]
    rng.shuffle(chosen)
    return [pair_row(claims[i], units[j], sim) for i, j, sim in chosen]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--out", type=Path, required=True, help="a scratch file outside the repository (it holds texts)")
    ap.add_argument("--pairs", type=int, default=4800)
    ap.add_argument("--since", default="2022-01-01", help="claims and reports dated on or after this day")
    ap.add_argument("--targeted", action="store_true",
                    help="pairs by place and topic (where stances are), leaving out the pairs of --exclude")
    ap.add_argument("--denials", action="store_true",
                    help="official denials and assurances against monitor entries of their kind in the following weeks")
    ap.add_argument("--cross", action="store_true",
                    help="claims about incidents against the other side's news headlines and leads (president.gov.ua)")
    ap.add_argument("--exclude", type=Path, nargs="*", default=[], help="candidates files whose pairs are not drawn again")
    args = ap.parse_args(argv)
    since = dt.date.fromisoformat(args.since)
    claims = claim_statements(args.shared, load_registry(), since)
    reports = report_entries(args.shared, since)
    print(f"{len(claims):,} claim statements ({sum(c['war'] for c in claims):,} about the war), {len(reports):,} reports")
    exclude = set()
    for path in args.exclude:
        with open(path, newline="", encoding="utf-8") as fh:
            exclude |= {(r["claim_ref"], r["evidence_ref"]) for r in csv.DictReader(fh)}
    if args.cross:
        chosen = sample_cross(claims, headline_units(args.shared, since), args.pairs)
    elif args.denials:
        chosen = sample_denials(claims, reports, args.pairs, exclude)
    elif args.targeted:
        chosen = sample_targeted(claims, reports, args.pairs, exclude)
    else:
        chosen = sample_pairs(claims, reports, args.pairs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(chosen[0]))
        w.writeheader()
        w.writerows(chosen)
    print(f"{len(chosen):,} pairs -> {args.out}")


if __name__ == "__main__":
    main()
