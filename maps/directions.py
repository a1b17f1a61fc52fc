"""French turn-by-turn directions from a leg's node path on an (unsimplified) street graph.

Streets are named the French way, by their type: « dans la rue du Laurier », « sur le boulevard
du Théâtre », « sur l'avenue … ». Names are compared without case, accents, apostrophes or a
leading type abbreviation (« Bd », « Av. »), so that two OSM spellings of one street are one
stretch, told with its first spelling.

Consecutive edges of the same street are merged into one stretch; at each change of street the
turn is measured on node coordinates about ``BEARING_REACH_M`` before and after the junction, so
that the tiny segments of an unsimplified graph do not make the angle noisy. Roundabouts are one
instruction with the number of the exit taken.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

import networkx as nx

from dynamobile.errors import StreetDataError
from dynamobile.french import compass_point_fr, distance_fr

BEARING_REACH_M = 20.0  # how far along the path the turn angle is measured, each side of a junction
SHORT_UNNAMED_M = 12.0  # an unnamed stretch shorter than this between two streets is not announced
# An unnamed link shorter than this between two stretches of one street (a slip road, a split
# carriageway) is part of that street: « Continuez sur l'avenue X » after it would repeat it.
SAME_STREET_LINK_M = 45.0

# Instruction kinds.
DEPART = "depart"
TURN = "turn"
CONTINUE = "continue"
FORK = "fork"
UTURN = "uturn"
ROUNDABOUT = "roundabout"
ARRIVE = "arrive"

_UNNAMED = {
    "footway": "le chemin",
    "path": "le chemin",
    "track": "le chemin",
    "bridleway": "le chemin",
    "steps": "l'escalier",
    "cycleway": "la piste cyclable",
    "pedestrian": "la voie piétonne",
    "service": "la voie de service",
    "living_street": "la zone de rencontre",
}
# Street types: the word as written after its article, the preposition a driver turns with, and
# the article ("l'" before a vowel).
_TYPES: dict[str, tuple[str, str, str]] = {
    "rue": ("rue", "dans", "la"),
    "ruelle": ("ruelle", "dans", "la"),
    "impasse": ("impasse", "dans", "l'"),
    "allee": ("allée", "dans", "l'"),
    "passage": ("passage", "dans", "le"),
    "faubourg": ("faubourg", "dans", "le"),
    "avenue": ("avenue", "sur", "l'"),
    "boulevard": ("boulevard", "sur", "le"),
    "place": ("place", "sur", "la"),
    "placette": ("placette", "sur", "la"),
    "square": ("square", "sur", "le"),
    "esplanade": ("esplanade", "sur", "l'"),
    "quai": ("quai", "sur", "le"),
    "pont": ("pont", "sur", "le"),
    "chemin": ("chemin", "sur", "le"),
    "cours": ("cours", "sur", "le"),
    "route": ("route", "sur", "la"),
    "montee": ("montée", "sur", "la"),
    "rampe": ("rampe", "sur", "la"),
    "promenade": ("promenade", "sur", "la"),
    "rond-point": ("rond-point", "sur", "le"),
    "giratoire": ("giratoire", "sur", "le"),
    "carrefour": ("carrefour", "sur", "le"),
    "parvis": ("parvis", "sur", "le"),
    "voie": ("voie", "sur", "la"),
    "sentier": ("sentier", "sur", "le"),
}
# Leading abbreviations met in OSM names, folded (no case, accent or dot).
_ABBREVIATIONS = {
    "bd": "boulevard",
    "bld": "boulevard",
    "blvd": "boulevard",
    "boul": "boulevard",
    "av": "avenue",
    "ave": "avenue",
    "pl": "place",
    "r": "rue",
    "rte": "route",
    "ch": "chemin",
    "che": "chemin",
    "imp": "impasse",
    "all": "allee",
    "sq": "square",
    "rpt": "rond-point",
    "mte": "montee",
}
_ROUNDABOUT_TYPES = ("rond-point", "giratoire", "carrefour")


@dataclass(frozen=True)
class Instruction:
    """One manoeuvre: ``text`` (French) at (``lat``, ``lon``), then ``distance_m`` on ``street``.

    ``kind`` is one of depart, turn, continue, fork, uturn, roundabout, arrive; ``exit`` is the
    roundabout exit number (0 otherwise).
    """

    text: str
    distance_m: float
    street: str
    kind: str
    lat: float
    lon: float
    exit: int = 0


@dataclass(frozen=True)
class _Stretch:
    """Consecutive path nodes on one street (or one roundabout)."""

    nodes: tuple[int, ...]
    label: str  # street name as first spelt on the stretch, or "" when unnamed
    highway: str
    roundabout: bool
    length_m: float


def ordinal_fr(n: int) -> str:
    """French ordinal abbreviation for an exit: 1re, 2e, 3e…"""
    return "1re" if n == 1 else f"{n}e"


def street_label(data: dict) -> str:
    """The name of an edge as one string ("" when the way has no name)."""
    name = data.get("name")
    if isinstance(name, list):
        name = " / ".join(str(n) for n in dict.fromkeys(name) if n)
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return ""
    return str(name).strip()


def _first(value) -> str:
    value = value[0] if isinstance(value, list) else value
    return "" if value is None else str(value)


def _fold(text: str) -> str:
    """Lower case, no accents, apostrophes, hyphens or dots: "Boulevard du Théatre" → "boulevard du theatre"."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain.lower()).split())


