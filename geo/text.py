"""Split an article's text into paragraphs and sentences, keeping offsets.

Every span points into :attr:`Article.text`, so that a figure found in a
sentence can be traced back to the exact characters it came from.
"""

from __future__ import annotations

import re

from geo.records import Article, Sentence

#: A line shorter than this is taken for a heading or a caption when it does
#: not end a sentence: wrapped body lines of scraped articles are longer.
HEADING_MAX_CHARS = 70

#: Words after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset(
    {"Mr", "Mrs", "Ms", "Dr", "St", "No", "Gen", "Lt", "Col", "Maj", "Capt", "Sgt"}
    | {"Gov", "Rep", "Sen", "Prof", "Inc", "Ltd", "Co", "vs", "e.g", "i.e"}
    | {"Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec"}
)
# "vs", "e.g" and "i.e" are written in any case; "no." and "co." in lower case
# end sentences ("He said no.").
_ANY_CASE_ABBREVIATIONS = frozenset({"vs", "e.g", "i.e"})

_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_LINE = re.compile(r"[^\n]+")
# "etc." is no exception: a sentence ending in it followed by a capital does
# end, and before a lowercase word there is no boundary anyway.
_SENTENCE_END = re.compile(r"([.!?]+)[\"”’')\]]*(\s+)")
_OPENING_QUOTES = frozenset("\"“‘'")
_INITIALS = re.compile(r"(?:[A-Z]\.)*[A-Z]")
_CLOCK = frozenset({"a.m", "p.m"})
_TERMINAL = frozenset(".!?:\"”’'…»")
_CLOSING_BRACKETS = frozenset(")]")


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` character spans of the paragraphs of a text.

    If the text has blank lines, paragraphs are separated by them.  If it has
    none, each line is a paragraph (scraped articles often put one paragraph
    per line), except that a wrapped line is joined to the line before it:
    when the line before neither ends in terminal punctuation nor looks like
    a heading, or when the line starts with a lowercase letter.

    Parameters
    ----------
    text : str

    Returns
    -------
    list of tuple of int
        Spans in text order, without leading or trailing whitespace; empty
        paragraphs are left out.
    """
    if _BLANK_LINE.search(text.strip()):
        return _blank_line_paragraphs(text)
    return _line_paragraphs(text)


def _blank_line_paragraphs(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.append(_trim(text, start, match.start()))
        start = match.end()
    spans.append(_trim(text, start, len(text)))
    return [span for span in spans if span[0] < span[1]]


def _line_paragraphs(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    previous = ""
    for match in _LINE.finditer(text):
        start, end = _trim(text, match.start(), match.end())
        if start == end:
            continue
        line = text[start:end]
        if spans and _continues(previous, line):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
        previous = line
    return spans


def _continues(previous: str, line: str) -> bool:
    """Tell whether ``line`` is the wrapped continuation of ``previous``."""
    if line[0].islower():
        return True
    return not _ends_sentence(previous) and not _looks_like_heading(previous)


def _ends_sentence(line: str) -> bool:
    if line[-1] in _CLOSING_BRACKETS:
        line = line.rstrip(")]")
    return bool(line) and line[-1] in _TERMINAL


def _looks_like_heading(line: str) -> bool:
    if len(line) < HEADING_MAX_CHARS:
        return True
    words = [word.lstrip("\"“‘'(") for word in line.split()]
    words = [word for word in words if word[:1].isalpha()]
    capitalised = sum(word[0].isupper() for word in words)
    return 2 * capitalised > len(words)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(article: Article) -> list[Sentence]:
    """Split an article into sentences with offsets into its text.

    A sentence ends at the end of a paragraph (see :func:`split_paragraphs`)
    and at ``.``, ``!`` or ``?`` (with any closing quotes or brackets) that is
    followed by whitespace and then a capital letter, a digit or an opening
    quote, unless the full stop ends an abbreviation (:data:`ABBREVIATIONS`),
    an initial ("U.S.", "A. Khan") or "a.m."/"p.m." before a number.

    Parameters
    ----------
    article : Article

    Returns
    -------
    list of Sentence
        Numbered from 0 across the article.  ``article.text[s.start_char:
        s.end_char] == s.text`` holds for each; a sentence may contain a
        newline where a wrapped line was joined.
    """
    text = article.text
    sentences: list[Sentence] = []
    for paragraph, (start, end) in enumerate(split_paragraphs(text)):
        for s_start, s_end in _sentence_spans(text, start, end):
            sentences.append(
                Sentence(
                    article_id=article.article_id,
                    index=len(sentences),
                    paragraph=paragraph,
                    start_char=s_start,
                    end_char=s_end,
                    text=text[s_start:s_end],
                )
            )
    return sentences


#: A bullet inside a paragraph ("• 13 killed • Operation underway") starts a sentence.
_BULLET = re.compile(r"\s*[•▪●]\s*")


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    piece_start = start
    for bullet in _BULLET.finditer(text, start, end):
        spans += _sentence_spans_of(text, piece_start, bullet.start())
        piece_start = bullet.end()
    spans += _sentence_spans_of(text, piece_start, end)
    return spans


def _sentence_spans_of(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    sentence_start = start
    for match in _SENTENCE_END.finditer(text, start, end):
        after = match.end()
        if after >= end or not _is_boundary(text, sentence_start, match, text[after]):
            continue
        spans.append(_trim(text, sentence_start, match.start(2)))
        sentence_start = after
    spans.append(_trim(text, sentence_start, end))
    return [span for span in spans if span[0] < span[1]]


def _is_boundary(text: str, sentence_start: int, match: re.Match[str], following: str) -> bool:
    if not (following.isupper() or following.isdigit() or following in _OPENING_QUOTES):
        return False
    if match.group(1) != ".":
        return True
    word = _word_before(text, sentence_start, match.start(1))
    if word in ABBREVIATIONS or word.lower() in _ANY_CASE_ABBREVIATIONS:
        return False
    if _INITIALS.fullmatch(word):
        return False
    # "at 4 p.m. 12 people were..." reads on; "at 4 p.m. Police said" may end.
    return not (word.lower() in _CLOCK and following.isdigit())


def _word_before(text: str, lower: int, position: int) -> str:
    """Return the token before ``position`` (back to whitespace), unbracketed."""
    start = position
    while start > lower and not text[start - 1].isspace():
        start -= 1
    return text[start:position].lstrip("\"“‘'([")
