"""Attribute: sentences → statements with speaker, actor, actor type and date.

Rule-based, one pass over the sentences of a document:

1. a transcript speaker marker ("Vladimir Putin:", "Question:") in the gap before a sentence sets
   the speaker until the next marker;
2. otherwise a reporting construction in the text outside quotation marks names the speaker:
   "X said", "“…,” X said", "“…,” said X, the minister", "according to X", "…, saying that";
3. "he said", "the minister added" refer back to the last named person;
4. a quotation with no attribution continues the quotation before it;
5. everything else is narration by the document's speaker (a bulk row's column) or its publisher.

The speaker is kept as written (titles stripped); the actor is the canonical organisation from the
registry. Unknown speakers get an actor and type inferred from their title or organisation and are
flagged inferred_actor so an analyst can confirm them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crosscheck.actors import Actor, ActorRegistry
from crosscheck.dates import resolve_date
from crosscheck.records import Document, Sentence, Statement
from crosscheck.segment import SEPARATOR, SINGLE_WORD_MARKERS, find_marker

_VERBS = (
    "said|says|say|told|tells|added|adds|noted|notes|stated|states|stressed|stresses|warned|warns|claimed|claims|"
    "insisted|insists|argued|argues|explained|explains|asserted|asserts|announced|announces|reiterated|reiterates|"
    "wrote|writes|tweeted|tweets|posted|declared|declares|emphasised|emphasized|emphasises|emphasizes|confirmed|"
    "confirms|denied|denies|acknowledged|admitted|suggested|predicted|remarked|replied|responded|concluded|believes|"
    "alleged|reported|appealed|urged|accused|assured|promised|vowed|pledged|cautioned|observed|commented|estimated|assessed|assesses|"
    "maintained|recalled|underlined|underscored|informed|briefed|thanked|called on|called for|summed up|pointed out|went on to say|said in a statement"
)
# What monitors do with evidence ("CIR geolocated the video"); not after an article ("a verified video").
_MONITOR_VERBS = r"(?<!\b[Aa] )(?<!\b[Aa]n )(?<!\b[Tt]he )(?:geolocated|geolocates|verified|documented)"
_VERB = re.compile(r"(?<![\w-])(?:" + _VERBS + "|" + _MONITOR_VERBS + r")(?![\w-])")
_PARTICIPLE = re.compile(r",\s+(?:saying|adding|stressing|warning|announcing|noting|claiming|insisting|arguing|"
                         r"explaining|declaring|telling|writing|insisting|emphasi[sz]ing|reiterating)(?![\w-])")
_INVERTED = re.compile(r"(?:[,”\"]|^)\s*(?:" + _VERBS + r")\s+(?P<np>[^,.;:!?]+)(?:,\s*(?P<desc>[^.;:!?]+))?")
_PASSIVE = re.compile(r"\b(?:was|were|has been|had been)\s+(?:said|stated|announced|noted|reported|emphasi[sz]ed|stressed|"
                      r"declared|written|posted)\s+by\s+(?P<np>[^,.;:!?]+)")
_TRAILING_PLACE = re.compile(r"\s+(?:at|during|in|on|while|after)\s+(?:a|an|the|his|her|its|their)\b.*$")
_ACCORDING = re.compile(r"\b[Aa]ccording to\s+(?P<np>[^,.;:!?]+)")
_CHUNK_SPLIT = re.compile(r"[,;:“”\"()]|\s[—–-]\s|—")
_LEADING = re.compile(r"^(?:(?:and|but|while|whereas|as|in which|which|who|whom|where|when|that|then|so|yet|also|"
                      r"meanwhile|however|moreover|later|earlier)\s+)+", re.I)
_TRAILING = re.compile(
    r"(?:\s+(?:also|again|later|earlier|then|further|directly|once|publicly|recently|separately|previously|"
    r"reportedly|repeatedly|has|had|have|was|is|had|would|will|did|does|do|on|in|at|during|last|this|"
    r"(?:on|in|at|during|last|this)\s+(?:a|an|the|his|her|its|their)?\s*\w+(?:\s+\w+)?|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|earlier|\w+ly))+$",
    re.I,
)
_PRONOUN = re.compile(r"^(?:he|she|him|her)$", re.I)
_OTHER_PRONOUNS = frozenset("i we you they it this that there one people everyone someone nobody who which".split())
_ROLE_NOUNS = (
    "head of state|head of government|minister|spokesman|spokeswoman|spokesperson|president|chancellor|secretary|chief|ambassador|envoy|commander|"
    "general|adviser|advisor|aide|official|analyst|researcher|director|founder|head|leader|premier|governor|mayor|"
    "diplomat|prime minister|senator|lawmaker|deputy|expert|editor|journalist|correspondent|reporter|investigator"
)
_ROLE_REFERENCE = re.compile(r"^(?:the|this|that)\s+(?:[\w’'.-]+\s+){0,3}?(?:" + _ROLE_NOUNS + r")$", re.I)
_GENERIC_PLURAL = re.compile(r"(?:s|people|staff|personnel)$")
_TITLE_WORDS = frozenset(
    """president prime minister foreign defence defense deputy chief secretary chancellor spokesman spokeswoman
    spokesperson ambassador general gen. lt. col. colonel adm. admiral commander head leader director founder
    analyst senior former acting vice state press interior finance first federal kremlin nato un u.n. eu
    mr mr. mrs mrs. ms ms. dr dr. sir lord patriarch archpriest mayor governor senator envoy special
    representative military intelligence presidential adviser advisor aide official presidency chairman
    chairwoman ceo king queen emir premier of the""".split()
)
_COUNTRY_ADJECTIVES = {
    "russian": "Russia", "russia's": "Russia", "ukrainian": "Ukraine", "ukraine's": "Ukraine",
    "belarusian": "Belarus", "belarus's": "Belarus", "belarus'": "Belarus", "u.s.": "United States",
    "us": "United States", "american": "United States", "british": "United Kingdom", "uk": "United Kingdom",
    "britain's": "United Kingdom", "german": "Germany", "germany's": "Germany", "french": "France",
    "france's": "France", "polish": "Poland", "poland's": "Poland", "lithuanian": "Lithuania",
    "latvian": "Latvia", "estonian": "Estonia", "chinese": "China", "italian": "Italy", "hungarian": "Hungary",
}
_COUNTRY_PREFIX = {"Russia": "Russian", "Ukraine": "Ukrainian", "Belarus": "Belarusian"}
_KEYWORD_TYPES = [
    ("intl_org", re.compile(r"\b(?:united nations|u\.?n\.?|osce|nato|iaea|secretary-general|red cross|"
                            r"international|european commission|eu)\b", re.I)),
    ("osint", re.compile(r"\b(?:analyst|analysts|researcher|investigator|open[- ]source|osint|consulting|"
                         r"institute|think tank|monitoring group|monitor|centre for|center for|satellite)\b", re.I)),
    ("state_media", re.compile(r"\b(?:state[- ](?:run|owned|media|television|tv|news agency)|state broadcaster)\b", re.I)),
    ("independent_media", re.compile(r"\b(?:journalist|correspondent|editor|reporter|newspaper|news agency|outlet|"
                                     r"times|post|radio|tv|channel|magazine|broadcaster)\b", re.I)),
    ("government", re.compile(r"\b(?:minister|ministry|president|presidential|prime|chancellor|spokes(?:man|woman|person)|"
                              r"government|kremlin|governor|ambassador|embassy|envoy|official|general|commander|army|"
                              r"military|armed forces|defen[cs]e|foreign|secretary|parliament|duma|rada|senator|"
                              r"lawmaker|mayor|deputy|security council|aide|adviser|advisor)\b", re.I)),
]
_HEAD_OF_STATE = re.compile(
    r"\b(?:President|Presidency|Prime Minister|Premier|King|Queen|Emir|Chancellor|Government|Foreign Minister|"
    r"Minister of Foreign Affairs|Ambassador)\s+of\s+(?:the\s+)?"
    r"(?:(?:People's\s+|Islamic\s+|Federal\s+)?Republic\s+of\s+(?:the\s+)?)?"
    r"(?P<place>[A-Z][\w'’-]+(?:\s+(?:and\s+)?[A-Z][\w'’-]+)*)"
)
# Kremlin transcripts repeat the name reversed after the title: "Minister Sergei Shoigu Shoigu SergeiMinister".
_REPEATED_NAME = re.compile(r"\b(?P<first>[A-Z][\w'’-]+) (?P<last>[A-Z][\w'’-]+) (?P=last) (?P=first)")
_BACK_REFERENCE = re.compile(r"^(?:This|That|It|These words)\s+(?:was|were|has been)\s+(?:said|stated|announced|noted|"
                             r"reported|emphasi[sz]ed|stressed|declared)\s+by\b")
_ORG_WORDS = re.compile(r"\b(?:Office|Ministry|Council|Committee|Service|Department|Agency|Government|"
                        r"Administration|Party|Forces|Army|Staff|Union|Bank|Company|Corporation|Federation|Republic)\b")
_BOILERPLATE_START = re.compile(r"^(?:A Message from\b|Dear readers\b)", re.I)
_BOILERPLATE = re.compile(r"\b(?:Remind me later|support us|subscribe to|donate|make a donation|sign up for our|"
                          r"newsletter|all rights reserved)\b", re.I)
# A dateline alone ("Moscow, 15 February 2022.", "Kyiv, February 16, 2022"): where and when, not a statement.
_DATELINE = re.compile(
    r"^[A-Z][\w.'’ -]{1,40},\s+(?:\d{1,2}\s+[A-Z][a-z]+|[A-Z][a-z]+\s+\d{1,2}),?\s+\d{4}\.?$"
)
_ORG_AFTER = re.compile(
    r"\b(?:of|at|for|from|with)\s+(?:the\s+)?"
    r"(?P<org>[A-Z][\w’'&.-]*(?:\s+(?:(?:of|for|and)\s+(?:the\s+)?)?[A-Z][\w’'&.-]*)*)"
)


# Transcripts: turn labels that name no one, the media types, and what marks a journalist or an outlet.
_TURN_WORDS = SINGLE_WORD_MARKERS | {"unknown journalist"}
MEDIA_TYPES = ("state_media", "independent_media")
_PERSON_NAME = re.compile(r"[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){1,2}")
_MEDIA_WORDS = re.compile(r"\b(?:newspaper|news agency|agency|TV|television|channel|radio|magazine|online|"
                          r"broadcaster|publication|portal)\b", re.I)
_INVITATION = re.compile(r"\b(?:please|go ahead|your question)\b", re.I)
_JOURNALIST_ROLE = re.compile(r"\b(?:correspondent|journalist|reporter|editor|columnist|anchor)\b", re.I)


@dataclass
class Speaker:
    """Who a sentence is attributed to."""

    name: str | None
    actor: str | None
    actor_type: str | None
    inferred: bool = False
    person: bool = False


def _quote_spans(text: str) -> tuple[list[tuple[int, int]], int | None]:
    """Positions (opening mark, closing mark) of the closed quotations, and of a quotation left open."""
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    for i, ch in enumerate(text):
        opener = ch in "“«" or (ch == '"' and open_at is None)
        closer = ch in "”»" or (ch == '"' and open_at is not None)
        if open_at is None and opener:
            open_at = i
        elif open_at is not None and closer:
            spans.append((open_at, i))
            open_at = None
    return spans, open_at


def quoted_passages(text: str, min_words: int = 4) -> list[str]:
    """The passages of text inside quotation marks with at least min_words words, in order."""
    inner = [text[a + 1 : b].strip(" ,.;:") for a, b in _quote_spans(text)[0]]
    return [q for q in inner if len(q.split()) >= min_words]


def spoken_text(text: str) -> str:
    """What the speaker said: the quoted words of a reported-speech sentence, else the whole sentence.

    "After the talks, Putin said “a decision has been taken to partially withdraw forces” following
    the drills" → "a decision has been taken to partially withdraw forces".
    """
    quotes = quoted_passages(text or "", min_words=6)
    return " … ".join(quotes) if quotes else (text or "")


def _mask_quotes(text: str) -> tuple[str, bool]:
    """Text with quoted passages blanked out (same length), and whether a quote of 3+ words was found."""
    out = list(text)
    spans, open_at = _quote_spans(text)
    long_quote = any(len(text[a + 1 : b].split()) >= 3 for a, b in spans)
    for a, b in spans:
        for j in range(a + 1, b):
            out[j] = " "
    if open_at is not None and open_at < 2:
        # A quote opened at the start and never closed in this sentence: all of it is speech.
        long_quote = long_quote or len(text.split()) >= 3
        for j in range(open_at + 1, len(text)):
            out[j] = " "
    return "".join(out), long_quote


def _country_of(phrase: str) -> str | None:
    for word in re.findall(r"[\w.’']+", phrase.replace("’", "'")):
        country = _COUNTRY_ADJECTIVES.get(word.casefold())
        if country:
            return country
    return None


def _type_from_keywords(text: str) -> str:
    for actor_type, pattern in _KEYWORD_TYPES:
        if pattern.search(text):
            return actor_type
    return "other"


class _Attributor:
    """Per-document state: the registry, the last named person, and the current transcript marker."""

    def __init__(self, doc: Document, registry: ActorRegistry):
        self.doc = doc
        self.registry = registry
        self.last_person: Speaker | None = None
        self.default = self._default_speaker()
        self.titled = self._titled_people(doc.text)
        self.journalists: dict[str, Speaker] = {}  # transcript speakers identified so far, by name
        self.in_marker = False  # resolving a transcript marker: the venue says nothing of the speaker

    # --- journalists in transcripts ----------------------------------------------------------
    def _outlet_in(self, text: str) -> Actor | None:
        for _start, _end, entry in self.registry.find_names(text):
            if entry.actor_type in MEDIA_TYPES and not entry.is_person:
                return entry
        return None

    def introduction(self, text: str) -> tuple[str | None, Actor | str | None] | None:
        """A journalist introducing themselves: (name, outlet) from "Pavel Zarubin, Rossiya TV Channel.",
        "TASS news agency.", "Alexander Yunashev, Life."; None when the sentence is not one."""
        core = text.strip().rstrip(".!").strip()
        if not core or len(core.split()) > 9 or "?" in core or _INVITATION.search(core):
            return None
        outlet = self._outlet_in(core)
        parts = [p.strip() for p in core.split(",")]
        name = parts[0] if len(parts) >= 2 and _PERSON_NAME.fullmatch(parts[0]) and not self.registry.lookup(parts[0]) else None
        if name and name.split()[0].casefold() in _TITLE_WORDS:
            name = None
        if outlet is None and name and len(parts) == 2 and _MEDIA_WORDS.search(parts[1]):
            outlet = parts[1]  # an outlet the registry does not know: named, typed "other"
        if outlet is None and not name and _MEDIA_WORDS.search(core) and core[:1].isupper() and len(core.split()) <= 4:
            outlet = re.sub(_MEDIA_WORDS.pattern + r"\s*$", "", core, flags=re.I).strip() or None
        if outlet is None:
            return None
        return name, outlet

    def invited_outlet(self, text: str) -> Actor | None:
        """The outlet a moderator gives the floor to ("Kommersant, please."), if the sentence does that."""
        core = (text or "").strip()
        if not core or len(core.split()) > 8 or not _INVITATION.search(core):
            return None
        return self._outlet_in(core)

    def journalist(self, marker: Speaker, name: str | None, outlet: Actor | str | None) -> Speaker:
        """The speaker of a journalist's turn: their name (or the marker's), typed by their outlet."""
        person = name or (marker.name if marker.name and marker.name.casefold() not in _TURN_WORDS else None)
        if isinstance(outlet, Actor):
            actor, actor_type, inferred = outlet.name, outlet.actor_type, person is not None
        else:
            actor, actor_type, inferred = outlet, "other", True
        speaker = Speaker(person or marker.name, actor, actor_type, inferred=inferred, person=person is not None)
        if person:
            self.journalists[person] = speaker
        return speaker

    def _titled_people(self, text: str) -> dict[str, Speaker]:
        """Foreign leaders introduced by title earlier in the text ("President of Kyrgyzstan Sadyr Japarov"),
        so a later bare "Sadyr Japarov said" finds the right government."""
        found: dict[str, Speaker] = {}
        for m in _HEAD_OF_STATE.finditer(text):
            words = m.group("place").split()
            if len(words) < 3 or self.registry.lookup(" ".join(words[-2:])):
                continue
            name, place = " ".join(words[-2:]), " ".join(words[:-2])
            actor = self.registry.resolve(place)
            speaker = Speaker(name, actor.name if actor else f"{place} government",
                              actor.actor_type if actor else "government", inferred=True, person=True)
            found.setdefault(name, speaker)
            found.setdefault(words[-1], speaker)
        return found

    def _default_speaker(self) -> Speaker:
        name = self.doc.speaker or self.doc.publisher
        if not name:
            return Speaker(None, None, None)
        actor = self.registry.resolve(name)
        if actor:
            return Speaker(name, actor.name, actor.actor_type)
        return Speaker(name, name, _type_from_keywords(name) if self.doc.speaker else "other", inferred=True)

    # --- turning a noun phrase into a speaker ------------------------------------------------
    def _from_entry(self, written: str, entry: Actor) -> Speaker:
        actor = self.registry.resolve(entry.name) or entry
        return Speaker(written, actor.name, actor.actor_type, person=entry.is_person)

    def speaker_from_phrase(self, phrase: str, descriptor: str = "") -> Speaker | None:
        """A speaker from a subject noun phrase such as "Ukraine’s President Volodymyr Zelenskiy"."""
        phrase = _LEADING.sub("", phrase.strip(" ,.;:'\"“”‘’—–-\t\n"))
        phrase = _TRAILING.sub("", phrase).strip(" ,")
        if not phrase or len(phrase) > 160:
            return None
        if _PRONOUN.match(phrase):
            return self.last_person
        if phrase.casefold() in _OTHER_PRONOUNS:
            return None
        entry = self.registry.lookup(phrase)
        if entry:
            found = self._from_entry(self._written(phrase, entry), entry)
            return self._same_as_last(found, phrase) if not entry.is_person else found
        if _ROLE_REFERENCE.match(phrase):
            return self._role_reference(phrase)
        words = phrase.split()
        head = words[-1]
        mentions = self.registry.find_names(phrase)
        people = [m for m in mentions if m[2].is_person]
        if people:
            start, end, entry = people[0]
            return self._from_entry(phrase[start:end], entry)
        name = self._proper_name(phrase)
        if name is None:
            if head[:1].islower():
                # A common-noun head: an organisation named before a role ("the Kremlin spokesman")
                # counts; generic plurals ("Western allies", "experts") are narration.
                if re.search(r"(?:" + _ROLE_NOUNS + r")$", phrase, re.I) and not _GENERIC_PLURAL.search(head):
                    if mentions:
                        return self._same_as_last(self._from_entry(phrase, mentions[-1][2]), phrase)
                    return self._same_as_last(self._infer(phrase, None, descriptor), phrase)
                return None
            if mentions and mentions[-1][1] == len(phrase):
                return self._from_entry(phrase[mentions[-1][0]:], mentions[-1][2])
            if re.search(r"\b(?:" + _ROLE_NOUNS + r")\b", phrase, re.I):
                # "a spokesperson for the Defence Ministry"
                return self._same_as_last(self._infer(phrase, None, descriptor), phrase)
            return None
        # An organisation that ends the phrase ("the Russian Defence Ministry") is the speaker itself.
        if mentions and mentions[-1][1] == len(phrase) and not mentions[-1][2].is_person and " of " not in phrase:
            return self._from_entry(phrase[mentions[-1][0]:], mentions[-1][2])
        return self._infer(phrase, name, descriptor)

    def _same_as_last(self, found: Speaker, phrase: str) -> Speaker:
        """A role phrase ("the President of Russia", "the Adviser to the Head of the Office") that fits
        the last named person is that person."""
        last = self.last_person
        if last is not None and last.actor == found.actor and re.search(r"\b(?:" + _ROLE_NOUNS + r")\b", phrase, re.I):
            return last
        return found

    def _written(self, phrase: str, entry: Actor) -> str:
        return phrase if entry.is_person or not phrase.lower().startswith("the ") else phrase[4:]

    def _proper_name(self, phrase: str) -> str | None:
        """The person's name at the core of a phrase, titles stripped: "Foreign Minister Jane Doe" → "Jane Doe"."""
        head_part = re.split(r"\s+(?:of|at|for|from|with)\s+", phrase, maxsplit=1)[0].split()
        if re.search(r"\s(?:of|at|for|from|with)\s", phrase) and (
                len(head_part) == 1 or head_part[0].casefold() in _TITLE_WORDS):
            # Title first ("the Adviser of the President of Ukraine Daria Herasymchuk"): the name ends it.
            tail = re.findall(r"(?:[A-Z][\w’'-]*\s+)?(?:[A-Z]\.\s+)?[A-Z][\w’'-]*$", phrase)
            if tail and len(tail[0].split()) >= 2 and tail[0].split()[0].casefold() not in _TITLE_WORDS \
                    and not _ORG_WORDS.search(tail[0]) and "'s" not in tail[0].replace("’", "'"):
                return tail[0]
        core = re.split(r"\s+(?:of|at|for|from|with)\s+", phrase, maxsplit=1)[0]
        words = core.split()
        # Possessive modifiers ("Ukraine’s President X") and titles come before the name.
        while words and (words[0].casefold() in _TITLE_WORDS or words[0].endswith(("’s", "'s"))
                         or words[0].casefold() in _COUNTRY_ADJECTIVES or words[0][:1].islower()):
            words = words[1:]
        if not words or not all(w[:1].isupper() for w in words):
            return None
        if any(w.casefold() in _COUNTRY_ADJECTIVES for w in words):
            return None
        if len(words) > 4:
            return " ".join(words[-2:])  # "RUSNANO Management Board Sergei Kulikov": the name comes last
        return " ".join(words)

    def _role_reference(self, phrase: str) -> Speaker | None:
        mentions = self.registry.find_names(phrase)
        if mentions and not mentions[-1][2].is_person:
            org = self.registry.resolve(mentions[-1][2].name)
            if self.last_person and self.last_person.actor == org.name:
                return self.last_person
            return Speaker(phrase, org.name, org.actor_type)
        return self.last_person

    def _infer(self, phrase: str, name: str | None, descriptor: str) -> Speaker:
        """An unknown speaker: organisation from "of/at/for Y" or the title, type from keywords."""
        context = f"{phrase}, {descriptor}" if descriptor else phrase
        known = self.titled.get(name or "") or self.titled.get((name or "").split(" ")[-1])
        if known is not None:
            return Speaker(name, known.actor, known.actor_type, inferred=True, person=True)
        org_entry = None
        for _start, _end, entry in self.registry.find_names(context):
            if not entry.is_person and entry.name != name:
                org_entry = self.registry.resolve(entry.name)
                break
        written = name or phrase
        if org_entry is not None:
            return Speaker(written, org_entry.name, org_entry.actor_type, inferred=True, person=bool(name))
        country = _country_of(phrase)
        actor_type = _type_from_keywords(context)
        if actor_type == "government" and country:
            prefix = _COUNTRY_PREFIX.get(country, "")
            for candidate in (
                f"{prefix} Foreign Ministry" if re.search(r"foreign", phrase, re.I) else "",
                f"{prefix} Ministry of Defence" if re.search(r"defen[cs]e", phrase, re.I) else "",
                country,
            ):
                actor = self.registry.resolve(candidate) if candidate.strip() else None
                if actor:
                    return Speaker(written, actor.name, actor.actor_type, inferred=True, person=bool(name))
        state = _HEAD_OF_STATE.search(context)
        if state:
            place = state.group("place")
            name = name or self._proper_name(phrase)
            if name and place.endswith(name) and place != name:
                place = place[: -len(name)].strip()
            actor = self.registry.resolve(place)
            if actor is None:
                return Speaker(written, f"{place} government", "government", inferred=True, person=bool(name))
            return Speaker(written, actor.name, actor.actor_type, inferred=True, person=bool(name))
        if actor_type == "government" and not country and self.default.actor_type == "government":
            # "the Office of the President" in a government's own release is that government.
            return Speaker(written, self.default.actor, "government", inferred=True, person=bool(name))
        org = _ORG_AFTER.search(context)
        if org:
            org_name = org.group("org").strip()
            if name and org_name.endswith(name) and org_name != name:
                org_name = org_name[: -len(name)].strip()
            org_type = _type_from_keywords(context)
            if org_type == "other" and self.default.actor_type == "government":
                org_type = "government"  # an unknown body in a government's own record is, as a rule, a state body
            return Speaker(written, org_name, org_type, inferred=True, person=bool(name))
        if actor_type == "other" and name and self.default.actor_type == "government" and not self.in_marker:
            # A named person with no title in a government's own release is, as a rule, one of its
            # officials; flagged inferred for the analyst to confirm. A transcript's speaker is not:
            # journalists speak there too, so the venue is no evidence of who they are.
            return Speaker(written, self.default.actor, "government", inferred=True, person=True)
        return Speaker(written, written, actor_type, inferred=True, person=bool(name))

    # --- finding the attribution in a sentence -----------------------------------------------
    def speaker_in_sentence(self, text: str) -> Speaker | None:
        """The speaker a reporting construction names in this sentence, or None."""
        masked, _ = _mask_quotes(text)
        m = _PASSIVE.search(masked)
        if m:
            found = self.speaker_from_phrase(_TRAILING_PLACE.sub("", m.group("np")))
            if found:
                return found
        m = _ACCORDING.search(masked)
        if m:
            found = self.speaker_from_phrase(m.group("np"))
            if found:
                return found
        for m in _INVERTED.finditer(masked):
            np = m.group("np").strip()
            if np[:1].isupper() or re.match(r"(?:the|a|an)\s", np):
                found = self.speaker_from_phrase(np, m.group("desc") or "")
                if found:
                    return found
        for m in _VERB.finditer(masked):
            chunks = _CHUNK_SPLIT.split(masked[: m.start()])
            descriptor: list[str] = []
            if not chunks[-1].strip():
                # The verb follows a comma: walk back over appositives and relative clauses
                # ("X, director of Y, said"; "X of Y, which monitors Z, said") to the subject.
                while chunks and not chunks[-1].strip():
                    chunks.pop()
                while len(chunks) > 1 and re.match(r"\s*(?:which|who|whose|an?\s|the\s+\w+\s+of\b|[a-z])", chunks[-1]):
                    descriptor.insert(0, chunks.pop())
                    while chunks and not chunks[-1].strip():
                        chunks.pop()
            if not chunks or not chunks[-1].strip():
                continue
            found = self.speaker_from_phrase(_trailing_noun_phrase(chunks[-1]), ", ".join(descriptor))
            if found:
                return found
        m = _PARTICIPLE.search(masked)
        if m:
            subject = self._leading_noun_phrase(masked[: m.start()])
            if subject:
                return self.speaker_from_phrase(subject)
        return None

    def note_subject(self, masked: str) -> None:
        """Remember a person who opens a sentence ("Lloyd Austin visited …") for a later "he said"."""
        subject = self._leading_noun_phrase(masked)
        if subject and len(subject.split()) >= 2:
            found = self.speaker_from_phrase(subject)
            if found is not None and found.person:
                self.last_person = found
                return
        people = {entry.name: (masked[a:b], entry) for a, b, entry in self.registry.find_names(masked) if entry.is_person}
        if len(people) == 1:
            written, entry = next(iter(people.values()))
            self.last_person = self._from_entry(written, entry)

    @staticmethod
    def _leading_noun_phrase(text: str) -> str | None:
        words = text.split()
        out: list[str] = []
        for w in words:
            if w[:1].isupper() or (out and out[-1].endswith(("’s", "'s"))):
                out.append(w.rstrip(","))
                if w.endswith(","):
                    break
            else:
                break
        return " ".join(out) or None


