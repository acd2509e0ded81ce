"""Training pairs built from an OSINT event log: claims we write, set against real logged events.

The held-out real pairs showed the cross-encoder judging a report by its topic, not by what the claim
says about it: a report of a strike on Mykolaiv was called `contradicts` against a Ukrainian official
who said that strike happened. Here each logged event (CIR's Eyes on Russia format: date, title,
town/city, event group) is paired with

- an accusation that the event confirms ("Russian missiles hit Mykolaiv this morning") → supports,
- a denial that the event refutes ("There has been no shelling of residential areas in Mykolaiv") → contradicts,
- a claim about another town → unrelated,

and, for troop movements near the border before the invasion, with withdrawal and build-up claims
labelled by the direction of the movement. The claims are templates; the reports are the monitor's
own words, read in place from `../shared/data` at training time and never stored in the repository.

Events near the held-out real pairs (their entries, and any event in the same town within
`HELDOUT_WINDOW_DAYS` of a held-out report or claim) are left out, so the held-out part stays unseen.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from crosscheck.datafiles import read_csv
from crosscheck.segment import split_sentences
from crosscheck.training.data import heldout_rows

HELDOUT_WINDOW_DAYS = 7

# Occupied cities whose shelling Russian officials blame on Ukraine: the accuser flips there.
_UKRAINE_BLAMED = {"donetsk", "makiivka", "horlivka", "luhansk", "yasynuvata", "alchevsk", "stakhanov", "shakhtarsk", "yenakiieve"}

# Spellings of one town in the event log and in our pair files.
_TOWN_ALIASES = {
    "mykolajiv": "mykolaiv", "maykolaiv": "mykolaiv", "nikolaev": "mykolaiv", "mykolayiv": "mykolaiv",
    "tsjernihiv": "chernihiv", "chernigov": "chernihiv", "kiev": "kyiv", "kiyv": "kyiv", "belogorod": "belgorod",
    "kharkov": "kharkiv", "odessa": "odesa", "zaporizhia": "zaporizhzhia", "zaporozhye": "zaporizhzhia",
}

_STRIKE_GROUPS = re.compile(r"^(Civilian Infrastructure Damage|Bombing or Explosion|Civilian Casualty)", re.I)
_PRESENCE_GROUPS = re.compile(r"^Russian Military Presence (January|February) 2022", re.I)
_STRIKE_WORDS = re.compile(r"strike|struck|\bhit\b|shell|bomb|missile|rocket|airstrike|destr|damage|explosion|crater|casualt|killed|fire\b|attack|grave", re.I)
# Reports about fighting between armies, or that blame the other side, are no evidence about strikes on civilians.
_MILITARY_TARGET = re.compile(
    r"\b(?:UA|AFU|LNR|DNR|DPR|positions?|troops|soldiers|convoy|tanks?|armou?r|vehicles?|military|brigade|ATGM|"
    r"Ukrainian (?:army|forces|artillery|air defen[cs]e)|shot down|intercept\w*|social media text|alleged|claim\w*)\b", re.I)
_CASUALTY_WORDS = re.compile(r"killed|dead|death|bod(y|ies)|casualt|fatalit|injur|wounded", re.I)
_TOWARD = re.compile(r"toward|to the (?:ukrain\w+ )?border|near the border|close to the border|heading (?:west|south)|moving (?:west|south)|"
                     r"arriv|unload|camp\b|encampment|gathered|establish|deploy|field hospital|pontoon|set(?:ting)? up|build", re.I)
_AWAY = re.compile(r"away from|leaving|leaves?\b|returning|return(?:s|ed)? to|heading (?:east|north)|moving (?:east|north)|withdraw|back to|emptying", re.I)

_TARGETS = [
    ("maternity", "a maternity hospital"), ("hospital", "a hospital"), ("kindergarten", "a kindergarten"),
    ("school", "a school"), ("market", "a market"), ("theat", "a theatre"), ("railway station", "the railway station"),
    ("church", "a church"), ("universit", "a university"), ("shopping", "a shopping centre"),
    ("apartment", "an apartment block"), ("residential", "a residential area"), ("house", "houses"),
]
_WEAPONS = [("cluster", "cluster munitions"), ("airstrike", "bombs"), ("air strike", "bombs"), ("bomb", "bombs"),
            ("missile", "missiles"), ("rocket", "rockets"), ("artillery", "shells"), ("shell", "shells")]

# How officials' words reach the page (a readout, a speech, a briefing); both claims of a pair get the same one.
_FRAMES = ["The President said that {}", "The spokesman told reporters that {}", "In his address, the President stated that {}",
           "The ministry insists that {}", "According to the head of the regional administration, {}", "{} The whole world must know this."]
# Sentence openings that lose their capital inside a frame (names of towns and armies keep theirs).
_LOWER_FIRST = {"the", "there", "our", "no", "not", "nothing", "nobody", "bombs", "missiles", "rockets", "shells", "cluster",
                "civilians", "once", "again", "overnight", "claims", "in", "a", "an", "yesterday", "today", "tonight", "last", "this", "on"}

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


def town_key(name: str) -> str:
    """A comparable key for a town name: letters only, lower case, common spellings merged."""
    key = re.sub(r"[^a-z]", "", (name or "").split(",")[0].lower())
    return _TOWN_ALIASES.get(key, key)


def event_text(title: str) -> str:
    """An event title without its leading dd/mm/yyyy, as the real pairs quote it."""
    return re.sub(r"^\d\d/\d\d/\d{4}\s*-?\s*", "", title or "").strip()


def load_events(path: Path | str) -> pd.DataFrame:
    """The event log as entry, date, group, town, key, country and text; rows without a usable date or text dropped."""
    frame = read_csv(path, ["entry", "date", "event_group", "title", "town/city", "country"])
    out = pd.DataFrame({
        "entry": frame["entry"].str.strip(), "group": frame["event_group"].str.strip(),
        "town": frame["town/city"].str.strip(), "country": frame["country"].str.strip().str.lower(),
        "text": frame["title"].map(event_text),
        "day": pd.to_datetime(frame["date"], errors="coerce", format="%Y-%m-%d").dt.date,
    })
    out["key"] = out["town"].map(town_key)
    # Whether the text itself names its town: only then can a reader tell it is about another town.
    letters = out["text"].str.lower().str.replace(r"[^a-z]", "", regex=True)
    out["named"] = [bool(k) and k[:5] in t for k, t in zip(out["key"], letters)]
    return out[out["day"].notna() & (out["text"].str.split().str.len() >= 3)].reset_index(drop=True)


def heldout_fence(pair_files: list[Path | str]) -> tuple[set[str], list[tuple[str, date]]]:
    """Event entries and (town, day) points of the held-out rows of the pair files, to keep out of training."""
    entries, points = set(), []
    for _, row in heldout_rows(pair_files).iterrows():
        entries.update(re.findall(r"entry (\w+)", str(row.get("evidence_source", ""))))
        key = town_key(str(row.get("evidence_place", "")))
        if not key:
            continue
        for col in ("evidence_date", "claim_date"):
            day = pd.to_datetime(str(row.get(col, "")), errors="coerce")
            if not pd.isna(day):
                points.append((key, day.date()))
    return entries, points


def _fenced(events: pd.DataFrame, entries: set[str], points: list[tuple[str, date]]) -> pd.Series:
    window = timedelta(days=HELDOUT_WINDOW_DAYS)
    by_town: dict[str, list[date]] = {}
    for key, day in points:
        by_town.setdefault(key, []).append(day)
    near = [any(abs(day - d) <= window for d in by_town.get(key, ())) for key, day in zip(events["key"], events["day"])]
    return events["entry"].isin(entries) | pd.Series(near, index=events.index)


def _when(event_day: date, claim_day: date, rng: random.Random) -> str:
    lag = (claim_day - event_day).days
    if lag == 0:
        return rng.choice(["this morning", "today", "tonight", "a few hours ago"])
    if lag == 1:
        return rng.choice(["yesterday", "last night"])
    return f"on {event_day.day} {_MONTHS[event_day.month - 1]}"


def _pick(text: str, table: list[tuple[str, str]], default: str | None) -> str | None:
    low = text.lower()
    return next((name for word, name in table if word in low), default)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first.lower().strip(",") in _LOWER_FIRST else text


def _sides(key: str) -> dict:
    """Who a claim about this town accuses (plural nouns), and who denies: (subject, verb is plural)."""
    if key in _UKRAINE_BLAMED:
        return {"attacker": ["Ukrainian forces", "the Kiev regime's troops", "Ukrainian nationalists", "Ukrainian gunners"],
                "defender": [("The Ukrainian army", False), ("Ukrainian forces", True), ("Our artillery", False)]}
    return {"attacker": ["Russian forces", "Russian gunners", "the occupiers", "Russian troops"],
            "defender": [("The Russian army", False), ("Russian forces", True), ("Our servicemen", True)]}


def claim_pair(town: str, key: str, text: str, when: str | None, rng: random.Random) -> tuple[str, str]:
    """An accusation the event confirms and a denial it refutes, built the same way.

    Both sides share one sentence shape (town first or actor first, passive or active, dated or not),
    so only what the claim says about the event tells them apart: a model cannot lean on the shape.
    """
    sides = _sides(key)
    att = rng.choice(sides["attacker"])
    who, plural = rng.choice(sides["defender"])
    does, strikes = ("do", "strike") if plural else ("does", "strikes")
    weapon = _pick(text, _WEAPONS, "missiles")
    target = _pick(text, _TARGETS, None)
    at = when or rng.choice(["overnight", "this week", "in recent days"])
    forms = [
        (f"{town} is being shelled every day.", f"{town} is not being shelled."),
        (f"{town} came under fire {at}.", f"{town} did not come under any fire {at}."),
        (f"{_cap(att)} hit {town} {at}.", f"{_cap(att)} did not hit {town} {at}; the reports are staged."),
        (f"{_cap(att)} keep bombing {town}.", f"{_cap(att)} are not bombing {town}."),
        (f"The residential districts of {town} are under constant shelling.", f"The residential districts of {town} are not being shelled."),
        (f"{_cap(weapon)} struck {town} {at}.", f"No {weapon} struck {town} {at}."),
        (f"Our city of {town} was attacked {at}.", f"Nothing in {town} has been attacked; the city lives a peaceful life."),
        (f"Bombs are falling on {town}.", f"Not a single bomb has fallen on {town}."),
        (f"There was another strike on {town} {at}.", f"There has been no strike on {town} {at}."),
        (f"{town} was shelled by {att} {at}.", f"{town} was not shelled by {att}; those pictures are fakes."),
        (f"{_cap(att)} target residential areas of {town}.", f"{_cap(att)} do not target residential areas of {town}."),
        (f"{_cap(at)}, {att} shelled peaceful {town}.", f"{_cap(at)}, there was no shelling of civilian targets in {town}."),
        (f"{town} is constantly being bombed, and its people hide in basements.", f"{who} {strikes} only military targets; the people of {town} are not in danger."),
        (f"{_cap(att)} show no mercy to the civilians of {town}.", f"{_cap(att)} are doing everything to ensure the safety of civilians in {town}."),
        # Negation on the other side: a denial need not say "no", and an accusation may.
        (f"Not a day passes without shelling in {town}.", f"{town} is calm; life there goes on as usual."),
        (f"No district of {town} has been spared by {att}.", f"The residential districts of {town} remain intact."),
        (f"{town} has not had a single quiet night.", f"All is quiet in {town}."),
        (f"Nobody in {town} can sleep because of the shelling.", f"{town} is untouched by the war."),
    ]
    if target:
        forms += [
            (f"{_cap(att)} struck {target} in {town} {at}.", f"Claims that {att} struck {target} in {town} are a fabrication."),
            (f"{_cap(at)}, {weapon} fell on {target} in our city of {town}.", f"No {weapon} fell on {target} in {town}; it is a provocation."),
            (f"{_cap(target)} in {town} was deliberately targeted.", f"{_cap(target)} in {town} was never targeted."),
            (f"{_cap(target)} in {town} is in ruins after the strike.", f"{_cap(target)} in {town} stands unharmed."),
        ]
    if _CASUALTY_WORDS.search(text):
        forms += [
            (f"{_cap(att)} killed civilians in {town} {at}.", f"No civilians have been harmed in {town}."),
            (f"Civilians died in {town} when {weapon} hit the city {at}.", f"Not one civilian has died in {town}; the stories of victims are invented."),
        ]
    if re.search(r"grave|burial|buried", text, re.I):
        forms += [
            (f"{_cap(att)} are burying the people they killed in mass graves in {town}.", f"There are no mass graves in {town}; the pictures are staged."),
            (f"In {town} the occupiers are hiding the traces of their crimes in fresh graves.", f"Nobody is hiding any bodies in {town}; there are no new graves."),
        ]
    pair = rng.choice(forms)
    if rng.random() < 0.4:
        frame = rng.choice(_FRAMES)
        pair = tuple(frame.format(_lower_first(c) if not frame.startswith("{") else c) for c in pair)
    return pair


_WITHDRAWAL = [
    "Units of the Southern and Western military districts have finished their drills and are returning to their bases.",
    "A decision has been taken to pull part of the troops back from the border.",
    "Russian troops are leaving the areas near the Ukrainian border.",
    "There is no military build-up near Ukraine; the forces are going home.",
    "The exercises are over and the equipment is being sent back to its permanent garrisons.",
    "Russia is not moving any forces toward Ukraine.",
]
_BUILDUP = [
    "Russia keeps moving forces toward the Ukrainian border.",
    "We see no withdrawal: more Russian equipment is arriving near the border.",
    "Russia continues to mass troops and armour close to Ukraine.",
    "The Russian build-up on Ukraine's border goes on, despite Moscow's words.",
]


def strike_pairs(events: pd.DataFrame, n: int, rng: random.Random, dated: bool = False) -> list[dict]:
    """Supports, contradicts and unrelated pairs around up to n strike events in Ukraine.

    dated is for models that read the report's date. Half the events then also get a claim about their
    own town dated one to four months away (unrelated: another state of affairs), and an accusation of
    ongoing strikes ("Bombs are falling on …") made one to three weeks after the event (supports: the
    strike is part of what it describes).
    """
    pool = _strike_events(events)
    pool = pool[pool["named"]]
    pool = pool.sample(n=min(n, len(pool)), random_state=rng.randrange(2**31))
    everything = events[(events["country"] == "ukraine") & events["named"]]
    rows = []
    for _, ev in pool.iterrows():
        claim_day = ev["day"] + timedelta(days=rng.choice([0, 0, 1, 1, 2, 5]))
        when = _when(ev["day"], claim_day, rng) if rng.random() < 0.6 else None
        base = {"evidence_date": ev["day"].isoformat(), "claim_date": claim_day.isoformat(), "source": ev["entry"]}
        accused, denied = claim_pair(ev["town"], ev["key"], ev["text"], when, rng)
        rows.append(base | {"claim": accused, "evidence": ev["text"], "label": "supports", "family": "event_accusation"})
        rows.append(base | {"claim": denied, "evidence": ev["text"], "label": "contradicts", "family": "event_denial"})
        # Unrelated: the same kinds of claim about another town. (A claim about this town on another
        # day is unrelated too, but the report's text rarely carries its date, so it cannot teach that.)
        claim = claim_pair(ev["town"], ev["key"], ev["text"], when, rng)[rng.random() < 0.5]
        pick = everything[everything["key"] != ev["key"]].sample(n=1, random_state=rng.randrange(2**31)).iloc[0]
        rows.append({"claim": claim, "evidence": pick["text"], "label": "unrelated", "evidence_date": pick["day"].isoformat(),
                     "claim_date": claim_day.isoformat(), "source": pick["entry"], "family": "event_other_town"})
        if dated and rng.random() < 0.5:
            far = ev["day"] + timedelta(days=rng.choice([-1, 1]) * rng.randint(35, 120))
            claim = claim_pair(ev["town"], ev["key"], ev["text"], None, rng)[rng.random() < 0.5]
            rows.append({"claim": claim, "evidence": ev["text"], "label": "unrelated", "evidence_date": ev["day"].isoformat(),
                         "claim_date": far.isoformat(), "source": ev["entry"], "family": "event_other_time"})
        if dated and _ONGOING.search(accused) and rng.random() < 0.5:
            later = ev["day"] + timedelta(days=rng.randint(7, 21))
            rows.append({"claim": accused, "evidence": ev["text"], "label": "supports", "evidence_date": ev["day"].isoformat(),
                         "claim_date": later.isoformat(), "source": ev["entry"], "family": "event_ongoing"})
    return rows


def presence_pairs(events: pd.DataFrame, n: int, rng: random.Random) -> list[dict]:
    """Withdrawal and build-up claims against logged troop movements near Ukraine, January–February 2022."""
    pool = events[events["group"].str.match(_PRESENCE_GROUPS) & events["country"].isin(["russia", "belarus", "crimea"])]
    pool = pool.sample(n=min(n, len(pool)), random_state=rng.randrange(2**31))
    rows = []
    for _, ev in pool.iterrows():
        toward, away = bool(_TOWARD.search(ev["text"])), bool(_AWAY.search(ev["text"]))
        if toward == away:
            # A movement with no direction says nothing about a withdrawal: a few of them teach `unrelated`.
            if rng.random() < 0.15:
                label = ("unrelated", "unrelated")
            else:
                continue
        else:
            label = ("contradicts", "supports") if toward else ("supports", "contradicts")
        claim_day = (ev["day"] - timedelta(days=rng.choice([1, 2, 3, 5]))).isoformat()
        base = {"evidence": ev["text"], "evidence_date": ev["day"].isoformat(), "claim_date": claim_day, "source": ev["entry"]}
        rows.append(base | {"claim": rng.choice(_WITHDRAWAL), "label": label[0], "family": "event_withdrawal"})
        rows.append(base | {"claim": rng.choice(_BUILDUP), "label": label[1], "family": "event_buildup"})
    return rows


# Officials' own accusations, read from press releases: a sentence that names one town and a strike on it.
_CLAIM_STRIKE = re.compile(r"\b(?:shell\w*|bomb\w*|missiles?|rockets?|strikes?|struck|hit|fired at|air ?strikes?|artillery|attack\w*)\b", re.I)
# Not a report of a strike that happened: plans, warnings, conditions, history, fighting between armies, dates we cannot place.
_NOT_ACCUSATION = re.compile(
    r"\b(?:will|would|could|may|might|must|predict\w*|threat\w*|plan\w*|try|trying|if|ready|prepar\w*|accumulat\w*|"
    r"1941|Nazis|years? ago|anniversary|our (?:troops|military|defenders|positions|army|soldiers)|Armed Forces of Ukraine|"
    r"repel\w*|repuls\w*|counter\w*|defen[cs]e|air defen[cs]e|shot down|" + "|".join(_MONTHS) + r")\b", re.I)
# An accusation of strikes that go on ("constantly", "every day"): a strike some weeks before it is part of what it describes.
_ONGOING = re.compile(r"\b(?:every day|daily|day after day|week after week|constant\w*|continu\w*|keep\w*|again|non-stop|"
                      r"all the time|not a day passes|quiet night|can sleep|are falling|has been spared|no mercy|target residential)\b", re.I)
_UKRAINE_AS_ATTACKER = re.compile(r"Ukrainian (?:forces|army|military|troops|nationalists|armed)|Kiev regime|Kiev's|nationalist|neo-Nazi", re.I)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]{3,}", text.lower()))


def heldout_claims(pair_files: list[Path | str]) -> tuple[list[set[str]], set[tuple[str, int]]]:
    """Word sets of the held-out claims, and the (file name, row) of the press releases they come from."""
    held = heldout_rows(pair_files)
    words, rows = [], set()
    for claim, source in zip(held["claim"], held.get("claim_source", pd.Series("", index=held.index))):
        words.append(_words(claim))
        found = re.search(r"([^/\s]+\.csv) row (\d+)", str(source))
        if found:
            rows.add((found.group(1), int(found.group(2))))
    return words, rows


def official_accusations(release_files: list[Path | str], towns: dict[str, set[str]], held_words: list[set[str]],
                         held_rows: set[tuple[str, int]]) -> pd.DataFrame:
    """Sentences of press releases (link, date, body) that accuse an attacker of striking one logged town.

    A sentence qualifies when it names exactly one town of the log and a strike, is not a plan, a warning,
    history or a dated recollection, and blames the side the town's officials blame. Releases that hold a
    held-out claim, and sentences that share most of their words with one, are skipped.
    """
    patterns = {key: re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b", re.I)
                for key, names in towns.items()}
    out = []
    for path in release_files:
        frame = read_csv(path, ["date", "body"])
        for row, (stamp, body) in enumerate(zip(frame["date"], frame["body"])):
            day = pd.to_datetime(str(stamp)[:10], errors="coerce")
            if pd.isna(day) or (Path(path).name, row) in held_rows:
                continue
            for sentence in split_sentences(str(body)):
                text = sentence.text.strip()
                if not 6 <= len(text.split()) <= 50 or "?" in text or '"' in text or "“" in text:
                    continue
                if not _CLAIM_STRIKE.search(text) or _NOT_ACCUSATION.search(text):
                    continue
                keys = [key for key, pattern in patterns.items() if pattern.search(text)]
                if len(keys) != 1 or (keys[0] in _UKRAINE_BLAMED) != bool(_UKRAINE_AS_ATTACKER.search(text)):
                    continue
                words = _words(text)
                if any(len(words & h) / max(1, len(words | h)) >= 0.5 for h in held_words):
                    continue
                out.append({"claim": text, "key": keys[0], "claim_date": day.date(), "source": f"{Path(path).name} row {row}"})
    return pd.DataFrame(out, columns=["claim", "key", "claim_date", "source"]).drop_duplicates("claim").reset_index(drop=True)


def accusation_pairs(events: pd.DataFrame, accusations: pd.DataFrame, rng: random.Random, per_claim: int = 2,
                     dated: bool = False) -> list[dict]:
    """Each accusation against logged strikes in its town in the 3 days up to it (supports) and one elsewhere (unrelated).

    With dated, an accusation of ongoing strikes looks back three weeks instead of three days.
    """
    strikes = _strike_events(events)
    rows = []
    for _, claim in accusations.iterrows():
        back = 21 if dated and _ONGOING.search(claim["claim"]) else 3
        near = strikes[(strikes["day"] <= claim["claim_date"]) & (strikes["day"] >= claim["claim_date"] - timedelta(days=back))]
        here = near[near["key"] == claim["key"]]
        if here.empty:
            continue
        base = {"claim": claim["claim"], "claim_date": claim["claim_date"].isoformat(), "family": "official_accusation"}
        for _, ev in here.sample(n=min(per_claim, len(here)), random_state=rng.randrange(2**31)).iterrows():
            rows.append(base | {"evidence": ev["text"], "label": "supports", "evidence_date": ev["day"].isoformat(), "source": ev["entry"]})
        # Another town, and one whose report does not name this town either ("…, Kharkiv Oblast").
        letters = near["text"].str.lower().str.replace(r"[^a-z]", "", regex=True)
        elsewhere = near[(near["key"] != claim["key"]) & near["named"] & ~letters.str.contains(claim["key"][:5], regex=False)]
        if not elsewhere.empty:
            ev = elsewhere.sample(n=1, random_state=rng.randrange(2**31)).iloc[0]
            rows.append(base | {"evidence": ev["text"], "label": "unrelated", "evidence_date": ev["day"].isoformat(),
                                "source": ev["entry"], "family": "official_other_town"})
    return rows


def _strike_events(events: pd.DataFrame) -> pd.DataFrame:
    """Logged strikes on civilians in Ukraine, without fighting between armies or reports that blame the other side."""
    return events[events["group"].str.match(_STRIKE_GROUPS) & (events["country"] == "ukraine")
                  & events["text"].str.contains(_STRIKE_WORDS) & ~events["text"].str.contains(_MILITARY_TARGET)]


def event_pairs(path: Path | str, heldout_files: list[Path | str] = (), strikes: int = 500, movements: int = 250, seed: int = 13,
                release_files: list[Path | str] = (), dated: bool = False, blame: int = 0) -> pd.DataFrame:
    """Labelled (claim, evidence, label) pairs from the event log, fenced off from the held-out real pairs.

    With press releases, officials' own accusations are paired with the logged strikes they describe;
    dated adds the pairs that need the report's date to be labelled (see strike_pairs, accusation_pairs).
    blame > 0 adds the responsibility and denial pairs of blame_pairs around that many strike events (and the
    accusations, with press releases), drawn with their own random stream: the other families stay as they were.
    """
    events = load_events(path)
    entries, points = heldout_fence(list(heldout_files))
    events = events[~_fenced(events, entries, points)].reset_index(drop=True)
    rng = random.Random(seed)
    rows = strike_pairs(events, strikes, rng, dated) + presence_pairs(events, movements, rng)
    if release_files:
        logged = _strike_events(events)
        counts = logged.groupby("key").size()
        towns: dict[str, set[str]] = {}
        for town, key in zip(logged["town"], logged["key"]):
            if len(key) >= 4 and counts[key] >= 3:
                towns.setdefault(key, {key}).add(town.split(",")[0].strip())
        accusations = official_accusations(list(release_files), towns, *heldout_claims(list(heldout_files)))
        rows += accusation_pairs(events, accusations, rng, dated=dated)
    else:
        accusations = None
    if blame:
        rows += blame_pairs(events, accusations, blame, random.Random(f"blame:{seed}"))
    return pd.DataFrame(rows, columns=["claim", "evidence", "label", "claim_date", "evidence_date", "source", "family"])


# Responsibility and denial pairs (`--blame-pairs`): headline-style reports that dispute who struck a place.
#
# The blind news-agency set showed the model calling `supports` a report that names the same strike but
# blames the other side ("Ukraine says Russia shelled the prison") or carries the accused side's denial
# ("Kyiv denies ..."): it read the topic, not the blame. These pairs hold the place and the strike fixed and
# vary only who is said to have struck, in the headline words the agencies use; same-side rewordings and
# the other side's own accusation ("Ukraine says Russian forces struck …") are `supports`, so neither "says"
# nor a small edit marks a contradiction. Events of the blind set are fenced off as well (_BLIND_EVENTS).

_BLAME = {
    "russia": {"forces": ["Russian forces", "Russian troops", "the Russian army", "Russia"], "adj": "Russian",
               "gov": ["Moscow", "the Kremlin", "Russia's defence ministry", "Russia"],
               "deny": [("Russian forces", True), ("The Russian army", False), ("Russia", False)]},
    "ukraine": {"forces": ["Ukrainian forces", "Ukrainian troops", "the Armed Forces of Ukraine", "the Kyiv regime", "the Kiev regime", "Ukraine"],
                "adj": "Ukrainian", "gov": ["Kyiv", "Kiev", "Ukraine's military", "Ukraine"],
                "deny": [("Ukrainian forces", True), ("The Ukrainian army", False), ("Kyiv", False)]},
}
_OTHER_SIDE = {"russia": "ukraine", "ukraine": "russia"}
_HEADLINE_WEAPON = {"missiles": "missile strike", "rockets": "rocket attack", "bombs": "airstrike", "shells": "shelling",
                    "cluster munitions": "cluster munitions strike"}
_SOURCES_SAY = ["officials say", "the mayor says", "the regional governor says", "local officials say", "police say"]
# Towns and days of the blind set's events (SOURCES.md: Kremenchuk shopping centre, June 2022; Olenivka prison,
# July 2022; the cruiser Moskva, April 2022), kept out of the blame pairs: they are evaluation only.
_BLIND_EVENTS = [("kremenchuk", date(2022, 6, 27)), ("olenivka", date(2022, 7, 29))]
_BLIND_WINDOW_DAYS = 30
_BLIND_WORDS = re.compile(r"\b(?:Kremenchuk|Olenivka|Moskva|cruiser)\b", re.I)
# A side named next to the weapon that struck (not its forces: "Russian forces hit by artillery" names the target) ("Russian missile strike on …", "Ukrainian shelling in …").
_SIDE_ATTACK = re.compile(
    r"\b(Russian|Ukrainian|Russia's|Ukraine's)\s+(?:[\w-]+\s+){0,2}?(?:missiles?|shelling|strikes?|airstrikes?|air strikes?|artillery|"
    r"rockets?|bomb\w*|attacks?|MLRS|Grad|mortars?|shells?|drones?|aircraft)\b", re.I)
_SIDE_WORDS = re.compile(r"\b(?:Russian|Ukrainian|Russia|Ukraine|Russia's|Ukraine's|Kyiv|Kiev|Moscow|Kremlin|AFU|DPR|LPR|DNR|LNR)\b", re.I)
# Titles about fighting between armies, or hedged ones, make no claim about who struck a civilian place.
_NOT_BLAME = re.compile(r"\b(?:positions?|convoy|vehicles?|column|BTR|BMP|brigade|helicopter|shot down|intercept\w*|social media|"
                        r"equipment|depot|base|guardsmen|soldiers|alleg\w*|alledg\w*|suspected|reportedly|claim\w*|media|MoD|video published|"
                        r"captured|abandoned|POWs?|separatists?|tanks?|T-\d+\w*|MT-LB|launchers?|loss(?:es)?)\b", re.I)
_SWAP_WORD = {"russian": "Ukrainian", "ukrainian": "Russian", "russia's": "Ukraine's", "ukraine's": "Russia's"}
# Accusers' words for each side in press releases, and what the other side is called in their place.
_RELEASE_SIDE = [
    (re.compile(r"\bRussian (?=troops|forces|army|military|occupiers|missiles?|shelling|artillery|aircraft|bombs?|strikes?)", re.I), "russia", "Ukrainian "),
    (re.compile(r"\bthe occupiers\b", re.I), "russia", "Ukrainian forces"),
    (re.compile(r"\bUkrainian (?=troops|forces|army|military|armed formations|artillery|shelling|missiles?|gunners)", re.I), "ukraine", "Russian "),
    (re.compile(r"\bUkrainian nationalists\b", re.I), "ukraine", "Russian forces"),
    (re.compile(r"\b(?:the )?Kiev regime\b", re.I), "ukraine", "the Russian army"),
    (re.compile(r"\bArmed Forces of Ukraine\b", re.I), "ukraine", "Russian Armed Forces"),
    (re.compile(r"\bneo-Nazis\b", re.I), "ukraine", "Russian forces"),
]
# A reworded report that keeps the side: so that a small edit is not, by itself, a sign of contradiction.
_REWORD = [(r"\bmissile strike\b", "missile attack"), (r"\bairstrike\b", "air strike"), (r"\bshelling\b", "artillery fire"),
           (r"\bstrike\b", "attack"), (r"^Aftermath of ", "After "), (r"\bdestroyed\b", "wrecked"), (r"\bdamaged\b", "hit")]
# Same town, same side, another subject: the hard negatives.
_OTHER_SUBJECT = [
    "{adj} forces open a humanitarian corridor out of {town}", "{gov} says the evacuation of civilians from {town} will continue",
    "{adj} officials hand out food aid in {town}", "{adj} troops seen moving through {town}",
    "{gov} says power and water are back in parts of {town}", "Buses with refugees leave {town}, {adj} officials say",
    "{adj} officials meet local leaders in {town}", "{gov} says it will swap prisoners held near {town}",
]
_PRESENCE_SIDE = re.compile(r"\b(Russian|Ukrainian) (?:forces|troops|military|soldiers|soliders|army|Army)\b")
_PRESENCE_ANY = re.compile(r"\b(?:Russian|Ukrainian) (?:forces|troops|military|soldiers|soliders|army|Army)\b")
# A release sentence that denies, or calls reports fake, is no accusation to build blame pairs on.
_RELEASE_DENIAL = re.compile(r"\b(?:fabricat\w*|propaganda|fakes?|staged|lies|lying|provocation\w*|not|no|never|den(?:y|ies|ied))\b", re.I)
_NO_FIRE = re.compile(r"fir(?:e|es|ed|ing)|shoot|shot|gunshot|tracer|ATGM|howit|smoke|shell|strike|struck|missile|rocket|bomb|explos|killed|dead", re.I)


def _place(town: str, target: str | None) -> str:
    return f"{target} in {town}" if target else town


def swap_side(text: str) -> str | None:
    """The text with the side named as the attacker swapped (Russian ↔ Ukrainian), or None where it names none or both.

    Only the side word next to the attack ("Russian missile strike", "Ukraine's shelling") changes; a text
    that also names the other side, or names several sides, is left alone (None): who did what is unclear.
    """
    hits = list(_SIDE_ATTACK.finditer(text))
    if len(hits) != 1 or len(_SIDE_WORDS.findall(text)) != 1:
        return None
    word = hits[0].group(1)
    swapped = _SWAP_WORD[word.lower()]
    return text[: hits[0].start(1)] + swapped + text[hits[0].end(1):]


def swap_release_side(text: str) -> tuple[str, str] | None:
    """(side, text with the accused side swapped) for a press-release sentence naming one side as attacker, else None."""
    found = [(pattern, side, other) for pattern, side, other in _RELEASE_SIDE if pattern.search(text)]
    if not found or len({side for _, side, _ in found}) != 1:
        return None
    out = text
    for pattern, _, other in found:
        out = pattern.sub(lambda m, o=other: (o[:1].upper() + o[1:]) if m.start() == 0 else o, out)
    return found[0][1], out


def _accusation(side: str, place: str, weapon: str, rng: random.Random) -> str:
    s = _BLAME[side]
    forces, adj = rng.choice(s["forces"]), s["adj"]
    forms = [f"{_cap(forces)} shelled {place}.", f"{_cap(forces)} struck {place} with {weapon}.", f"{adj} {weapon} hit {place}.",
             f"The strike on {place} was carried out by {forces}.", f"{_cap(forces)} deliberately targeted {place}.",
             f"{_cap(place)} came under fire from {forces}."]
    claim = rng.choice(forms)
    if rng.random() < 0.3:
        frame = rng.choice(_FRAMES)
        claim = frame.format(_lower_first(claim) if not frame.startswith("{") else claim)
    return claim


def _denial_claim(side: str, town: str, place: str, rng: random.Random) -> str:
    who, plural = rng.choice(_BLAME[side]["deny"])
    do, has, strike = ("do", "have", "strike") if plural else ("does", "has", "strikes")
    return rng.choice([
        f"{who} {do} not target civilians in {town}.", f"{who} {has} not struck {place}.",
        f"{who} {strike} only military targets; nothing civilian in {town} has been hit.",
        f"Claims that {who[:1].lower() + who[1:] if who.startswith('The ') else who} shelled {place} are a fabrication.",
    ])


def _headline_same(side: str, place: str, weapon: str, casualties: bool, rng: random.Random) -> str:
    """A report that blames the same side (→ supports), sometimes in the other side's words."""
    s, o = _BLAME[side], _BLAME[_OTHER_SIDE[side]]
    w = _HEADLINE_WEAPON.get(weapon, "strike")
    forms = [f"{s['adj']} {w} hits {place}, {rng.choice(_SOURCES_SAY)}", f"{_cap(place)} hit by {s['adj']} {w}, {rng.choice(_SOURCES_SAY)}",
             f"{rng.choice(o['gov'])} says {rng.choice(s['forces'])} struck {place}",
             f"{rng.choice(o['gov'])} accuses {rng.choice(s['forces'])} of shelling {place}"]
    if casualties:
        forms.append(f"{s['adj']} {w} on {place} kills civilians, {rng.choice(_SOURCES_SAY)}")
    return rng.choice(forms)


