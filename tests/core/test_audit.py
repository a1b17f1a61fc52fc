"""The drop audit: a visit left out that fits is named; one that breaks a rule is not.

Each rule is tested as a pair on the same streets: blocked (the audit must find nothing) and
lifted (the same visit must be found), so that neither half can pass by an empty answer. Tours
come from the real planner on grid scenarios; the audited visit is then added to the scenario (or
removed from the plan) so that the answer is known without trusting the optimiser.
"""

import datetime as dt
from dataclasses import replace

import pytest

from dynamobile.audit import Finding, audit_plan, missing_visits
from dynamobile.check import check_plan
from dynamobile.model import Calendar
from dynamobile.plan import NO_TIME, PLAN_VERSION, Depot, Plan, Unassigned
from dynamobile.report import audit_text
from dynamobile.windows import format_clock
from routing.planner import load_networks, plan_period, travel_lookup
from routing.problem import SolveParams
from tests.core.builders import grid_scenario, site, vehicle

MONDAY = dt.date(2026, 11, 30)
EXACT = SolveParams(time_limit_s=5, solution_limit=50)


def planned(scenario, days: int = 1) -> Plan:
    networks = load_networks(scenario)
    plan = plan_period(scenario, MONDAY, days, params=EXACT, networks=networks)
    travel = travel_lookup(scenario, networks)
    assert check_plan(plan, scenario, travel=travel) == []
    assert audit_plan(plan, scenario, travel) == []
    return plan


def empty_plan(scenario, days: int = 1) -> Plan:
    """A plan where every vehicle stays at the depot."""
    dates = tuple(MONDAY + dt.timedelta(days=k) for k in range(days))
    return Plan(
        PLAN_VERSION, "test", dates, Depot("Dépôt", scenario.depot.lat, scenario.depot.lon), (), ()
    )


def audit(plan: Plan, scenario) -> list[Finding]:
    """The audit of ``plan`` against ``scenario``, whose sites not in the plan are listed as dropped."""
    visited = {s.site for t in plan.tours for s in t.stops}
    listed = {u.site for u in plan.unassigned}
    dropped = tuple(
        Unassigned(s.id, s.name, NO_TIME, "Pas assez de temps.")
        for s in scenario.sites
        if s.id not in visited | listed
    )
    plan = replace(plan, unassigned=plan.unassigned + dropped)
    return audit_plan(plan, scenario, travel_lookup(scenario, load_networks(scenario)))


def found(findings: list[Finding]) -> list[tuple[str, dt.date, str]]:
    return [(f.site, f.date, f.vehicle) for f in findings]


def with_site(scenario, *extra):
    return replace(scenario, sites=scenario.sites + tuple(extra))


def test_a_removed_visit_is_named_with_its_tour(tmp_path):
    sites = [site("a", 1, 1), site("b", 2, 3), site("c", 3, 1)]
    scenario = grid_scenario(tmp_path, sites, [replace(vehicle(), name="Fourgon aménagé")])
    plan = planned(scenario)
    (tour,) = plan.tours
    k = [s.site for s in tour.stops].index("b")
    stops = tour.stops[:k] + tour.stops[k + 1 :]
    edited = replace(
        plan,
        tours=(replace(tour, stops=stops),),
        unassigned=(Unassigned("b", "Site b", NO_TIME, "Pas assez de temps.", MONDAY),),
    )
    (finding,) = audit(edited, scenario)
    assert found([finding]) == [("b", MONDAY, "van")]
    ids = [None, *[s.site for s in stops], None]
    assert (finding.after, finding.before) == (ids[finding.position], ids[finding.position + 1])
    assert finding.message.startswith(
        "Site b tenait le lundi 30/11 dans la tournée de Fourgon aménagé entre "
    )
    names = {None: None, **{s.site: s.name for s in stops}}
    after = names[finding.after] or "le départ du dépôt"
    before = names[finding.before] or "le retour au dépôt"
    assert f"entre {after} et {before} (présence " in finding.message
    assert finding.end_min - finding.start_min == 30


