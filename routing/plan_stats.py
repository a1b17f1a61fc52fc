"""Figures of a plan for reports: timings, service, per-site visits, per-neighbourhood coverage."""

from __future__ import annotations

import datetime as dt


def plan_stats(scenario, period, tours, timings, solution, params, fairness) -> dict:
    """Figures for reports: timings, service, per-site visits and per-neighbourhood coverage."""
    days = len(period)
    visits: dict[str, list[dt.date]] = {}
    for t in tours:
        for s in t.stops:
            visits.setdefault(s.site, []).append(t.date)
    quartiers: dict[str, dict] = {}
    for site in scenario.sites:
        q = quartiers.setdefault(
            site.quartier or "—", {"visits": 0, "priority_served": 0, "sites": 0, "last": None}
        )
        q["sites"] += 1
        dates = sorted(visits.get(site.id, []))
        q["visits"] += len(dates)
        q["priority_served"] += site.priority * len(dates)
        last = dates[-1] if dates else site.last_visit
        if last and (q["last"] is None or last > q["last"]):
            q["last"] = last
    for q in quartiers.values():
        last = q.pop("last")
        q["last_visit"] = last.isoformat() if last else None
        q["days_since_last_visit"] = (period[-1] - last).days if last else None
    served = [s for t in tours for s in t.stops]
    return {
        "timings_s": {
            "graph": round(timings.graph_s, 3),
            "snap": round(timings.snap_s, 3),
            "matrix": round(timings.matrix_s, 3),
            "solve": round(timings.solve_s, 3),
        },
        "days": days,
        "sites": len(scenario.sites),
        "sites_served": len({s.site for s in served}),
        "visits": len(served),
        "priority_served": sum(s.priority for s in served),
        "priority_total": sum(s.priority * s.target_visits(days) for s in scenario.sites),
        "hours_on_site": round(sum(s.service_s for s in served) / 3600, 2),
        "hours_driving": round(sum(t.drive_s for t in tours) / 3600, 2),
        "km": round(sum(t.distance_m for t in tours) / 1000, 2),
        "site_visits": {
            s.id: {
                "target": s.target_visits(days),
                "visits": len(visits.get(s.id, [])),
                "dates": [d.isoformat() for d in sorted(visits.get(s.id, []))],
            }
            for s in scenario.sites
        },
        "quartiers": quartiers,
        "fairness": fairness,
        "objective": solution.objective if solution else 0,
        "solver_s": round(solution.wall_s, 3) if solution else 0.0,
        "time_limit_s": params.time_limit_s,
    }
