from __future__ import annotations

import codecs
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crosscheck.errors import IngestError
from crosscheck.ingest import normalise_text, text_sha256
from crosscheck.ingest.decode import decode_bytes, detect_encoding

SAMPLE = "Шойгу said the drills near Brest were over; “échelons” left on 16 February."
# Characters that must never survive decoding or normalisation.
FORBIDDEN = set("\x00\x01\x08\x0b\x0c\x1b\x7f\x85\x9f\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b"
                "\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff")


@pytest.mark.parametrize(
    "data",
    [
        SAMPLE.encode("utf-8"),
        codecs.BOM_UTF8 + SAMPLE.encode("utf-8"),
        SAMPLE.encode("utf-16"),  # with BOM
        codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"),
        SAMPLE.encode("utf-16-le"),  # no BOM
        SAMPLE.encode("utf-16-be"),  # no BOM
        SAMPLE.encode("utf-32"),
        codecs.BOM_UTF32_BE + SAMPLE.encode("utf-32-be"),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "utf16be-bom", "utf16le", "utf16be", "utf32-bom", "utf32be-bom"],
)
def test_unicode_encodings_decode_to_the_same_text(data):
    assert decode_bytes(data, "x.txt") == SAMPLE


def test_windows_1252_falls_back_from_utf8():
    text = "Ministry “statement” – troops’ return, café"
    assert decode_bytes(text.encode("cp1252"), "x.txt") == text


def test_mostly_utf8_with_a_broken_byte_stays_utf8():
    data = "Шойгу and Лукашенко met".encode() + b"\xff" + " in Minsk".encode()
    out = decode_bytes(data, "x.txt")
    assert out.startswith("Шойгу and Лукашенко met")
    assert "\ufffd" in out and out.endswith(" in Minsk")


def test_controls_bidi_and_zero_width_are_removed():
    data = "pull\u202eback\x00 of for\u200bces\x1b, \u2066isolated\u2069 text\r\nnext".encode()
    assert decode_bytes(data, "x.txt") == "pullback of forces, isolated text\nnext"


def test_declared_charset_is_used_unless_a_bom_says_otherwise():
    text = "Войска возвращаются"
    assert decode_bytes(text.encode("cp1251"), "x.html", "windows-1251") == text
    assert decode_bytes(text.encode("koi8-r"), "x.html", "KOI8-R") == text
    assert decode_bytes(codecs.BOM_UTF8 + text.encode(), "x.html", "windows-1251") == text
    assert decode_bytes("café".encode("cp1252"), "x.html", "iso-8859-1") == "café"
    assert decode_bytes(text.encode(), "x.html", "no-such-charset") == text


def test_binary_data_is_refused_with_the_file_name():
    data = random.Random(7).randbytes(4096)
    with pytest.raises(IngestError, match=r"^image\.txt: looks like a binary file"):
        decode_bytes(data, "image.txt")


def test_detect_encoding_without_bom_only_for_utf16_patterns():
    assert detect_encoding(b"plain ascii text") is None
    assert detect_encoding("plain ascii".encode("utf-16-le")) == "utf-16-le"


def test_normalise_text_identifies_the_same_text():
    a = "Troops\r\nleft  \r\n\r\n\r\n\r\nthe border.\u200b"
    b = "Troops\nleft\n\nthe border."
    assert normalise_text(a) == b
    assert text_sha256(normalise_text(a)) == text_sha256(normalise_text(b))
    # Composed and decomposed accents are one text.
    assert normalise_text("cafe\u0301") == normalise_text("caf\u00e9")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048), st.sampled_from([None, "utf-8", "windows-1251", "koi8-r", "shift_jis", "utf-16", "bogus"]))
def test_decode_bytes_never_fails_except_with_ingest_error(data, declared):
    try:
        out = decode_bytes(data, "fuzz.txt", declared)
    except IngestError as e:
        assert str(e).startswith("fuzz.txt: ")
        return
    assert isinstance(out, str)
    assert not FORBIDDEN & set(out)
    assert "\r" not in out


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=500))
def test_normalise_text_is_clean_idempotent_and_hashable(text):
    out = normalise_text(text)
    assert not FORBIDDEN & set(out)
    assert "\r" not in out and "\n\n\n" not in out
    assert out == out.strip()
    assert normalise_text(out) == out
    assert len(text_sha256(out)) == 64


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=300),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]),
)
def test_encoded_text_decodes_to_the_same_document_text(text, encoding):
    assert normalise_text(decode_bytes(text.encode(encoding), "x.txt")) == normalise_text(text)