_TYPE_KEYS = {_fold(word): word for word in _TYPES}
_LEADING_WORD = re.compile(
    r"^\s*(rond[\s-]+point|[^\W\d_]+)\.?(?:\s+|$)(.*)$", re.IGNORECASE | re.DOTALL
)


def _street_type(label: str) -> tuple[str, str]:
    """(type key of ``_TYPES``, rest of the name as written), or ("", label) when no type leads."""
    match = _LEADING_WORD.match(label)
    if not match:
        return "", label
    folded = _fold(match.group(1))
    folded = _ABBREVIATIONS.get(folded, folded)
    word = _TYPE_KEYS.get(folded, "")
    return (word, match.group(2).strip()) if word else ("", label)


def name_key(label: str) -> str:
    """What two spellings of one street share: "Bd du Théatre" and "Boulevard du Théâtre" alike."""
    word, rest = _street_type(label)
    return _fold(f"{word} {rest}" if word else label)


def street_words(label: str, highway: str) -> tuple[str, str]:
    """(preposition, named way): ("dans", "la rue du Laurier"), ("sur", "l'avenue de Lyon"),
    ("sur", "la voie de service") for an unnamed way, ("sur", label) for a name without a type."""
    if not label:
        return "dans" if highway == "living_street" else "sur", _UNNAMED.get(
            highway, "la voie sans nom"
        )
    word, rest = _street_type(label)
    if not word:
        return "sur", label
    written, preposition, article = _TYPES[word]
    named = f"{article}{written}" if article.endswith("'") else f"{article} {written}"
    return preposition, f"{named} {rest}" if rest else named


def street_phrase(label: str, highway: str) -> str:
    """How a turn names the way taken: "dans la rue du Laurier", "sur le quai Charles Ravet"."""
    return " ".join(street_words(label, highway))


def _of(label: str, highway: str) -> str:
    """The way after "de": "du boulevard …", "de la place …", "de l'avenue …" (a bare name as is)."""
    named = street_words(label, highway)[1]
    if label and not _street_type(label)[0]:
        return named
    if named.startswith("le "):
        return "du " + named[3:]
    return "de " + named


def _roundabout_name(label: str) -> str:
    """What follows "Au rond-point": " de la Cassine" for "Rond-point de la Cassine", " de la place
    Ronde" for "Place Ronde", nothing when the ring has no name."""
    if not label:
        return ""
    word, rest = _street_type(label)
    if word in _ROUNDABOUT_TYPES:
        return f" {rest}" if rest else ""
    return f" {_of(label, '')}"


def _edge(G: nx.MultiDiGraph, u: int, v: int) -> dict:
    edges = G.get_edge_data(u, v)
    if not edges:
        raise StreetDataError(
            f"le trajet passe par un tronçon absent du graphe de rues ({u} → {v}) : "
            "le plan a-t-il été calculé sur ces mêmes rues ?"
        )
    return min(edges.values(), key=lambda d: float(d.get("length", 0.0)))


def _xy(G: nx.MultiDiGraph, node: int) -> tuple[float, float]:
    data = G.nodes[node]
    return float(data["x"]), float(data["y"])


def bearing_deg(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Initial compass bearing (0 = north, 90 = east) from the first point to the second."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dlon = math.radians(lon2 - lon1)
    x = math.sin(dlon) * math.cos(phi2)
    y = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dlon)
    return math.degrees(math.atan2(x, y)) % 360.0


