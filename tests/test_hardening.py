"""Hostile input, third round: what a hostile tester still got through, one class of fault per test."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from crosscheck.config import Limits
from crosscheck.errors import IngestError
from crosscheck.ingest import extract_file, extract_path
from crosscheck.ingest.decode import printable_name
from crosscheck.pipeline import DocResult, IngestSummary, Status

pytestmark = pytest.mark.timeout(180)

ARTICLE = b"On 16 February 2022 the ministry said the troops were returning to their bases after the drills.\n"


# ---------------------------------------------------------------- file names (faults 6 and 7)


def test_printable_name_escapes_what_acts_on_a_terminal():
    assert printable_name("report.txt") == "report.txt"
    assert printable_name("Доклад 2022.pdf") == "Доклад 2022.pdf"
    assert printable_name("a\x1b[2Jb.txt") == "a\\x1b[2Jb.txt"
    assert printable_name("one\ntwo\r.txt") == "one\\x0atwo\\x0d.txt"
    assert printable_name("bidi\u202egnp.exe") == "bidi\\u202egnp.exe"
    assert printable_name(os.fsdecode(b"bad\xff\xfe.txt")) == "bad\\xff\\xfe.txt"
    assert printable_name(printable_name("a\x1bb")) == printable_name("a\x1bb")  # shown twice, escaped once


def test_summary_lines_are_one_line_each_and_inert():
    summary = IngestSummary()
    summary.results.append(DocResult("evil\x1b[2J\nname.txt", "abc", Status.REFUSED, message="bad\nreason"))
    summary.warnings.append("evil\x1b]0;title\x07.csv: skipped 1 row")
    lines = summary.lines()
    assert len(lines) == 2
    for line in lines:
        assert "\n" not in line and "\x1b" not in line and "\x07" not in line
    assert lines[0].startswith("evil\\x1b[2J\\x0aname.txt: refused")


def test_a_file_name_with_bytes_that_are_not_utf8_is_stored_and_shown_escaped(tmp_path, db, embedder, registry):
    from crosscheck.pipeline import store_documents

    name = os.fsdecode(b"report\xff\xfe.txt")
    (tmp_path / name).write_bytes(ARTICLE)
    extraction = extract_path(tmp_path / name)
    assert extraction.documents[0].source_name == "report\\xff\\xfe.txt"
    summary = store_documents(db, extraction.documents, embedder=embedder, scorer=None, registry=registry,
                               defer_scoring=True)
    assert [r.status for r in summary.results] == [Status.ADDED]
    stored = [row[0] for row in db.execute("SELECT source_name FROM documents").fetchall()]
    assert stored == ["report\\xff\\xfe.txt"]


def test_the_log_file_takes_names_that_are_not_utf8(tmp_path, monkeypatch):
    from crosscheck import cli

    log_file = tmp_path / "crosscheck.log"
    monkeypatch.setenv("CROSSCHECK_LOG", str(log_file))
    logger = logging.getLogger("crosscheck")
    before = list(logger.handlers)
    errors = io.StringIO()
    monkeypatch.setattr(sys, "stderr", errors)
    try:
        cli._log_to_file()
        logging.getLogger("crosscheck.pipeline").error("%s: unexpected error", os.fsdecode(b"bad\xff.txt"))
        for h in logger.handlers:
            h.flush()
    finally:
        for h in logger.handlers[len(before):]:
            h.close()
            logger.removeHandler(h)
    assert "Logging error" not in errors.getvalue()
    assert "bad\\udcff.txt: unexpected error" in log_file.read_text(encoding="utf-8")


@pytest.mark.timeout(300)
def test_command_line_names_are_escaped_one_line_each(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    names = [os.fsdecode(b"bad\xff\xfename.txt"), "esc\x1b[2Jname\nsecond.txt"]
    for i, n in enumerate(names):
        (folder / n).write_bytes(ARTICLE + f"Item {i}.\n".encode())
    env = {**os.environ, "CROSSCHECK_LOG": str(tmp_path / "log.txt")}
    run = subprocess.run(
        [sys.executable, "-m", "crosscheck", "ingest", "--db", str(tmp_path / "w.duckdb"), "--no-wait",
         *[str(folder / n) for n in names]],
        capture_output=True, env=env, timeout=280,
    )
    out, err = run.stdout.decode("utf-8"), run.stderr.decode("utf-8", "replace")
    assert run.returncode == 0, out + err
    assert "Logging error" not in err and "Traceback" not in err
    assert "\x1b" not in out
    added = [line for line in out.splitlines() if ": added " in line]
    assert len(added) == 2, out
    assert any(line.startswith("bad\\xff\\xfename.txt: added") for line in added)
    assert any(line.startswith("esc\\x1b[2Jname\\x0asecond.txt: added") for line in added)


# ---------------------------------------------------------------- special files (fault 8)


@pytest.mark.timeout(30)
def test_a_link_to_a_device_is_refused_not_read(tmp_path):
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    with pytest.raises(IngestError, match="not a regular file"):
        extract_path(tmp_path / "zero.txt")


@pytest.mark.timeout(30)
def test_a_fifo_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    done = []
    worker = threading.Thread(target=lambda: done.append(_refusal(tmp_path / "pipe.txt")), daemon=True)
    worker.start()
    worker.join(10)
    assert done and "not a regular file" in done[0]


def test_a_folder_named_like_a_file_is_refused(tmp_path):
    (tmp_path / "folder.txt").mkdir()
    assert "not a regular file" in _refusal(tmp_path / "folder.txt")


def test_the_size_limit_holds_whatever_stat_says(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    big.write_bytes(ARTICLE * 2000)
    limits = Limits(max_file_bytes=10_000)
    real_stat = os.stat
    # A file whose size the file system misreports (as /proc and some network mounts do) is read only up to the limit.
    monkeypatch.setattr(os, "stat", lambda *a, **k: os.stat_result((*real_stat(*a, **k)[:6], 0, 0, 0, 0)))
    with pytest.raises(IngestError, match="larger than the limit"):
        extract_path(big, limits=limits)


def _refusal(path: Path) -> str:
    try:
        extract_path(path)
    except IngestError as e:
        return str(e)
    return "read"


# ---------------------------------------------------------------- dates in metadata (fault 1)


def _pdf_with_creation_date(raw: str) -> bytes:
    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, "The ministry said the troops were returning to their bases after the drills.")
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(bytes(pdf.output()))))
    writer.add_metadata({"/CreationDate": raw, "/Title": "Drills over"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("raw", ["D:00000000000000", "D:20221345000000", "02/16/2022", "D:2022", "yesterday"])
def test_a_pdf_with_a_bad_creation_date_is_stored_undated_with_a_note(raw):
    doc = extract_file("drills.pdf", _pdf_with_creation_date(raw)).documents[0]
    assert "troops were returning" in doc.text
    assert doc.title == "Drills over"
    assert doc.published_on is None
    assert any("PDF creation date" in n and "not used" in n for n in doc.notes)


def test_a_pdf_with_a_good_creation_date_keeps_it():
    doc = extract_file("drills.pdf", _pdf_with_creation_date("D:20220216120000+03'00'")).documents[0]
    assert (doc.published_on.isoformat(), doc.date_source) == ("2022-02-16", "metadata")
    assert doc.notes == []


def _docx_with(part: str, edit, text: str = "Text.") -> bytes:
    """A real one-paragraph DOCX whose zip member `part` went through edit(bytes) -> bytes."""
    import zipfile

    import docx

    word = docx.Document()
    word.add_paragraph(text)
    plain = io.BytesIO()
    word.save(plain)
    source, out = zipfile.ZipFile(io.BytesIO(plain.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, edit(data) if item.filename == part else data)
    return out.getvalue()


def test_a_docx_with_a_bad_creation_date_says_so():
    import re

    data = _docx_with("docProps/core.xml",
                      lambda xml: re.sub(rb"(<dcterms:created[^>]*>)[^<]*", rb"\g<1>2022-13-45T00:00:00Z", xml),
                      "The ministry said the troops were returning to their bases after the drills.")
    doc = extract_file("drills.docx", data).documents[0]
    assert doc.published_on is None
    assert any("DOCX creation date" in n for n in doc.notes)


@pytest.mark.timeout(300)
def test_a_bad_pdf_date_does_not_cost_the_batch_through_the_pipeline(tmp_path, db, embedder, registry):
    from crosscheck.pipeline import extract_each, store_documents

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bad.pdf").write_bytes(_pdf_with_creation_date("D:00000000000000"))
    (folder / "good.txt").write_bytes(ARTICLE)
    documents, summary = extract_each([(p.name, lambda p=p: extract_path(p)) for p in sorted(folder.iterdir())])
    summary.extend(store_documents(db, documents, embedder=embedder, scorer=None, registry=registry, defer_scoring=True))
    assert sorted(r.status for r in summary.results) == [Status.ADDED, Status.ADDED]
    line = next(x for x in summary.lines() if x.startswith("bad.pdf: added"))
    assert "(no date found; PDF creation date" in line and "not used" in line


# ---------------------------------------------------------------- front matter (fault 9)


def test_one_oversized_front_matter_value_drops_only_itself():
    text = ("---\ntitle: Troops return\npublisher: Ministry of Defence\ndate: " + "1" * 4400 +
            "\n---\nThe units returned to their bases on Tuesday, the ministry said.\n")
    doc = extract_file("note.md", text.encode()).documents[0]
    assert (doc.title, doc.publisher) == ("Troops return", "Ministry of Defence")
    assert doc.text.startswith("The units returned")
    assert "---" not in doc.text and "publisher" not in doc.text
    assert doc.published_on is None
    assert any("front matter date" in n and "not used" in n for n in doc.notes)


def test_a_front_matter_value_that_is_not_yaml_is_dropped_with_a_note_and_the_rest_kept():
    text = "---\ntitle: [unclosed\npublisher: Ministry\ndate: 2022-02-16\n---\nThe units returned to their bases.\n"
    doc = extract_file("note.md", text.encode()).documents[0]
    assert doc.publisher == "Ministry"
    assert (doc.published_on.isoformat(), doc.date_source) == ("2022-02-16", "metadata")
    assert doc.text == "The units returned to their bases."
    assert any(n.startswith("front matter title dropped") for n in doc.notes)


def test_numbers_in_front_matter_are_text():
    doc = extract_file("n.md", b"---\ntitle: 1984\ndate: 20220216\n---\nThe units returned to their bases.\n").documents[0]
    assert doc.title == "1984"
    assert doc.published_on.isoformat() == "2022-02-16"


# ---------------------------------------------------------------- also seen


def test_a_macro_enabled_docx_is_refused_in_words_not_reprs():
    data = _docx_with("[Content_Types].xml", lambda xml: xml.replace(b"wordprocessingml.document.main+xml",
                                                                        b"ms-word.document.macroEnabled.main+xml"))
    with pytest.raises(IngestError) as info:
        extract_file("macro.docx", data)
    assert "macro-enabled" in str(info.value)
    assert "object at 0x" not in str(info.value)


def test_a_duplicate_text_column_is_named_in_the_summary():
    data = b"title,text,text\nOne,first text here.,second text here.\n"
    extraction = extract_file("dup.csv", data)
    assert extraction.documents[0].text == "second text here."
    assert any("'text'" in w and "more than once" in w for w in extraction.warnings)


# ---------------------------------------------------------------- sentence splitting (fault 2)


@pytest.mark.parametrize("unit", ["The troops left the border. ", "a. ", "Mr. Smith. ", "\u201cHe said so. ", "x" * 50, "a.a.a."])
def test_no_sentence_is_longer_than_the_limit_and_offsets_hold(unit):
    from crosscheck.segment import MAX_SENTENCE_CHARS, split_sentences

    text = unit * (60_000 // len(unit))
    sentences = split_sentences(text)
    assert sentences
    assert max(len(s.text) for s in sentences) <= MAX_SENTENCE_CHARS
    assert all(text[s.start:s.end] == s.text for s in sentences)
    assert all(a.end <= b.start for a, b in zip(sentences, sentences[1:]))
    # Only blanks fall between the pieces: no text is lost.
    assert all(not text[a.end:b.start].strip() for a, b in zip(sentences, sentences[1:]))


@pytest.mark.timeout(60)  # splitting was quadratic: this took 50-100 s and 1.8 GB; linear, it takes about a second
def test_a_two_megabyte_text_of_short_sentences_is_split_in_linear_time():
    from crosscheck.segment import MAX_SENTENCE_CHARS, split_sentences

    for unit in ("The troops left the border. ", "a. ", "He said: \u201cthe troops left. "):
        sentences = split_sentences(unit * (1_900_000 // len(unit)))
        assert len(sentences) > 900
        assert max(len(s.text) for s in sentences) <= MAX_SENTENCE_CHARS


def test_capping_keeps_ordinary_sentences_whole():
    from crosscheck.segment import split_sentences

    text = "The ministry said the drills were over. Satellite images showed new tents near Yelnya."
    assert [s.text for s in split_sentences(text)] == [
        "The ministry said the drills were over.", "Satellite images showed new tents near Yelnya."]


# ---------------------------------------------------------------- chart labels (fault 4)

HOSTILE_NAMES = ["<b>Bold Ministry</b>", "<span style='color:red;font-size:40px'>Big</span>",
                 "<a href='http://example.org/x'>Click me</a>", "<i>Italic</i> & co"]


def _rendered_strings(fig) -> list[str]:
    """Every string plotly renders as a label: trace names, tick texts and the customdata a hover template shows."""
    import re

    out = [str(t.name) for t in fig.data if t.name is not None]
    out += [str(t) for t in (fig.layout.yaxis.ticktext or ())]
    for trace in fig.data:
        template = getattr(trace, "hovertemplate", None) or ""
        shown = {int(i) for i in re.findall(r"customdata\[(\d+)\]", template)}
        for row in trace.customdata if trace.customdata is not None else ():
            out += [str(row[i]) for i in shown]
    return out


def _assert_inert(strings: list[str]) -> None:
    for text in strings:
        bare = text.replace("<br>", "")
        assert "<" not in bare, text


def test_every_chart_label_built_from_stored_text_is_escaped():
    import pandas as pd

    from crosscheck import analytics, charts

    pairs = pd.DataFrame({
        "claim_id": ["c1", "c2", "c3", "c4"], "report_id": ["r1", "r2", "r3", "r4"],
        "claim_actor": HOSTILE_NAMES, "report_actor": HOSTILE_NAMES[::-1],
        "claim_date": pd.to_datetime(["2022-02-15", "2022-02-15", "2022-02-22", "2022-02-16"]),
        "report_date": pd.to_datetime(["2022-02-17", "2022-02-17", "2022-02-23", "2022-02-18"]),
        "similarity": [0.8, 0.6, 0.4, 0.5], "stance": ["contradicts", "supports", "contradicts", None],
        "lag_days": [2, 2, 1, 2], "claim_text": HOSTILE_NAMES, "report_text": HOSTILE_NAMES,
        "p_contradicts": [0.9, 0.1, 0.8, None], "p_supports": [0.05, 0.8, 0.1, None],
    })
    lines = pd.DataFrame({"claim_id": ["c1", "c2", "c3", "c4"], "storyline": [0, 1, 2, 3], "storyline_label": HOSTILE_NAMES})
    for by in ("actor_pair", "storyline"):
        table = analytics.timeline(pairs, freq="W", by=by, storylines=lines)
        fig = charts.timeline_figure(table)
        strings = _rendered_strings(fig)
        assert any("&lt;b&gt;" in s or "&lt;span" in s or "&lt;a href" in s for s in strings)
        _assert_inert(strings)
        # The click handler still gets the stored name, to find the pairs behind a point.
        assert {row[1] for t in fig.data for row in t.customdata} <= set(table["group"])
    _assert_inert(_rendered_strings(charts.events_figure(*analytics.storyline_events(pairs, lines))))
    _assert_inert(_rendered_strings(charts.lag_histogram(pairs)))
    import datetime as dt

    promises = pd.DataFrame({
        "claim_id": ["c1", "c2", "c3", "c4"], "actor": HOSTILE_NAMES, "text": HOSTILE_NAMES,
        "stated_on": [dt.date(2022, 2, 15)] * 4, "due_on": [dt.date(2022, 2, 20), None, None, None],
        "status": ["broken", "overdue", "kept", "pending"], "report_id": ["r1", None, "r3", None],
        "report_on": [dt.date(2022, 2, 21), None, dt.date(2022, 2, 22), None],
        "report_actor": HOSTILE_NAMES, "report_text": HOSTILE_NAMES,
    })
    strings = _rendered_strings(charts.promises_figure(promises))
    assert any("&lt;" in s for s in strings)
    _assert_inert(strings)