_NP_MODIFIERS = frozenset(
    """the a an chief senior former deputy top acting foreign defence defense prime minister spokesman spokeswoman
    spokesperson president secretary general press state of at for de von van der al""".split()
)


def _trailing_noun_phrase(text: str) -> str:
    """The noun phrase that ends text: "Putin’s comments came after senior commanders" → "commanders"."""
    text = _TRAILING.sub("", text.strip()).strip()
    words = text.split()
    if not words:
        return ""
    keep = [words[-1]]
    for w in reversed(words[:-1]):
        low = w.casefold()
        if w[:1].isupper() or w.endswith(("’s", "'s")) or low in _NP_MODIFIERS or low in _COUNTRY_ADJECTIVES:
            keep.insert(0, w)
        else:
            break
    # A connector cannot start the phrase ("of the Kremlin" → "the Kremlin" is not a subject).
    while keep and keep[0].casefold() in ("of", "at", "for", "de", "von", "van", "der", "al"):
        keep.pop(0)
    return " ".join(keep)


def _gap_marker(text: str, start: int, end: int) -> str | None:
    """The speaker named by a transcript marker between two sentences, if any."""
    pos = start
    while pos < end and text[pos].isspace():
        pos += 1
    separator = SEPARATOR.match(text, pos)
    if separator:
        pos = separator.end()
    if pos >= end:
        return None
    m = find_marker(text, pos)
    return m.group("name") if m and m.end() <= end else None


