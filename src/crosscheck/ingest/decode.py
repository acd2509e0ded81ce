"""Decode: bytes of unknown encoding → clean text, or a refusal for binary data."""

from __future__ import annotations

import codecs
import re

from crosscheck.errors import IngestError

# Longest BOMs first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Control bytes that never occur in text files (tab, newlines, form feed and escape excluded).
_BINARY_BYTES = bytes([*range(0, 8), *range(14, 27), *range(28, 32), 127])
_BINARY_TABLE = bytes.maketrans(_BINARY_BYTES, b"\0" * len(_BINARY_BYTES))
_SAMPLE_BYTES = 65536
_MAX_BINARY_SHARE = 0.05

_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")

# Characters removed from all text: C0/C1 controls except tab and newline, bidi embeddings,
# overrides, isolates and marks (they can disguise what a sentence says), zero-width characters,
# stray BOMs and lone surrogates.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"
    "\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb"
    "\ud800-\udfff]"
)
# Declared charsets honoured for pages that are not UTF-8 (Cyrillic sources often use these).
_TEXT_CODECS = {
    "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1257", "iso8859-2", "iso8859-5",
    "iso8859-15", "koi8-r", "koi8-u", "mac-cyrillic", "cp866", "gb2312", "gbk",
    "gb18030", "big5", "shift_jis", "euc_jp", "euc_kr",
}
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")


def detect_encoding(data: bytes) -> str | None:
    """The encoding a BOM or a UTF-16 NUL pattern announces, or None."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    sample = data[:_SAMPLE_BYTES]
    if len(sample) >= 4 and len(sample) % 2 == 0:
        # ASCII-heavy UTF-16 has a NUL in every other byte and almost none in the others.
        even, odd = sample[0::2], sample[1::2]
        half = len(sample) // 2
        if odd.count(0) > 0.4 * half and even.count(0) < 0.05 * half:
            return "utf-16-le"
        if even.count(0) > 0.4 * half and odd.count(0) < 0.05 * half:
            return "utf-16-be"
    return None


def looks_binary(data: bytes) -> bool:
    """True when the start of the data has too many control bytes to be text."""
    sample = data[:_SAMPLE_BYTES]
    bad = sample.translate(_BINARY_TABLE).count(0)
    # A stray NUL or two in a short text is noise to clean, not a sign of a binary file.
    return bad > max(2, _MAX_BINARY_SHARE * len(sample))


def clean_text(text: str) -> str:
    """Unify line breaks and drop control, bidi and zero-width characters."""
    return _INVISIBLE.sub("", _LINE_BREAKS.sub("\n", text))


def decode_bytes(data: bytes, source: str, declared: str | None = None) -> str:
    """Decode text of unknown encoding; refuse binary data with an IngestError naming the source.

    A BOM wins; then a declared charset (HTTP header or HTML meta tag) when Python knows it;
    then UTF-8, falling back to Windows-1252.
    """
    encoding = detect_encoding(data)
    if encoding:
        # The BOM decodes to U+FEFF, which clean_text removes.
        text = data.decode(encoding, errors="replace")
    else:
        if looks_binary(data):
            raise IngestError(source, "looks like a binary file, not text")
        codec = known_codec(declared)
        text = data.decode(codec, errors="replace") if codec else _decode_8bit(data)
    return clean_text(text)


def known_codec(name: str | None) -> str | None:
    """The Python codec for a declared charset, or None when unknown or not an 8-bit/UTF-8 text codec."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'").lower()).name
    except (LookupError, ValueError):
        return None
    # UTF-16/32 without a BOM were handled by detect_encoding; a declaration alone is not trusted.
    if codec.startswith(("utf-16", "utf-32")) or codec in ("utf-8",):
        return None
    if codec in ("iso8859-1", "ascii"):
        return "cp1252"  # as browsers do: pages labelled Latin-1 or ASCII are Windows-1252 in practice
    return codec if codec in _TEXT_CODECS else None


def _decode_8bit(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Mostly valid UTF-8 with a few broken bytes stays UTF-8; otherwise it is a Windows code page.
    replaced = data.decode("utf-8", errors="replace")
    broken = replaced.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    if len(_UTF8_MULTIBYTE.findall(data)) >= broken:
        return replaced
    return data.decode("cp1252", errors="replace")


# In a name shown to people: controls (ESC, newlines, DEL, C1), bidi and zero-width characters, line and
# paragraph separators, and the lone surrogates that stand for bytes a file name had that are not UTF-8.
_UNPRINTABLE_NAME = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]"
)


def printable_name(name: str) -> str:
    """A file name or URL as it may be shown and stored: one line, with no character that acts on a terminal.

    Bytes that are not UTF-8 (which Python keeps as lone surrogates) become \\xNN, control and invisible
    characters \\xNN or \\uNNNN; everything else is kept, so the name stays recognisable.
    """
    def escape(m: re.Match) -> str:
        ch = m[0]
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            return f"\\x{code - 0xDC00:02x}"  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNPRINTABLE_NAME.sub(escape, str(name))
