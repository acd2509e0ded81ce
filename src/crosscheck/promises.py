"""Promises against outcomes: forward-looking claims, their due dates, and a status that follows the evidence.

A promise is a claim that commits the speaker's side to something checkable that will (or will not) happen — a
plan, an announced deadline ("the exercises will end on 20 February"), an assurance ("not a single serviceman will
remain after the exercises") — or a denial of intent ("Russia has no plans to attack Ukraine"). `detect` finds
them with rules written for precision (a wrong promise is noise on the page built for them): hopes, beliefs,
conditionals, predictions about others, remarks about the conversation itself and generic intentions are not
promises. Its precision and recall on a labelled sample of official sentences: README and data/eval/PROMISES.md.

The due date is the one the sentence gives, explicit ("on 20 February", "by 1 March", "until 2026") or relative to
the statement's date ("tomorrow", "by Sunday", "next week", "this year", "within three days"); a promise tied to
an event ("after the completion of exercises") takes the date that the same document gives that event's end
("the Union Resolve exercise ends on 20 February"). Otherwise it is open-ended; a denial of intent never has one.

The status (`decide`): the earliest deciding report among a promise's monitor evidence wins —
- `broken`: a report contradicting it on or after the due date (open-ended promises and denials: on or after the
  statement); for a denial, the act itself, whenever it comes: the contradicting report must report the act denied
  ("no plans to attack": an attack, an invasion, an offensive, strikes);
- `kept`: a report supporting it on or after the due date (open-ended: on or after the statement; never for a
  denial, which nothing can prove kept before the horizon ends);
- `overdue`: the due date has passed and no report decides either way;
- `pending`: the due date is still ahead, or an open-ended promise has no deciding report yet.
An analyst's verdict on a pair replaces the model's stance for that pair (the row says so). Statuses are computed
from what is stored, so they follow every upload, verdict and recalibration.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from crosscheck.dates import MONTHS, WEEKDAYS, as_date
from crosscheck.db import reads

KINDS = ("promise", "denial")
STATUSES = ("broken", "overdue", "kept", "pending")
# How far after a promise (or its due date) a report can still decide it: the matching horizon of promises.
HORIZON_DAYS = 120


@dataclass(frozen=True)
class Promise:
    """What `detect` found: the kind, the due date (None: open-ended) and the words that gave it."""

    kind: str
    due_on: dt.date | None = None
    due_text: str | None = None
    act: str | None = None  # a denial's act ("attack"): only a report of that act breaks it


# --- recognising promises ---------------------------------------------------------------------------------------

# A denial is broken by a report of the act it denied: these words report each act.
_ACT_WORDS = [
    ("attack", "invade", "invasion", "offensive", "strike", "bomb", "shell", "storm", "assault", "escalat", "advance",
     "fight"),
    ("occupy", "occupation", "seize", "annex", "capture", "encircle"),
]
# …and says that it happened ("launched an invasion", "attacked", "crossed the border"), not that it may.
_HAPPENED = re.compile(r"\b(?:attacked|invaded|struck|shelled|bombed|stormed|seized|occupied|annexed|captured|encircled|"
                       r"launch(?:ed|es)|crossed|entered|began|begins|started|killed|fired|advanced)\b", re.IGNORECASE)


def act_pattern(act: str) -> re.Pattern:
    """Words a report of this act uses ("attack": attacked, invasion, offensive, strikes …)."""
    family = next((words for words in _ACT_WORDS if any(act.startswith(w[:5]) for w in words)), (act,))
    stems = sorted({w[:5] if len(w) > 5 else w for w in family} | {act[:5]})
    return re.compile(r"\b(?:" + "|".join(map(re.escape, stems)) + r")", re.IGNORECASE)


def reports_act(act: str, text: str) -> bool:
    """Whether a report says that this act happened."""
    return bool(act_pattern(act).search(text) and _HAPPENED.search(text))


_ACTS = (r"attack|invade|occupy|strike|seize|annex|storm|bomb|shell|advance|enter|cross|invasion|offensive|war|"
         r"fight|mobili[sz]e|deploy|station|keep|leave|stay|remain|withdraw|use|launch|recogni[sz]e|"
         r"escalat\w*|threaten|harm|hit|target|capture|encircle|close|cut|stop|block")
# Denials of intent: "no plans to attack", "not going to invade", "does not intend to occupy", "will never attack".
_DENIAL = re.compile(
    r"\b(?:(?:no|not\s+any|never\s+had\s+any)\s+(?:plans?|intentions?|desire|aim)(?:\s*,\s*(?:no\s+)?\w+)*\s+(?:\w+\s+){0,2}?to\s+"
    r"|(?:not|never)\s+(?:going|planning|intending|about|preparing)\s+to\s+"
    r"|(?:does|do)\s+not\s+(?:intend|plan|want|mean)\s+to\s+"
    r"|(?:will|shall|would)\s+(?:not|never)\s+|won[’']t\s+)"
    rf"(?:\w+\s+){{0,2}}?(?P<act>{_ACTS})\b",
    re.IGNORECASE,
)
_SIDE = (r"(?:Russian|Ukrainian|Belarusian|our|all|the|these|those|its|their|every|each|any)\s+(?:\w+\s+){0,2}?"
         r"(?:troops|forces|units|servicem[ae]n|soldiers|army|equipment|exercises?|drills|manoeuvres|corridors?|"
         r"government|ministry|side|talks|negotiations|withdrawal|evacuation|ceasefire|delegation|military|"
         r"convoys?|columns?|battalions?|contingents?|checks|programme|operation|meeting|summit|referendum|"
         r"elections?|vote|bridge|school|plant|hospital|centre|fund)")
_SUBJECT = (rf"(?:I|we|Russia|Ukraine|Belarus|Moscow|Kyiv|Minsk|{_SIDE}|not\s+a\s+single\s+[^.;:]{{0,80}}?|"
            r"no\s+(?:Russian\s+)?(?:troops|units|servicem[ae]n|soldiers|base|bases))")
_FUTURE = (r"(?:will|shall|[’']ll|(?:are|is|am)\s+going\s+to|plans?\s+to|(?:are|is|am)\s+planning\s+to|"
           r"intends?\s+to|(?:are|is)\s+(?:due|scheduled|set)\s+to)")
_PROMISE = re.compile(
    rf"(?<![\w-])(?P<subject>{_SUBJECT})(?![\w-])[^.;:?!\"“”]{{0,40}}?\b{_FUTURE}\s+"
    r"(?:(?:not|never|also|soon|now|then|gradually|certainly|definitely|fully|immediately|only)\s+)*(?P<verb>\w+)(?:\s+(?P<next>\w+))?",
    re.IGNORECASE,
)
# Reported promises: "he promised that the corridor would open", "Makei said that Russian troops will leave".
_REPORTED = re.compile(
    r"\b(?:promised|pledged|assured|vowed|announced|said|says|added|told\s+[^.;:]{0,40}?|confirmed|stated)\s+(?:that\s+)?"
    r"(?:he|she|they|the\s+\w+)?[^.;:?!]{0,60}?\b(?:would|will)\s+(?P<verb>\w+)(?:\s+(?P<next>\w+))?",
    re.IGNORECASE,
)
_REPORTED_STRONG = re.compile(r"\b(?:promised|pledged|assured|vowed|guaranteed)\b", re.IGNORECASE)
# Not promises: hopes, beliefs and hedges, conditionals, questions.
_HEDGE = re.compile(
    r"\b(?:hopes?|hoped|hoping|believes?|believed|think|thinks|expects?|expected|confident|certain\s+that|sure|"
    r"no\s+doubt|doubt|wish|would\s+like|might|could|perhaps|probably|likely|possibly|if|unless|whether|"
    r"should\s+they|in\s+case|may\s+(?:be|have|not)|assum\w+|forecast\w*|predict\w*)\b",
    re.IGNORECASE,
)
# Remarks about the conversation itself ("I will now tell you", "we will discuss"), and nothing checkable.
_TALK = {"tell", "say", "talk", "speak", "list", "repeat", "report", "ask", "note", "mention", "remind", "stress",
         "add", "answer", "explain", "comment", "dwell", "focus", "touch", "recall", "quote", "read", "show", "share",
         "discuss", "look", "try", "continue", "consider", "think", "see", "give", "let", "inform", "brief", "describe", "emphasise", "emphasize", "underline", "reiterate", "insist", "argue", "pretend"}
_VAGUE = {"do", "be", "have", "get", "develop", "strengthen", "support", "help", "work", "cooperate", "contribute",
          "deal", "respect", "defend", "protect", "continue", "keep", "remain", "become", "need", "want", "seek",
          "strive", "try", "aim", "grow", "improve", "increase", "reduce", "move", "go", "come", "act", "respond",
          "react", "proceed", "succeed", "win", "overcome", "stand", "live", "regret", "accept", "face", "find",
          "make", "take", "use", "follow", "analyse", "analyze", "study", "pay", "rely", "count"}
# "will keep" / "will remain" are promises when something checkable is kept or remains ("not a single serviceman
# will remain"), not "we will remain committed".
_CHECKABLE_AFTER_VAGUE = {"remain": r"\b(?:in|on|at|after|near|inside|within)\b", "keep": r"\b(?:troops|forces|units|corridors?|open|closed)\b",
                          "stay": r"\b(?:in|on|at|after|near)\b", "be": None}
# Generic aims ("we will meet domestic demand", "we will resolve these problems"), and futures inside a clause that
# is not a commitment ("we understand how we will rebuild").
_GENERIC = re.compile(r"\b(?:markets?|demand|economy|economic|inflation|sanctions|science|problems|difficulties|"
                      r"challenges|issues|declaration|(?:how|what|why|where)\s+(?:we|I)\s+will)\b", re.IGNORECASE)
_SPOKEN = {"informed", "told", "discussed", "considered", "studied", "analysed", "analyzed", "reviewed", "examined",
           "addressed", "raised", "mentioned", "noted", "presented", "explained", "asked", "involved", "needed", "used"}
_PARTICIPLE = re.compile(r"^(?:\w+ed|held|taken|withdrawn|done|made|built|sent|brought|given|shown|begun|set|kept|"
                         r"over|open|opened|closed|completed|finished|launched|returned|relocated|pulled|lifted)$", re.I)


def _is_question(text: str) -> bool:
    return text.rstrip().rstrip("\"”’'»)").endswith("?")


def _future_act(text: str, stated_on: dt.date | None, actor: str | None = None) -> bool:
    """The sentence commits its speaker's side to a checkable act."""
    if _GENERIC.search(text):
        return False
    found = [(m.group("verb"), m.group("next"), m.start()) for m in _PROMISE.finditer(text)
             if not _other_side(m.group("subject"), actor)]
    # Reported: "promised that the corridor would open"; "said that tomorrow he would hold a meeting" (with a date).
    if _REPORTED_STRONG.search(text) or due_date(text, stated_on)[0] is not None:
        found += [(m.group("verb"), m.group("next"), m.start()) for m in _REPORTED.finditer(text)]
    for verb, following, start in found:
        verb = verb.casefold()
        following = (following or "").casefold()
        if verb in _TALK or (verb in ("begin", "start") and (following in ("with", "by", "")
                                                             or following.removesuffix("ing") in _VAGUE | _TALK)):
            continue
        if verb == "be":
            if following and _PARTICIPLE.match(following) and following not in _SPOKEN:
                return True
            continue
        if verb in ("remain", "stay", "keep"):
            if re.search(_CHECKABLE_AFTER_VAGUE[verb], text[start:], re.IGNORECASE):
                return True
            continue
        if verb in _VAGUE:
            continue
        return True
    return False


