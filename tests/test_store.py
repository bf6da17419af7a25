"""Tests for geo.store: round trips, replacement, transactions, the write lock, and faults.

The faults are real where the machine allows: a database file damaged byte
by byte, a reader holding a read transaction in another connection, a
read-only folder (``chmod``, or a read-only bind mount for root), a full
disk (SQLite's own page limit, and a tiny tmpfs for root).
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import time

import pytest
from faults import read_only, small_disk

from geo.records import Article, Claim, Place, Report
from geo.schema import CLAIM_COLUMNS
from geo.store import (
    LOCK_TIMEOUT_ENV,
    SCHEMA_VERSION,
    IntegrityCheck,
    Store,
    StoreBusyError,
    StoreDamagedError,
    StoreError,
    StoreVersionError,
    lock_timeout,
    open_store,
)

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


def test_claim_columns_are_the_claims_as_claims_csv_writes_them(path):
    bare = Article("b" * 16, "x.txt", "Text.")
    empty = Claim("C9", bare.article_id, "area", "", "", "killed", "civilian", 4, 4, "", "",
                  "", None, "", 0, 0)  # fmt: skip
    with Store(path) as store, store.transaction():
        store.add_article(ARTICLE, [_claim("C1", 3)], [])
        store.add_article(bare, [empty], [])
    with Store(path) as store:
        columns = store.claim_columns()
    assert list(columns) == list(CLAIM_COLUMNS)
    rows = [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    assert rows == [
        {"claim_id": "C1", "incident_id": "", "scope": "incident", "area": "Kalat",
         "figure": "killed", "role": "security", "value_low": 3, "value_high": 5,
         "qualifier": "at least", "claimant": "police", "claimant_kind": "official",
         "article_id": ARTICLE.article_id, "outlet": "Valley Courier", "published": "2026-02-01",
         "sentence": "Police said three guards were killed."},
        {"claim_id": "C9", "incident_id": "", "scope": "area", "area": "", "figure": "killed",
         "role": "civilian", "value_low": 4, "value_high": 4, "qualifier": "", "claimant": "",
         "claimant_kind": "unattributed", "article_id": bare.article_id, "outlet": "",
         "published": "", "sentence": ""},
    ]  # fmt: skip


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
            busy = pytest.raises(
                StoreBusyError, match=r"store\.db is in use by another build \(waited 0 s\)"
            )
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
        with store.transaction():  # one row changed, one new: only they are written
            store.replace_incidents([{**rows[0], "killed_security": 4}, {"incident_id": "I0"}])
        assert store.incidents() == [
            {"incident_id": "I0"},
            {"incident_id": "I2", "place": "Kalat", "killed_security": 4},
        ]
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


# ----------------------------------------------------------- waiting, bounded


def test_a_reader_holding_the_store_stops_the_build_at_commit_with_a_clear_message(path):
    """A database browser with an open read transaction: the build gives up after the timeout.

    Writing far more than SQLite's page cache makes it spill pages mid-way,
    which needs the lock the reader blocks: with spilling on, every spill
    waited the whole timeout (13 minutes in the report, for a 60 s timeout).
    """
    with Store(path) as store, store.transaction():
        store.add_article(ARTICLE, [], [])
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM articles").fetchall()
    timeout = 0.5
    try:
        busy = pytest.raises(StoreBusyError, match="kept a read transaction open")
        with Store(path, timeout=timeout) as store:
            start = time.monotonic()
            with busy as info, store.transaction():
                for i in range(400):  # ~20 MB, ten times the default page cache
                    text = f"{i} " + "words of a long report " * 2200
                    store.add_article(Article(f"{i:016x}", f"{i}.txt", text), [], [])
            elapsed = time.monotonic() - start
        assert str(path) in str(info.value) and "nothing was written" in str(info.value)
        # One wait of the timeout at COMMIT, not one per spilled page: a bound
        # on the hang (generous for a loaded machine), not a speed test.
        assert elapsed < 20 * timeout
    finally:
        reader.close()
    with Store(path) as store:
        assert store.article_ids() == {ARTICLE.article_id}


def test_a_writer_holding_the_store_is_waited_for_then_named(path, caplog):
    first, second = Store(path), Store(path, timeout=0.3)
    try:
        busy = pytest.raises(StoreBusyError, match="in use by another build")
        logs = caplog.at_level(logging.WARNING, logger="geo.store")
        with first.transaction(), logs, busy, second.transaction():
            pass  # pragma: no cover
        assert f"the store {path} is in use by another build; waiting up to 0 s" in caplog.text
    finally:
        first.close()
        second.close()


def test_lock_timeout_from_the_environment(monkeypatch):
    monkeypatch.delenv(LOCK_TIMEOUT_ENV, raising=False)
    assert lock_timeout() == 60.0
    assert lock_timeout(2) == 2.0
    monkeypatch.setenv(LOCK_TIMEOUT_ENV, "1.5")
    assert lock_timeout() == 1.5
    monkeypatch.setenv(LOCK_TIMEOUT_ENV, "soon")
    with pytest.raises(ValueError, match=f"{LOCK_TIMEOUT_ENV}='soon' is not a number of seconds"):
        lock_timeout()


# ------------------------------------------------------------------ versions


def test_schema_version_is_written(path):
    with Store(path):
        pass
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    finally:
        connection.close()


def test_store_from_a_newer_version_is_refused_naming_both_versions(path):
    with Store(path) as store, store.transaction():
        store.add_article(ARTICLE, [], [])
        store._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 7}")
    with pytest.raises(StoreVersionError) as info:
        Store(path)
    message = str(info.value)
    assert f"schema version {SCHEMA_VERSION + 7}" in message
    assert f"schema version {SCHEMA_VERSION} at most" in message
    assert str(path) in message and "newer incidentmap" in message


def test_store_of_version_one_is_upgraded_in_place(path):
    """Stores written before the version was: user_version 0, no ``pending`` table."""
    path.parent.mkdir(parents=True)
    connection = sqlite3.connect(path)
    connection.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE articles (article_id TEXT PRIMARY KEY, path TEXT NOT NULL, outlet TEXT,"
        " url TEXT, published TEXT, title TEXT, text TEXT NOT NULL, read_at TEXT NOT NULL);"
        "CREATE TABLE claims (claim_id TEXT PRIMARY KEY, article_id TEXT NOT NULL);"
        "INSERT INTO articles VALUES ('0123456789abcdef', 'a.txt', '', '', NULL, '', 'T.', 'x');"
    )
    connection.close()
    with Store(path) as store:
        assert store.article_ids() == {"0123456789abcdef"}
        assert store.get_pending("/out") is None
        assert store._conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


def test_a_database_that_is_not_a_store_is_refused(path):
    path.parent.mkdir(parents=True)
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE recipes (name TEXT)")
    connection.close()
    with pytest.raises(
        StoreVersionError, match=r"not an incidentmap store \(it has tables recipes"
    ):
        Store(path)
    connection = sqlite3.connect(path)
    try:  # nothing was added to it
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master")]
        assert tables == ["recipes"]
    finally:
        connection.close()


# ------------------------------------------------------------------- damage


def _damage_index(path) -> None:
    """Overwrite an article id in one of its two copies: the table and its index disagree."""
    data = bytearray(path.read_bytes())
    at = data.rfind(ARTICLE.article_id.encode())
    data[at : at + 16] = b"z" * 16
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        pytest.param(lambda p: p.write_bytes(b"not a database, a note " * 200), "not a database",
                     id="not-a-database"),
        pytest.param(_damage_index, "missing from index", id="integrity-check"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("checked_before", [False, True])
def test_damaged_store_is_named_with_the_rebuild_fix(path, damage, reason, checked_before):
    with Store(path) as store, store.transaction():
        store.add_article(ARTICLE, [_claim("C1", 3)], [_report(("C1",))])
    damage(path)
    checked = IntegrityCheck(path) if checked_before else None
    with pytest.raises(StoreDamagedError) as info:
        open_store(path, checked=checked).close()
    assert checked is None or not checked.sound()
    message = str(info.value)
    assert message.startswith(f"the store is damaged: {path}: ")
    assert reason in message and message.endswith("(rebuild with --rebuild)")


def test_rebuild_sets_a_damaged_store_aside_and_starts_afresh(path, caplog):
    path.parent.mkdir(parents=True)
    path.write_bytes(b"garbage " * 512)
    with caplog.at_level(logging.WARNING), open_store(path, rebuild=True) as store:
        assert store.article_ids() == set()
        with store.transaction():
            store.add_article(ARTICLE, [], [])
    aside = path.with_name(path.name + ".damaged")
    assert aside.read_bytes() == b"garbage " * 512  # kept, for whoever wants to look
    assert f"renamed to {aside}" in caplog.text
    with open_store(path) as store:
        assert store.article_ids() == {ARTICLE.article_id}


# ---------------------------------------------------- read-only, disk full


def test_read_only_store_is_named_and_left_as_it_was(path):
    with Store(path) as store, store.transaction():
        store.add_article(ARTICLE, [], [])
    before = path.read_bytes()
    other = Article("c" * 16, "y.txt", "Other text.")
    refused = pytest.raises(StoreError, match=r"is read-only .*Make the file and its folder")
    with read_only(path.parent), refused, Store(path) as store, store.transaction():
        store.add_article(other, [], [])
    assert path.read_bytes() == before


def _fill(store: Store) -> None:
    for i in range(200):
        article = Article(f"{i:016x}", f"{i}.txt", f"Report {i}. " + "More text. " * 400)
        store.add_article(article, [], [])


def test_full_disk_under_the_store_is_named_and_rolled_back(path):
    """SQLite's page limit gives the same error as a full disk (SQLITE_FULL), anywhere."""
    with Store(path) as store, store.transaction():
        store.add_article(ARTICLE, [], [])
    with Store(path) as store:
        store._conn.execute("PRAGMA max_page_count = 40")
        full = pytest.raises(StoreError, match=r"the disk under the store .* is full")
        with full, store.transaction():
            _fill(store)
        assert store.article_ids() == {ARTICLE.article_id}


