"""Turn the bytes of an article file into text: encodings, byte-order marks, binary files.

UTF-8 (with or without BOM) and UTF-16/32 with a BOM are recognised;
anything else that is not UTF-8 is read as cp1252, then latin-1, the
encodings of most old Western web pages and Windows editors.  Data that is
binary (NUL bytes, control characters) is refused with a reason.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata

logger = logging.getLogger(__name__)


class ArticleError(ValueError):
    """A file that cannot be used as an article (empty, binary, undecodable)."""


#: How much of a file is inspected for binary content; a text file that is
#: plain prose shows it long before this.
BINARY_SNIFF_BYTES = 8 * 1024
#: Above this share of control characters the "text" is not prose, even if it
#: decodes; legitimate files carry at most a stray form feed or two.
MAX_CONTROL_SHARE = 0.05
_CONTROL_OK = frozenset("\t\n\r\f\v")


def cut_bytes(data: bytes) -> bytes:
    """End cut-off data at a line break, so no character is split in two.

    A UTF-16/32 file (it has a byte-order mark) is cut at a whole code unit.
    """
    for boms, unit in (
        ((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE), 4),
        ((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE), 2),
    ):
        if data.startswith(boms):
            return data[: len(data) - len(data) % unit]
    end = data.rfind(b"\n")
    return data[: end + 1] if end > 0 else data


def decode_bytes(data: bytes, *, source: str = "") -> str:
    """Decode the bytes of an article file into text with Unix newlines.

    UTF-8 (with or without BOM) and UTF-16/32 with a BOM are recognised;
    anything else that is not UTF-8 is read as cp1252, then latin-1, the
    encodings of most old Western web pages and Windows editors.

    Parameters
    ----------
    data : bytes
        The file content.
    source : str, optional
        The file name, used in messages.

    Returns
    -------
    str

    Raises
    ------
    ArticleError
        If the data looks binary or a BOM-marked UTF-16/32 file does not decode.
    """
    where = f"Article file {source!r}" if source else "Article data"
    text = _decode_bom(data, where)
    if text is None:
        if b"\x00" in data[:BINARY_SNIFF_BYTES]:
            raise ArticleError(
                f"{where} looks binary (NUL bytes in the first {BINARY_SNIFF_BYTES} bytes); "
                "expected UTF-8 or 8-bit text. Convert it to a .txt or .html file, "
                "save UTF-16 text with a byte-order mark, or remove it."
            )
        text = _decode_8bit(data, where)
    sample = text[:BINARY_SNIFF_BYTES]
    controls = sum(1 for ch in sample if ch not in _CONTROL_OK and unicodedata.category(ch) == "Cc")
    if sample and controls / len(sample) > MAX_CONTROL_SHARE:
        raise ArticleError(
            f"{where} looks binary ({controls} control characters in its first "
            f"{len(sample)} characters); expected text. Convert it to a .txt or .html "
            "file, or remove it."
        )
    return normalise_newlines(text)


def _decode_bom(data: bytes, where: str) -> str | None:
    # UTF-32 first: the UTF-32-LE mark starts with the UTF-16-LE one.
    for codec, boms in (
        ("utf-32", (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)),
        ("utf-16", (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)),
    ):
        if data.startswith(boms):
            try:
                return data.decode(codec)  # consumes the mark
            except UnicodeDecodeError as exc:
                raise ArticleError(
                    f"{where} starts with a {codec} byte-order mark but does not decode as "
                    f"{codec} ({exc.reason} at byte {exc.start}); re-save it as UTF-8."
                ) from exc
    return None


def _decode_8bit(data: bytes, where: str) -> str:
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # cp1252 leaves five bytes undefined; latin-1 then reads them as C1 controls.
    codec = "cp1252" if all(b not in data for b in b"\x81\x8d\x8f\x90\x9d") else "latin-1"
    logger.info("%s is not UTF-8; reading it as %s", where, codec)
    return data.decode(codec)


def normalise_newlines(text: str) -> str:
    return re.sub(r"\r\n?|[\u2028\u2029]", "\n", text)