# The country words of a subject, to tell a promise of the speaker's side from a prediction about another
# ("Ukraine will never join NATO" said by Moscow).
_COUNTRIES = {"russia": ("russia", "moscow", "kremlin"), "ukraine": ("ukrain", "kyiv", "kiev"), "belarus": ("belarus", "minsk")}


def _other_side(subject: str, actor: str | None) -> bool:
    """The subject is a country ("Ukraine", "Moscow") and the actor (an actor's name: "Russian Foreign Ministry")
    another's. Troops of one country in another's promise ("not a single Russian serviceman will remain", said
    in Minsk) are the speaker's business, so only a bare country counts."""
    subject, actor = subject.casefold().strip(), (actor or "").casefold()
    if not actor or not any(subject in words or subject.startswith(words) for words in _COUNTRIES.values()):
        return False
    named = {c for c, words in _COUNTRIES.items() if any(w in subject for w in words)}
    own = {c for c, words in _COUNTRIES.items() if any(w in actor for w in words)}
    return bool(named and own and not named & own)


def detect(text: str, stated_on: dt.date | None = None, context: Sequence[str] = (), actor: str | None = None
           ) -> Promise | None:
    """The promise `text` makes, or None. `context`: the sentences around it in its document (for a due date tied
    to an event, "after the exercises"); `stated_on` places relative dates; `actor` (who said it) tells a promise of
    its side from a prediction about another country."""
    text, stated_on = (text or "").strip(), as_date(stated_on)
    if not text or _is_question(text) or len(text) > 600:
        return None
    if _HEDGE.search(text):
        return None
    if denial := _DENIAL.search(text):
        return Promise("denial", act=denial["act"].casefold())
    if not _future_act(text, stated_on, actor):
        return None
    due, words = due_date(text, stated_on)
    if due is None and context:
        due, words = event_date(text, stated_on, context)
    return Promise("promise", due, words)


