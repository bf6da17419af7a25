"""Tests for geo.geocode: the online fallback, through geopy, against a local fake Nominatim.

Every request goes to a stdlib HTTP server on 127.0.0.1; a guard on
``socket.connect`` fails any test that tries another address.
"""

from __future__ import annotations

import http.server
import json
import logging
import socket
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from geo.geocode import (
    BALOCHISTAN_VIEWBOX,
    PROVIDER,
    USER_AGENT,
    MemoryCache,
    OnlineGeocoder,
    StoreCache,
    judge_answer,
    place_from_answer,
)
from geo.region import Region
from geo.store import Store

#: Answers of the fake server, by the first part of the ``q`` parameter.
ANSWERS: dict[str, dict] = {
    "turbat": {
        "lat": "26.0031",
        "lon": "63.0544",
        "display_name": "Turbat, Kech District, Balochistan, Pakistan",
        "osm_type": "node",
        "osm_id": 1001,
        "class": "place",
        "type": "town",
        "address": {
            "town": "Turbat",
            "county": "Kech District",
            "state": "Balochistan",
            "country": "Pakistan",
            "country_code": "pk",
        },
    },
    "satellite town": {
        "lat": "30.2031",
        "lon": "67.0102",
        "display_name": "Satellite Town, Quetta, Baluchistan, Pakistan",
        "osm_type": "way",
        "osm_id": 2002,
        "class": "place",
        "type": "suburb",
        "address": {
            "suburb": "Satellite Town",
            "state_district": "Quetta",
            "state": "Baluchistan",
            "country_code": "pk",
        },
    },
    "kolpur": {
        "lat": "29.5436",
        "lon": "67.1336",
        "display_name": "Kolpur, Kachhi District, Balochistan, Pakistan",
        "osm_type": "node",
        "osm_id": 4004,
        "class": "place",
        "type": "village",
        "address": {
            "village": "Kolpur",
            "county": "Kachhi District",
            "state": "Balochistan",
            "country_code": "pk",
        },
    },
    # Says Balochistan, lies in London: the address is not enough.
    "londonabad": {
        "lat": "51.5072",
        "lon": "-0.1276",
        "display_name": "Londonabad, Balochistan, Pakistan",
        "osm_type": "node",
        "osm_id": 5005,
        "class": "place",
        "type": "village",
        "address": {"village": "Londonabad", "state": "Balochistan", "country_code": "pk"},
    },
    "nanabad": {
        "lat": "nan",
        "lon": "66.0",
        "display_name": "Nanabad, Balochistan, Pakistan",
        "osm_type": "node",
        "osm_id": 6006,
        "address": {"state": "Balochistan", "country_code": "pk"},
    },
    "infabad": {
        "lat": "28.0",
        "lon": "inf",
        "display_name": "Infabad, Balochistan, Pakistan",
        "osm_type": "node",
        "osm_id": 7007,
        "address": {"state": "Balochistan", "country_code": "pk"},
    },
    # Inside Balochistan's box, but in the Sindh square of the test polygons.
    "borderabad": {
        "lat": "25.5",
        "lon": "68.5",
        "display_name": "Borderabad, Balochistan, Pakistan",
        "osm_type": "node",
        "osm_id": 8008,
        "address": {"state": "Balochistan", "country_code": "pk"},
    },
    "karachi": {
        "lat": "24.8607",
        "lon": "67.0011",
        "display_name": "Karachi, Karachi Division, Sindh, Pakistan",
        "osm_type": "relation",
        "osm_id": 3003,
        "class": "boundary",
        "type": "administrative",
        "address": {"city": "Karachi", "state": "Sindh", "country_code": "pk"},
    },
}


