"""Online fallback for place names the local gazetteer lacks (Nominatim, via geopy).

Optional and offline-first: every answer, and every "nothing found", is kept
in a :class:`GeocodeCache` (the store's ``geocode_cache`` table through
:class:`StoreCache`), so a name is asked about once, ever.  When the service
cannot be reached the geocoder says so once, caches nothing (a later run with
a network can still ask) and leaves the remaining names unresolved for the
rest of the run.

Nothing from the service is trusted: an answer is checked before it is used
or cached (:func:`place_from_answer`): its coordinates must be finite, inside
the region's bounds (with :data:`BOUNDS_MARGIN_DEG` to spare) and, when
district polygons are loaded, inside a district of the region, whatever
province its address names.  A rejected answer is cached as a rejection with
its reason, so it is not asked again; cached answers are checked again when
used, so a rule added later also applies to what an older version cached.
``incidentmap places forget [NAME]`` clears the cache (``--rebuild`` keeps it).

As in ``geopandas/tools/geocoding.py``, the pure part that shapes an answer
(:func:`place_from_answer`) is kept apart from the loop that asks
(:meth:`OnlineGeocoder.lookup`).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
from typing import TYPE_CHECKING, Any, Protocol

from geopy.adapters import RequestsAdapter, URLLibAdapter, requests_available
from geopy.exc import GeocoderServiceError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim

import geo
from geo.gazetteer import name_key
from geo.records import Place, PlaceKind
from geo.region import DEFAULT_REGION, PK_ADMIN1_ALIASES, Region

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.store import Store

logger = logging.getLogger(__name__)

#: Nominatim's usage policy asks for a User-Agent that names the application
#: and a way to reach its authors; geopy's sample agents are refused.
USER_AGENT = (
    f"incidentmap/{geo.__version__} "
    "(+https://github.com/incidentmap; offline-first incident mapper)"
)
#: Nominatim usage policy: at most 1 request per second.
MIN_DELAY_S = 1.0
#: Seconds to wait for an answer; Nominatim answers a single search in well under that.
DEFAULT_TIMEOUT_S = 10
#: Balochistan's bounding box as (lat, lon) corners; with ``bounded`` it keeps
#: Nominatim from answering "Kalat" with a namesake in another province.
BALOCHISTAN_VIEWBOX = ((24.8, 60.8), (32.2, 70.4))
#: Pakistan's bounding box as (lat, lon) corners: the bounds of a region
#: without a box of its own.
PAKISTAN_BOX = ((23.6, 60.8), (37.1, 77.9))
#: Degrees (~50 km) an answer may lie outside its region's box: the boxes are
#: drawn tight, and a border town's OSM node may sit a little beyond them.
BOUNDS_MARGIN_DEG = 0.5
#: Name written into the cache's ``provider`` column.
PROVIDER = "nominatim"

#: Bounding boxes by province; a region without one is searched country-wide
#: and filtered by province afterwards.
_VIEWBOXES: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "Balochistan": BALOCHISTAN_VIEWBOX,
}
#: OSM classes/types that denote a part of a town rather than a town: ACLED
#: precision 2, coded to the town around them.
_LOCALITY_CLASSES = frozenset({"highway"})
_LOCALITY_TYPES = frozenset({"suburb", "quarter", "neighbourhood", "road"})
#: The errors that mean "the service cannot be reached", not "no such place".
#: GeocoderUnavailable and GeocoderTimedOut are GeocoderServiceErrors; HTTP
#: 403/429 answers arrive as GeocoderServiceErrors too.
_NETWORK_ERRORS = (GeocoderServiceError, OSError)
_ATTRIBUTION = "Nominatim (OpenStreetMap contributors, ODbL) "


class GeocodeCache(Protocol):
    """Where answers (and misses) of an online geocoder are kept."""

    def get(self, query: str) -> tuple[bool, dict[str, Any] | None]:
        """Return ``(found, answer)``; ``answer`` is None for a recorded miss."""
        ...

    def put(self, query: str, provider: str, answer: dict[str, Any] | None, reason: str) -> None:
        """Record an answer, or a miss (``answer=None``) with the reason."""
        ...


class MemoryCache:
    """A :class:`GeocodeCache` in a dict, for tests and notebooks."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[str, dict[str, Any] | None, str]] = {}

    def get(self, query: str) -> tuple[bool, dict[str, Any] | None]:
        """Return ``(found, answer)``; ``answer`` is None for a recorded miss."""
        if query not in self.entries:
            return False, None
        return True, self.entries[query][1]

    def put(self, query: str, provider: str, answer: dict[str, Any] | None, reason: str) -> None:
        """Record an answer, or a miss (``answer=None``) with the reason."""
        self.entries[query] = (provider, answer, reason)