def turn_angle(bearing_in: float, bearing_out: float) -> float:
    """Signed turn in degrees, in (-180, 180]: positive to the right, negative to the left."""
    delta = (bearing_out - bearing_in + 180.0) % 360.0 - 180.0
    return 180.0 if delta == -180.0 else delta


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular distance between two (lon, lat) points: exact enough over a few metres."""
    k = math.cos(math.radians((a[1] + b[1]) / 2.0))
    return 6_371_000.0 * math.radians(math.hypot((b[0] - a[0]) * k, b[1] - a[1]))


def _point_along(G: nx.MultiDiGraph, nodes: list[int], reach_m: float) -> int:
    """The first node of ``nodes`` (after the first) at least ``reach_m`` along them."""
    travelled = 0.0
    for u, v in zip(nodes, nodes[1:]):
        travelled += _metres(_xy(G, u), _xy(G, v))
        if travelled >= reach_m:
            return v
    return nodes[-1] if len(nodes) > 1 else nodes[0]


def _bearings_at(G: nx.MultiDiGraph, path: list[int], i: int) -> tuple[float, float]:
    """Bearing arriving at ``path[i]`` and bearing leaving it, each measured over ~20 m."""
    here = _xy(G, path[i])
    before = _xy(G, _point_along(G, path[i::-1], BEARING_REACH_M))
    after = _xy(G, _point_along(G, path[i:], BEARING_REACH_M))
    return bearing_deg(*before, *here), bearing_deg(*here, *after)


def _stretches(G: nx.MultiDiGraph, path: list[int]) -> list[_Stretch]:
    stretches: list[_Stretch] = []
    nodes, key, length, first_label = [path[0]], None, 0.0, ""
    for i, (u, v) in enumerate(zip(path, path[1:])):
        data = _edge(G, u, v)
        roundabout = _first(data.get("junction")) in ("roundabout", "circular")
        label = street_label(data)
        highway = _first(data.get("highway"))
        # Unnamed ways of types read the same ("la voie sans nom") are one stretch; so are the
        # spellings of one name.
        this = (name_key(label), "" if label or highway not in _UNNAMED else highway, roundabout)
        u_turn = i > 0 and path[i - 1] == v
        if key is not None and (this != key or u_turn):
            stretches.append(_Stretch(tuple(nodes), first_label, key[1], key[2], length))
            nodes, length = [u], 0.0
        if key is None or this != key or u_turn:
            first_label = label
        key = this
        nodes.append(v)
        length += float(data.get("length", 0.0))
    if key is not None:
        stretches.append(_Stretch(tuple(nodes), first_label, key[1], key[2], length))
    return _absorb_short_unnamed(stretches)


def _absorb_short_unnamed(stretches: list[_Stretch]) -> list[_Stretch]:
    """Fold a few metres of unnamed link between two streets into the street before it."""
    out: list[_Stretch] = []
    for i, s in enumerate(stretches):
        short = not s.label and not s.roundabout and s.length_m < SHORT_UNNAMED_M
        nxt = stretches[i + 1] if i + 1 < len(stretches) else None
        if (
            not short
            and out
            and nxt is not None
            and not s.label
            and not s.roundabout
            and s.length_m < SAME_STREET_LINK_M
            and out[-1].label
            and not out[-1].roundabout
            and not nxt.roundabout
            and name_key(out[-1].label) == name_key(nxt.label)
        ):
            short = True  # a link between two stretches of one street
        if out and short and i < len(stretches) - 1 and not out[-1].roundabout:
            prev = out[-1]
            out[-1] = _Stretch(
                prev.nodes + s.nodes[1:],
                prev.label,
                prev.highway,
                False,
                prev.length_m + s.length_m,
            )
        else:
            out.append(s)
    # Two stretches of one street may now touch: merge them.
    merged: list[_Stretch] = []
    for s in out:
        p = merged[-1] if merged else None
        if (
            p is not None
            and (name_key(p.label), p.highway, p.roundabout)
            == (name_key(s.label), s.highway, s.roundabout)
            and not (len(p.nodes) > 1 and len(s.nodes) > 1 and p.nodes[-2] == s.nodes[1])
        ):
            merged[-1] = _Stretch(
                p.nodes + s.nodes[1:], p.label, p.highway, p.roundabout, p.length_m + s.length_m
            )
        else:
            merged.append(s)
    return merged


def _is_fork(G: nx.MultiDiGraph, path: list[int], i: int, angle: float, bearing_in: float) -> str:
    """ "gauche"/"droite" when a near-straight way also leaves the junction, else ""."""
    node, prev, nxt = path[i], path[i - 1], path[i + 1]
    others = []
    for w in G.successors(node):
        if w in (prev, nxt):
            continue
        others.append(turn_angle(bearing_in, bearing_deg(*_xy(G, node), *_xy(G, w))))
    close = [a for a in others if abs(a) < 50]
    if not close:
        return ""
    if angle < min(close):
        return "gauche"
    if angle > max(close):
        return "droite"
    return ""


def _turn_words(angle: float) -> tuple[str, str]:
    """(kind, French verb phrase) for a signed turn angle."""
    side = "droite" if angle > 0 else "gauche"
    a = abs(angle)
    if a < 20:
        return CONTINUE, "Continuez tout droit"
    if a < 60:
        return TURN, f"Tournez légèrement à {side}"
    if a < 120:
        return TURN, f"Tournez à {side}"
    if a < 165:
        return TURN, f"Tournez fortement à {side}"
    return UTURN, "Faites demi-tour"


def _roundabout_exit(G: nx.MultiDiGraph, ring: _Stretch) -> int:
    """Number of the exit taken: ring nodes after the entry with a way leaving the ring."""
    ring_nodes = set(ring.nodes)
    count = 0
    for node in ring.nodes[1:]:
        for w in G.successors(node):
            data = _edge(G, node, w)
            if (
                _first(data.get("junction")) not in ("roundabout", "circular")
                and w not in ring_nodes
            ):
                count += 1
                break
    return max(count, 1)


def directions(
    G: nx.MultiDiGraph, path: list[int] | tuple[int, ...], *, destination: str = ""
) -> tuple[Instruction, ...]:
    """Turn-by-turn instructions along ``path`` (street-graph node ids), in French.

    Raises
    ------
    StreetDataError
        If two consecutive nodes of ``path`` are not joined by an edge of ``G``.
    """
    path = list(path)
    if len(path) < 2:
        return ()
    stretches = _stretches(G, path)
    out: list[Instruction] = []
    position = 0  # index in ``path`` of the current stretch's first node
    for k, s in enumerate(stretches):
        if k > 0 and stretches[k - 1].roundabout:
            position += len(s.nodes) - 1  # announced with the roundabout exit
            continue
        lon, lat = _xy(G, s.nodes[0])
        onto = street_phrase(s.label, s.highway)
        nxt = stretches[k + 1] if k + 1 < len(stretches) else None
        if s.roundabout:
            exit_no = _roundabout_exit(G, s) if nxt else 0
            ring_name = _roundabout_name(s.label)
            if nxt:
                after = street_words(nxt.label, nxt.highway)[1]
                text = (
                    f"Au rond-point{ring_name}, prenez la {ordinal_fr(exit_no)} sortie vers {after}"
                )
                out.append(
                    Instruction(
                        text, s.length_m + nxt.length_m, nxt.label, ROUNDABOUT, lat, lon, exit_no
                    )
                )
            else:
                text = f"Entrez dans le rond-point{ring_name}"
                out.append(Instruction(text, s.length_m, s.label, ROUNDABOUT, lat, lon))
        elif k == 0:
            start_bearing = bearing_deg(
                *_xy(G, s.nodes[0]), *_xy(G, _point_along(G, list(s.nodes), BEARING_REACH_M))
            )
            heading = compass_point_fr(start_bearing)
            out.append(
                Instruction(f"Partez vers {heading} {onto}", s.length_m, s.label, DEPART, lat, lon)
            )
        else:
            b_in, b_out = _bearings_at(G, path, position)
            angle = turn_angle(b_in, b_out)
            kind, verb = _turn_words(angle)
            fork = _is_fork(G, path, position, angle, b_in) if abs(angle) < 50 else ""
            if fork:
                kind, verb = FORK, f"Serrez à {fork}"
            text = verb if kind == UTURN else f"{verb} {onto}"
            if kind == UTURN and s.label:
                text = f"Faites demi-tour {onto}"
            out.append(Instruction(text, s.length_m, s.label, kind, lat, lon))
        position += len(s.nodes) - 1
    lon, lat = _xy(G, path[-1])
    arrive = f"Arrivée : {destination}" if destination else "Vous êtes arrivé"
    out.append(Instruction(arrive, 0.0, stretches[-1].label, ARRIVE, lat, lon))
    return tuple(out)


def instruction_line(instruction: Instruction) -> str:
    """The instruction followed by the distance to cover: "Tournez à droite dans la rue X, sur 250 m"."""
    if instruction.kind == ARRIVE or instruction.distance_m <= 0:
        return instruction.text
    return f"{instruction.text}, sur {distance_fr(instruction.distance_m)}"


def spoken_lines(instructions: tuple[Instruction, ...]) -> list[str]:
    """Instructions announced ahead: "Dans 250 m, tournez à droite dans la rue X"."""
    lines = []
    for prev, inst in zip((None, *instructions), instructions):
        if prev is None:
            lines.append(instruction_line(inst))
        else:
            lines.append(
                f"Dans {distance_fr(prev.distance_m)}, {inst.text[0].lower()}{inst.text[1:]}"
            )
    return lines
