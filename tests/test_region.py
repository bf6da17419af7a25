import pytest

from geo.region import Region


@pytest.mark.parametrize(
    ("country", "admin1", "inside"),
    [
        ("PK", "Balochistan", True),
        ("PK", "Sindh", False),
        ("AF", "Balochistan", False),
        ("IR", "", False),
    ],
)
def test_default_region_is_balochistan(country, admin1, inside):
    assert Region().contains(country, admin1) is inside


def test_empty_province_means_whole_country():
    region = Region(admin1="")
    assert region.contains("PK", "Sindh")
    assert not region.contains("AF", "")
    assert region.label == "Pakistan"


def test_unknown_province_names_the_known_ones():
    with pytest.raises(ValueError, match="unknown province 'Baluchistaan'.*Balochistan"):
        Region(admin1="Baluchistaan")


def test_other_countries_are_refused_plainly():
    with pytest.raises(ValueError, match="country 'AF' is not supported yet"):
        Region(country="AF")