# --- due dates --------------------------------------------------------------------------------------------------

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_EXPLICIT = [
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b"),
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+(?P<year>(?:19|20)\d\d))?\b", re.I),
    re.compile(r"\b" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>(?:19|20)\d\d))?", re.I),
]
_UNTIL_YEAR = re.compile(r"\b(?:by|until|till|before|through|in|no\s+later\s+than)\s+(?:the\s+end\s+of\s+)?(?P<year>(?:19|20)\d\d)\b", re.I)
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
            "ten": 10, "a": 1, "a few": 3, "several": 3}
_SPAN = re.compile(r"\b(?:within|in|over)\s+(?:the\s+next\s+|the\s+coming\s+)?(?P<n>\d+|one|two|three|four|five|six|seven|"
                   r"eight|nine|ten|a\s+few|several|a)\s+(?P<unit>day|week|month|year)s?\b", re.I)
_RELATIVE = re.compile(r"\b(?P<word>the\s+day\s+after\s+tomorrow|tomorrow|today|tonight|this\s+evening|this\s+week|"
                       r"next\s+week|this\s+month|next\s+month|this\s+year|next\s+year)\b", re.I)
_WEEKDAY = re.compile(r"\b(?:by|on|until|till|before|this|next)\s+(?P<weekday>" + "|".join(WEEKDAYS) + r")\b", re.I)
# A promise tied to an event's end, and the same event's date in the document.
_EVENT = re.compile(r"\b(?:after|when|once|upon|following|at\s+the\s+end\s+of|by\s+the\s+end\s+of)\s+(?:the\s+)?"
                    r"(?:completion\s+of\s+(?:the\s+)?|end\s+of\s+(?:the\s+)?)?(?:\w+\s+){0,3}?(?P<event>exercises?|drills|"
                    r"manoeuvres|games|checks|talks|negotiations|operation)\b", re.I)
