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