class StoreCache:
    """A :class:`GeocodeCache` on the store's ``geocode_cache`` table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, query: str) -> tuple[bool, dict[str, Any] | None]:
        """Return ``(found, answer)``; ``answer`` is None for a recorded miss."""
        return self.store.geocode_get(query)

    def put(self, query: str, provider: str, answer: dict[str, Any] | None, reason: str) -> None:
        """Record an answer, or a miss (``answer=None``) with the reason."""
        self.store.geocode_put(query, provider, answer, reason)


def place_from_answer(
    raw: dict[str, Any],
    *,
    region: Region = DEFAULT_REGION,
    districts: gpd.GeoDataFrame | None = None,
) -> Place | None:
    """Turn one Nominatim search result into a :class:`~geo.records.Place`, if it holds up.

    Parameters
    ----------
    raw : dict
        One element of Nominatim's ``/search`` JSON (``format=json`` with
        ``addressdetails=1``), as geopy's ``Location.raw`` holds it.
    region : Region
        The region a build maps.
    districts : geopandas.GeoDataFrame, optional
        District polygons (:func:`geo.districts.load_districts`); when given,
        the point must lie in (or within snapping distance of) a district of
        ``region``.

    Returns
    -------
    Place or None
        The place, or None when its address names another province, or its
        coordinates are not finite, outside the region's bounds, or in no
        district of the region (see :func:`judge_answer` for the reason).

    Raises
    ------
    ValueError
        When ``raw`` lacks the coordinates or OSM identifiers of a result.
    """
    place, _ = judge_answer(raw, region=region, districts=districts)
    return place


def cache_key(name: str, region: Region = DEFAULT_REGION) -> str:
    """The cache key of a name looked up for ``region`` (what :meth:`OnlineGeocoder.lookup` uses).

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If ``name`` has no letters or digits.
    """
    if not isinstance(name, str):
        raise TypeError(f"place name must be a str, got {type(name).__name__}: {name!r}")
    if not name_key(name):
        raise ValueError(f"place name {name!r} has no letters or digits to look up")
    return name_key(_query(name, region))


def _query(name: str, region: Region) -> str:
    return f"{name.strip()}, {region.label}"


class OnlineGeocoder:
    """Ask Nominatim for names the local gazetteer lacks, once per name, ever.

    Parameters
    ----------
    cache : GeocodeCache
        Where answers and misses are kept (:class:`StoreCache`, :class:`MemoryCache`).
    region : Region
        Answers outside it are rejected (and cached as rejections).
    districts : geopandas.GeoDataFrame, optional
        District polygons: an answer must also lie in a district of ``region``.
    domain, scheme : str
        The Nominatim service; tests point these at a local server.
    user_agent : str
        Sent with every request, as Nominatim's usage policy requires.
    min_delay_s : float
        Least time between two requests.
    timeout : float
        Seconds to wait for an answer.

    Notes
    -----
    The constructor only builds geopy objects; nothing is sent before the
    first :meth:`lookup` of a name the cache does not know.
    """

    def __init__(
        self,
        *,
        cache: GeocodeCache,
        region: Region = DEFAULT_REGION,
        districts: gpd.GeoDataFrame | None = None,
        domain: str = "nominatim.openstreetmap.org",
        scheme: str = "https",
        user_agent: str = USER_AGENT,
        min_delay_s: float = MIN_DELAY_S,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.cache = cache
        self.region = region
        self.districts = districts
        self._geolocator = Nominatim(
            domain=domain,
            scheme=scheme,
            user_agent=user_agent,
            timeout=timeout,
            adapter_factory=_adapter_factory(),
        )
        # Retries are left to the next run: a failure switches the geocoder off.
        self._geocode = RateLimiter(
            self._geolocator.geocode,
            min_delay_seconds=min_delay_s,
            max_retries=0,
            swallow_exceptions=False,
        )
        self._viewbox = _VIEWBOXES.get(region.admin1)
        self.unavailable: str | None = None
        """Why the service was given up on in this run, or None."""
        self.skipped: list[str] = []
        """Names not looked up because the service was unavailable."""

    def lookup(self, name: str) -> Place | None:
        """Return the place Nominatim knows by ``name`` in the region, or None.

        A cached answer or miss is returned without a request.  None means
        not found, outside the region, or the service is unavailable (then
        :attr:`unavailable` says why and :attr:`skipped` lists the name).
        """
        key = cache_key(name, self.region)
        query = _query(name, self.region)
        found, answer = self.cache.get(key)
        if found:
            return None if answer is None else self._judge_cached(key, answer)
        if self.unavailable is not None:
            self.skipped.append(name)
            return None
        raw = self._ask(query)
        if raw is _UNAVAILABLE:
            self.skipped.append(name)
            return None
        return self._record(key, query, raw)

    # ------------------------------------------------------------- helpers

    def _ask(self, query: str) -> Any:
        try:
            location = self._geocode(
                query,
                exactly_one=True,
                country_codes=self.region.country.lower(),
                viewbox=self._viewbox,
                bounded=self._viewbox is not None,
                addressdetails=True,
                # Without it Nominatim names provinces in the local script.
                language="en",
            )
        except _NETWORK_ERRORS as exc:
            self.unavailable = f"{type(exc).__name__}: {exc}"
            logger.warning(
                "online geocoding unavailable: %s; names it could not look up stay unresolved",
                self.unavailable,
            )
            return _UNAVAILABLE
        except ValueError as exc:
            # geopy refuses to build a point from non-finite coordinates: the
            # answer is about the name, so it is cached as a rejection.
            return _Rejected(f"rejected: Nominatim answered with unusable coordinates ({exc})")
        return None if location is None else location.raw

    def _record(self, key: str, query: str, raw: Any) -> Place | None:
        if isinstance(raw, _Rejected):
            logger.warning("Nominatim's answer for %r %s", query, raw.reason)
            self.cache.put(key, PROVIDER, None, raw.reason)
            return None
        if raw is None:
            self.cache.put(key, PROVIDER, None, f"Nominatim found nothing for {query!r}")
            return None
        try:
            place, reason = judge_answer(raw, region=self.region, districts=self.districts)
        except ValueError as exc:
            # A garbled answer says nothing about the name: not cached.
            logger.warning("Nominatim answer for %r not understood: %s", query, exc)
            return None
        if place is None:
            logger.warning("Nominatim's answer for %r rejected: %s", query, reason)
        self.cache.put(key, PROVIDER, raw if place else None, reason)
        return place

    def _judge_cached(self, key: str, answer: dict[str, Any]) -> Place | None:
        """Check a cached answer again: it may predate a check (and then fails it now)."""
        try:
            place, reason = judge_answer(answer, region=self.region, districts=self.districts)
        except ValueError as exc:
            place, reason = None, f"not understood: {exc}"
        if place is None:
            logger.warning("cached Nominatim answer for %r rejected: %s", key, reason)
            self.cache.put(key, PROVIDER, None, reason)
        return place


_UNAVAILABLE = object()


@dataclasses.dataclass(frozen=True)
class _Rejected:
    reason: str


def _adapter_factory() -> Any:
    """Return geopy's HTTP adapter with transport retries off.

    geopy's default ``RequestsAdapter`` retries a failed connection twice
    (urllib3 ``Retry``, each logged as a warning) beneath the RateLimiter, so
    ``max_retries=0`` there alone would still make three attempts.
    """
    if requests_available:
        return functools.partial(RequestsAdapter, max_retries=0)
    return URLLibAdapter  # it does not retry


def judge_answer(
    raw: dict[str, Any], *, region: Region, districts: gpd.GeoDataFrame | None = None
) -> tuple[Place | None, str]:
    """Return the place an answer gives (None when it does not hold up) and the reason.

    The reason is what the cache records: ``found: ...`` or why the answer
    was rejected (see :func:`place_from_answer`).

    Raises
    ------
    ValueError
        When ``raw`` lacks the coordinates or OSM identifiers of a result.
    """
    try:
        lat, lon = float(raw["lat"]), float(raw["lon"])
        place_id = f"osm:{raw['osm_type']}:{raw['osm_id']}"
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(
            "expected a Nominatim search result with 'lat', 'lon', 'osm_type' and 'osm_id', "
            f"got {raw!r} ({type(exc).__name__}: {exc})"
        ) from None
    display = str(raw.get("display_name") or "")
    address = raw.get("address") or {}
    locality = raw.get("class") in _LOCALITY_CLASSES or raw.get("type") in _LOCALITY_TYPES
    kind: PlaceKind = "locality" if locality else "town"
    country = str(address.get("country_code") or "pk").upper()
    admin1 = _province(str(address.get("state") or ""))
    in_region = region.contains(country, admin1)
    if not in_region:
        where = ", ".join(x for x in (admin1, country) if x) or "no province given"
        return None, f"outside {region.label}: {display} ({where})"
    problem = _coordinate_problem(lat, lon, region, districts)
    if problem:
        return None, f"rejected: {display} has {problem}"
    place = Place(
        place_id=place_id,
        name=str(raw.get("name") or display.split(",")[0]).strip(),
        kind=kind,
        latitude=lat,
        longitude=lon,
        country=country,
        admin1=admin1,
        admin2=_district(str(address.get("county") or address.get("state_district") or "")),
        precision=2 if locality else 1,
        source=_ATTRIBUTION + display,
        in_region=in_region,
    )
    return place, f"found: {display}"


def _coordinate_problem(
    lat: float, lon: float, region: Region, districts: gpd.GeoDataFrame | None
) -> str:
    """Say what is wrong with an answer's point for ``region``, or return ""."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return f"coordinates that are not numbers ({lat}, {lon})"
    (south, west), (north, east) = _VIEWBOXES.get(region.admin1, PAKISTAN_BOX)
    m = BOUNDS_MARGIN_DEG
    if not (south - m <= lat <= north + m and west - m <= lon <= east + m):
        return (
            f"coordinates {lat:.4f}, {lon:.4f} outside {region.label} "
            f"({south:g} to {north:g} N, {west:g} to {east:g} E, with {m:g} degrees to spare)"
        )
    if districts is None:
        return ""
    import geopandas as gpd  # heavy: only when polygons are in use

    from geo.districts import join_districts

    point = gpd.GeoDataFrame(geometry=gpd.points_from_xy([lon], [lat]), crs="EPSG:4326")
    joined = join_districts(point, districts).iloc[0]
    if joined["district_join"] == "none":
        return f"coordinates {lat:.4f}, {lon:.4f} in no district"
    if region.admin1 and joined["admin1"] != region.admin1:
        where = ", ".join(x for x in (joined["admin2"], joined["admin1"]) if x)
        return f"coordinates {lat:.4f}, {lon:.4f} in {where}, not in {region.label}"
    return ""


def _province(state: str) -> str:
    """Map OSM's ``state`` to the province names of ``data/districts.csv``."""
    key = name_key(state)
    for province, aliases in PK_ADMIN1_ALIASES.items():
        if key in {name_key(province), *(name_key(a) for a in aliases)}:
            return province
    return state.strip()


def _district(county: str) -> str:
    """Drop OSM's " District" suffix ("Kech District") to match ``data/districts.csv``."""
    county = county.strip()
    if county.casefold().endswith(" district"):
        return county[: -len(" district")].strip()
    return county