# Names of one event: "after the drills" and "the exercise ends on 20 February" are the same exercise.
_EVENT_NAMES = [("exercis", "drill", "manoeuv", "maneuv", "check", "game"), ("talk", "negotiat"), ("operation",)]
_EVENT_END = r"\b(?:end|ends|ended|ending|finish|finishes|finished|complete|completes|completed|conclude|concludes|close|closes|over|due\s+to\s+end)\b"


def _last_day(year: int, month: int) -> dt.date:
    return (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1))


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return min(dt.date(year, month + 1, 1) + dt.timedelta(days=day.day - 1), _last_day(year, month + 1))


def _explicit(m: re.Match, stated_on: dt.date | None) -> dt.date | None:
    g = m.groupdict()
    try:
        if "m" in g and g.get("m"):
            return dt.date(int(g["year"]), int(g["m"]), int(g["d"]))
        month, day = MONTHS[g["month"].casefold()], int(g["day"])
        if g.get("year"):
            return dt.date(int(g["year"]), month, day)
        if stated_on is None:
            return None
        # A date named without a year in a promise is ahead of the statement (or a few days behind: "since 14 Feb").
        for year in (stated_on.year, stated_on.year + 1):
            candidate = dt.date(year, month, day)
            if candidate >= stated_on - dt.timedelta(days=7):
                return candidate
    except ValueError:
        return None
    return None


_CUE_AT = re.compile(r"\b(?:will|shall|would|going\s+to|plans?|planning|intends?|due\s+to|scheduled|set\s+to|promised|"
                     r"pledged|vowed)\b|[’']ll\b", re.IGNORECASE)


