"""Compare vehicle options (bus, van, cargo bike…): the same period planned with each fleet."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace

from dynamobile.errors import InputError
from dynamobile.model import Scenario, Vehicle, VehicleOption
from dynamobile.plan import Plan

from .planner import plan_period
from .problem import SolveParams


@dataclass(frozen=True)
class OptionResult:
    """What one fleet achieves over the period."""

    option: VehicleOption | None  # None: the scenario's own fleet
    label: str
    plan: Plan
    sites_served: int
    visits: int
    priority_served: int
    priority_total: int
    hours_on_site: float
    hours_driving: float
    km: float
    unserved: dict[str, int]  # reason code -> number of sites


def fleet_of(scenario: Scenario, option: VehicleOption) -> Scenario:
    """The scenario with its fleet replaced by ``option``'s vehicles (shifts and days kept)."""
    if not scenario.vehicles:
        raise InputError("le scénario n'a pas de véhicule modèle ([[vehicles]]) pour les horaires")
    vehicles = []
    for i in range(option.count):
        template: Vehicle = scenario.vehicles[i % len(scenario.vehicles)]
        vehicles.append(
            replace(
                template,
                id=f"{option.id}-{i + 1}" if option.count > 1 else option.id,
                kind=option.kind,
                profile=option.profile,
                setup_min=option.setup_min,
                packup_min=option.packup_min,
                name=option.label,
            )
        )
    routing = scenario.routing
    if option.drive_speed_factor is not None:
        routing = replace(routing, drive_speed_factor=option.drive_speed_factor)
    if option.bike_speed_kph is not None:
        routing = replace(routing, bike_speed_kph=option.bike_speed_kph)
    return replace(scenario, vehicles=tuple(vehicles), routing=routing)


def compare_options(
    scenario: Scenario,
    first_day: dt.date,
    days: int,
    *,
    params: SolveParams = SolveParams(),
    options: tuple[VehicleOption, ...] | None = None,
    fair_days: int | None = None,
) -> list[OptionResult]:
    """Plan the period once per option; the figures a city needs to choose its vehicle."""
    options = options if options is not None else scenario.options
    if not options:
        raise InputError(
            f"{scenario.source or 'scénario'} : aucune option de véhicule à comparer ([[options]])"
        )
    results = []
    for option in (None, *options):
        fleet = scenario if option is None else fleet_of(scenario, option)
        plan = plan_period(fleet, first_day, days, params=params, fair_days=fair_days)
        stats = plan.stats
        label = (
            option.label
            if option
            else "Flotte du scénario : " + " + ".join(v.id for v in scenario.vehicles)
        )
        results.append(
            OptionResult(
                option=option,
                label=label,
                plan=plan,
                sites_served=stats["sites_served"],
                visits=stats["visits"],
                priority_served=stats["priority_served"],
                priority_total=stats["priority_total"],
                hours_on_site=stats["hours_on_site"],
                hours_driving=stats["hours_driving"],
                km=stats["km"],
                unserved=dict(Counter(u.code for u in plan.unassigned)),
            )
        )
    return results


def results_to_dict(results: list[OptionResult]) -> list[dict]:
    """JSON-ready comparison rows; the first is the scenario's own fleet."""
    return [
        {
            "option": r.option.id if r.option else "scenario",
            "label": r.label,
            "kind": r.option.kind if r.option else "mixed",
            "count": r.option.count if r.option else None,
            "sites_served": r.sites_served,
            "sites": r.plan.stats["sites"],
            "visits": r.visits,
            "priority_served": r.priority_served,
            "priority_total": r.priority_total,
            "hours_on_site": r.hours_on_site,
            "hours_driving": r.hours_driving,
            "km": r.km,
            "unserved": r.unserved,
            "unassigned": [
                {"site": u.site, "code": u.code, "reason": u.reason} for u in r.plan.unassigned
            ],
        }
        for r in results
    ]
