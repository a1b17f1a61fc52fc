"""The interactive plan map (folium/Leaflet, one HTML file).

A layer per day with one colour per vehicle, numbered stops with their times, the depot,
unassigned sites in grey with their reason. The street graph is drawn as a light background so
that the map reads without a tile server; tiles are optional.
"""

from __future__ import annotations

import html
from pathlib import Path

import branca
import folium
import networkx as nx

from dynamobile.french import date_fr, duration_fr, site_kind_fr, time_fr
from dynamobile.plan import Plan, Stop, Tour

from .legs import (
    ATTRIBUTION,
    ODBL_URL,
    Walk,
    plan_bounds,
    stop_walk,
    tour_legs,
    tour_walks,
    vehicle_colours,
    vehicle_label,
)

_PROFILE_FR = {"drive": "rues (véhicules)", "bike": "rues (vélo)"}
UNASSIGNED_COLOUR = "#8c8c8c"


class _Attribution(branca.element.MacroElement):
    """Adds the OSM credit to Leaflet's attribution control, tiles or not."""

    _template = branca.element.Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        {% endmacro %}
    """)

    def __init__(self, text: str):
        super().__init__()
        self._name = "Attribution"
        self.text = text


def _street_layer(graph: nx.MultiDiGraph, name: str, *, show: bool = True) -> folium.FeatureGroup:
    seen, lines = set(), []
    for u, v in graph.edges():
        key = (u, v) if u <= v else (v, u)
        if key not in seen:
            seen.add(key)
            a, b = graph.nodes[u], graph.nodes[v]
            lines.append([[a["x"], a["y"]], [b["x"], b["y"]]])
    layer = folium.FeatureGroup(name=name, show=show)
    folium.GeoJson(
        {
            "type": "Feature",
            "geometry": {"type": "MultiLineString", "coordinates": lines},
            "properties": {},
        },
        style_function=lambda _: {"color": "#9a9a9a", "weight": 1.5, "opacity": 0.8},
        interactive=False,
    ).add_to(layer)
    return layer


def _stop_popup(tour: Tour, index: int, stop: Stop) -> str:
    e = html.escape
    rows = [
        f"<b>{index}. {e(stop.name)}</b>",
        e(site_kind_fr(stop.kind)) + (f" — {e(stop.address)}" if stop.address else ""),
        f"{e(vehicle_label(tour))}, {e(date_fr(tour.date))}",
        f"Arrivée {time_fr(stop.arrive)} · installation {time_fr(stop.setup_start)}",
        f"Ouverture {time_fr(stop.start)}–{time_fr(stop.end)} ({duration_fr(stop.service_s)})",
        f"Départ {time_fr(stop.leave)}",
    ]
    walk = stop_walk(stop, index)
    if walk is not None:
        rows.append(e(walk.text))
    return "<br>".join(rows)


def _parking_icon(colour: str) -> folium.DivIcon:
    return folium.DivIcon(
        icon_size=(18, 18),
        icon_anchor=(9, 9),
        html=(
            f'<div style="width:16px;height:16px;background:white;color:{colour};border:2px solid {colour};'
            'font:bold 11px sans-serif;text-align:center;line-height:16px">P</div>'
        ),
    )


def _add_walk(layer: folium.FeatureGroup, walk: Walk, colour: str, label: str) -> None:
    """Where the vehicle parks (a P) and the way on foot to the stand or the depot (dashes)."""
    text = html.escape(walk.text)
    folium.PolyLine(
        [(lat, lon) for lon, lat in walk.geometry],
        color="#333333",
        weight=3,
        dash_array="4 6",
        tooltip=text,
    ).add_to(layer)
    where = (
        "Départ et retour des tournées"
        if walk.index == 0
        else f"Stationnement de l'arrêt {walk.index}"
    )
    folium.Marker(
        (walk.parking.lat, walk.parking.lon),
        icon=_parking_icon(colour),
        tooltip=html.escape(f"{where} — {label}"),
        popup=folium.Popup(f"<b>{html.escape(where)}</b><br>{text}", max_width=320),
    ).add_to(layer)


def _number_icon(number: int, colour: str) -> folium.DivIcon:
    return folium.DivIcon(
        icon_size=(24, 24),
        icon_anchor=(12, 12),
        html=(
            f'<div style="width:22px;height:22px;border-radius:11px;background:{colour};color:white;'
            f"border:2px solid white;box-shadow:0 0 2px #000;font:bold 12px sans-serif;text-align:center;"
            f'line-height:22px">{number}</div>'
        ),
    )


def _add_tour(
    layer: folium.FeatureGroup, plan: Plan, tour: Tour, colour: str, graph: nx.MultiDiGraph | None
) -> None:
    label = f"{vehicle_label(tour)} — {date_fr(tour.date)}"
    legs = tour_legs(plan, tour, graph=graph)
    walks = tour_walks(plan, tour)
    for walk in walks:
        _add_walk(layer, walk, colour, label)
    walked = {w.index for w in walks}
    for i, (stop, leg) in enumerate(zip(tour.stops, legs), start=1):
        end_lon, end_lat = leg.geometry[-1]
        if i in walked:
            continue
        if (end_lon, end_lat) != (stop.lon, stop.lat):  # the site stands off the street: join them
            folium.PolyLine(
                [(end_lat, end_lon), (stop.lat, stop.lon)],
                color="#555555",
                weight=2,
                dash_array="2 4",
                interactive=False,
            ).add_to(layer)
    for leg in legs:
        folium.PolyLine(
            [(lat, lon) for lon, lat in leg.geometry],
            color=colour,
            weight=5,
            opacity=0.85,
            dash_array="8 6" if leg.is_return else None,
            tooltip=html.escape(f"{label} : {leg.origin} → {leg.destination}"),
        ).add_to(layer)
    for i, stop in enumerate(tour.stops, start=1):
        folium.Marker(
            (stop.lat, stop.lon),
            icon=_number_icon(i, colour),
            tooltip=html.escape(f"{i}. {stop.name}"),
            popup=folium.Popup(_stop_popup(tour, i, stop), max_width=320),
        ).add_to(layer)


def _legend(plan: Plan, colours: dict[str, str]) -> branca.element.Element:
    names = {t.vehicle: vehicle_label(t) for t in plan.tours}
    items = "".join(
        f'<div><span style="display:inline-block;width:18px;height:5px;background:{c};margin-right:6px;'
        f'vertical-align:middle"></span>{html.escape(names[v])}</div>'
        for v, c in colours.items()
    )
    items += (
        f'<div><span style="display:inline-block;width:10px;height:10px;border-radius:5px;'
        f'background:{UNASSIGNED_COLOUR};margin:0 10px 0 4px"></span>site non visité</div>'
    )
    return branca.element.Element(
        '<div style="position:fixed;bottom:28px;right:10px;z-index:1000;background:white;padding:6px 8px;'
        f'font:12px sans-serif;border-radius:4px;box-shadow:0 0 4px #888">{items}</div>'
    )


def plan_map(
    plan: Plan, *, graphs: dict[str, nx.MultiDiGraph] | None = None, tiles: bool = False
) -> folium.Map:
    """The folium map of ``plan``; ``graphs`` (by profile) give the street background and paths."""
    graphs = graphs or {}
    west, south, east, north = plan_bounds(plan)
    fmap = folium.Map(
        location=((south + north) / 2, (west + east) / 2),
        zoom_start=15,
        tiles=None,
    )
    # Metric scale only: folium's ``control_scale=True`` takes no options and adds feet and miles.
    # No ``position=`` (Leaflet's default, bottom left): folium 0.20 then passes its list of
    # positions as extra arguments, and Leaflet would take the first one as the options.
    folium.Control("Scale", metric=True, imperial=False).add_to(fmap)
    if tiles:
        folium.TileLayer(
            "OpenStreetMap",
            name="Fond OpenStreetMap",
            attr=f'<a href="{ODBL_URL}">{ATTRIBUTION}</a>',
        ).add_to(fmap)
    else:
        fmap.add_child(_Attribution(f'<a href="{ODBL_URL}">{ATTRIBUTION}</a>'))
    for n, (profile, graph) in enumerate(
        sorted(graphs.items(), key=lambda item: item[0] != "drive")
    ):
        name = _PROFILE_FR.get(profile, f"rues ({profile})").capitalize()
        _street_layer(graph, name, show=n == 0).add_to(fmap)

    colours = vehicle_colours(plan)
    days = sorted({t.date for t in plan.tours})
    for n, day in enumerate(days):
        layer = folium.FeatureGroup(name=f"Tournées du {date_fr(day)}", show=n == 0)
        for tour in (t for t in plan.tours if t.date == day):
            _add_tour(layer, plan, tour, colours[tour.vehicle], graphs.get(tour.profile))
        layer.add_to(fmap)

    folium.Marker(
        (plan.depot.lat, plan.depot.lon),
        tooltip=html.escape(f"Dépôt : {plan.depot.name}"),
        popup=folium.Popup(f"<b>Dépôt</b><br>{html.escape(plan.depot.name)}", max_width=250),
        icon=folium.DivIcon(
            icon_size=(22, 22),
            icon_anchor=(11, 11),
            html=(
                '<div style="width:20px;height:20px;background:black;color:white;font:bold 12px sans-serif;'
                'text-align:center;line-height:20px;border:2px solid white">D</div>'
            ),
        ),
    ).add_to(fmap)

    located = [
        (u, u.lat, u.lon) for u in plan.unassigned if u.lat is not None and u.lon is not None
    ]
    if located:
        layer = folium.FeatureGroup(name="Sites non visités", show=True)
        for u, lat, lon in located:
            when = f" ({date_fr(u.date)})" if u.date else ""
            folium.CircleMarker(
                (lat, lon),
                radius=8,
                color=UNASSIGNED_COLOUR,
                fill=True,
                fill_color=UNASSIGNED_COLOUR,
                fill_opacity=0.5,
                tooltip=html.escape(f"Non visité : {u.name}"),
                popup=folium.Popup(
                    f"<b>{html.escape(u.name)}</b><br>Non visité{html.escape(when)} : "
                    f"{html.escape(u.reason)}",
                    max_width=300,
                ),
            ).add_to(layer)
        layer.add_to(fmap)

    # get_root() is typed as returning an Element; a Map's root is a Figure, which has .html.
    fmap.get_root().html.add_child(_legend(plan, colours))  # type: ignore[attr-defined]
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([(south, west), (north, east)], padding=(40, 40))
    return fmap


LEAFLET_DIR = Path(__file__).parent / "static" / "leaflet"  # Leaflet 1.9.4 (BSD-2-Clause), from npm


def _inline_leaflet(fmap: folium.Map) -> None:
    """Embed Leaflet in the page instead of folium's CDN links (jQuery, Bootstrap, Font Awesome
    are not used by our markers), so the map opens with no network at all."""
    fmap.default_js = []
    fmap.default_css = []
    css = (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")
    js = (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8")
    # folium builds popups with jQuery's $(`<div>…</div>`)[0]; this is all of jQuery it needs.
    shim = (
        "window.$ = window.$ || function (html) { var t = document.createElement('template');"
        " t.innerHTML = html.trim(); return [t.content.firstChild]; };"
    )
    # get_root() is typed as returning an Element; a Map's root is a Figure, which has .header.
    fmap.get_root().header.add_child(  # type: ignore[attr-defined]
        branca.element.Element(
            f"<style>{css}</style>\n<script>{js}</script>\n<script>{shim}</script>"
        ),
        name="leaflet",
    )


def write_plan_map(plan: Plan, path: Path, **options) -> Path:
    """Save `plan_map` as one self-contained HTML file (Leaflet embedded; tiles only if asked)."""
    fmap = plan_map(plan, **options)
    _inline_leaflet(fmap)
    fmap.save(str(path))
    return Path(path)