class _FakeNominatim(http.server.BaseHTTPRequestHandler):
    """Answers ``/search`` like Nominatim; records every request it sees."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.seen.append(  # type: ignore[attr-defined]
            {"path": url.path, "params": params, "user_agent": self.headers.get("User-Agent")}
        )
        first = params.get("q", "").split(",")[0].strip().casefold()
        answer = [ANSWERS[first]] if url.path == "/search" and first in ANSWERS else []
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Fail any connection off this machine; drop proxies geopy would route through."""
    # geopy hands the system proxies to requests with trust_env off, so NO_PROXY
    # is ignored and HTTP_PROXY would catch even 127.0.0.1.
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    real_connect = socket.socket.connect

    def guarded(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        assert host in ("127.0.0.1", "::1"), f"test tried to reach {address!r}"
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def server():
    srv = http.server.HTTPServer(("127.0.0.1", 0), _FakeNominatim)
    srv.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=srv.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


def _geocoder(server, cache, **kw) -> OnlineGeocoder:
    kw.setdefault("min_delay_s", 0)
    return OnlineGeocoder(
        domain=f"127.0.0.1:{server.server_address[1]}", scheme="http", cache=cache, **kw
    )


@pytest.fixture(params=["memory", "store"])
def cache(request, tmp_path):
    if request.param == "memory":
        yield MemoryCache()
    else:
        with Store(tmp_path / "store.sqlite") as store:
            yield StoreCache(store)


# ----------------------------------------------------------------- answers


def test_hit_becomes_a_place(server, cache):
    place = _geocoder(server, cache).lookup("Turbat")
    assert place is not None
    assert place.place_id == "osm:node:1001"
    assert place.name == "Turbat"
    assert place.kind == "town"
    assert place.precision == 1
    assert (place.latitude, place.longitude) == (26.0031, 63.0544)
    assert (place.country, place.admin1, place.admin2) == ("PK", "Balochistan", "Kech")
    assert place.source == (
        "Nominatim (OpenStreetMap contributors, ODbL) Turbat, Kech District, Balochistan, Pakistan"
    )
    assert place.in_region


def test_suburb_is_a_locality_and_baluchistan_is_balochistan(server, cache):
    place = _geocoder(server, cache).lookup("Satellite Town")
    assert place is not None
    assert (place.kind, place.precision) == ("locality", 2)
    assert (place.admin1, place.admin2) == ("Balochistan", "Quetta")
    assert place.place_id == "osm:way:2002"


def test_outside_region_is_rejected_and_cached_as_a_miss(server):
    cache = MemoryCache()
    geocoder = _geocoder(server, cache)
    assert geocoder.lookup("Karachi") is None
    ((provider, answer, reason),) = cache.entries.values()
    assert (provider, answer) == (PROVIDER, None)
    assert "outside Balochistan, Pakistan" in reason and "Sindh" in reason
    assert geocoder.lookup("Karachi") is None
    assert len(server.seen) == 1


def test_place_from_answer_is_pure():
    assert place_from_answer(ANSWERS["karachi"]) is None
    sindh = place_from_answer(ANSWERS["karachi"], region=Region(admin1="Sindh"))
    assert sindh is not None and sindh.admin1 == "Sindh"
    with pytest.raises(ValueError, match="'lat', 'lon', 'osm_type' and 'osm_id'"):
        place_from_answer({"display_name": "nowhere"})


# ------------------------------------------------------------------ caching


def test_second_lookup_makes_no_request(server, cache):
    geocoder = _geocoder(server, cache)
    first = geocoder.lookup("Turbat")
    assert len(server.seen) == 1
    assert geocoder.lookup("turbat") == first  # same key after name_key
    assert len(server.seen) == 1


def test_miss_is_cached(server, cache):
    geocoder = _geocoder(server, cache)
    assert geocoder.lookup("Nowhereabad") is None
    assert geocoder.lookup("Nowhereabad") is None
    assert len(server.seen) == 1
    assert cache.get("nowhereabad balochistan pakistan") == (True, None)


def test_store_cache_persists_across_store_instances(server, tmp_path):
    path = tmp_path / "store.sqlite"
    with Store(path) as store:
        geocoder = _geocoder(server, StoreCache(store))
        first = geocoder.lookup("Turbat")
        assert geocoder.lookup("Nowhereabad") is None
        store.clear()  # --rebuild keeps the geocode cache
    assert len(server.seen) == 2
    with Store(path) as store:
        geocoder = _geocoder(server, StoreCache(store))
        assert geocoder.lookup("Turbat") == first
        assert geocoder.lookup("Nowhereabad") is None
        found, answer = store.geocode_get("turbat balochistan pakistan")
    assert found and answer is not None and answer["osm_id"] == 1001
    assert len(server.seen) == 2


# ----------------------------------------------------------------- requests


def test_request_carries_user_agent_and_bounds(server):
    _geocoder(server, MemoryCache()).lookup("Turbat")
    (seen,) = server.seen
    assert seen["path"] == "/search"
    assert seen["user_agent"] == USER_AGENT
    params = seen["params"]
    assert params["q"] == "Turbat, Balochistan, Pakistan"
    assert params["countrycodes"] == "pk"
    (lat1, lon1), (lat2, lon2) = BALOCHISTAN_VIEWBOX
    assert [float(x) for x in params["viewbox"].split(",")] == [lon1, lat1, lon2, lat2]
    assert params["bounded"] == "1"
    assert params["addressdetails"] == "1"
    assert params["limit"] == "1"


def test_rate_limiter_spaces_requests(server):
    geocoder = _geocoder(server, MemoryCache(), min_delay_s=0.2)
    start = time.monotonic()
    geocoder.lookup("Turbat")
    geocoder.lookup("Satellite Town")
    assert time.monotonic() - start >= 0.2
    assert len(server.seen) == 2


# ------------------------------------------------------------------ outages


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_server_down_warns_once_caches_nothing_and_stops_asking(caplog, monkeypatch):
    port = _closed_port()
    cache = MemoryCache()
    geocoder = OnlineGeocoder(domain=f"127.0.0.1:{port}", scheme="http", min_delay_s=0, cache=cache)
    attempts = []
    ask = geocoder._geocode
    monkeypatch.setattr(geocoder, "_geocode", lambda *a, **kw: attempts.append(a) or ask(*a, **kw))
    with caplog.at_level(logging.WARNING):
        assert geocoder.lookup("Turbat") is None
        assert geocoder.lookup("Turbat") is None
        assert geocoder.lookup("Satellite Town") is None
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "online geocoding unavailable" in warnings[0].getMessage()
    assert "stay unresolved" in warnings[0].getMessage()
    assert cache.entries == {}
    assert len(attempts) == 1
    assert geocoder.unavailable is not None
    assert geocoder.skipped == ["Turbat", "Turbat", "Satellite Town"]


def test_cached_answers_still_served_after_an_outage(server):
    cache = MemoryCache()
    first = _geocoder(server, cache).lookup("Turbat")
    down = OnlineGeocoder(domain=f"127.0.0.1:{_closed_port()}", scheme="http", cache=cache)
    assert down.lookup("Nowhereabad") is None
    assert down.unavailable is not None
    assert down.lookup("Turbat") == first


def test_constructor_sends_nothing(server):
    _geocoder(server, MemoryCache())
    assert server.seen == []


@pytest.mark.parametrize(("name", "error"), [(42, TypeError), ("  -- ", ValueError)])
def test_bad_names_are_refused(server, name, error):
    with pytest.raises(error, match="place name"):
        _geocoder(server, MemoryCache()).lookup(name)
    assert server.seen == []


def test_without_requests_geopy_falls_back_to_urllib(server, monkeypatch, caplog):
    monkeypatch.setattr("geo.geocode.requests_available", False)
    geocoder = _geocoder(server, MemoryCache())
    assert type(geocoder._geolocator.adapter).__name__ == "URLLibAdapter"
    place = geocoder.lookup("Turbat")
    assert place is not None and place.place_id == "osm:node:1001"
    down = OnlineGeocoder(domain=f"127.0.0.1:{_closed_port()}", scheme="http", cache=MemoryCache())
    with caplog.at_level(logging.WARNING):
        assert down.lookup("Turbat") is None
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1


@pytest.mark.slow
def test_build_online_maps_a_name_the_gazetteer_lacks_and_asks_once(server, tmp_path, resources):
    from geo.pipeline import build

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.txt").write_text(
        "published: 2026-02-01\n---\nGunmen attacked a checkpoint in Kolpur on Saturday, "
        "killing three Levies personnel, police said.\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    url = f"http://127.0.0.1:{server.server_port}"
    offline = build([articles], out_dir=out / "offline", resources=resources)
    assert offline.n_incidents == 0  # without --online, Kolpur stays unresolved
    first = build([articles], out_dir=out, online=True, nominatim=url, resources=resources)
    assert first.n_incidents == 1
    asked = [r["params"]["q"] for r in server.seen]
    assert asked == ["Kolpur, Balochistan, Pakistan"]
    (articles / "b.txt").write_text(
        "published: 2026-02-02\n---\nA roadside bomb went off in Kolpur on Sunday.\n",
        encoding="utf-8",
    )
    second = build([articles], out_dir=out, online=True, nominatim=url, resources=resources)
    assert second.n_new == 1
    assert len(server.seen) == 1  # the store's cache answered
    with Store(out / "incidentmap.db") as store:
        assert store.unresolved() == []
    with Store(out / "offline" / "incidentmap.db") as store:
        assert [u.surface for u in store.unresolved()] == ["Kolpur"]


# --------------------------------------------------------- nothing trusted


def _squares():
    """Two hand-made districts: a Balochistan square and a Sindh one beside it."""
    import geopandas as gpd
    from shapely.geometry import box

    return gpd.GeoDataFrame(
        {"admin2": ["Kech", "Hyderabad"], "admin1": ["Balochistan", "Sindh"]},
        geometry=[box(62.0, 25.0, 67.5, 30.0), box(67.8, 24.5, 70.0, 27.0)],
        crs="EPSG:4326",
    )


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Londonabad", "coordinates 51.5072, -0.1276 outside Balochistan, Pakistan"),
        ("Nanabad", "unusable coordinates (Point coordinates must be finite"),
        ("Infabad", "unusable coordinates (Point coordinates must be finite"),
    ],
)
def test_implausible_coordinates_are_rejected_and_cached_with_the_reason(
    server, cache, name, reason
):
    geocoder = _geocoder(server, cache)
    assert geocoder.lookup(name) is None
    key = f"{name.casefold()} balochistan pakistan"
    assert cache.get(key) == (True, None)  # cached as a rejection: not asked again
    assert geocoder.lookup(name) is None
    assert len(server.seen) == 1
    if isinstance(cache, MemoryCache):
        assert reason in cache.entries[key][2] and cache.entries[key][2].startswith("rejected")
    else:
        ((_, found, why),) = cache.store.geocode_entries()
        assert not found and reason in why


