"""Plain-text timetables of a plan, in French, for the terminal."""

from __future__ import annotations

import datetime as dt

from .french import date_fr, distance_fr, duration_fr, leg_fr, plural, vehicle_title_fr
from .plan import Break, Plan, Tour


def hhmm(value: dt.datetime) -> str:
    """``09:30``: zero-padded, so that the timetable's columns line up."""
    return value.strftime("%H:%M")


def breaks_by_place(tour: Tour) -> tuple[dict[int, Break], dict[int, Break]]:
    """Where each break is told, so that a timetable reads in time order: ``between[k]`` comes
    before stop k's arrival (k = number of stops: after the last stop), ``on_arrival[k]`` is
    taken at stop k after arriving and before setting up. Breaks at the depot, before departure
    or after the return, are in neither."""
    between, on_arrival = {}, {}
    for b in tour.breaks:
        nxt = b.after_stop + 1
        if nxt < len(tour.stops) and b.start >= tour.stops[nxt].arrive:
            on_arrival[nxt] = b
        elif b.start >= tour.start and b.start < tour.end:
            between[nxt] = b
    return between, on_arrival


def tour_text(tour: Tour) -> list[str]:
    """The timetable of one tour, one line per event."""
    title = vehicle_title_fr(tour.vehicle_name or tour.vehicle, tour.vehicle_kind)
    crew = f" — {', '.join(tour.crew)}" if tour.crew else ""
    lines = [f"{title}{crew}"]
    lines += [
        f"  {hhmm(b.start)}  {b.label} jusqu'à {hhmm(b.end)} (au dépôt)"
        for b in tour.breaks
        if b.end <= tour.start
    ]
    lines.append(f"  {hhmm(tour.start)}  départ du dépôt")
    between, on_arrival = breaks_by_place(tour)
    for k, s in enumerate(tour.stops):
        if k in between:
            b = between[k]
            lines.append(f"  {hhmm(b.start)}  {b.label} jusqu'à {hhmm(b.end)}")
        pause = (
            f"{on_arrival[k].label.lower()} {hhmm(on_arrival[k].start)}–{hhmm(on_arrival[k].end)}, "
            if k in on_arrival
            else ""
        )
        lines.append(
            f"  {hhmm(s.arrive)}  {k + 1}. {s.name} — {pause}installation {hhmm(s.setup_start)}, "
            f"ouvert {hhmm(s.start)}–{hhmm(s.end)}, départ {hhmm(s.leave)}  "
            f"({leg_fr(s.distance_m, s.drive_s)} depuis le point précédent)"
        )
    if len(tour.stops) in between:
        b = between[len(tour.stops)]
        lines.append(f"  {hhmm(b.start)}  {b.label} jusqu'à {hhmm(b.end)}")
    lines.append(
        f"  {hhmm(tour.end)}  retour au dépôt ({leg_fr(tour.return_distance_m, tour.return_drive_s)})"
    )
    lines += [
        f"  {hhmm(b.start)}  {b.label} jusqu'à {hhmm(b.end)} (au dépôt)"
        for b in tour.breaks
        if b.start >= tour.end
    ]
    on_site = sum(s.service_s for s in tour.stops)
    lines.append(
        f"  Total : {plural(len(tour.stops), 'arrêt')}, {distance_fr(tour.distance_m)}, "
        f"{duration_fr(tour.drive_s)} de trajet, {duration_fr(on_site)} ouvert au public"
    )
    return lines


def plan_text(plan: Plan) -> str:
    """The whole plan: tours per date, then the sites not visited with their reasons."""
    lines = []
    for day in plan.dates:
        lines.append(f"Tournées du {date_fr(day)} — {plan.scenario}")
        tours = [t for t in plan.tours if t.date == day]
        if not tours:
            lines.append("  Aucune tournée ce jour-là.")
        for tour in tours:
            lines.append("")
            lines += tour_text(tour)
        lines.append("")
    if plan.unassigned:
        period = "" if len(plan.dates) == 1 else " sur la période"
        lines.append(f"Sites non visités{period} ({len(plan.unassigned)}) :")
        lines += [f"  - {u.name} [{u.code}] : {u.reason}" for u in plan.unassigned]
    return "\n".join(lines).rstrip() + "\n"