def _headline_swapped(side: str, place: str, weapon: str, rng: random.Random) -> str:
    """A report that blames the other side for the strike (→ contradicts)."""
    s, o = _BLAME[side], _BLAME[_OTHER_SIDE[side]]
    w = _HEADLINE_WEAPON.get(weapon, "strike")
    return rng.choice([f"{o['adj']} {w} hits {place}, {rng.choice(_SOURCES_SAY)}", f"{rng.choice(s['gov'])} says {rng.choice(o['forces'])} struck {place}",
                       f"{rng.choice(s['gov'])} blames {rng.choice(o['forces'])} for strike on {place}",
                       f"{_cap(place)} hit by {o['adj']} {w}, {rng.choice(s['gov'])} says"])


def _headline_denial(side: str, place: str, rng: random.Random) -> str:
    """A report of the accused side's denial, or of the accuser clearing it (→ contradicts)."""
    s, o = _BLAME[side], _BLAME[_OTHER_SIDE[side]]
    gov = rng.choice(s["gov"])
    return rng.choice([f"{gov} denies striking {place}", f"{gov} denies its forces shelled {place}, blames {rng.choice(o['forces'])}",
                       f"{gov} says its forces were not responsible for the strike on {place}", f"{gov} rejects claims it attacked {place}",
                       f"{rng.choice(o['gov'])} says blast {'at' if ' in ' in place else 'in'} {place} was not caused by {s['adj']} fire"])


