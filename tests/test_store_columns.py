"""Tests for geo._store_columns: the claims and articles kept beside the store.

Whatever a write transaction finds beside the store (the whole columns, a
chain of changes, a damaged or stale file, nothing), its claims and
articles must be the store's own: each test compares them with a read
outside any transaction, which never looks at the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from geo import _store_columns
from geo.records import Article, Claim
from geo.store import STAMP_META, Store


def _article(n: int, outlet: str = "Valley Courier") -> Article:
    return Article(
        article_id=f"a{n:04d}",
        path=f"in/{n}.md",
        text=f"Article {n}.",
        outlet=outlet,
        url=f"https://example.org/{n}",
        published=dt.date(2026, 1, 1 + n % 28),
        title=f"Report {n}",
    )


def _claims(article: Article, count: int = 3, value: int = 1) -> list[Claim]:
    """Claims whose ids interleave with other articles' (as the extractor's hashes do)."""
    return [
        Claim(
            claim_id="C" + hashlib.sha1(f"{article.article_id}/{i}".encode()).hexdigest()[:12],
            article_id=article.article_id,
            scope="incident" if i else "area",
            place_id="",
            area="Kech",
            figure="killed",
            role="civilian",
            value_low=value + i,
            value_high=value + i,
            qualifier="",
            claimant="police",
            claimant_kind="official",
            event_date=None,
            sentence=f"Sentence {i} of {article.article_id}.",
            start_char=0,
            end_char=9,
        )
        for i in range(count)
    ]


def _add(store: Store, *numbers: int, value: int = 1, outlet: str = "Valley Courier") -> None:
    for n in numbers:
        article = _article(n, outlet)
        store.add_article(article, _claims(article, value=value), [])


def _read_in_transaction(store: Store) -> tuple[dict, list]:
    with store.transaction():
        return store.claim_columns(), store.article_rows()


def _assert_current(store: Store) -> None:
    """The columns a transaction reads are the store's, read without the file."""
    kept = _read_in_transaction(store)
    assert kept == (store.claim_columns(), store.article_rows())


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "store.db") as opened:
        with opened.transaction():
            _add(opened, *range(20))
        _read_in_transaction(opened)  # keeps the whole columns beside it
        yield opened


def _file(store: Store):
    return _store_columns.path_of(store.path)


def test_a_transaction_keeps_the_columns_it_read_beside_the_store(store):
    stamp = store.get_meta(STAMP_META)
    saved = _store_columns.load(store.path, stamp)
    assert saved is not None and saved.changes == 0
    assert saved.columns.articles == [
        (a.article_id, a.path, a.outlet, a.url, a.published.isoformat(), a.title)
        for a in (_article(n) for n in range(20))
    ]
    _assert_current(store)


def test_added_replaced_and_removed_articles_are_appended_as_changes(store):
    size = _file(store).stat().st_size
    with store.transaction():
        store.claim_columns()  # read, then changed: the columns read are dropped
        _add(store, 20, 21)
        _add(store, 3, value=7, outlet="Other Outlet")  # replaced
        store.remove_article(_article(5).article_id)
        # Patched in this transaction: the claims SQLite has now, in order.
        assert store.claim_columns()["claim_id"] == [c.claim_id for c in store.claims()]
    grown = _file(store).stat().st_size
    assert size < grown < size + 5_000  # the change, not the whole columns again
    saved = _store_columns.load(store.path, store.get_meta(STAMP_META))
    assert saved is not None and saved.changes == 1
    _assert_current(store)
    columns, articles = _read_in_transaction(store)
    assert "a0005" not in columns["article_id"] and "a0021" in columns["article_id"]
    assert {o for o, a in zip(columns["outlet"], columns["article_id"], strict=True)
            if a == "a0003"} == {"Other Outlet"}  # fmt: skip
    assert len(articles) == 21


def test_a_chain_of_changes_replays_to_the_store_and_is_rewritten_when_long(store, monkeypatch):
    monkeypatch.setattr(_store_columns, "MAX_CHANGES", 3)
    for n in range(20, 26):
        with store.transaction():
            _add(store, n)
            store.claim_columns()
        saved = _store_columns.load(store.path, store.get_meta(STAMP_META))
        assert saved is not None and saved.changes <= 3
        _assert_current(store)


def test_many_new_claims_at_once_are_sorted_in(store):
    with store.transaction():
        _add(store, *range(20, 140))  # 360 claims: more than are inserted one by one
        store.claim_columns()
    _assert_current(store)
    ids = store.claim_columns()["claim_id"]
    assert ids == sorted(ids)


def test_a_build_that_changes_nothing_keeps_the_stamp_and_the_file(store):
    stamp, size = store.get_meta(STAMP_META), _file(store).stat().st_size
    with store.transaction():
        store.claim_columns()
        store.set_meta("other", "x")
    assert store.get_meta(STAMP_META) == stamp
    assert _file(store).stat().st_size == size


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-3],  # a torn append
        lambda data: data[:40] + bytes([data[40] ^ 0xFF]) + data[41:],  # a flipped byte
        lambda data: b"not the columns at all",
        lambda data: b"",
    ],
    ids=["torn", "flipped", "foreign", "empty"],
)
def test_a_damaged_file_is_ignored_and_replaced(store, damage):
    with store.transaction():
        _add(store, 20)
        store.claim_columns()
    target = _file(store)
    target.write_bytes(damage(target.read_bytes()))
    _assert_current(store)  # read from SQLite, and kept anew
    assert _store_columns.load(store.path, store.get_meta(STAMP_META)) is not None
    with store.transaction():
        _add(store, 21)
        store.claim_columns()
    _assert_current(store)


def test_a_change_from_another_state_is_not_replayed(store):
    stamp = store.get_meta(STAMP_META)
    fresh = _store_columns.Columns({"claim_id": ["Czzz"]}, [])
    _store_columns.append(store.path, "some-other-stamp", "later", ["a0001"], fresh)
    saved = _store_columns.load(store.path, stamp)
    assert saved is not None and saved.changes == 0
    assert _store_columns.load(store.path, "later") is None
    _assert_current(store)


def test_writes_outside_a_transaction_and_clear_leave_no_columns_to_trust(store):
    store.add_article(_article(30), _claims(_article(30)), [])  # each statement commits
    assert store.get_meta(STAMP_META) is None
    _assert_current(store)
    with store.transaction():
        store.clear()
        _add(store, 40)
        assert store.claim_columns()["article_id"] == ["a0040"] * 3
    _assert_current(store)


def test_a_store_whose_folder_cannot_be_written_still_reads_its_columns(store, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_store_columns.tempfile, "mkstemp", refuse)
    _file(store).unlink()
    _assert_current(store)
    assert not _file(store).exists()