def test_full_tmpfs_under_the_store(tmp_path):
    with small_disk(tmp_path / "disk", 256) as disk:
        path = disk / "store.db"
        with Store(path) as store, store.transaction():
            store.add_article(ARTICLE, [], [])
        with pytest.raises(StoreError, match="is full"), Store(path) as store, store.transaction():
            _fill(store)
        with Store(path) as store:
            assert store.article_ids() == {ARTICLE.article_id}


# ------------------------------------------------------------------- pending


def test_pending_round_trip_and_geocode_forget(path):
    with Store(path) as store, store.transaction():
        store.set_pending("/out", "t1", {"incidents": [{"incident_id": "I1"}]})
        store.set_pending("/out", "t2", {"incidents": []})
        store.geocode_put("a q", "nominatim", {"lat": "1"}, "found: A")
        store.geocode_put("b q", "nominatim", None, "rejected: far away")
    with Store(path) as store:
        assert store.get_pending("/out") == ("t2", {"incidents": []})
        assert store.get_pending("/elsewhere") is None
        assert store.geocode_entries() == [
            ("a q", True, "found: A"),
            ("b q", False, "rejected: far away"),
        ]
        with store.transaction():
            assert store.geocode_forget("b q") == ["b q"]
            assert store.geocode_forget("nothing") == []
            store.clear_pending("/out")
        assert store.get_pending("/out") is None
        with store.transaction():
            assert store.geocode_forget() == ["a q"]
        assert store.geocode_entries() == []


