import pytest

from geo.changes import describe_changes, has_changes, summary_lines


def incident(iid, place, date, sources, **figures):
    row = {"incident_id": iid, "place": place, "admin2": "D", "event_date": date,
           "attack_types": "armed_assault", "sources": ";".join(sources)}  # fmt: skip
    row.update(figures)
    return row


def area(article, figure, role, value, claimant="police", kind="official"):
    return {"scope": "area", "article_id": article, "figure": figure, "role": role,
            "value_low": value, "claimant": claimant, "claimant_kind": kind}  # fmt: skip


def test_added_revised_and_retracted_incidents_name_the_articles_that_moved_them():
    old = [
        incident("I1", "Quetta", "2026-01-31", ["a"], killed_security=2, fatalities_best=2),
        incident("I2", "Kalat", "2026-01-31", ["a"]),
    ]
    new = [
        incident("I1", "Quetta", "2026-01-31", ["a", "b"], killed_security=5, fatalities_best=5),
        incident("I3", "Tump", "2026-01-30", ["b"]),
    ]
    changes = describe_changes(
        old_incidents=old, new_incidents=new, old_claims=[], new_claims=[], new_articles=["b"],
        pruned_articles=["a0"],
    )  # fmt: skip
    assert [i["place"] for i in changes["incidents_added"]] == ["Tump"]
    assert [i["place"] for i in changes["incidents_retracted"]] == ["Kalat"]
    assert changes["figures_revised"] == [
        {"incident_id": "I1", "place": "Quetta", "figure": "killed_security", "old": 2, "new": 5,
         "articles": ["b"]},
        {"incident_id": "I1", "place": "Quetta", "figure": "fatalities_best", "old": 2, "new": 5,
         "articles": ["b"]},
    ]  # fmt: skip
    assert changes["articles"] == {"new": ["b"], "replaced": [], "pruned": ["a0"]}
    lines = summary_lines(changes)
    assert lines[0].startswith("changes: 1 incidents added, 2 figures revised")
    assert "  ~ Quetta killed_security: 2 -> 5 (by b)" in lines


def test_an_incident_whose_date_moved_is_revised_not_replaced():
    old = [incident("I1", "Pasni", "2026-01-31", ["a"], injured=None)]
    new = [incident("I9", "Pasni", "2026-01-30", ["a", "b"], injured=1)]
    changes = describe_changes(
        old_incidents=old, new_incidents=new, old_claims=[], new_claims=[], new_articles=["b"]
    )
    assert not changes["incidents_added"] and not changes["incidents_retracted"]
    assert changes["figures_revised"][0]["old"] is None
    assert changes["figures_revised"][0]["new"] == 1


def test_area_figures_are_listed_side_by_side_with_who_moved_them():
    old_claims = [area("a", "killed", "civilian", 18)]
    new_claims = [
        area("a", "killed", "civilian", 18),
        area("b", "killed", "civilian", 31, "provincial govt"),
        area("b", "killed", "security", 200, "BLA", "party"),
    ]
    changes = describe_changes(
        old_incidents=[], new_incidents=[], old_claims=old_claims, new_claims=new_claims,
        new_articles=["b"],
    )  # fmt: skip
    civilians, security = changes["area_figures_revised"]
    assert (civilians["old"], civilians["new"]) == ([18], [18, 31])
    assert civilians["moved_by"] == [
        {"article_id": "b", "value": 31, "claimant": "provincial govt", "claimant_kind": "official"}
    ]
    assert security["moved_by"][0]["claimant_kind"] == "party"
    assert "  ~ area killed civilian: 18 -> 18 / 31 (by b)" in summary_lines(changes)


def test_nothing_read_and_nothing_moved_is_no_change():
    rows = [incident("I1", "Quetta", "2026-01-31", ["a"], killed_security=2)]
    claims = [area("a", "killed", "civilian", 18)]
    changes = describe_changes(
        old_incidents=rows, new_incidents=rows, old_claims=claims, new_claims=claims,
        new_articles=[],
    )  # fmt: skip
    assert not has_changes(changes)


def _pairwise_match(old_incidents, new_incidents):
    """Incident matching as first written: every unmatched new row against every old one."""
    import datetime as dt

    def near(a, b):
        da, db = a.get("event_date") or "", b.get("event_date") or ""
        if not da or not db:
            return not da and not db
        return abs((dt.date.fromisoformat(da) - dt.date.fromisoformat(db)).days) <= 1

    old_by_id = {r["incident_id"]: r for r in old_incidents}
    new_sorted = sorted(new_incidents, key=lambda r: r["incident_id"])
    matches = {
        r["incident_id"]: r["incident_id"] for r in new_sorted if r["incident_id"] in old_by_id
    }
    used = set(matches)
    added = []
    for row in new_sorted:
        if row["incident_id"] in matches:
            continue
        twin = next(
            (
                i
                for i, old in sorted(old_by_id.items())
                if i not in used and old["place"] == row["place"] and near(old, row)
            ),
            None,
        )
        if twin is None:
            added.append(row["incident_id"])
        else:
            matches[row["incident_id"]] = twin
            used.add(twin)
    retracted = sorted(set(old_by_id) - used)
    return added, retracted


@pytest.mark.parametrize("seed", range(100))
def test_indexed_matching_equals_the_pairwise_rule(seed):
    import random

    rng = random.Random(seed)

    def rows(prefix, n):
        return [
            incident(
                f"I{rng.randint(0, 30):02d}{prefix}" if rng.random() < 0.7 else f"I{k:02d}",
                rng.choice(["Quetta", "Kalat", "Tump"]),
                rng.choice(["", None, "2026-01-29", "2026-01-30", "2026-01-31", "2026-02-02"]),
                ["a"],
                injured=rng.randint(0, 2),
            )
            for k in range(n)
        ]

    old = list({r["incident_id"]: r for r in rows("o", rng.randint(0, 25))}.values())
    new = list({r["incident_id"]: r for r in rows("n", rng.randint(0, 25))}.values())
    changes = describe_changes(
        old_incidents=old, new_incidents=new, old_claims=[], new_claims=[], new_articles=[]
    )
    added, retracted = _pairwise_match(old, new)
    assert [r["incident_id"] for r in changes["incidents_added"]] == added
    assert sorted(r["incident_id"] for r in changes["incidents_retracted"]) == retracted