def attribute_sentences(doc: Document, sentences: list[Sentence], registry: ActorRegistry) -> list[Statement]:
    """Who said each sentence and when; narration belongs to the document's speaker or publisher.

    In a transcript (a text with speaker markers) each marker opens a turn. The text before the first
    marker is the publisher's narration. A turn whose speaker the registry does not know, or a
    "Question:" turn, is a journalist's when its first sentences introduce an outlet ("Pavel Zarubin,
    Rossiya TV Channel.", "TASS news agency.") or when the turn before introduced one ("Kommersant,
    please."); the journalist's type comes from the outlet, never from the venue.
    """
    att = _Attributor(doc, registry)
    published = doc.published_on
    marker: Speaker | None = None
    previous: Statement | None = None
    in_boilerplate = False
    out: list[Statement] = []
    markers = [_gap_marker(doc.text, a.end if a else 0, b.start) for a, b in zip([None, *sentences[:-1]], sentences)]
    narration_before = next((i for i, m in enumerate(markers) if m), 0) if att.default.actor_type == "government" else 0
    turn: list[Statement] = []  # the statements of the current turn
    turn_open = False  # the turn may still introduce its journalist
    for i, s in enumerate(sentences):
        marker_name = markers[i]
        if marker_name:
            invited = att.invited_outlet(previous.text if previous is not None and marker is not None else "")
            marker = _marker_speaker(att, marker_name)
            turn, turn_open = [], marker.actor is None or marker.inferred
            if invited is not None and turn_open:
                marker = att.journalist(marker, None, invited)
        masked, has_quote = _mask_quotes(s.text)
        starts_quoted = s.text[:1] in "“\"«"
        stated_on = None
        if _BOILERPLATE_START.match(s.text):
            in_boilerplate = True
        boilerplate = in_boilerplate or bool(_BOILERPLATE.search(s.text)) or bool(_DATELINE.match(s.text.strip()))
        if marker is not None:
            if turn_open and len(turn) < 3 and (intro := att.introduction(s.text)) is not None:
                marker = att.journalist(marker, *intro)
                for earlier in turn:
                    _set_speaker(earlier, marker)
                turn_open = False
            speaker = marker
            is_quote = True
            stated_on = published  # a transcript is spoken on the day it records
        elif boilerplate or i < narration_before:
            speaker, is_quote = att.default, False
        else:
            speaker = att.speaker_in_sentence(s.text)
            # An unattributed quotation continues the quotation before it (news style runs one
            # speaker's quote over several sentences or paragraphs).
            if speaker is None and starts_quoted and previous is not None and previous.is_quote and previous.speaker:
                speaker = Speaker(previous.speaker, previous.actor, previous.actor_type, previous.inferred_actor)
                stated_on = previous.stated_on
            is_quote = speaker is not None and (has_quote or starts_quoted)
            if speaker is None:
                speaker = att.default
        if marker is None:
            if speaker.person:
                att.last_person = speaker
            elif speaker is att.default:
                att.note_subject(masked)
        if stated_on is None:
            stated_on = resolve_date(masked, published) or published
        st = Statement(
            text=s.text, start=s.start, end=s.end,
            speaker=speaker.name, actor=speaker.actor, actor_type=speaker.actor_type,
            stated_on=stated_on, is_quote=is_quote, boilerplate=boilerplate, inferred_actor=speaker.inferred,
            is_question=is_question(s.text),
        )
        if marker is None and speaker is not att.default and _BACK_REFERENCE.match(s.text):
            # "This was said by X": the narration just before was X's too.
            for earlier in reversed(out[-3:]):
                if earlier.speaker != att.default.name or earlier.boilerplate:
                    break
                _set_speaker(earlier, speaker)
        out.append(st)
        turn.append(st)
        previous = st
    return out