def test_one_finding_per_day_sorted_by_date(tmp_path):
    scenario = grid_scenario(
        tmp_path, [site("a", 1, 1), site("b", 2, 2)], [vehicle(), vehicle("v2")]
    )
    plan = planned(scenario, 3)
    edited = replace(
        plan,
        tours=tuple(
            replace(t, stops=tuple(s for s in t.stops if s.site != "b")) for t in plan.tours
        ),
    )
    findings = audit(edited, scenario)
    assert [(f.site, f.date) for f in findings] == [
        ("b", MONDAY + dt.timedelta(days=k)) for k in range(3)
    ]


def test_empty_vehicle_day(tmp_path):
    scenario = grid_scenario(
        tmp_path,
        [site("a", 2, 2, windows="mon 14:00-15:00", service_min=45)],
        [replace(vehicle(), name="Fourgon aménagé")],
    )
    (finding,) = audit(empty_plan(scenario), scenario)
    assert finding.message == (
        "Site a tenait le lundi 30/11 dans une tournée vide de Fourgon aménagé "
        "(présence 14:00-14:45)."
    )
    assert (finding.position, finding.after, finding.before) == (0, None, None)


def test_window_closed_that_day(tmp_path):
    closed = grid_scenario(tmp_path, [site("a", 2, 2, windows="tue 08:00-18:00")], [vehicle()])
    assert audit(empty_plan(closed), closed) == []
    open_ = grid_scenario(tmp_path, [site("a", 2, 2, windows="mon 08:00-18:00")], [vehicle()])
    assert found(audit(empty_plan(open_), open_)) == [("a", MONDAY, "van")]


def test_service_within_one_opening_interval(tmp_path):
    windows = "mon 09:00-09:40; mon 10:00-10:40"  # 80 min open, never 60 in a row
    long_ = grid_scenario(tmp_path, [site("a", 2, 2, windows=windows, service_min=60)], [vehicle()])
    assert audit(empty_plan(long_), long_) == []
    short = grid_scenario(tmp_path, [site("a", 2, 2, windows=windows, service_min=40)], [vehicle()])
    (finding,) = audit(empty_plan(short), short)
    assert (finding.start_min, finding.end_min) == (9 * 60, 9 * 60 + 40)


def test_vehicle_kind_not_allowed(tmp_path):
    bike_only = grid_scenario(tmp_path, [site("a", 2, 2, kinds="cargo_bike")], [vehicle()])
    assert audit(empty_plan(bike_only), bike_only) == []
    vans_too = grid_scenario(tmp_path, [site("a", 2, 2, kinds="van,cargo_bike")], [vehicle()])
    assert found(audit(empty_plan(vans_too), vans_too)) == [("a", MONDAY, "van")]


def test_vehicle_not_working_that_day(tmp_path):
    off = grid_scenario(tmp_path, [site("a", 2, 2)], [vehicle(days="tue-sun")])
    assert audit(empty_plan(off), off) == []
    working = grid_scenario(tmp_path, [site("a", 2, 2)], [vehicle(days="mon-sun")])
    assert found(audit(empty_plan(working), working)) == [("a", MONDAY, "van")]
    day_off = replace(working, calendar=Calendar(days_off=frozenset({MONDAY})))
    assert audit(empty_plan(day_off), day_off) == []


