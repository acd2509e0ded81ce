"""Multi-speaker transcripts: speakers, journalists' types and questions, on samples labelled by hand.

`data/eval/transcript_speakers.csv` (development) and `transcript_speakers_blind.csv` (read once, for
the final figure) were labelled before any code ran on them (data/eval/TRANSCRIPTS.md). Run
`PYTHONPATH=. .venv/bin/python tests/test_transcripts.py [dev|blind]` to print the figures and misses.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from conftest import press_row

from crosscheck.attribute import attribute_sentences, is_question
from crosscheck.records import Document
from crosscheck.segment import split_sentences

EVAL = Path(__file__).resolve().parents[1] / "data" / "eval"
SAMPLES = {"dev": EVAL / "transcript_speakers.csv", "blind": EVAL / "transcript_speakers_blind.csv"}
KREMLIN = "putin_kremlin_en_news_2021-10-24_2022-06-24.csv"
UNNAMED = {"question", "unknown journalist", "unnamed journalist", "journalist", "remark"}

def kremlin_document(item: str) -> Document:
    """A Kremlin item, read in place from ../shared/data, as the CLI would ingest it."""
    row = press_row(KREMLIN, item)
    return Document(text=row["body"], title=row["headline"], publisher="en.kremlin.ru",
                    published_on=dt.date.fromisoformat(row["date"][:10]), source_name=f"kremlin#{item}")


def _same_speaker(gold: str, got: str | None, publisher: str) -> bool:
    if gold == "publisher":
        return got == publisher
    if gold == "unnamed journalist":
        return (got or "").casefold() in UNNAMED
    return bool(got) and gold.split()[-1].casefold()[:6] in got.casefold()


def measure(registry, sample: str = "dev") -> dict:
    """Speaker accuracy, journalists typed government, questions left as claims, on one sample."""
    with open(SAMPLES[sample], newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    cache: dict[str, tuple[Document, list]] = {}
    speaker_ok = journalist_government = question_claims = questions = 0
    misses = []
    for row in rows:
        item = row["source"].split("#")[1]
        if item not in cache:
            doc = kremlin_document(item)
            cache[item] = (doc, attribute_sentences(doc, split_sentences(doc.text), registry))
        doc, statements = cache[item]
        st = next(s for s in statements if row["snippet"] in s.text)
        ok = _same_speaker(row["gold_speaker"], st.speaker, doc.publisher)
        speaker_ok += ok
        if row["gold_role"] == "journalist" and st.actor_type == "government":
            journalist_government += 1
            ok = False
        if row["is_question"] == "true":
            questions += 1
            if not st.is_question and st.actor_type == "government":
                question_claims += 1
                ok = False
        if not ok:
            misses.append(f"{row['source']} | {row['snippet'][:45]} | gold {row['gold_speaker']} ({row['gold_role']}, "
                          f"q={row['is_question']}) | got {st.speaker} / {st.actor} / {st.actor_type} q={st.is_question}")
    n = len(rows)
    return {"n": n, "speaker": speaker_ok / n, "journalist_government": journalist_government,
            "journalists": sum(r["gold_role"] == "journalist" for r in rows),
            "question_claims": question_claims, "questions": questions, "misses": misses}


# ---------------------------------------------------------------- the development sample


def test_transcript_speakers_journalists_and_questions_on_the_development_sample(registry):
    result = measure(registry, "dev")
    print(f"\ntranscripts (dev): n={result['n']} speaker accuracy {result['speaker']:.1%}")
    assert result["n"] >= 60
    assert result["speaker"] >= 0.95, result["misses"]
    assert result["journalist_government"] == 0, result["misses"]
    assert result["question_claims"] == 0, result["misses"]


# ---------------------------------------------------------------- transcripts written for these tests

# A news conference in the Kremlin's style (labels inline, "* * *" separators), written for these tests.
CONFERENCE = (
    "Vladimir Putin held a news conference following talks with the President of France. Putin said the talks "
    "were useful. * * * President of Russia Vladimir Putin: Good afternoon. The drills will end on 20 February "
    "and the troops will return to their bases. Dmitry Peskov: Kommersant, please. Question: Good afternoon. "
    "When exactly will the troops leave Belarus? Vladimir Putin: When the exercises are over. Why would they stay? "
    "Pavel Zarubin: Pavel Zarubin, Rossiya TV Channel. Everyone is waiting for an answer. Could you comment on "
    "the convoys seen near Belgorod? Vladimir Putin: They are going back to their garrisons. "
    "Daily Planet correspondent Lois Lane: Is there a threat of war? Vladimir Putin: There is no such threat. "
    "Michaela Kuefner, Deutsche Welle: Will the troops be back by March? Vladimir Putin: Yes. "
    "Question: Ivan Petrov, Izvestia. What about the Minsk agreements? Vladimir Putin: They remain the basis. "
    "Ivan Petrov: Thank you. Deputy Prime Minister Marat Khusnullin: The bridge will open in May. "
    "Marat Khusnullin: It is on schedule."
)


def _conference(registry) -> dict[str, object]:
    doc = Document(text=CONFERENCE, publisher="en.kremlin.ru", published_on=dt.date(2022, 2, 15), source_name="conf.txt")
    return {s.text: s for s in attribute_sentences(doc, split_sentences(doc.text), registry)}


def test_narration_before_the_first_label_is_the_publishers(registry):
    by_text = _conference(registry)
    assert by_text["Putin said the talks were useful."].speaker == "en.kremlin.ru"
    assert by_text["The drills will end on 20 February and the troops will return to their bases."].speaker == "Vladimir Putin"


def test_an_official_titled_once_keeps_his_type_under_a_bare_label(registry):
    by_text = _conference(registry)
    titled, bare = by_text["The bridge will open in May."], by_text["It is on schedule."]
    assert titled.actor_type == "government" and (bare.speaker, bare.actor, bare.actor_type) == (
        titled.speaker, titled.actor, titled.actor_type)


def test_journalists_are_typed_by_their_outlet_never_by_the_venue(registry):
    by_text = _conference(registry)
    zarubin = by_text["Everyone is waiting for an answer."]
    assert (zarubin.speaker, zarubin.actor, zarubin.actor_type) == ("Pavel Zarubin", "Rossiya 1", "state_media")
    assert by_text["Pavel Zarubin, Rossiya TV Channel."].speaker == "Pavel Zarubin"  # the introduction too
    kuefner = by_text["Will the troops be back by March?"]
    assert (kuefner.speaker, kuefner.actor, kuefner.actor_type) == ("Michaela Kuefner", "Deutsche Welle", "independent_media")
    lane = by_text["Is there a threat of war?"]  # an outlet the registry does not know
    assert (lane.speaker, lane.actor_type, lane.inferred_actor) == ("Lois Lane", "other", True)
    assert not any(s.actor_type == "government" for s in (zarubin, kuefner, lane))


def test_question_turns_are_resolved_to_the_journalist_introduced_for_them(registry):
    by_text = _conference(registry)
    invited = by_text["When exactly will the troops leave Belarus?"]  # after "Kommersant, please."
    assert (invited.actor, invited.actor_type) == ("Kommersant", "independent_media")
    petrov = by_text["What about the Minsk agreements?"]  # "Question: Ivan Petrov, Izvestia."
    assert (petrov.speaker, petrov.actor, petrov.actor_type) == ("Ivan Petrov", "Izvestia", "independent_media")
    assert by_text["Thank you."].speaker == "Ivan Petrov"  # his next labelled turn is his too
    assert by_text["Thank you."].actor == "Izvestia"


def test_questions_are_marked_whoever_asks_them(registry):
    by_text = _conference(registry)
    questions = {t for t, s in by_text.items() if s.is_question}
    assert {"When exactly will the troops leave Belarus?", "Why would they stay?", "Is there a threat of war?",
            "Could you comment on the convoys seen near Belgorod?"} <= questions
    assert "They are going back to their garrisons." not in questions
    assert is_question("I would like to ask you about the convoys.") and not is_question("I have a question.")


def test_questions_are_stored_and_never_paired(db, embedder, registry):
    from crosscheck.db import reads
    from crosscheck.models.stance import load_scorer
    from crosscheck.pipeline import store_documents

    docs = [Document(text=CONFERENCE, publisher="en.kremlin.ru", published_on=dt.date(2022, 2, 15), source_name="conf.txt",
                     sha256="c" * 64),
            Document(text="The Conflict Intelligence Team said convoys near Belgorod were moving toward the border, "
                          "not back to their garrisons. Is anyone leaving?", publisher="Conflict Intelligence Team",
                     published_on=dt.date(2022, 2, 16), source_name="cit.txt", sha256="d" * 64)]
    summary = store_documents(db, docs, embedder=embedder, scorer=load_scorer(), registry=registry)
    assert [r.status for r in summary.results] == ["added", "added"]
    stored = reads.list_statements(db).merge(
        db.execute("SELECT statement_id, is_question FROM statements").df(), on="statement_id")
    questions = set(stored.loc[stored["is_question"], "statement_id"])
    assert len(questions) >= 6
    pairs = reads.list_matches(db)
    assert not pairs.empty
    assert not (set(pairs["claim_id"]) | set(pairs["report_id"])) & questions
    claims = reads.list_claims(db)
    assert not set(claims["claim_id"]) & questions
    assert reads.headline_figures(db)["claims"] == len(claims)


def test_a_version_1_database_is_upgraded(db, embedder, registry):
    from crosscheck.db import reads, schema
    from crosscheck.models.stance import StanceScorer
    from crosscheck.pipeline import store_documents

    doc = Document(text=CONFERENCE, publisher="en.kremlin.ru", published_on=dt.date(2022, 2, 15), source_name="conf.txt",
                   sha256="e" * 64)
    store_documents(db, [doc], embedder=embedder, scorer=StanceScorer(), registry=registry)
    # Make it look as version 1 left it: no is_question column, no matches.shown, a pair whose claim is a question.
    question = db.execute("SELECT statement_id FROM statements WHERE text LIKE 'Why would they stay%'").fetchone()[0]
    answer = db.execute("SELECT statement_id FROM statements WHERE text LIKE 'They are going back%'").fetchone()[0]
    db.execute("ALTER TABLE statements DROP COLUMN is_question")
    for table, column in [("matches", "shown"), ("matches", "raw_contradiction"), ("matches", "raw_support"),
                          ("matches", "raw_stance"), ("matches", "calibration"), ("matches", "pending"), ("verdicts", "label"),
                          ("verdicts", "stance_seen"), ("verdicts", "analyst_name"), ("actors", "edited_by"),
                          ("actors", "edited_at")]:
        db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")  # none of version 3 or 4 yet
    db.execute("DROP TABLE audit")
    db.execute("DROP TABLE role_grants")
    db.execute("INSERT INTO matches (claim_id, report_id, similarity) VALUES (?, ?, 0.5)", [question, answer])
    schema.set_meta(db, "schema_version", "1")
    schema.upgrade(db)
    assert schema.get_meta(db, "schema_version") == str(schema.SCHEMA_VERSION)
    flagged = dict(db.execute("SELECT statement_id, is_question FROM statements").fetchall())
    assert flagged[question] and not flagged[answer]
    assert question not in set(reads.list_matches(db)["claim_id"])
    # 2 → 3: every pair an older version stored was its source's one sentence, so it is shown.
    kept = db.execute("SELECT count(*), count(*) FILTER (WHERE shown), count(*) FILTER (WHERE raw_stance IS NOT DISTINCT FROM stance) "
                      "FROM matches").fetchone()
    assert kept[0] == kept[1] == kept[2] == len(reads.list_matches(db)) > 0


if __name__ == "__main__":
    import sys

    from crosscheck.actors import load_registry

    result = measure(load_registry(), sys.argv[1] if len(sys.argv) > 1 else "dev")
    print(f"n={result['n']} speaker accuracy {result['speaker']:.1%}; journalists typed government "
          f"{result['journalist_government']} of {result['journalists']}; questions left as claims "
          f"{result['question_claims']} of {result['questions']}")
    print("\n".join("  " + m for m in result["misses"]))
