"""Locks and exclusions of a run (issue 11, item 5): a locked visit holds, an excluded site is
left out with its reason, a lock that cannot hold is an input error naming it."""

import datetime as dt

import pytest

from dynamobile.errors import InputError
from dynamobile.plan import EXCLUDED, NO_TIME
from routing.locks import Lock
from routing.problem import SolveParams
from tests.core.builders import grid_scenario, site, vehicle
from tests.core.test_period import FAST, MONDAY, planned


def stops_of(plan, site_id):
    return [(t.date, t.vehicle) for t in plan.tours for s in t.stops if s.site == site_id]


def two_vans(tmp_path):
    sites = [site(f"s{i}", 1 + i % 4, 1 + i // 4, service_min=60) for i in range(6)]
    return grid_scenario(tmp_path, sites, [vehicle("van"), vehicle("van2")])


def test_a_lock_holds_where_the_optimiser_would_not_go(tmp_path):
    scenario = two_vans(tmp_path)
    ((day, van),) = stops_of(planned(scenario, 3), "s0")
    other_day = next(
        MONDAY + dt.timedelta(days=k) for k in range(3) if MONDAY + dt.timedelta(days=k) != day
    )
    other_van = "van2" if van == "van" else "van"
    locked = planned(scenario, 3, locks=[Lock("s0", other_day, other_van)])
    assert stops_of(locked, "s0") == [(other_day, other_van)]
    assert {s.site for t in locked.tours for s in t.stops} == {f"s{i}" for i in range(6)}


def test_an_excluded_site_is_left_out_with_its_reason(tmp_path):
    plan = planned(two_vans(tmp_path), 2, exclude={"s1"})
    assert stops_of(plan, "s1") == []
    (u,) = plan.unassigned
    assert (u.site, u.code, u.date) == ("s1", EXCLUDED, None)
    assert u.reason == "Exclu de ce calcul par la coordination."


def test_locks_that_cannot_hold_are_input_errors_naming_them(tmp_path):
    sites = [site("market", 1, 1, windows="mon 09:00-12:00"), site("b", 2, 2)]
    scenario = grid_scenario(tmp_path, sites, [vehicle("van", days="mon-fri")])
    tuesday, saturday = MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=5)
    with pytest.raises(InputError) as closed:
        planned(scenario, 7, locks=[Lock("market", tuesday, "van")])
    assert "verrou market le 01/12/2026 (van) : visite impossible ce jour-là — fermé" in str(
        closed.value
    )
    with pytest.raises(InputError) as off:
        planned(scenario, 7, locks=[Lock("b", saturday, "van")])
    assert "verrou b le 05/12/2026 (van) : ce véhicule ne circule pas ce jour-là" in str(off.value)
    with pytest.raises(InputError) as unknown:
        planned(scenario, 7, locks=[Lock("nowhere", MONDAY, "bus")], exclude={"b", "x"})
    message = str(unknown.value)
    assert "exclusion x : lieu inconnu" in message
    assert "verrou nowhere le 30/11/2026 (bus) : lieu inconnu" in message
    assert "véhicule inconnu" in message
    with pytest.raises(InputError, match="aussi exclu"):
        planned(scenario, 7, locks=[Lock("b", MONDAY, "van")], exclude={"b"})


@pytest.mark.parametrize(
    "params",
    [FAST, SolveParams(time_limit_s=3.0)],  # repeatable; and with VROOM starts + insertion pass
    ids=["repeatable", "timed"],
)
def test_a_lock_makes_a_visit_the_optimiser_would_drop(tmp_path, params):
    # Room for one 2-hour stop: the optimiser picks the priority-5 site, the lock the other.
    sites = [site("high", 1, 1, priority=5, service_min=120), site("low", 3, 3, service_min=120)]
    scenario = grid_scenario(tmp_path, sites, [vehicle(shift="09:00-11:30")])
    assert stops_of(planned(scenario, 1, params=params), "high") == [(MONDAY, "van")]
    locked = planned(scenario, 1, params=params, locks=[Lock("low", MONDAY, "van")])
    assert stops_of(locked, "low") == [(MONDAY, "van")] and stops_of(locked, "high") == []
    (u,) = locked.unassigned
    assert (u.site, u.code) == ("high", NO_TIME)


def test_a_lock_is_one_of_the_sites_visits_and_keeps_their_spacing(tmp_path):
    thursday = MONDAY + dt.timedelta(days=3)
    sites = [site("twice", 2, 2, visits=2, min_gap_days=3), site("other", 4, 1)]
    plan = planned(
        grid_scenario(tmp_path, sites, [vehicle()]), 7, locks=[Lock("twice", thursday, "van")]
    )
    dates = [day for day, _ in stops_of(plan, "twice")]
    assert thursday in dates and len(dates) == 2
    assert all(abs((d - thursday).days) >= 3 for d in dates if d != thursday)


def test_fairness_counts_the_locks_among_a_sites_visits(tmp_path):
    # One 2-hour stop a day; the south (priority 1) needs a visit in every 2-day stretch. Its one
    # site wants two visits, one of which is locked on Monday: fairness may add one, not two.
    north = [site(f"n{i}", 1, i, priority=5, service_min=120, quartier="Nord") for i in range(6)]
    south = site("s0", 4, 1, service_min=120, quartier="Sud", visits=2, min_gap_days=2)
    scenario = grid_scenario(tmp_path, [*north, south], [vehicle(shift="09:00-11:30")])
    plan = planned(scenario, 6, fair_days=2, locks=[Lock("s0", MONDAY, "van")])
    assert (MONDAY, "van") in stops_of(plan, "s0") and len(stops_of(plan, "s0")) == 2