@pytest.mark.parametrize("body", [{}, {"article_ids": ["a1"], "area_claims": []}])
def test_pending_incidents_given_as_stored_json_read_back_as_rows(path, body):
    rows = [
        {"incident_id": "I1", "place": 'Turbat "centre"', "killed": 3},
        {"incident_id": "I2", "place": "Gwadar", "killed": None},
    ]
    with Store(path) as store, store.transaction():
        store.replace_incidents(rows)
        store.set_pending("/out", "t1", body, incident_json=store.incident_json())
    with Store(path) as store:
        assert store.get_pending("/out") == ("t1", {**body, "incidents": rows})
        with pytest.raises(ValueError, match="not both"), store.transaction():
            store.set_pending("/out", "t2", {"incidents": rows}, incident_json=[])


def _drop_scope_index(path) -> None:
    """Make the store one written before the indexes on the claims' scope and article were."""
    with sqlite3.connect(path) as conn:
        conn.execute("DROP INDEX claims_scope")
        conn.execute("DROP INDEX claims_article")
    conn.close()


def _indexes(path) -> set[str]:
    with sqlite3.connect(path) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    conn.close()
    return names


def test_a_store_made_before_the_scope_index_gets_it_when_opened(path):
    with Store(path) as store, store.transaction():
        store.add_article(ARTICLE, [_claim("C1", 3)], [])
    assert {"claims_scope", "claims_article"} <= _indexes(path)
    _drop_scope_index(path)

    with Store(path) as store:
        assert [c.claim_id for c in store.claims(scope="incident")] == ["C1"]
    assert {"claims_scope", "claims_article"} <= _indexes(path)


