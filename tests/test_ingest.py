from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import docx
import pytest
from conftest import shared_data
from fpdf import FPDF

from crosscheck.config import Limits
from crosscheck.errors import IngestError
from crosscheck.ingest import (
    date_from_name,
    date_from_text,
    extract_file,
    extract_path,
    extract_text,
    map_columns,
    parse_date,
)

FORMATS = Path(__file__).parent / "data" / "formats"


def make_pdf(text: str, *, title: str | None = None, created: dt.datetime | None = None) -> bytes:
    """A real one-page PDF made with fpdf2."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    if title:
        pdf.set_title(title)
    if created:
        pdf.set_creation_date(created)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def make_docx(paragraphs: list[str], *, title: str = "", created: dt.datetime | None = None) -> bytes:
    """A real DOCX made with python-docx, with a table after the paragraphs."""
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Unit", "41st Combined Arms Army"
    document.core_properties.title = title
    if created:
        document.core_properties.created = created
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def only(extraction):
    assert len(extraction.documents) == 1
    return extraction.documents[0]


# ---------------------------------------------------------------- formats


def test_plain_text_with_a_date_in_the_text():
    doc = only(extract_path(FORMATS / "statement.txt"))
    assert doc.format == "txt"
    assert doc.title == "Ministry statement on the end of the exercises"
    assert (doc.published_on, doc.date_source) == (dt.date(2022, 2, 15), "text")
    assert "Southern and Western military districts" in doc.text
    assert len(doc.sha256) == 64 and doc.doc_id == doc.sha256[:16]


def test_markdown_title_from_heading_and_date_from_file_name():
    doc = only(extract_path(FORMATS / "2022-02-17-briefing.md"))
    assert doc.format == "md"
    assert doc.title == "Monitor briefing: no sign of a pullback"
    assert (doc.published_on, doc.date_source) == (dt.date(2022, 2, 17), "filename")


def test_markdown_front_matter_sets_metadata():
    data = b'---\ntitle: "Drills end"\npublisher: Ministry of Defence\ndate: 2022-02-15\nurl: https://gov.example.org/1\n---\nUnits are going home.\n'
    doc = only(extract_file("2022-03-01-statement.md", data))
    assert (doc.title, doc.publisher, doc.url) == ("Drills end", "Ministry of Defence", "https://gov.example.org/1")
    assert (doc.published_on, doc.date_source) == (dt.date(2022, 2, 15), "metadata")
    assert doc.text == "Units are going home."


def test_html_main_text_and_metadata_without_scripts_or_navigation():
    doc = only(extract_path(FORMATS / "report.html"))
    assert doc.format == "html"
    assert doc.title == "Satellite images show new deployments"
    assert doc.publisher == "Example Monitor"
    assert doc.url == "https://monitor.example.org/2022/02/new-deployments"
    assert (doc.published_on, doc.date_source) == (dt.date(2022, 2, 16), "metadata")
    assert "pontoon bridge over the Pripyat river" in doc.text
    assert "SCRIPT-MARKER" not in doc.text and "font-family" not in doc.text
    assert "About" not in doc.text


def test_html_declared_charset_is_honoured():
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
            "<title>Заявление</title></head><body><article><p>Министерство обороны сообщило, что подразделения "
            "возвращаются в пункты постоянной дислокации после учений.</p></article></body></html>")
    doc = only(extract_file("ru.html", html.encode("cp1251")))
    assert doc.title == "Заявление"
    assert doc.text.startswith("Министерство обороны сообщило")


def test_pdf_text_title_and_creation_date():
    data = make_pdf(
        "Columns of armour were seen moving towards the border.\nA new bridge appeared over the river.",
        title="Weekly monitor report", created=dt.datetime(2022, 2, 18, 8, 0, tzinfo=dt.timezone.utc),
    )
    doc = only(extract_file("weekly.pdf", data))
    assert doc.format == "pdf"
    assert doc.title == "Weekly monitor report"
    assert (doc.published_on, doc.date_source) == (dt.date(2022, 2, 18), "metadata")
    assert "new bridge appeared over the river" in doc.text


def test_docx_paragraphs_tables_and_core_properties():
    data = make_docx(
        ["Belarus said no Russian serviceman would stay after the drills.", "Monitors saw new camps."],
        title="Drills statement", created=dt.datetime(2022, 2, 16, 12, 0, tzinfo=dt.timezone.utc),
    )
    doc = only(extract_file("drills.docx", data))
    assert doc.format == "docx"
    assert doc.title == "Drills statement"
    assert (doc.published_on, doc.date_source) == (dt.date(2022, 2, 16), "metadata")
    assert "no Russian serviceman would stay" in doc.text
    assert "41st Combined Arms Army" in doc.text


def test_docx_without_real_metadata_uses_text_date_and_first_line():
    data = make_docx(["Statement of 20 January 2022", "The talks in Geneva ended without agreement."])
    doc = only(extract_file("talks.docx", data))
    assert doc.title == "Statement of 20 January 2022"
    # python-docx stamps its template's creation time; that is not the document's date.
    assert (doc.published_on, doc.date_source) == (dt.date(2022, 1, 20), "text")


def test_csv_rows_columns_mapped_and_bad_rows_reported():
    extraction = extract_path(FORMATS / "rows.csv")
    docs = extraction.documents
    assert [d.source_name for d in docs] == ["rows.csv line 2", "rows.csv line 3", "rows.csv line 5"]
    first, second, third = docs
    assert (first.title, first.publisher, first.url, first.speaker) == (
        "Drills end", "Ministry press office", "https://gov.example.org/1", "Igor Konashenkov")
    assert (first.published_on, first.date_source) == (dt.date(2022, 2, 15), "column")
    assert second.published_on == dt.date(2022, 2, 16) and second.speaker is None
    assert third.published_on is None and third.date_source is None
    assert all(d.format == "csv" for d in docs)
    notes, warnings = "\n".join(extraction.notes), "\n".join(extraction.warnings)
    assert "text ← Body" in notes and "date ← Published_On" in notes and "speaker ← Speaker" in notes
    assert "line 4: 3 fields, the header has 7" in warnings
    assert "line 6: no text found" in warnings
    assert "rows.csv: 1 date not used: line 5: date 'sometime' not understood" in warnings


def test_jsonl_rows_with_varying_keys_and_broken_lines():
    extraction = extract_path(FORMATS / "rows.jsonl")
    docs = extraction.documents
    assert [d.source_name for d in docs] == ["rows.jsonl line 1", "rows.jsonl line 3", "rows.jsonl line 6"]
    assert docs[0].speaker == "Igor Konashenkov" and docs[0].publisher == "Ministry press office"
    assert (docs[1].title, docs[1].publisher, docs[1].published_on) == ("Field camps", "Example Monitor", dt.date(2022, 2, 17))
    assert docs[2].published_on == dt.date(2022, 2, 18)
    notes, warnings = "\n".join(extraction.notes), "\n".join(extraction.warnings)
    assert "line 2: invalid JSON" in warnings and "line 4: not a JSON object" in warnings
    assert "text ← Content" in notes and "speaker ← person" in notes


def test_semicolon_csv_with_bom_and_windows_encoding():
    data = "\ufeffTITLE;Transcript;Created_At\nBriefing;“We are pulling back,” the spokesman said.;2022-02-15\n"
    doc = only(extract_file("brief.csv", data.encode("cp1252", errors="ignore")))
    assert doc.text == "“We are pulling back,” the spokesman said."
    assert doc.title == "Briefing"


def test_map_columns_is_case_and_space_insensitive():
    assert map_columns(["Published On", "ARTICLE", "Outlet", "Link"]) == {
        "text": "ARTICLE", "date": "Published On", "publisher": "Outlet", "url": "Link"}


def test_bulk_file_without_text_column_is_refused():
    with pytest.raises(IngestError, match=r"^numbers\.csv: no text column"):
        extract_file("numbers.csv", b"a,b\n1,2\n")


def test_bulk_file_with_no_usable_row_is_refused():
    with pytest.raises(IngestError, match=r"^bad\.jsonl: no usable rows \(line 1: invalid JSON"):
        extract_file("bad.jsonl", b"{oops\n[1]\n")


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Kyiv, 2022-02-24. Explosions were heard.", dt.date(2022, 2, 24)),
        ("Published 16 February 2022 by the ministry.", dt.date(2022, 2, 16)),
        ("On February 15, 2022, Putin spoke.", dt.date(2022, 2, 15)),
        ("1st Dec. 2021: the buildup continues", dt.date(2021, 12, 1)),
        ("Sept 3, 2021 and later 2022-01-01", dt.date(2021, 9, 3)),
        ("Nothing dated 31 February 2022 here", None),
        ("No date at all.", None),
    ],
)
def test_date_from_text(text, expected):
    assert date_from_text(text) == expected


def test_date_far_down_the_text_is_not_used():
    assert date_from_text("word " * 400 + "16 February 2022") is None


def test_date_from_name_and_parse_date():
    assert date_from_name("2022-02-16-cit-report.html") == dt.date(2022, 2, 16)
    assert date_from_name("2022-13-45-x.txt") is None
    assert parse_date("2022-02-16T09:30:00Z") == dt.date(2022, 2, 16)
    assert parse_date("2022/2/16") == dt.date(2022, 2, 16)
    assert parse_date("February 16, 2022") == dt.date(2022, 2, 16)
    assert parse_date("soon") is None


def test_date_option_overrides_every_other_source():
    doc = only(extract_path(FORMATS / "report.html", date=dt.date(2022, 3, 1)))
    assert (doc.published_on, doc.date_source) == (dt.date(2022, 3, 1), "option")
    rows = extract_path(FORMATS / "rows.csv", date=dt.date(2022, 3, 1)).documents
    assert {(d.published_on, d.date_source) for d in rows} == {(dt.date(2022, 3, 1), "option")}


def test_no_date_found_is_left_empty():
    doc = only(extract_file("note.txt", b"Troops were seen near Belgorod."))
    assert doc.published_on is None and doc.date_source is None
    assert doc.title == "Troops were seen near Belgorod."


def test_title_and_publisher_options():
    doc = only(extract_path(FORMATS / "statement.txt", title="My title", publisher="TASS"))
    assert (doc.title, doc.publisher) == ("My title", "TASS")


# ---------------------------------------------------------------- identity and limits


def test_same_text_in_any_encoding_or_format_has_one_sha256():
    text = "Шойгу said the troops would return.\n\nMonitors disagreed."
    hashes = {
        only(extract_file("a.txt", text.encode("utf-8"))).sha256,
        only(extract_file("b.md", text.encode("utf-16"))).sha256,
        only(extract_file("c.txt", (text.replace("\n", "\r\n") + "  \n\n\n").encode("utf-8-sig"))).sha256,
        only(extract_text(text + "\u200b")).sha256,
        only(extract_file("d.csv", ("text\n\"" + text + "\"\n").encode())).sha256,
    }
    assert len(hashes) == 1
    assert only(extract_text(text + " More.")).sha256 not in hashes


def test_file_larger_than_the_limit_is_refused_before_parsing():
    limits = Limits(max_file_bytes=1000)
    with pytest.raises(IngestError, match=r"^big\.pdf: file is .* more than the limit"):
        extract_file("big.pdf", b"%PDF-" + b"x" * 2000, limits=limits)


def test_text_over_the_limit_is_refused_naming_the_limit():
    with pytest.raises(IngestError, match=r"^long\.txt: text has 1,200 characters, more than the limit of 1,000"):
        extract_file("long.txt", b"a" * 1200, limits=Limits(max_text_chars=1000))


def test_rows_over_the_limit_are_refused():
    data = "text\n" + "".join(f"row {i}\n" for i in range(11))
    with pytest.raises(IngestError, match=r"^many\.csv: 11 rows, more than the limit of 10"):
        extract_file("many.csv", data.encode(), limits=Limits(max_rows=10))


def test_unknown_extension_and_missing_file():
    with pytest.raises(IngestError, match=r"^sheet\.xlsx: unsupported file type \.xlsx"):
        extract_file("sheet.xlsx", b"PK\x03\x04")
    with pytest.raises(IngestError, match=r"cannot read file"):
        extract_path(FORMATS / "does-not-exist.txt")


def test_founding_article_from_shared_data():
    seed = shared_data("seed")
    files = sorted(p for p in seed.rglob("*") if p.suffix.lower() in (".html", ".htm", ".txt", ".md", ".pdf"))
    if not files:
        pytest.skip("no article in shared/data/seed")
    doc = only(extract_path(files[0]))
    assert len(doc.text) > 500
    assert doc.title
    assert "partially withdraw" in doc.text
    assert (doc.published_on, doc.date_source) in {(dt.date(2022, 2, 16), "text"), (dt.date(2022, 2, 16), "filename")}
