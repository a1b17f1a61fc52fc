"""A coordinator's hand edit of a job's plan: move a stop's opening time, with the checker's
verdict at once (`dynamobile.check`, on the plan's own drive times: no street loading in a web
request). Saved into the job's plan only when it breaks no rule the plan kept before."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace

from dynamobile.check import check_plan
from dynamobile.errors import InputError
from dynamobile.model import Scenario
from dynamobile.plan import Plan, plan_to_dict
from dynamobile.timeutil import PARIS


@dataclass(frozen=True)
class EditResult:
    plan: Plan
    problems: tuple[str, ...]  # rules the edit breaks (those the plan already broke left out)


def parse_clock(raw) -> dt.time:
    """``HH:MM`` as a browser's time field sends it; InputError in French otherwise."""
    try:
        return dt.time.fromisoformat(str(raw))
    except ValueError:
        raise InputError(f"heure invalide « {str(raw)[:20]} » (HH:MM attendu)") from None


def move_stop(plan: Plan, tour_index: int, stop_index: int, start: dt.time) -> Plan:
    """``plan`` with that stop open from ``start``: arrival, set-up, closing and departure move
    with it; the tour leaves earlier or comes back later if the stop needs it."""
    if not 0 <= tour_index < len(plan.tours):
        raise InputError("tournée inconnue dans ce plan")
    tour = plan.tours[tour_index]
    if not 0 <= stop_index < len(tour.stops):
        raise InputError("arrêt inconnu dans cette tournée")
    stop = tour.stops[stop_index]
    new_start = dt.datetime.combine(tour.date, start, PARIS)
    delta = new_start - stop.start
    moved = replace(
        stop,
        arrive=stop.arrive + delta,
        setup_start=stop.setup_start + delta,
        start=stop.start + delta,
        end=stop.end + delta,
        leave=stop.leave + delta,
    )
    stops = tour.stops[:stop_index] + (moved,) + tour.stops[stop_index + 1 :]
    depart, back = tour.start, tour.end
    if stop_index == 0:
        depart = min(depart, moved.arrive - dt.timedelta(seconds=moved.drive_s))
    if stop_index == len(tour.stops) - 1:
        back = max(back, moved.leave + dt.timedelta(seconds=tour.return_drive_s))
    tours = list(plan.tours)
    tours[tour_index] = replace(tour, stops=stops, start=depart, end=back)
    return replace(plan, tours=tuple(tours))


def try_edit(
    plan: Plan, scenario: Scenario, tour_index: int, stop_index: int, start: dt.time
) -> EditResult:
    """The edited plan and the rules the edit breaks (in French)."""
    before = set(check_plan(plan, scenario))
    edited = move_stop(plan, tour_index, stop_index, start)
    problems = tuple(p for p in check_plan(edited, scenario) if p not in before)
    return EditResult(edited, problems)


def plan_json(plan: Plan) -> str:
    return json.dumps(plan_to_dict(plan), ensure_ascii=False)
