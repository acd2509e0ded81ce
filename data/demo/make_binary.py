"""Write the PDF and DOCX documents of the demo corpus (run once; the results are committed).

Needs fpdf2==2.8.9 and python-docx: `.venv/bin/pip install fpdf2==2.8.9 && .venv/bin/python data/demo/make_binary.py`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent

ISW = {
    "file": "2022-02-17-isw-warning-update.pdf",
    "title": "No sign of a Russian drawdown near Ukraine (Russia-Ukraine Warning Update)",
    "publisher": "Institute for the Study of War",
    "date": dt.datetime(2022, 2, 17, 18, 0, tzinfo=dt.timezone.utc),
    "url": "https://www.understandingwar.org/",
    "paragraphs": [
        "The Institute for the Study of War assesses that Russia has not withdrawn any significant forces from the Ukrainian border since the Kremlin announced a partial withdrawal on 15 February.",
        "According to ISW, Russian forces continued to move into forward positions in the Belgorod, Kursk and Bryansk regions on 16 and 17 February, and new pontoon bridges and field hospitals appeared near the border with Belarus.",
        "ISW said that the units shown leaving Crimea by rail make up a small part of the forces deployed near Ukraine and that their heavy equipment may stay in the region.",
        "The Kremlin is likely using claims of de-escalation to buy time and to shape Western opinion while it completes its preparations, ISW assessed.",
        "ISW also assessed that Russian and separatist claims of Ukrainian shelling and genocide in Donbas are information operations meant to create a pretext for an attack.",
    ],
}

KULEBA = {
    "file": "2022-02-15-ukraine-mfa-kuleba-believe-when-we-see.docx",
    "title": "Kuleba: we will believe in de-escalation when we see a withdrawal",
    "publisher": "Ministry of Foreign Affairs of Ukraine",
    "date": dt.datetime(2022, 2, 15, 12, 0),
    "url": "https://mfa.gov.ua/en",
    "paragraphs": [
        "Foreign Minister Dmytro Kuleba said on Tuesday that Ukraine will not take Russia's announcement of a pullback at face value.",
        "\u201cRussia constantly makes various statements. We have a rule: we will not believe what we hear, we will believe what we see,\u201d Kuleba told reporters in Kyiv.",
        "Kuleba said that when Ukraine sees Russian troops actually withdrawing from its borders, it will believe in a real de-escalation.",
        "Defence Minister Oleksii Reznikov said the same day that Ukrainian intelligence had not recorded any movement of Russian units away from the border.",
        "Reznikov said that Russian battalion tactical groups remain in the Bryansk, Kursk, Belgorod and Voronezh regions and in Crimea.",
    ],
}


def write_pdf(spec: dict) -> Path:
    """Write a one-page PDF with title, publisher and date in its metadata."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(spec["title"])
    pdf.set_author(spec["publisher"])
    pdf.set_creator(spec["publisher"])
    pdf.set_subject(spec["url"])
    pdf.set_creation_date(spec["date"])
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, spec["title"])
    pdf.ln(3)
    pdf.set_font("Helvetica", size=11)
    for para in spec["paragraphs"]:
        pdf.multi_cell(0, 6, para)
        pdf.ln(2)
    path = HERE / spec["file"]
    pdf.output(str(path))
    return path


def write_docx(spec: dict) -> Path:
    """Write a DOCX with title, publisher and date in its core properties."""
    import docx

    document = docx.Document()
    props = document.core_properties
    props.title, props.author, props.created, props.modified = spec["title"], spec["publisher"], spec["date"], spec["date"]
    props.identifier = spec["url"]
    document.add_heading(spec["title"], level=1)
    for para in spec["paragraphs"]:
        document.add_paragraph(para)
    path = HERE / spec["file"]
    document.save(str(path))
    return path


if __name__ == "__main__":
    print(write_pdf(ISW))
    print(write_docx(KULEBA))