REASON_LABELS = {
    "closed": "fermé",
    "no_vehicle": "pas de véhicule autorisé",
    "unreachable": "injoignable",
    "window_too_short": "créneau trop court",
    "outside_shift": "hors horaires",
    "no_time": "manque de temps",
    "recent_visit": "visité récemment",
    "excluded": "exclu par la coordination",
}


def period_text(plan: Plan) -> str:
    """Per-neighbourhood coverage and visit targets not met, for plans of several days."""
    stats = plan.stats
    lines = [
        f"Par quartier ({plural(len(plan.dates), 'jour')}, du {plan.dates[0]:%d/%m/%Y} au {plan.dates[-1]:%d/%m/%Y}) :"
    ]
    lines.append(
        f"  {'quartier':<24} {'sites':>5} {'visites':>7} {'priorité':>8} {'dernière visite':>16} {'jours depuis':>12}"
    )
    for name, q in sorted(stats.get("quartiers", {}).items()):
        last = (
            dt.date.fromisoformat(q["last_visit"]).strftime("%d/%m/%Y")
            if q["last_visit"]
            else "jamais"
        )
        since = "—" if q["days_since_last_visit"] is None else str(q["days_since_last_visit"])
        lines.append(
            f"  {name[:24]:<24} {q['sites']:>5} {q['visits']:>7} {q['priority_served']:>8} {last:>16} {since:>12}"
        )
    short = [
        (sid, v) for sid, v in stats.get("site_visits", {}).items() if 0 < v["visits"] < v["target"]
    ]
    if short:
        lines.append(
            "Fréquence visée non atteinte : "
            + ", ".join(f"{sid} ({v['visits']}/{v['target']})" for sid, v in short)
        )
    fairness = stats.get("fairness") or {}
    if fairness:
        held = (
            "respectée" if fairness["held"] else f"non tenue pour : {', '.join(fairness['gaps'])}"
        )
        lines.append(
            f"Équité (une visite par quartier tous les {fairness['fair_days']} jours) : {held}"
        )
    return "\n".join(lines) + "\n"


def comparison_text(rows: list[dict], *, days: int) -> str:
    """The vehicle comparison table (rows from `routing.compare.results_to_dict`)."""
    header = (
        f"{'option':<46} {'sites':>7} {'visites':>7} {'priorité':>9} {'h sur place':>11} {'h trajet':>8} "
        f"{'km':>7}  non servis"
    )
    lines = [f"Comparaison des véhicules sur {plural(days, 'jour')}", header, "-" * len(header)]
    for r in rows:
        unserved = (
            ", ".join(
                f"{REASON_LABELS.get(code, code)} {n}" for code, n in sorted(r["unserved"].items())
            )
            or "—"
        )
        lines.append(
            f"{r['label'][:46]:<46} {r['sites_served']:>3}/{r['sites']:<3} {r['visits']:>7} "
            f"{r['priority_served']:>4}/{r['priority_total']:<4} {r['hours_on_site']:>11.1f} {r['hours_driving']:>8.2f} "
            f"{r['km']:>7.1f}  {unserved}"
        )
    return "\n".join(lines) + "\n"


def audit_text(findings: list, missing: dict[str, int], *, shown: int = 3) -> str:
    """The one-line report of the drop audit (`dynamobile.audit`): passed, or what would have fitted.

    ``missing`` is the number of visits each site lacks. A site's missing visits count as fitting
    up to the number of days on which one would have fitted alone; one message per site is shown.
    """
    head = "Contrôle des visites manquantes : "
    total = sum(missing.values())
    checked = plural(total, "visite manquante", "visites manquantes")
    if not findings:
        checked_past = "vérifiées" if total > 1 else "vérifiée"
        return (
            head
            + f"aucune visite manquante ne tenait dans les tournées ({checked} {checked_past})."
        )
    first: dict = {}  # each site's earliest `dynamobile.audit.Finding`, in date order
    days: dict[str, int] = {}
    for f in findings:
        first.setdefault(f.site, f)
        days[f.site] = days.get(f.site, 0) + 1
    fitting = sum(min(n, missing.get(site, n)) for site, n in days.items())
    count = "1 visite aurait tenu" if fitting == 1 else f"{fitting} visites auraient tenu"
    shown_text = " ".join(f.message for f in list(first.values())[:shown])
    return f"{head}{count} (sur {checked}) — {shown_text}" + (" …" if len(first) > shown else "")