def test_answer_in_another_provinces_polygon_is_rejected(server):
    cache = MemoryCache()
    geocoder = _geocoder(server, cache, districts=_squares())
    assert geocoder.lookup("Borderabad") is None
    assert (
        "in Hyderabad, Sindh, not in Balochistan, Pakistan"
        in cache.entries["borderabad balochistan pakistan"][2]
    )
    assert _geocoder(server, MemoryCache(), districts=_squares()).lookup("Turbat") is not None
    # Without polygons only the bounds apply, and the point is inside them.
    assert _geocoder(server, MemoryCache()).lookup("Borderabad") is not None


@pytest.mark.parametrize("coordinates", [("nan", "66.0"), ("28.0", "inf"), ("-inf", "66.0")])
def test_place_from_answer_refuses_non_finite_coordinates(coordinates):
    raw = dict(ANSWERS["turbat"], lat=coordinates[0], lon=coordinates[1])
    place, reason = judge_answer(raw, region=Region())
    assert place is None and "coordinates that are not numbers" in reason


def test_a_cached_answer_is_checked_again_when_used(server):
    """An answer an older version cached as found is rejected now, and the cache says why."""
    cache = MemoryCache()
    cache.put("londonabad balochistan pakistan", PROVIDER, ANSWERS["londonabad"], "found: ...")
    assert _geocoder(server, cache).lookup("Londonabad") is None
    assert server.seen == []
    provider, answer, reason = cache.entries["londonabad balochistan pakistan"]
    assert answer is None and "outside Balochistan" in reason


@pytest.mark.slow
def test_build_online_survives_non_finite_and_far_away_answers(server, tmp_path, resources):
    from geo.pipeline import build

    articles = tmp_path / "articles"
    articles.mkdir()
    for name in ("Nanabad", "Infabad", "Londonabad"):
        (articles / f"{name}.txt").write_text(
            f"published: 2026-02-01\n---\nGunmen attacked a checkpoint in {name} on "
            "Saturday, killing two Levies personnel, police said.\n",
            encoding="utf-8",
        )
    url = f"http://127.0.0.1:{server.server_port}"
    result = build([articles], out_dir=tmp_path / "out", online=True, nominatim=url,
                   resources=resources)  # fmt: skip
    assert result.n_new == 3 and result.n_incidents == 0
    with Store(tmp_path / "out" / "incidentmap.db") as store:
        assert sorted(u.surface for u in store.unresolved()) == ["Infabad", "Londonabad", "Nanabad"]