def due_date(text: str, stated_on: dt.date | None, anywhere: bool = False) -> tuple[dt.date | None, str | None]:
    """The date a promise falls due by its own words, and those words; (None, None) when it gives none. Only dates
    after the first future word count ("Makei said on Wednesday that troops will leave on 20 February": 20 February),
    unless `anywhere`."""
    cue = _CUE_AT.search(text)
    if not anywhere:
        if cue is None:
            return None, None
        text = " " * cue.start() + text[cue.start():]
    found: list[tuple[int, dt.date, str]] = []
    for pattern in _EXPLICIT:
        for m in pattern.finditer(text):
            if (day := _explicit(m, stated_on)) is not None:
                found.append((m.start(), day, m.group(0)))
    for m in _UNTIL_YEAR.finditer(text):
        found.append((m.start(), dt.date(int(m["year"]), 12, 31), m.group(0)))
    if stated_on is not None:
        for m in _RELATIVE.finditer(text):
            word = " ".join(m["word"].casefold().split())
            sunday = stated_on + dt.timedelta(days=6 - stated_on.weekday())
            day = {
                "today": stated_on, "tonight": stated_on, "this evening": stated_on,
                "tomorrow": stated_on + dt.timedelta(days=1), "the day after tomorrow": stated_on + dt.timedelta(days=2),
                "this week": sunday, "next week": sunday + dt.timedelta(days=7),
                "this month": _last_day(stated_on.year, stated_on.month),
                "next month": _last_day(_add_months(stated_on.replace(day=1), 1).year, _add_months(stated_on.replace(day=1), 1).month),
                "this year": dt.date(stated_on.year, 12, 31), "next year": dt.date(stated_on.year + 1, 12, 31),
            }[word]
            found.append((m.start(), day, m.group(0)))
        for m in _SPAN.finditer(text):
            raw = " ".join(m["n"].casefold().split())
            n = int(raw) if raw.isdigit() else _NUMBERS[raw]
            unit = m["unit"].casefold()
            day = (stated_on + dt.timedelta(days=n * {"day": 1, "week": 7}[unit]) if unit in ("day", "week")
                   else _add_months(stated_on, n * (12 if unit == "year" else 1)))
            found.append((m.start(), day, m.group(0)))
        for m in _WEEKDAY.finditer(text):
            ahead = (WEEKDAYS[m["weekday"].casefold()] - stated_on.weekday()) % 7
            if m.group(0).casefold().startswith("next") and ahead == 0:
                ahead = 7
            found.append((m.start(), stated_on + dt.timedelta(days=ahead), m.group(0)))
    if not found:
        return None, None
    _, day, words = min(found, key=lambda f: f[0])
    return day, words


def event_date(text: str, stated_on: dt.date | None, context: Sequence[str]) -> tuple[dt.date | None, str | None]:
    """For a promise tied to an event's end ("after the completion of exercises"), the end date that a sentence of the
    same document gives that event ("the Union Resolve exercise ends on 20 February")."""
    m = _EVENT.search(text)
    if not m:
        return None, None
    event = m["event"].casefold()
    stems = next((family for family in _EVENT_NAMES if any(event.startswith(s) for s in family)), (event[:5],))
    for sentence in context:
        if any(s in sentence.casefold() for s in stems) and re.search(_EVENT_END, sentence, re.IGNORECASE):
            day, words = due_date(sentence, stated_on, anywhere=_CUE_AT.search(sentence) is None)
            if day is not None:
                return day, words
    return None, None


# --- the promises of a workspace and their status ---------------------------------------------------------------

COLUMNS = ["claim_id", "actor", "speaker", "text", "stated_on", "kind", "due_on", "due_text", "status", "report_id",
           "report_actor", "report_text", "report_on", "stance", "decided_by", "lag_days"]