def test_setup_and_the_way_back_count_to_the_minute(tmp_path):
    scenario = grid_scenario(
        tmp_path, [site("a", 2, 2, windows="mon 09:00-09:45", service_min=45)], [vehicle()]
    )
    travel = travel_lookup(scenario, load_networks(scenario))
    out_min = -(-travel("drive", None, "a")[0] // 60)
    back_min = -(-travel("drive", "a", None)[0] // 60)
    earliest, latest = 9 * 60 - out_min - 10, 9 * 60 + 45 + 5 + back_min  # setup 10, pack-up 5 min

    def audited(start: int, end: int) -> list[Finding]:
        shifted = replace(
            scenario, vehicles=(vehicle(shift=f"{format_clock(start)}-{format_clock(end)}"),)
        )
        return audit(empty_plan(shifted), shifted)

    (finding,) = audited(earliest, latest)
    assert (finding.start_min, finding.end_min) == (9 * 60, 9 * 60 + 45)
    assert audited(earliest + 1, latest) == []  # set up from 09:01: open past 09:45
    assert audited(earliest, latest - 1) == []  # packed up by 09:50, back a minute late


def test_shift_would_end_too_late(tmp_path):
    # The tour already holds a 170-min stop in a 4-hour shift: 30 more minutes fit, 60 do not.
    base = grid_scenario(
        tmp_path,
        [site("long", 1, 1, windows="mon 08:00-12:00", service_min=170)],
        [vehicle(shift="08:00-12:00")],
    )
    plan = planned(base)
    assert [s.site for t in plan.tours for s in t.stops] == ["long"]
    assert audit(plan, with_site(base, site("new", 1, 2, service_min=60))) == []
    assert found(audit(plan, with_site(base, site("new", 1, 2, service_min=30)))) == [
        ("new", MONDAY, "van")
    ]


@pytest.mark.parametrize("lunch, fits", [("12:00-13:00", False), ("12:00-14:00", True)])
def test_lunch_break_needs_room(tmp_path, lunch, fits):
    # The new site opens 12:00-13:00 for 45 min; a 45-min break in 12:00-13:00 leaves it no room.
    base = grid_scenario(
        tmp_path,
        [site("morning", 1, 1, windows="mon 08:00-12:00", service_min=200)],
        [vehicle(shift="08:00-14:00", lunch=lunch, lunch_min=45)],
    )
    plan = planned(base)
    findings = audit(
        plan, with_site(base, site("noon", 1, 2, windows="mon 12:00-13:00", service_min=45))
    )
    if not fits:
        assert findings == []
        return
    (finding,) = findings
    assert (finding.site, finding.after, finding.before, finding.start_min) == (
        "noon",
        "morning",
        None,
        12 * 60,
    )
    assert "entre Site morning et le retour au dépôt (présence 12:00-12:45)" in finding.message


def test_a_stop_after_the_break_waits_for_its_end(tmp_path):
    # Lunch 12:00-13:00 for 45 min; the site opens 12:40 for 60 min: only break-then-visit can hold
    # both, opening after the break and the set-up.
    def scenario_until(close: str):
        return grid_scenario(
            tmp_path,
            [site("a", 2, 2, windows=f"mon 12:40-{close}", service_min=60)],
            [vehicle(shift="08:00-18:00", lunch="12:00-13:00", lunch_min=45)],
        )

    tight = scenario_until("13:40")
    assert audit(empty_plan(tight), tight) == []
    roomy = scenario_until("15:00")
    (finding,) = audit(empty_plan(roomy), roomy)
    assert (
        finding.start_min == 12 * 60 + 45 + 10
    )  # drove there earlier, lunch 12:00-12:45 on site, set-up


def test_driving_cap_counts_whole_minutes_both_ways(tmp_path):
    scenario = grid_scenario(tmp_path, [site("far", 3, 3)], [vehicle()])
    travel = travel_lookup(scenario, load_networks(scenario))
    out_s, back_s = travel("drive", None, "far")[0], travel("drive", "far", None)[0]
    planned_min = -(-out_s // 60) + -(-back_s // 60)
    assert (planned_min - 1) * 60 >= out_s + back_s  # a cap on exact seconds would let it through
    capped = replace(scenario, vehicles=(vehicle(max_drive_min=planned_min - 1),))
    assert audit(empty_plan(capped), capped) == []
    enough = replace(scenario, vehicles=(vehicle(max_drive_min=planned_min),))
    assert found(audit(empty_plan(enough), enough)) == [("far", MONDAY, "van")]


def test_spacing_and_target_against_the_plans_visits(tmp_path):
    base = grid_scenario(tmp_path, [site("s", 2, 2)], [vehicle()])
    plan = replace(planned(base), dates=tuple(MONDAY + dt.timedelta(days=k) for k in range(3)))
    assert [t.date for t in plan.tours] == [MONDAY]

    def variant(**fields):
        return replace(base, sites=(replace(base.sites[0], **fields),))

    assert audit(plan, variant(visits=2, min_gap_days=3)) == []
    wednesday = MONDAY + dt.timedelta(days=2)
    assert found(audit(plan, variant(visits=2, min_gap_days=2))) == [("s", wednesday, "van")]
    assert audit(plan, variant(visits=1, min_gap_days=1)) == []  # target met
    assert [f.date for f in audit(plan, variant(visits=2, min_gap_days=1))] == [
        MONDAY + dt.timedelta(days=1),
        wednesday,
    ]


def test_spacing_against_the_last_visit(tmp_path):
    base = grid_scenario(tmp_path, [site("s", 2, 2, min_gap_days=3)], [vehicle()])
    recent = replace(
        base, sites=(replace(base.sites[0], last_visit=MONDAY - dt.timedelta(days=2)),)
    )
    assert audit(empty_plan(recent), recent) == []
    spaced = replace(
        base, sites=(replace(base.sites[0], last_visit=MONDAY - dt.timedelta(days=3)),)
    )
    assert found(audit(empty_plan(spaced), spaced)) == [("s", MONDAY, "van")]


def test_a_tour_it_cannot_rederive_is_skipped_and_logged(tmp_path, caplog):
    scenario = grid_scenario(tmp_path, [site("a", 1, 1), site("b", 2, 2)], [vehicle()])
    plan = planned(replace(scenario, sites=scenario.sites[:1]))
    # The same tour, but "a" is now closed on Monday: the tour no longer holds, b is not tried in it.
    closed = replace(
        scenario, sites=(site("a", 1, 1, windows="tue 08:00-18:00"), scenario.sites[1])
    )
    assert audit(plan, closed) == []
    assert "the tour of van on 2026-11-30 does not hold" in caplog.text


def test_report_line():
    assert audit_text([], {}) == (
        "Contrôle des visites manquantes : aucune visite manquante ne tenait dans les "
        "tournées (0 visite manquante vérifiée)."
    )
    assert audit_text([], {"a": 3, "b": 2}).endswith("(5 visites manquantes vérifiées).")

    def finding(site_id, day):
        return Finding(
            site_id, day, "van", 0, None, None, 600, 630, 2, f"{site_id} tenait le {day:%d/%m}."
        )

    tuesday = MONDAY + dt.timedelta(days=1)
    # s0 lacks one visit, found on two days: it counts once and is shown once (its first day).
    findings = [
        finding("s0", MONDAY),
        finding("s1", MONDAY),
        finding("s0", tuesday),
        finding("s2", tuesday),
        finding("s3", tuesday),
    ]
    line = audit_text(findings, {"s0": 1, "s1": 2, "s2": 1, "s3": 1, "s4": 1})
    assert line == (
        "Contrôle des visites manquantes : 4 visites auraient tenu (sur 6 visites manquantes) — "
        "s0 tenait le 30/11. s1 tenait le 30/11. s2 tenait le 01/12. …"
    )
    assert audit_text(findings[:1], {"s0": 1}) == (
        "Contrôle des visites manquantes : 1 visite aurait tenu "
        "(sur 1 visite manquante) — s0 tenait le 30/11."
    )


def test_missing_visits_per_site(tmp_path):
    scenario = grid_scenario(
        tmp_path,
        [site("a", 1, 1, visits=3), site("b", 2, 2, every_days=7), site("c", 3, 3)],
        [vehicle()],
    )
    plan = planned(replace(scenario, sites=scenario.sites[2:]))  # c, its one visit made
    assert missing_visits(replace(plan, dates=empty_plan(scenario, 14).dates), scenario) == {
        "a": 3,
        "b": 2,
    }