def _blind_fenced(events: pd.DataFrame) -> pd.Series:
    window = timedelta(days=_BLIND_WINDOW_DAYS)
    near = [any(key == k and abs(day - d) <= window for k, d in _BLIND_EVENTS) for key, day in zip(events["key"], events["day"])]
    return pd.Series(near, index=events.index) | events["text"].str.contains(_BLIND_WORDS)


def blame_pairs(events: pd.DataFrame, accusations: pd.DataFrame | None, n: int, rng: random.Random) -> list[dict]:
    """Responsibility and denial pairs (families blame_*) around strike events and officials' accusations.

    - blame_same / blame_swap / blame_denied / blame_other_subject: an accusation that side A struck a place
      (template; A drawn at random, so a town does not tell the side) against a headline that blames A
      (supports), blames the other side (contradicts), reports A's denial (contradicts), or is about
      something else A did in the same town (unrelated);
    - blame_refuted: A's denial ("Russian forces do not target civilians in Kharkiv") against a report of A's strike (contradicts);
    - blame_title_swap / blame_title_reword / blame_title_denial: a logged title that names who struck, against
      the same title with the side swapped (contradicts), reworded with the same side (supports), or A's denial (contradicts);
    - blame_release_*: officials' accusations from press releases that name the attacker (and deny nothing),
      against the same sentence with the side swapped and the same kinds of headline.
    No pair has the same text on both sides. events must already be fenced off from the held-out rows.
    """
    events = events[~_blind_fenced(events)]
    rows: list[dict] = []

    def add(claim: str, evidence: str, label: str, family: str, claim_day: date, evidence_day: date, source: str) -> None:
        if claim.strip().lower().rstrip(".") == evidence.strip().lower().rstrip("."):
            return
        rows.append({"claim": claim, "evidence": _cap(evidence), "label": label, "claim_date": claim_day.isoformat(),
                     "evidence_date": evidence_day.isoformat(), "source": source, "family": family})

    strikes = _strike_events(events)
    named = strikes[strikes["named"]]
    presence = events[~events["group"].str.match(_STRIKE_GROUPS) & events["named"] & events["text"].str.contains(_PRESENCE_ANY)
                      & ~events["text"].str.contains(_NO_FIRE)]
    pool = named.sample(n=min(n, len(named)), random_state=rng.randrange(2**31))
    for _, ev in pool.iterrows():
        side = rng.choice(["russia", "ukraine"])
        target = _pick(ev["text"], _TARGETS, None)
        weapon = _pick(ev["text"], _WEAPONS, "missiles")
        place = _place(ev["town"].split(",")[0].strip(), target)
        town = ev["town"].split(",")[0].strip()
        day = ev["day"]
        claim_day = day + timedelta(days=rng.choice([0, 0, 1, 2]))
        casualties = bool(_CASUALTY_WORDS.search(ev["text"]))
        claim = _accusation(side, place, weapon, rng)
        add(claim, _headline_same(side, place, weapon, casualties, rng), "supports", "blame_same", claim_day, day, ev["entry"])
        if rng.random() < 0.5:
            add(claim, _headline_swapped(side, place, weapon, rng), "contradicts", "blame_swap", claim_day, day, ev["entry"])
        else:
            add(claim, _headline_denial(side, place, rng), "contradicts", "blame_denied", claim_day, day, ev["entry"])
        # Another subject in the same town and the same side: a logged troop presence when there is one, else a template.
        s = _BLAME[side]
        here = presence[(presence["key"] == ev["key"]) & (presence["text"].str.extract(_PRESENCE_SIDE, expand=False).str.lower()
                                                          == s["adj"].lower())]
        if len(here) and rng.random() < 0.5:
            other = here.sample(n=1, random_state=rng.randrange(2**31)).iloc[0]
            add(claim, other["text"], "unrelated", "blame_other_subject", claim_day, other["day"], other["entry"])
        else:
            text = rng.choice(_OTHER_SUBJECT).format(adj=s["adj"], gov=rng.choice(s["gov"]), town=town)
            add(claim, _cap(text), "unrelated", "blame_other_subject", claim_day, day, ev["entry"])
        if rng.random() < 0.35:
            add(_denial_claim(side, town, place, rng), _headline_same(side, place, weapon, casualties, rng), "contradicts", "blame_refuted",
                claim_day, day, ev["entry"])

    # Logged titles that name who struck: the report is the monitor's own words.
    civilian = events[events["group"].str.match(_STRIKE_GROUPS) & (events["country"] == "ukraine") & events["text"].str.contains(_STRIKE_WORDS)
                      & ~events["text"].str.contains(_NOT_BLAME)]
    for _, ev in civilian.iterrows():
        swapped = swap_side(ev["text"])
        if swapped is None:
            continue
        side = "russia" if _SIDE_ATTACK.search(ev["text"]).group(1).lower().startswith("russia") else "ukraine"
        claim_day = ev["day"] + timedelta(days=rng.choice([0, 1]))
        add(swapped, ev["text"], "contradicts", "blame_title_swap", claim_day, ev["day"], ev["entry"])
        reworded = ev["text"]
        for pattern, repl in _REWORD:
            reworded = re.sub(pattern, repl, reworded, count=1, flags=re.I)
        if reworded != ev["text"]:
            add(reworded, ev["text"], "supports", "blame_title_reword", claim_day, ev["day"], ev["entry"])
        if ev["named"] and rng.random() < 0.5:
            town = ev["town"].split(",")[0].strip()
            place = _place(town, _pick(ev["text"], _TARGETS, None))
            add(_denial_claim(side, town, place, rng), ev["text"], "contradicts", "blame_title_denial", claim_day, ev["day"], ev["entry"])

    # Officials' accusations from press releases (already fenced off from the held-out claims).
    if accusations is not None:
        towns = dict(zip(strikes["key"], strikes["town"]))
        for _, acc in accusations.iterrows():
            text = acc["claim"]
            found = swap_release_side(text)
            # Only sentences that name the attacker and do not deny: the headlines below say who struck.
            # A region ("the Kharkiv region") is not the town the headlines would name.
            if found is None or _BLIND_WORDS.search(text) or _RELEASE_DENIAL.search(text) or re.search(r"\b(?:region|oblast)\b", text, re.I):
                continue
            side = found[0]
            town = towns.get(acc["key"], acc["key"].title()).split(",")[0].strip()
            place = _place(town, _pick(text, _TARGETS, None))
            weapon = _pick(text, _WEAPONS, "missiles")
            day = acc["claim_date"]
            add(text, found[1], "contradicts", "blame_release_swap", day, day, acc["source"])
            add(text, _headline_same(side, place, weapon, bool(_CASUALTY_WORDS.search(text)), rng), "supports", "blame_release_same", day, day,
                acc["source"])
            if rng.random() < 0.5:
                add(text, _headline_swapped(side, place, weapon, rng), "contradicts", "blame_release_swap", day, day, acc["source"])
            else:
                add(text, _headline_denial(side, place, rng), "contradicts", "blame_release_denied", day, day, acc["source"])
    seen: set[tuple[str, str]] = set()
    unique = []
    for row in rows:
        key = (row["claim"].lower(), row["evidence"].lower())
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique
