import datetime as dt
import logging
import os
import re
import threading
from pathlib import Path

import pytest

from geo.articles import (
    ArticleError,
    decode_bytes,
    find_article_files,
    find_inputs,
    iter_article_files,
    parse_article,
    read_article,
)
from geo.text import split_sentences

BODY = "Gunmen attacked a checkpoint near Turbat.\n\nTwo guards were hurt."

# ------------------------------------------------------------------ metadata


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            "---\nurl: https://example.org/a\noutlet: 'Example Times'\n"
            'published: "2026-02-03"\ntitle: Checkpoint attacked\n---\n' + BODY,
            {
                "url": "https://example.org/a",
                "outlet": "Example Times",
                "published": dt.date(2026, 2, 3),
                "title": "Checkpoint attacked",
            },
            id="yaml-front-matter",
        ),
        pytest.param(
            "---\nurl: https://example.org/a\ntags: [x, y]\n---\n" + BODY,
            {"url": "https://example.org/a", "outlet": "", "published": None, "title": ""},
            id="yaml-unknown-key-ignored",
        ),
        pytest.param(
            "source: Example Wire\ndate: 3 February 2026\nauthor: A. Writer\n---\n" + BODY,
            {"url": "", "outlet": "Example Wire", "published": dt.date(2026, 2, 3), "title": ""},
            id="bare-block",
        ),
        pytest.param(
            "outlet: Example Wire\npublished: February 3, 2026\n---\n" + BODY,
            {"url": "", "outlet": "Example Wire", "published": dt.date(2026, 2, 3), "title": ""},
            id="bare-block-us-date",
        ),
        pytest.param(
            "published: 2026-02-03T21:15:00+05:00\n---\n" + BODY,
            {"url": "", "outlet": "", "published": dt.date(2026, 2, 3), "title": ""},
            id="iso-datetime",
        ),
        pytest.param(
            BODY,
            {"url": "", "outlet": "", "published": None, "title": ""},
            id="no-metadata",
        ),
    ],
)
def test_metadata_forms(raw, expected):
    article = parse_article(raw, path="a.txt")
    assert {key: getattr(article, key) for key in expected} == expected
    assert article.text == BODY


def test_date_line_keeps_rest_of_line():
    article = parse_article(" date 2026-02-04 Gunmen attacked a post.\n\nMore text.")
    assert article.published == dt.date(2026, 2, 4)
    assert article.text == "Gunmen attacked a post.\n\nMore text."


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("Note: this is prose.\n---\n" + BODY, id="unknown-key"),
        pytest.param("url: x\nThis line is prose.\n---\n" + BODY, id="prose-line-in-block"),
        pytest.param("---\nGunmen struck.\n---\n" + BODY, id="rules-around-prose"),
        pytest.param("---\nNote: this is prose.\n" + BODY, id="rule-then-prose"),
        pytest.param("The date 2026-02-04 was quiet.", id="date-not-first-word"),
    ],
)
def test_not_metadata_kept_as_text(raw):
    article = parse_article(raw)
    assert article.published is None
    assert article.url == article.outlet == ""
    assert article.text == raw.strip()


@pytest.mark.parametrize(
    ("raw", "lines"),
    [
        pytest.param("---\nurl: x\n" + BODY, "line 2 read", id="one-line"),
        pytest.param(
            "---\nurl: x\noutlet: Coast Daily\n\n" + BODY + "\n---\nMore.",
            "lines 2-4 read",
            id="fence-after-prose",
        ),
    ],
)
def test_unclosed_front_matter_is_read_as_metadata_with_a_warning(caplog, raw, lines):
    with caplog.at_level(logging.WARNING, logger="geo.articles"):
        article = parse_article(raw, path="open.md")
    assert article.url == "x"
    assert article.text.startswith(BODY)
    assert "url: x" not in article.text
    assert "open.md: the front matter opened by '---' on line 1 is not closed" in caplog.text
    assert lines in caplog.text


def test_unparseable_date_is_ignored_with_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="geo.articles"):
        article = parse_article("published: 31 Febtember 2026\n---\n" + BODY, path="x.txt")
    assert article.published is None
    assert "31 Febtember 2026" in caplog.text
    assert "x.txt" in caplog.text


def test_impossible_date_line_is_ignored():
    article = parse_article("date 2026-02-30 Text.")
    assert article.published is None
    assert article.text == "Text."


# ---------------------------------------------------------------------- HTML

PAGE = """<!doctype html>
<html><head>
<title>Blast in Quetta - Example Times</title>
<meta property="og:site_name" content="Example Times">
<meta property="article:published_time" content="2026-02-02T08:00:00Z">
<link rel="canonical" href="https://example.org/blast">
<style>p { color: red }</style>
<script>var x = "<p>not text</p>";</script>
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<header><h1>Site banner</h1></header>
<article>
<h1>Blast in Quetta</h1>
<p>A blast hit a market in
   Quetta &amp; wounded <b>five</b>&nbsp;people.</p>
<p>Police said the device was hidden&hellip;<br>in a cart.</p>
<svg><title>icon</title><path d="M0"/></svg>
<ul><li>First item</li><li>Second item</li></ul>
</article>
<aside>Read more</aside>
<footer>Copyright</footer>
</body></html>"""


def test_html_reduced_to_text():
    article = parse_article(PAGE, is_html=True)
    assert article.text == (
        "Blast in Quetta\n\n"
        "A blast hit a market in Quetta & wounded five people.\n\n"
        "Police said the device was hidden\u2026\nin a cart.\n\n"
        "First item\n\nSecond item"
    )
    for dropped in ("not text", "color", "Home", "Site banner", "icon", "Read more", "Copyright"):
        assert dropped not in article.text


def test_html_metadata():
    article = parse_article(PAGE, is_html=True)
    assert article.outlet == "Example Times"
    assert article.url == "https://example.org/blast"
    assert article.published == dt.date(2026, 2, 2)
    assert article.title == "Blast in Quetta - Example Times"


@pytest.mark.parametrize(
    ("markup", "field", "value"),
    [
        (
            '<meta property="og:title" content="Clean title"><title>X | Site</title>',
            "title",
            "Clean title",
        ),
        ('<meta property="og:url" content="https://e.org/u"><p>t</p>', "url", "https://e.org/u"),
        (
            '<p>On <time datetime="2026-01-31">Saturday</time></p>',
            "published",
            dt.date(2026, 1, 31),
        ),
    ],
)
def test_html_metadata_fallbacks(markup, field, value):
    assert getattr(parse_article(markup, is_html=True), field) == value


def test_front_matter_wins_over_html_metadata():
    raw = "---\noutlet: Given Outlet\n---\n" + PAGE
    assert parse_article(raw, is_html=True).outlet == "Given Outlet"


def test_html_flag_off_keeps_markup():
    assert parse_article("<p>a &amp; b</p>").text == "<p>a &amp; b</p>"


# ------------------------------------------------------- cleaning and identity


def test_repeated_paragraphs_dropped():
    raw = (
        "Heading\nFirst paragraph here.\nSecond paragraph here.\n"
        "* * *\nSubheading\nfirst   PARAGRAPH here.\nSecond paragraph here.\n* * *\nNew line.\n"
    )
    article = parse_article(raw)
    assert article.text == (
        "Heading\nFirst paragraph here.\nSecond paragraph here.\n"
        "* * *\nSubheading\n* * *\nNew line."
    )


def test_blank_lines_collapsed():
    assert parse_article("\n\nOne.\n\n\n\n\nTwo.  \n\n").text == "One.\n\nTwo."


def test_crlf_normalised():
    assert parse_article("One.\r\nTwo.\rThree.").text == "One.\nTwo.\nThree."


def test_same_content_same_id_regardless_of_path():
    first = parse_article(BODY, path="a/one.txt")
    second = parse_article(BODY, path="b/two.txt")
    assert first.article_id == second.article_id
    assert re.fullmatch(r"[0-9a-f]{16}", first.article_id)


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(BODY.replace("Two", "Three"), id="text"),
        pytest.param("outlet: Example\n---\n" + BODY, id="outlet"),
        pytest.param("date 2026-02-01 " + BODY, id="date"),
        pytest.param("---\ntitle: T\n---\n" + BODY, id="title"),
    ],
)
def test_changed_content_changes_id(other):
    assert parse_article(other).article_id != parse_article(BODY).article_id


def test_duplicate_copy_has_same_id_as_single_copy():
    assert parse_article(BODY + "\n\n" + BODY).article_id == parse_article(BODY).article_id


# ------------------------------------------------------------------ decoding


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param("Café “q”".encode(), "Café “q”", id="utf-8"),
        pytest.param(b"\xef\xbb\xbfCaf\xc3\xa9", "Café", id="utf-8-bom"),
        pytest.param(b"Caf\xe9 \x93quoted\x94", "Café “quoted”", id="cp1252"),
        pytest.param(b"Caf\xe9 " * 9 + b"\x81", "Café " * 9 + "\x81", id="latin-1"),
        pytest.param("\ufeffCafé\r\nX".encode("utf-16-le"), "Café\nX", id="utf-16-le-bom"),
        pytest.param("\ufeffCafé".encode("utf-16-be"), "Café", id="utf-16-be-bom"),
        pytest.param("\ufeffCafé".encode("utf-32-le"), "Café", id="utf-32-le-bom"),
        pytest.param(b"a\r\nb\rc\n", "a\nb\nc\n", id="newlines"),
    ],
)
def test_decode_bytes(data, expected):
    assert decode_bytes(data) == expected


@pytest.mark.parametrize(
    ("data", "match"),
    [
        pytest.param(b"GIF89a\x00\x01\x02", "NUL bytes", id="nul"),
        pytest.param(b"text" + bytes(range(1, 9)) * 4, "control characters", id="controls"),
        pytest.param("Café".encode("utf-16-le"), "NUL bytes", id="utf-16-without-bom"),
        pytest.param(b"\xff\xfeA", "does not decode", id="truncated-utf-16"),
    ],
)
def test_decode_bytes_rejects_binary(data, match):
    with pytest.raises(ArticleError, match=match) as info:
        decode_bytes(data, source="pic.txt")
    assert "pic.txt" in str(info.value)


# -------------------------------------------------------------------- files


def test_read_article(tmp_path):
    path = tmp_path / "a.HTML"
    path.write_text("<p>Hello &amp; bye.</p>", encoding="utf-8")
    article = read_article(path)
    assert article.text == "Hello & bye."
    assert article.path == str(path)


def test_read_article_cp1252(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"Caf\xe9 \x93quoted\x94\r\n")
    assert read_article(path).text == "Café “quoted”"


@pytest.mark.parametrize(
    ("data", "match"),
    [
        pytest.param(b"", "is empty", id="zero-bytes"),
        pytest.param(b" \n\t\r\n", "is empty", id="whitespace"),
        pytest.param("\ufeff \n".encode("utf-16-le"), "is empty", id="utf-16-whitespace"),
        pytest.param(b"url: https://e.org\n---\n", "no text", id="header-only"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", "binary", id="binary"),
    ],
)
def test_read_article_errors_name_file(tmp_path, data, match):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(ArticleError, match=match) as info:
        read_article(path)
    assert str(path) in str(info.value)


@pytest.fixture
def corpus(tmp_path):
    files = [
        "b.txt",
        "a.MD",
        "notes.pdf",
        "nested/deeper/c.htm",
        "nested/d.Html",
        "nested/image.png",
        ".hidden.txt",
        ".git/e.txt",
    ]
    for name in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    return tmp_path


def test_iter_article_files_expands_folders(corpus):
    found = iter_article_files([corpus])
    assert [p.relative_to(corpus).as_posix() for p in found] == [
        "a.MD",
        "b.txt",
        "nested/d.Html",
        "nested/deeper/c.htm",
    ]


def test_iter_article_files_deduplicates(corpus):
    found = iter_article_files([corpus / "b.txt", corpus, str(corpus / "b.txt")])
    assert len(found) == 4
    assert found == sorted(found)


def test_iter_article_files_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"does not exist.*\.txt"):
        iter_article_files([tmp_path / "nope"])


def test_iter_article_files_explicit_unsupported_suffix(corpus):
    with pytest.raises(ValueError, match=r"'\.pdf'.*\.txt, \.md, \.html, \.htm"):
        iter_article_files([corpus / "notes.pdf"])


def test_iter_article_files_single_string_rejected(corpus):
    with pytest.raises(TypeError, match="wrap it in a list"):
        iter_article_files(str(corpus))


# -------------------------------------------------------------------- seeds

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


@pytest.mark.seeds
def test_seed_articles():
    if not SEEDS.is_dir():
        pytest.skip(f"seed articles not found at {SEEDS}")
    articles = {p.name[:3]: read_article(p) for p in iter_article_files([SEEDS])}
    assert sorted(articles) == ["000", "001", "002", "003", "004"]
    assert len({a.article_id for a in articles.values()}) == 5

    published = {key: a.published for key, a in articles.items()}
    assert published == {
        "000": dt.date(2026, 2, 4),
        "001": None,
        "002": None,
        "003": dt.date(2026, 2, 1),
        "004": None,
    }
    assert not articles["000"].text.startswith("date")

    repeated = articles["002"]
    sentences = split_sentences(repeated)
    pasni = [s for s in sentences if s.text.startswith("In Pasni, militants targeted")]
    assert len(pasni) == 1
    assert repeated.text.count("In Pasni, militants targeted") == 1
    wrapped = [s for s in sentences if "reported Karachi-based" in s.text]
    assert len(wrapped) == 1
    assert wrapped[0].text.endswith("Geo News.")
    assert wrapped[0].paragraph == pasni[0].paragraph
    for article in articles.values():
        for sentence in split_sentences(article):
            assert article.text[sentence.start_char : sentence.end_char] == sentence.text
            assert sentence.article_id == article.article_id


# ------------------------------------------------- hostile and unlucky input


def _in_thread(function, *args, wait_s=60):
    """Run ``function`` in a daemon thread; fail (instead of hanging the suite) if it blocks."""
    result = {}

    def run():
        try:
            result["value"] = function(*args)
        except Exception as exc:  # handed to the test
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(wait_s)
    assert not thread.is_alive(), f"{function.__name__}{args} blocked"
    return result


@pytest.fixture
def fifo_folder(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(BODY, encoding="utf-8")
    os.mkfifo(folder / "x.txt")
    return folder


def test_a_fifo_named_like_an_article_is_skipped_not_waited_on(fifo_folder, caplog):
    with caplog.at_level(logging.WARNING, logger="geo.articles"):
        files = iter_article_files([fifo_folder])
    assert files == [fifo_folder / "good.txt"]
    assert f"skipped {fifo_folder / 'x.txt'}: not a regular file (a FIFO)" in caplog.text
    outcome = _in_thread(read_article, fifo_folder / "x.txt")
    assert isinstance(outcome.get("error"), ArticleError)
    assert "x.txt" in str(outcome["error"]) and "regular file" in str(outcome["error"])


def test_symlink_loops_are_skipped_with_the_reason(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "good.txt").write_text(BODY, encoding="utf-8")
    (folder / "a.txt").symlink_to("b.txt")
    (folder / "b.txt").symlink_to("a.txt")
    (folder / "sub" / "up").symlink_to("..")  # back to an ancestor
    (folder / "gone.md").symlink_to("nowhere.md")
    files, skipped = find_article_files([folder])
    assert files == [folder / "sub" / "good.txt"]
    reasons = {item.path.name: item.reason for item in skipped}
    assert "loops" in reasons["a.txt"] and "loops" in reasons["b.txt"]
    assert reasons["up"].startswith("a link to a folder already read")
    assert reasons["gone.md"] == "a symbolic link to nowhere.md, which does not exist"


def test_symlinked_folder_is_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "far.txt").write_text(BODY, encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "linked").symlink_to(elsewhere)
    files, skipped = find_article_files([folder])
    assert files == [folder / "linked" / "far.txt"]
    assert skipped == []


def test_unreadable_folder_is_skipped_with_the_reason(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "hidden.txt").write_text(BODY, encoding="utf-8")
    (folder / "open.txt").write_text(BODY, encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path):
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    # Root reads any folder whatever its mode: the refusal is injected.
    monkeypatch.setattr("geo._files.os.scandir", scandir)
    files, skipped = find_article_files([folder])
    assert files == [folder / "open.txt"]
    assert [(s.path, s.reason) for s in skipped] == [
        (folder / "locked", "cannot read the folder (Permission denied); check its permissions")
    ]


