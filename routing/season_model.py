"""The season's OR-Tools problem: one route per vehicle-day, one node per candidate visit, a visit
group per site (its target, a penalty per missing visit) and spacing sets."""

from __future__ import annotations

from .decode import RouteDay
from .eligibility import Candidate
from .problem import BreakSpec, RoutingProblem, VehicleSpec, VisitGroup

PRIORITY_PENALTY = 1_000_000  # per priority point: serving always beats saving time


def build_problem(
    copies: list[Candidate],
    route_days: list[RouteDay],
    profiles: list[str],
    times,
    days: int,
    *,
    pins: dict[int, int] | None = None,
) -> RoutingProblem:
    """``pins`` (node → route, see `routing.locks.pin_locks`) are mandatory visits on that route:
    out of their site's group (whose other nodes then make the rest of its visits) and of the
    spacing sets (`pin_locks` already removed the nodes too close to them)."""
    pins = pins or {}
    specs = []
    for rd in route_days:
        v, off = rd.vehicle, rd.offset
        breaks: tuple[BreakSpec, ...] = ()
        if v.lunch:
            breaks = (
                BreakSpec(
                    off + v.lunch.earliest_min * 60,
                    off + (v.lunch.latest_min - v.lunch.minutes) * 60,
                    v.lunch.minutes * 60,
                ),
            )
        specs.append(
            VehicleSpec(
                start=0,
                end=0,
                shift=(off + v.shift_start_min * 60, off + v.shift_end_min * 60),
                matrix=profiles.index(v.profile),
                setup=v.setup_min * 60,
                packup=v.packup_min * 60,
                breaks=breaks,
                max_drive=v.max_drive_min * 60 if v.max_drive_min is not None else None,
            )
        )
    by_site: dict[str, list[int]] = {}
    for node, c in enumerate(copies, start=1):
        by_site.setdefault(c.site.id, []).append(node)
    groups, at_most_one = [], []
    for all_nodes in by_site.values():
        site = copies[all_nodes[0] - 1].site
        nodes = [n for n in all_nodes if n not in pins]
        wanted = site.target_visits(days) - (len(all_nodes) - len(nodes))
        if nodes and wanted > 0:
            groups.append(VisitGroup(tuple(nodes), wanted, PRIORITY_PENALTY * site.priority))
        at_most_one += spacing_sets([(n, copies[n - 1].day_index) for n in nodes], site.min_gap)
    return RoutingProblem(
        time=tuple(times[p] for p in profiles),
        service=(0, *[c.site.service_min * 60 for c in copies]),
        windows=((), *[tuple(c.starts) for c in copies]),
        vehicles=tuple(specs),
        penalty=(
            None,
            *[
                None if n in pins else PRIORITY_PENALTY * c.site.priority
                for n, c in enumerate(copies, start=1)
            ],
        ),
        allowed=(
            None,
            *[
                frozenset([pins[n]]) if n in pins else frozenset(c.vehicles)
                for n, c in enumerate(copies, start=1)
            ],
        ),
        span_cost=1,
        groups=tuple(groups),
        at_most_one=tuple(at_most_one),
    )


def spacing_sets(node_days: list[tuple[int, int]], min_gap: int) -> list[tuple[int, ...]]:
    """Sets of nodes of which at most one may be visited so that visits are ``min_gap`` days apart.

    One set per window of ``min_gap`` consecutive days (those that hold two nodes or more and are
    not inside another): two nodes less than ``min_gap`` days apart always share the window that
    starts on the earlier one, so this says the same as "not both" for every close pair, with a
    number of sets linear in the days instead of quadratic.
    """
    if min_gap <= 1:
        return []
    days = sorted({d for _, d in node_days})
    sets: list[tuple[int, ...]] = []
    for first in days:
        nodes = tuple(sorted(n for n, d in node_days if first <= d < first + min_gap))
        if len(nodes) > 1 and not (sets and set(nodes) <= set(sets[-1])):
            sets.append(nodes)
    return sets