def find(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every stored claim that is a promise: claim_id, actor, speaker, text, stated_on, kind, due_on, due_text, act."""
    rows = []
    for row in reads.claims_with_cue(con, CUE).itertuples(index=False):
        stated = as_date(row.stated_on)
        context = reads.neighbour_texts(con, row.doc_id, row.seq) if _EVENT.search(row.text) else ()
        if (found := detect(row.text, stated, context, row.actor)) is not None:
            rows.append((row.claim_id, row.actor, row.speaker, row.text, stated, found.kind, found.due_on, found.due_text,
                         found.act))
    return pd.DataFrame(rows, columns=[*COLUMNS[:8], "act"])


# A cheap filter in SQL before the rules run in Python: every promise has one of these words.
CUE = (r"\b(will|shall|'ll|’ll|going to|plans?|planning|intends?|intention|due to|scheduled|set to|promised|pledged|"
       r"assured|vowed|won't|won’t)\b")


def evidence(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[str]) -> pd.DataFrame:
    """The scored monitor pairs of these claims, with the report's date, actor and text and the analysts' label."""
    if not claim_ids:
        return pd.DataFrame(columns=["claim_id", "report_id", "report_actor", "report_text", "report_on", "stance",
                                     "verdict_label"])
    return reads.monitor_evidence(con, claim_ids)


def decide(promise: pd.Series | dict, pairs: pd.DataFrame, today: dt.date) -> dict:
    """The status of one promise from its evidence pairs (rows of `evidence`), and the pair that decided it."""
    stated, due, kind = as_date(promise["stated_on"]), as_date(promise["due_on"]), promise["kind"]
    start = due if due is not None else stated
    act = promise.get("act") if kind == "denial" else None
    act = act if isinstance(act, str) and act else None
    rows = []
    for pair in pairs.itertuples(index=False):
        on = as_date(pair.report_on)
        verdict = isinstance(pair.verdict_label, str) and pair.verdict_label
        label = pair.verdict_label if verdict else pair.stance
        if on is None or (start is not None and on < start):
            continue
        # A denial is broken by the act itself: a report the model calls contradicting must report that act (an
        # analyst's verdict is taken as it is).
        if act is not None and not verdict and not reports_act(act, str(pair.report_text or "")):
            continue
        status = {"contradicts": "broken", "supports": None if kind == "denial" else "kept"}.get(label)
        if status:
            by = "analyst" if verdict else "model"
            rows.append((on, status != "broken", str(pair.report_id), status, pair, label, by))
    if rows:
        on, _, _, status, pair, label, by = min(rows, key=lambda r: (r[0], r[1], r[2]))
        lag = (on - stated).days if stated is not None else None
        return {"status": status, "report_id": pair.report_id, "report_actor": pair.report_actor,
                "report_text": pair.report_text, "report_on": on, "stance": label, "decided_by": by, "lag_days": lag}
    overdue = due is not None and due < today
    return {"status": "overdue" if overdue else "pending", "report_id": None, "report_actor": None, "report_text": None,
            "report_on": None, "stance": None, "decided_by": None, "lag_days": None}


def empty() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS)


EXPORT_COLUMNS = ["claim_id", "actor", "speaker", "kind", "text", "stated_on", "due_on", "status", "report_id",
                  "report_on", "report_actor", "report_text", "stance", "decided_by", "lag_days"]


def for_export(frame: pd.DataFrame) -> pd.DataFrame:
    """The promises as the command line and downloads give them: dates as YYYY-MM-DD, empty when there is none."""
    out = frame.reindex(columns=EXPORT_COLUMNS).copy()
    for col in ("stated_on", "due_on", "report_on"):
        out[col] = [d.isoformat() if (d := as_date(v)) is not None else "" for v in out[col]]
    out["lag_days"] = out["lag_days"].astype("Int64")
    return out.astype(object).where(out.notna(), "")


def list_promises(con: duckdb.DuckDBPyConnection, today: dt.date | None = None, found: pd.DataFrame | None = None
                  ) -> pd.DataFrame:
    """Every promise of the workspace with its status, the deciding report and the lag (COLUMNS), the broken first.
    `found`: the promises `find` returned, when the caller kept them (they change only with the claims)."""
    today = today or dt.date.today()
    found = find(con) if found is None else found
    if found.empty:
        return empty()
    pairs = evidence(con, found["claim_id"].tolist())
    by_claim = {k: g for k, g in pairs.groupby("claim_id")} if len(pairs) else {}
    none = pairs.iloc[0:0]
    decided = [decide(row, by_claim.get(row["claim_id"], none), today) for _, row in found.iterrows()]
    out = pd.concat([found.reset_index(drop=True), pd.DataFrame(decided)], axis=1)[COLUMNS]
    order = {s: i for i, s in enumerate(STATUSES)}
    out["_order"] = out["status"].map(order)
    return out.sort_values(["_order", "stated_on", "claim_id"], na_position="last").drop(columns="_order").reset_index(drop=True)