def _set_speaker(st: Statement, speaker: Speaker) -> None:
    st.speaker, st.actor, st.actor_type, st.inferred_actor = speaker.name, speaker.actor, speaker.actor_type, speaker.inferred


# Questions: a sentence ending in "?" (before closing quotes or brackets), or a request put as a statement.
_QUESTION_END = re.compile(r"\?[\"”’'»)\]]*\s*$")
_REQUEST = re.compile(
    r"^(?:(?:and|so|but|well|now|then|also|finally|lastly),?\s+)*(?:(?:mr|madam|ms|mrs)\.? [a-z]+,\s+)?"
    r"(?:could|can|would|will|may|might) you\b"
    r"|\bI (?:would|'d|’d) (?:also |just )?(?:like to )?ask (?:you|both of you)\b"
    r"|\bI (?:have|need|want) to ask you\b|\b(?:please|kindly) (?:comment|tell us|explain|clarify)\b",
    re.I,
)


def is_question(text: str) -> bool:
    """True for a question ("How big could this operation get?") or a request to answer ("Could you comment …")."""
    text = (text or "").strip()
    return bool(_QUESTION_END.search(text) or _REQUEST.search(text))


def _marker_speaker(att: _Attributor, name: str) -> Speaker:
    if name.casefold() in _TURN_WORDS:
        return Speaker(name, None, "other")
    if name in att.journalists:
        # Named again by a bare label: the journalist introduced, or the official titled, earlier.
        return att.journalists[name]
    if "," in name:
        # "Michaela Kuefner, Deutsche Welle": a person and an affiliation.
        person, affiliation = (p.strip() for p in name.split(",", 1))
        if not att.registry.lookup(person) and (outlet := att._outlet_in(affiliation) or (
                affiliation if _MEDIA_WORDS.search(affiliation) else None)) is not None:
            return att.journalist(Speaker(person, None, "other"), person, outlet)
        name = person
    if (outlet := att._outlet_in(name)) is not None or _JOURNALIST_ROLE.search(name):
        # "Kommersant newspaper correspondent Andrei Kolesnikov"
        tail = re.findall(r"(?:[A-Z][\w’'-]+\s+)?[A-Z][\w’'-]+$", name)
        person = tail[0] if tail and not att._outlet_in(tail[0]) else None
        return att.journalist(Speaker(name, None, "other"), person, outlet or name)
    att.in_marker = True
    try:
        speaker = _marker_person(att, name)
    finally:
        att.in_marker = False
    if speaker.person and speaker.name and speaker.actor_type != "other":
        att.journalists.setdefault(speaker.name, speaker)
    return speaker


def _marker_person(att: _Attributor, name: str) -> Speaker:
    repeated = _REPEATED_NAME.search(name)
    if repeated:
        title = name[: repeated.start()].strip()
        person = f"{repeated.group('first')} {repeated.group('last')}"
        entry = att.registry.lookup(person)
        if entry:
            return att._from_entry(person, entry)
        found = att._infer(title or person, person, "")
        return found
    found = att.speaker_from_phrase(name)
    if found is None:
        return Speaker(name, name, "other", inferred=True, person=True)
    return found