def test_unreadable_file_is_an_article_error(tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_text(BODY, encoding="utf-8")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("geo._files.os.open", refuse)
    with pytest.raises(ArticleError, match=r"a\.txt' cannot be read: Permission denied"):
        read_article(path)


def test_long_text_is_cut_at_a_paragraph_with_a_warning(monkeypatch, caplog):
    monkeypatch.setattr("geo.articles.MAX_ARTICLE_CHARS", 1000)
    paragraphs = [f"Paragraph {i} says something new about the attacks." for i in range(60)]
    with caplog.at_level(logging.WARNING, logger="geo.articles"):
        article = parse_article("\n\n".join(paragraphs), path="long.txt")
    assert 500 < len(article.text) <= 1000
    assert article.text.endswith(".")  # a whole paragraph, not half a word
    assert "long.txt: the text is 3108 characters long; only the first 977 are read" in caplog.text


def test_big_file_is_read_only_up_to_the_cap(tmp_path, monkeypatch, caplog):
    """A 50 MB file costs what the cap costs: the rest is never read."""
    monkeypatch.setattr("geo.articles.MAX_FILE_BYTES", 10_000)
    path = tmp_path / "dump.txt"
    line = "A line of a very long dump of reports.\n"
    path.write_text(line * 30_000, encoding="utf-8")  # 1.2 MB
    read = []
    real_read = os.read
    monkeypatch.setattr("geo._files.os.read", lambda fd, n: read.append(n) or real_read(fd, n))
    with caplog.at_level(logging.WARNING, logger="geo.articles"):
        article = read_article(path)
    assert sum(read) <= 10_001
    assert article.text == line.strip()  # repeated lines dropped, cut at a line end
    assert f"{path} is larger than" in caplog.text


def test_whitespace_only_change_keeps_the_id():
    rewrapped = BODY.replace("checkpoint near", "checkpoint\nnear").replace(
        ".\n\nTwo", ".  \n\n\nTwo"
    )
    assert rewrapped != BODY
    assert parse_article("  " + rewrapped + "\n").article_id == parse_article(BODY).article_id
    spaced = "outlet:  Coast   Daily\n---\n" + BODY
    assert (
        parse_article(spaced).article_id
        == parse_article("outlet: Coast Daily\n---\n" + BODY).article_id
    )


def test_future_publication_date_is_not_used_and_the_id_does_not_depend_on_today(caplog):
    raw = "published: 2062-02-03\n---\n" + BODY
    with caplog.at_level(logging.WARNING, logger="geo.articles"):
        article = parse_article(raw, path="typo.md", today=dt.date(2026, 2, 5))
    assert article.published is None
    assert "typo.md: the published date 2062-02-03 is in the future (today is 2026-02-05)" in (
        caplog.text
    )
    later = parse_article(raw, path="typo.md", today=dt.date(2063, 1, 1))
    assert later.published == dt.date(2062, 2, 3)
    assert later.article_id == article.article_id
    tomorrow = parse_article("published: 2026-02-06\n---\n" + BODY, today=dt.date(2026, 2, 5))
    assert tomorrow.published == dt.date(2026, 2, 6)  # a time zone ahead, not a typo


# Written for the project: "There was an explosion in Quetta; police say three people died."
URDU = "کوئٹہ میں ایک دھماکہ ہوا، پولیس کے مطابق تین افراد ہلاک ہو گئے۔"


def test_text_in_a_script_the_extractor_does_not_read_is_warned_about(caplog):
    with caplog.at_level(logging.WARNING, logger="geo.articles"):
        article = parse_article(URDU, path="urdu.txt")
    assert article.text == URDU
    assert "urdu.txt: 100% of its letters are in Arabic script" in caplog.text
    assert "expect no incidents" in caplog.text


def test_english_with_a_few_names_in_another_script_is_not_warned_about(caplog):
    with caplog.at_level(logging.WARNING, logger="geo.articles"):
        parse_article(BODY + " The town is written کوئٹہ locally.", path="en.txt")
    assert caplog.text == ""


def test_find_inputs_counts_the_files_it_does_not_read_in_the_same_walk(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ("a.txt", "sub/b.MD", "sub/scan.pdf", "notes.PDF", "README", ".x.pdf",
                 ".hidden/c.csv", "sub/table.csv"):  # fmt: skip
        (tmp_path / name).write_text("Text.", encoding="utf-8")
    inputs = find_inputs([tmp_path])
    assert [p.name for p in inputs.files] == ["a.txt", "b.MD"]
    assert inputs.ignored == {"(no suffix)": 1, ".csv": 1, ".pdf": 2}
    assert find_article_files([tmp_path]) == (inputs.files, inputs.skipped)
