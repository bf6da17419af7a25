"""Tests for geo.store: round trips, replacement, transactions and the write lock."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time

import pytest

from geo.records import Article, Claim, Place, Report
from geo.store import Store, StoreBusyError

PLACE = Place(
    "gn:1175296",
    "Kalat",
    "town",
    29.02663,
    66.59361,
    "PK",
    "Balochistan",
    "Kalat",
    26000,
    1,
    "GeoNames 1175296",
    True,
)
ARTICLE = Article(
    article_id="a" * 16,
    path="in/kalat.md",
    text="Gunmen stormed a bank in Kalat on Saturday. Police said three guards were killed.",
    outlet="Valley Courier",
    url="https://example.org/kalat",
    published=dt.date(2026, 2, 1),
    title="Bank stormed",
)


def _claim(cid: str, value: int, article: Article = ARTICLE) -> Claim:
    return Claim(
        claim_id=cid,
        article_id=article.article_id,
        scope="incident",
        place_id=PLACE.place_id,
        area="Kalat",
        figure="killed",
        role="security",
        value_low=value,
        value_high=value + 2,
        qualifier="at least",
        claimant="police",
        claimant_kind="official",
        event_date=dt.date(2026, 1, 31),
        sentence="Police said three guards were killed.",
        start_char=44,
        end_char=81,
        outlet=article.outlet,
        published=article.published,
    )


def _report(claims: tuple[str, ...], article: Article = ARTICLE) -> Report:
    return Report(
        article_id=article.article_id,
        place=PLACE,
        event_date=dt.date(2026, 1, 29),
        date_precision="range",
        attack_types=("armed_assault", "seizure"),
        targets=("bank",),
        claim_ids=claims,
        sentences=((0, 43), (44, 81)),
        listed_only=False,
        date_end=dt.date(2026, 1, 30),
    )


@pytest.fixture
def path(tmp_path):
    return tmp_path / "sub" / "store.db"


def test_round_trip(path):
    claims = [_claim("C1", 3), _claim("C2", 5)]
    reports = [_report(("C1", "C2")), _report((), article=ARTICLE)]
    with Store(path) as store, store.transaction():
        store.add_article(ARTICLE, claims, reports)
    assert path.is_file()
    with Store(path) as store:
        assert store.article_ids() == {ARTICLE.article_id}
        assert store.articles() == [ARTICLE]
        assert store.claims() == claims
        assert store.reports() == reports


def test_round_trip_of_empty_fields(path):
    bare = Article("b" * 16, "x.txt", "Text.")
    report = Report(bare.article_id, PLACE, None, "unknown", ("other",), (), (), ((0, 5),))
    with Store(path) as store, store.transaction():
        store.add_article(bare, [], [report])
    with Store(path) as store:
        assert store.articles() == [bare]
        assert store.reports() == [report]
        assert store.claims() == []


def test_add_article_twice_replaces(path):
    with Store(path) as store, store.transaction():
        store.add_article(ARTICLE, [_claim("C1", 3), _claim("C2", 5)], [_report(("C1", "C2"))])
    with Store(path) as store, store.transaction():
        store.add_article(ARTICLE, [_claim("C3", 7)], [_report(("C3",))])
    with Store(path) as store:
        assert store.article_ids() == {ARTICLE.article_id}
        assert [c.claim_id for c in store.claims()] == ["C3"]
        assert [r.claim_ids for r in store.reports()] == [("C3",)]


def test_remove_article_removes_what_came_from_it(path):
    other = Article("c" * 16, "y.txt", "Other text.", outlet="Coast Daily")
    with Store(path) as store, store.transaction():
        store.add_article(ARTICLE, [_claim("C1", 3)], [_report(("C1",))])
        store.add_article(other, [_claim("C9", 1, other)], [_report(("C9",), other)])
        store.remove_article(ARTICLE.article_id)
    with Store(path) as store:
        assert store.article_ids() == {other.article_id}
        assert [c.claim_id for c in store.claims()] == ["C9"]
        assert [r.article_id for r in store.reports()] == [other.article_id]


def test_transaction_rolls_back_on_exception(path):
    with Store(path) as store:
        with pytest.raises(RuntimeError, match="boom"), store.transaction():
            store.add_article(ARTICLE, [_claim("C1", 3)], [_report(("C1",))])
            store.set_meta("extractor", "x")
            raise RuntimeError("boom")
        assert store.article_ids() == set()
    with Store(path) as store:
        assert store.article_ids() == set()
        assert store.claims() == []
        assert store.reports() == []
        assert store.get_meta("extractor") is None


def test_transaction_rolls_back_on_keyboard_interrupt(path):
    with Store(path) as store, pytest.raises(KeyboardInterrupt), store.transaction():
        store.add_article(ARTICLE, [], [])
        raise KeyboardInterrupt
    with Store(path) as store:
        assert store.article_ids() == set()


def test_second_store_is_refused_quickly_while_the_first_holds_the_lock(path):
    first = Store(path)
    second = Store(path, timeout=0.2)
    try:
        with first.transaction():
            first.add_article(ARTICLE, [], [])
            start = time.monotonic()
            busy = pytest.raises(StoreBusyError, match=r"store\.db is in use by another build")
            with busy, second.transaction():
                pass  # pragma: no cover
            assert time.monotonic() - start < 5
            # Readers still see the last committed state.
            assert second.article_ids() == set()
        # Once the first commits, the second may write.
        with second.transaction():
            second.set_meta("k", "v")
        assert second.article_ids() == {ARTICLE.article_id}
    finally:
        first.close()
        second.close()


def test_meta_clear_and_incidents(path):
    rows = [
        {"incident_id": "I2", "place": "Kalat", "killed_security": 3},
        {"incident_id": "I1", "place": "Quetta", "event_date": dt.date(2026, 1, 31)},
    ]
    with Store(path) as store, store.transaction():
        assert store.get_meta("extractor") is None
        store.set_meta("extractor", "0.1.0/1")
        store.set_meta("extractor", "0.1.0/2")
        store.add_article(ARTICLE, [_claim("C1", 3)], [_report(("C1",))])
        store.replace_incidents(rows)
    with Store(path) as store:
        assert store.get_meta("extractor") == "0.1.0/2"
        assert store.incidents() == [
            {"incident_id": "I1", "place": "Quetta", "event_date": "2026-01-31"},
            {"incident_id": "I2", "place": "Kalat", "killed_security": 3},
        ]
        with store.transaction():
            store.replace_incidents(rows[:1])
        assert [r["incident_id"] for r in store.incidents()] == ["I2"]
        with store.transaction():
            store.clear()
        assert store.article_ids() == set()
        assert store.claims() == []
        assert store.reports() == []
        assert store.incidents() == []


def test_store_file_is_plain_sqlite(path):
    with Store(path) as store, store.transaction():
        store.add_article(ARTICLE, [_claim("C1", 3)], [])
    connection = sqlite3.connect(path)
    try:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
        assert {"meta", "articles", "claims", "reports", "incidents"} <= tables
        assert connection.execute("SELECT value_low, value_high FROM claims").fetchall() == [(3, 5)]
    finally:
        connection.close()
