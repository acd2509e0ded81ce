"""Sentence splitting: offsets, abbreviations, quotes, paragraphs, bullets and speaker markers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from crosscheck.segment import split_sentences


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_abbreviations_initials_and_decimals_do_not_end_sentences():
    text = (
        "Mr. Smith met Dr. J. R. Jones on Feb. 15 in St. Louis. Gen. Gerasimov spoke. "
        "The U.S. President said inflation was 3.5 percent. He lives at No. 5 Main Street."
    )
    assert texts(text) == [
        "Mr. Smith met Dr. J. R. Jones on Feb. 15 in St. Louis.",
        "Gen. Gerasimov spoke.",
        "The U.S. President said inflation was 3.5 percent.",
        "He lives at No. 5 Main Street.",
    ]


def test_acronym_at_sentence_end_splits_before_a_sentence_starter():
    assert texts("Sanctions came from the U.S. The Kremlin said nothing.") == [
        "Sanctions came from the U.S.",
        "The Kremlin said nothing.",
    ]


def test_quotation_over_several_sentences_stays_one_sentence():
    text = '“We will not attack. We never planned to. Nobody should fear us,” the minister said. Next one.'
    assert texts(text) == [
        "“We will not attack. We never planned to. Nobody should fear us,” the minister said.",
        "Next one.",
    ]


def test_straight_quotes_are_merged_too():
    text = 'He said: "Troops will leave. All of them." Then he left.'
    assert texts(text) == ['He said: "Troops will leave. All of them."', "Then he left."]


def test_unclosed_quote_does_not_swallow_the_next_paragraph():
    text = '“This quote never closes. It goes on.\nA new paragraph starts here.'
    assert texts(text)[-1] == "A new paragraph starts here."


def test_paragraphs_and_bullets():
    text = "Headline without a period\n\n- first point\n- second point. With two sentences\n1. numbered item"
    assert texts(text) == [
        "Headline without a period",
        "first point",
        "second point.",
        "With two sentences",
        "numbered item",
    ]


def test_transcript_markers_are_left_out_of_sentences():
    text = (
        "Vladimir Putin: Good afternoon. Thank you. "
        "Olaf Scholz (retranslated): Thank you. Question: Why now? Vladimir Putin: Because."
    )
    assert texts(text) == ["Good afternoon.", "Thank you.", "Thank you.", "Why now?", "Because."]


def test_colon_inside_a_sentence_is_not_a_marker():
    assert texts("The message reads, in part: peace matters. Three things: a, b, c.") == [
        "The message reads, in part: peace matters.",
        "Three things: a, b, c.",
    ]


def test_offsets_point_into_the_text():
    text = "  First sentence here.   Second one!\nThird?  "
    for s in split_sentences(text):
        assert text[s.start : s.end] == s.text
    assert texts(text) == ["First sentence here.", "Second one!", "Third?"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab AZ.!?,:;\n\"“”'()-•0123") + ["Mr.", "U.S.", "Putin:", " said", "Q:"]), max_size=80).map("".join))
def test_split_never_raises_and_spans_are_ordered(text):
    sentences = split_sentences(text)
    last_end = 0
    for s in sentences:
        assert 0 <= s.start < s.end <= len(text)
        assert s.start >= last_end
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip()
        last_end = s.end


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_split_handles_any_unicode(text):
    for s in split_sentences(text):
        assert text[s.start : s.end] == s.text
