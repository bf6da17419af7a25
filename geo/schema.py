"""The export schema and the map's vocabulary, declared once.

Every writer (CSV, GeoJSON, GeoPackage) and every view (the HTML map, the
static image) imports its columns, column types, attack-type colours and
labels from here, so that two outputs can never disagree about what a
column is called, what type it has or what colour a bombing is.  Nothing
here computes anything.
"""

from __future__ import annotations

from typing import Literal

ColumnType = Literal["str", "int", "float", "date"]

#: Columns of ``incidents.csv`` / ``.geojson`` / the ``incidents`` layer, in order (DESIGN.md).
INCIDENT_COLUMNS: tuple[str, ...] = (
    "incident_id", "event_date", "date_precision", "place", "admin1", "admin2", "admin3",
    "latitude", "longitude", "geo_precision", "attack_types", "primary_type", "target",
    "killed_civilians", "killed_security", "killed_militants", "killed_unspecified",
    "fatalities_low", "fatalities_best", "fatalities_high", "injured", "abducted",
    "freed_prisoners", "n_sources", "sources", "notes",
    # Beyond DESIGN.md's list (issue 3): where the incident's point comes from.
    "geo_source",
)  # fmt: skip

#: Columns of ``claims.csv`` / the ``claims`` layer, in order (DESIGN.md).
CLAIM_COLUMNS: tuple[str, ...] = (
    "claim_id", "incident_id", "scope", "area", "figure", "role", "value_low", "value_high",
    "qualifier", "claimant", "claimant_kind", "article_id", "outlet", "published", "sentence",
)  # fmt: skip

#: Columns of ``areas.csv``: wave-wide figures, reconciled like an incident's.
AREA_COLUMNS: tuple[str, ...] = (
    "area", "figure", "role", "low", "best", "high", "n_claims", "n_articles",
    "party_claims", "sources",
)  # fmt: skip

#: The sides a toll is split by, as column stems (``killed_<side>_low`` ...).
SIDE_COLUMNS: dict[str, str] = {
    "civilian": "civilians",
    "security": "security",
    "militant": "militants",
    "unspecified": "unspecified",
}

#: Columns of ``districts.csv`` / the ``districts`` layer: one row per district
#: of the mapped province(s), with the totals of its incidents.  A total is
#: empty when no incident of the district reports that figure (never 0 by
#: default: "not reported" is not "none killed").
DISTRICT_COLUMNS: tuple[str, ...] = (
    "admin1", "admin2", "incidents",
    "killed_low", "killed_best", "killed_high",
    *(f"killed_{s}_{b}" for s in SIDE_COLUMNS.values() for b in ("low", "best", "high")),
    "injured", "abducted", "attack_types", "first_date", "last_date",
)  # fmt: skip

#: Columns of the article table the map's sources are listed from.
ARTICLE_COLUMNS: tuple[str, ...] = ("article_id", "file", "outlet", "url", "published", "title")

_INT_NAMES = frozenset(
    {
        "geo_precision", "killed_civilians", "killed_security", "killed_militants",
        "killed_unspecified", "fatalities_low", "fatalities_best", "fatalities_high",
        "injured", "abducted", "freed_prisoners", "n_sources", "value_low", "value_high",
        "low", "best", "high", "n_claims", "n_articles", "incidents",
        "killed_low", "killed_best", "killed_high",
        *(c for c in DISTRICT_COLUMNS if c.startswith("killed_")),
    }
)  # fmt: skip
_FLOAT_NAMES = frozenset({"latitude", "longitude"})
_DATE_NAMES = frozenset({"event_date", "published", "first_date", "last_date"})


def column_type(name: str) -> ColumnType:
    """Return the type of an export column: ``"int"``, ``"float"``, ``"date"`` or ``"str"``.

    Counts are whole numbers that may be missing; dates are ISO days that
    may be missing; everything else is text.  Writers map these to their
    format (a GeoPackage ``DATE``, a JSON ``null``, an empty CSV cell), so
    a column's type never depends on the data in it.
    """
    if name in _INT_NAMES:
        return "int"
    if name in _FLOAT_NAMES:
        return "float"
    if name in _DATE_NAMES:
        return "date"
    return "str"


#: One colour per attack type, fixed so a type looks the same on every map.
TYPE_COLOURS: dict[str, str] = {
    "suicide_bombing": "#b2182b",
    "bombing": "#e6550d",
    "grenade_attack": "#fdae6b",
    "armed_assault": "#6a3d9a",
    "shelling": "#8c510a",
    "abduction": "#41b6c4",
    "prison_break": "#01665e",
    "arson": "#d4a000",
    "sabotage": "#525252",
    "seizure": "#c51b7d",
    "identity_killing": "#111111",
    "targeted_killing": "#66a61e",
    "security_operation": "#253494",
    "other": "#969696",
}

#: Human labels of the attack types, for layer names and legends.
TYPE_LABELS: dict[str, str] = {
    "suicide_bombing": "Suicide bombing",
    "bombing": "Bombing",
    "grenade_attack": "Grenade attack",
    "armed_assault": "Armed assault",
    "shelling": "Shelling",
    "abduction": "Abduction",
    "prison_break": "Prison break",
    "arson": "Arson",
    "sabotage": "Sabotage",
    "seizure": "Seizure",
    "identity_killing": "Identity-based killing",
    "targeted_killing": "Targeted killing",
    "security_operation": "Security operation",
    "other": "Other",
}

#: How a toll's sides read in a sentence ("11 civilians, 6 militants killed").
ROLE_LABELS: dict[str, str] = {
    "civilian": "civilians",
    "security": "security personnel",
    "militant": "militants",
    "unspecified": "people (side not stated)",
}

#: Light to dark greys for the district classes: a neutral ground under the
#: coloured markers, whose palette already uses the reds, purples and blues.
CLASS_COLOURS: tuple[str, ...] = ("#e0e0e0", "#bdbdbd", "#969696", "#636363", "#252525")
#: At most this many district classes: more are hard to tell apart.
MAX_CLASSES = len(CLASS_COLOURS)