def test_a_read_only_store_without_the_scope_index_is_read_without_it(path):
    with Store(path) as store, store.transaction():
        store.add_article(ARTICLE, [_claim("C1", 3)], [])
    _drop_scope_index(path)

    with read_only(path.parent), Store(path) as store:
        assert [c.claim_id for c in store.claims(scope="incident")] == ["C1"]
    assert not {"claims_scope", "claims_article"} & _indexes(path)


def test_a_store_checked_sound_beforehand_is_not_checked_again(path, monkeypatch):
    with Store(path) as store, store.transaction():
        store.add_article(ARTICLE, [_claim("C1", 3)], [_report(("C1",))])
    checked = IntegrityCheck(path)
    assert checked.sound()
    assert not IntegrityCheck(path.with_name("missing.db")).sound()  # nothing to vouch for

    def again(self):
        raise AssertionError("checked twice")

    monkeypatch.setattr(Store, "check_integrity", again)
    with open_store(path, checked=checked) as store:
        assert store.article_ids() == {ARTICLE.article_id}
    with pytest.raises(AssertionError, match="checked twice"):
        open_store(path, checked=IntegrityCheck(path.with_name("missing.db")))


def test_incidents_read_in_a_transaction_spare_encoding_but_never_hide_a_write(path):
    rows = [{"incident_id": f"I{n}", "killed": n} for n in range(4)]
    with Store(path) as store, store.transaction():
        store.replace_incidents(rows)
    with Store(path) as store:
        with store.transaction():
            read, texts = store.read_incidents()
            assert read == rows and len(texts) == 4
            store.replace_incidents([rows[0], {"incident_id": "I1", "killed": 9}, rows[3]])
        assert store.incidents() == [rows[0], {"incident_id": "I1", "killed": 9}, rows[3]]
        with store.transaction():  # --rebuild empties the table after the debt read it
            read, _ = store.read_incidents()
            store.clear()
            store.replace_incidents(read)
        assert store.incidents() == read
        store.read_incidents()  # outside a transaction: nothing is remembered
        with store.transaction():
            store._conn.execute("DELETE FROM incidents")
            store.replace_incidents(read)
        assert store.incidents() == read
