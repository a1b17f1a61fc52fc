"""Why a site was not visited, once per plan: the reason closest to a visit, or the time its
cheapest insertion would have needed."""

from __future__ import annotations

from dataclasses import replace

from dynamobile.plan import (
    CLOSED,
    NO_TIME,
    NO_VEHICLE,
    OUTSIDE_SHIFT,
    RECENT_VISIT,
    UNREACHABLE,
    WINDOW_TOO_SHORT,
    Unassigned,
)

from .decode import cheapest_insertion_min

# When a site can't be visited on any day, the day whose reason is closest to a visit explains it.
_REASON_ORDER = (RECENT_VISIT, UNREACHABLE, OUTSIDE_SHIFT, WINDOW_TOO_SHORT, NO_VEHICLE, CLOSED)


def unassigned_sites(
    scenario, period, tours, copies, day_reasons, solution, route_days, times
) -> list[Unassigned]:
    """Sites with no visit in the period, each once, with the reason closest to a visit."""
    visits = {s.site for t in tours for s in t.stops}
    single = len(period) == 1
    out = []
    for site in scenario.sites:
        if site.id in visits:
            continue
        nodes = [n for n, c in enumerate(copies, start=1) if c.site.id == site.id]
        if nodes and solution is not None:
            allowed = {n: copies[n - 1].vehicles for n in nodes}
            minutes = cheapest_insertion_min(solution, route_days, nodes, allowed, site, times)
            reason = "Pas assez de temps dans les tournées (créneaux et horaires déjà pris)"
            reason += (
                f" : sa visite demanderait environ {minutes} min de plus (trajet, installation, présence, rangement)."
                if minutes
                else "."
            )
            out.append(
                Unassigned(
                    site.id,
                    site.name,
                    NO_TIME,
                    reason,
                    period[0] if single else None,
                    minutes,
                    site.lat,
                    site.lon,
                )
            )
            continue
        reasons = day_reasons[site.id]
        best = min(reasons, key=lambda u: (_REASON_ORDER.index(u.code), u.date))
        if single:
            out.append(best)
        else:
            same = all(u.code == best.code and u.reason == best.reason for u in reasons)
            prefix = "Sur toute la période : " if same else f"Au mieux le {best.date:%d/%m} : "
            text = best.reason.replace(" ce jour-là", "") if same else best.reason
            out.append(replace(best, reason=prefix + text[0].lower() + text[1:], date=None))
    return out
