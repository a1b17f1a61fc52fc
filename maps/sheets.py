"""Printable A4 route sheets: one PDF per tour, rendered offline with reportlab.

Page 1 carries the title, the header (vehicle, crew, date, QR code to the tour in the field
app) beside the map, and the timetable; turn-by-turn directions follow, leg by leg, in two
balanced columns, and flow onto further pages rather than shrinking, each later page headed by
the tour's name. A tour of up to `ONE_PAGE_STOPS` stops that overflows is set again denser to
fit one page. Everything reads in black and white: the map's route has one style, its legs are
numbered like the directions, and the stops by their numbers.
"""

from __future__ import annotations

import io
import os
import re
from html import escape
from pathlib import Path
from urllib.parse import quote

import matplotlib
import networkx as nx
import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BalancedColumns,
    CondPageBreak,
    Flowable,
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from dynamobile.french import (
    date_fr,
    distance_fr,
    duration_fr,
    leg_fr,
    plural,
    site_kind_fr,
    time_fr,
    vehicle_title_fr,
)
from dynamobile.plan import Plan, Tour
from dynamobile.report import breaks_by_place

from .directions import directions
from .legs import (
    ATTRIBUTION,
    Leg,
    Walk,
    address_without_name,
    depot_start_text,
    depot_walk,
    stop_walk,
    tour_legs,
    vehicle_label,
)
from .staticmap import render_tour_map

DEFAULT_TOUR_URL = "{base_url}/tours/{vehicle}/{date}"
_MARGIN = 14 * mm
_WIDTH = A4[0] - 2 * _MARGIN
_FRAME_PADDING = 6  # points, each side of SimpleDocTemplate's frame: the margins leave room for it
# Page 1: the header on the left, the map beside it, then the timetable across the page, then
# the directions in two columns; a short tour (the demo's: 3 or 4 stops) fits one page.
_MAP_WIDTH = 104 * mm
_MAP_HEIGHT = 66 * mm
# A tour of up to ONE_PAGE_STOPS stops that overflows is set again denser (lower map, tighter
# direction rows, the date in the title) to fit one page; text keeps its size.
ONE_PAGE_STOPS = 6
_DENSE_MAP_HEIGHT = 50 * mm
_GUTTER = 5 * mm  # between the header and the map, and between the two direction columns
_SIDE_WIDTH = _WIDTH - _MAP_WIDTH - _GUTTER
_KEEP_WITH_TITLE = 20 * mm  # room for a heading and its first lines, else start a new page
# Printed instead of the QR code when no public address is known: a sheet never points to
# localhost, which no phone can open.
NO_QR_NOTE = "QR code absent : indiquez --url (adresse publique de l'application)"


def _register_fonts() -> tuple[str, str]:
    """DejaVu Sans (shipped with matplotlib) covers every street name; Helvetica does not."""
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(ttf / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(ttf / "DejaVuSans-Bold.ttf")))
        # <b> in a paragraph picks the family's bold face
        registerFontFamily("DejaVuSans", normal="DejaVuSans", bold="DejaVuSans-Bold")
    return "DejaVuSans", "DejaVuSans-Bold"


_FONT, _BOLD = _register_fonts()
_STYLES = {
    "title": ParagraphStyle("title", fontName=_BOLD, fontSize=15, leading=17.5),
    "subtitle": ParagraphStyle("subtitle", fontName=_FONT, fontSize=12, leading=15),
    "h2": ParagraphStyle(
        "h2", fontName=_BOLD, fontSize=11.5, leading=13, spaceBefore=5, spaceAfter=2
    ),
    "h2_dense": ParagraphStyle(
        "h2_dense", fontName=_BOLD, fontSize=10.5, leading=12, spaceBefore=2, spaceAfter=1
    ),
    "h3": ParagraphStyle(
        "h3", fontName=_BOLD, fontSize=8.5, leading=10.5, spaceBefore=5, spaceAfter=2
    ),
    "body": ParagraphStyle("body", fontName=_FONT, fontSize=9, leading=11.5),
    "small": ParagraphStyle("small", fontName=_FONT, fontSize=7.5, leading=9),
    "cell": ParagraphStyle("cell", fontName=_FONT, fontSize=8.5, leading=10.5),
    "step": ParagraphStyle("step", fontName=_FONT, fontSize=8, leading=9.5),
    "step_dense": ParagraphStyle("step_dense", fontName=_FONT, fontSize=8, leading=9),
}


def tour_url(tour: Tour, *, base_url: str, template: str = DEFAULT_TOUR_URL) -> str:
    """The field-app address of ``tour`` (``template`` may use base_url, vehicle and date)."""
    return template.format(
        base_url=base_url.rstrip("/"),
        vehicle=quote(tour.vehicle, safe=""),
        date=tour.date.isoformat(),
    )


def sheet_filename(tour: Tour) -> str:
    """``sheet-<vehicle>-<date>.pdf`` with the vehicle id made file-name safe."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", tour.vehicle).strip("-") or "vehicule"
    return f"sheet-{slug}-{tour.date.isoformat()}.pdf"


class QRCode(Flowable):
    """A QR code drawn as vector squares (sharp at any print resolution)."""

    def __init__(self, data: str, size: float):
        super().__init__()
        self.data = data
        self.matrix = segno.make(data, error="m").matrix
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        n = len(self.matrix) + 4  # quiet zone of two modules each side
        module = self.size / n
        # The same address as a link: clickable when the sheet is read on screen.
        self.canv.linkURL(self.data, (0, 0, self.size, self.size), relative=1)
        self.canv.setFillColor(colors.black)
        for r, row in enumerate(self.matrix):
            for c, dark in enumerate(row):
                if dark:
                    self.canv.rect(
                        (c + 2) * module,
                        self.size - (r + 3) * module,
                        module,
                        module,
                        stroke=0,
                        fill=1,
                    )


def _numbered_canvas(footer: str, running_head: str):
    """A canvas class that writes ``footer`` and "page n/N" once the page count is known, and
    ``running_head`` atop every page after the first (a loose page 2 still names its tour)."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(_FONT, 7.5)
                self.setFillColor(colors.black)
                self.drawString(_MARGIN, 8 * mm, f"{footer} — {ATTRIBUTION}")
                self.drawRightString(
                    A4[0] - _MARGIN, 8 * mm, f"page {self._pageNumber}/{len(self._pages)}"
                )
                if self._pageNumber > 1:
                    self.setFont(_BOLD, 9)
                    self.drawString(_MARGIN, A4[1] - 10.5 * mm, running_head)
                    self.setLineWidth(0.5)
                    self.line(_MARGIN, A4[1] - 11.8 * mm, A4[0] - _MARGIN, A4[1] - 11.8 * mm)
                super().showPage()
            super().save()

    return NumberedCanvas


def _header(
    plan: Plan, tour: Tour, url: str | None, no_qr_note: str, *, dense: bool = False
) -> list[Flowable]:
    """Date (in the title when ``dense``), vehicle, crew, depot and figures, the QR code and the
    map's key: the column beside the map, under the title."""
    crew = ", ".join(tour.crew) if tour.crew else "—"
    body = _STYLES["body"]
    lines: list[Flowable] = []
    if not dense:
        lines += [Paragraph(date_fr(tour.date).capitalize(), _STYLES["subtitle"]), Spacer(1, 3)]
    lines += [
        Paragraph(
            f"<b>Véhicule :</b> {vehicle_title_fr(vehicle_label(tour), tour.vehicle_kind)}", body
        ),
        Paragraph(f"<b>Équipage :</b> {crew}", body),
        Paragraph(f"<b>Dépôt :</b> {plan.depot.name}", body),
        Paragraph(f"<b>Départ</b> {time_fr(tour.start)}, <b>retour</b> {time_fr(tour.end)}", body),
        Paragraph(
            f"<b>Parcours :</b> {plural(len(tour.stops), 'arrêt')}, {distance_fr(tour.distance_m)}, "
            f"{duration_fr(tour.drive_s)} de route",
            body,
        ),
        Spacer(1, 4),
    ]
    if url is None:
        lines.append(Paragraph(no_qr_note, _STYLES["small"]))
    else:
        side = 15 * mm if dense else 22 * mm
        qr = QRCode(url, side)
        caption = Paragraph("Ouvrir la tournée dans l'application", _STYLES["small"])
        row = Table([[qr, caption]], colWidths=[side + 2 * mm, _SIDE_WIDTH - side - 2 * mm])
        row.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        lines.append(row)
    lines += [Spacer(1, 2 if dense else 4), Paragraph(_MAP_KEY, _STYLES["small"])]
    return lines


_MAP_KEY = (
    "Carte : T1, T2… = trajets, R = retour (voir « Itinéraire »), flèches = sens ; "
    "① = arrêt, D = dépôt, P = stationnement, reliés à leur point ; tirets = à pied."
)


def _top(header: list[Flowable], map_png: bytes, map_height: float) -> Table:
    """The header column and the map side by side."""
    image = Image(io.BytesIO(map_png), width=_MAP_WIDTH, height=map_height)
    table = Table([[header, image]], colWidths=[_SIDE_WIDTH + _GUTTER, _MAP_WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), _GUTTER),
                ("RIGHTPADDING", (1, 0), (1, 0), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


_POSTCODE = re.compile(r"\d{5}\b")


def _timetable(plan: Plan, tour: Tour, *, dense: bool = False) -> Table:
    cell = _STYLES["cell"]
    rows: list[list] = [["N°", "Lieu", "Arrivée", "Installation", "Ouvert au public", "Départ"]]
    spans = []
    between, on_arrival = breaks_by_place(tour)

    def add_break(b) -> None:
        rows.append(
            [
                "",
                Paragraph(b.label, cell),
                Paragraph(f"{time_fr(b.start)} – {time_fr(b.end)}", cell),
                "",
                "",
                "",
            ]
        )
        spans.append(("SPAN", (2, len(rows) - 1), (-1, len(rows) - 1)))

    for b in tour.breaks:  # taken at the depot before leaving
        if b.end <= tour.start:
            add_break(b)
    from_depot = depot_walk(plan, tour)
    depot_place = Paragraph(
        "Départ du dépôt"
        + (
            ""
            if from_depot is None
            else f" <font size=7.5>— {escape(depot_start_text(from_depot))}</font>"
        ),
        cell,
    )
    rows.append(["D", depot_place, "", "", "", time_fr(tour.start)])
    for i, stop in enumerate(tour.stops, start=1):
        if i - 1 in between:
            add_break(between[i - 1])
        address = address_without_name(stop.name, stop.address)
        if dense:  # the postcode and town are the same on every row: one line per stop
            address = ", ".join(p for p in address.split(", ") if not _POSTCODE.match(p))
        walk = stop_walk(stop, i)
        detail = ", ".join(x for x in (site_kind_fr(stop.kind), address) if x)
        if walk is not None:  # the vehicle parks away from the stand: where, and the way on foot
            detail = f"{detail}. {walk.short}" if detail else walk.short
        if i - 1 in on_arrival:  # on arrival, before setting up
            b = on_arrival[i - 1]
            pause = f"{b.label} {time_fr(b.start)} – {time_fr(b.end)} avant l'installation"
            detail = f"{detail}. {pause}" if detail else pause
        # The details run on after the name, in small type: one line per stop when they fit.
        place = Paragraph(
            f"<b>{escape(stop.name)}</b>"
            + (f" <font size=7.5>— {escape(detail)}</font>" if detail else ""),
            cell,
        )
        rows.append(
            [
                str(i),
                place,
                time_fr(stop.arrive),
                time_fr(stop.setup_start),
                f"{time_fr(stop.start)} – {time_fr(stop.end)}",
                time_fr(stop.leave),
            ]
        )
    if len(tour.stops) in between:
        add_break(between[len(tour.stops)])
    rows.append(
        [
            "D",
            Paragraph("Retour au dépôt", cell),
            time_fr(tour.end),
            "",
            "",
            "",
        ]
    )
    for b in tour.breaks:  # at the depot after the return
        if b.start >= tour.end:
            add_break(b)
    fixed = [15 * mm, 19 * mm, 27 * mm, 15 * mm]
    widths = [7 * mm, _WIDTH - 7 * mm - sum(fixed), *fixed]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), _FONT, 8.5),
                ("FONT", (0, 0), (-1, 0), _BOLD, 8),
                ("TOPPADDING", (0, 0), (-1, -1), 0.3 if dense else 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1 if dense else 1.5),
                ("FONT", (0, 1), (0, -1), _BOLD, 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dddddd")),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor("#888888")),
                ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (2, 0), (-1, -1), "CENTER"),
                ("ALIGN", (0, 0), (0, -1), "CENTER"),
                *spans,
            ]
        )
    )
    return table


def _leg_title(leg: Leg) -> str:
    """« Trajet 2 : de A à B — 650 m, 2 min » (« T2 » on the map, « R » for « Retour »); the
    depot, named in the header, is « le dépôt » here."""
    what = "Retour" if leg.is_return else f"Trajet {leg.index}"
    origin = "du dépôt" if leg.index == 1 else f"de {leg.origin}"
    destination = "au dépôt" if leg.is_return else f"à {leg.destination}"
    return f"{what} : {origin} {destination} — {leg_fr(leg.distance_m, leg.drive_s)}"


_COLUMN = (_WIDTH - _GUTTER) / 2  # one of the two direction columns
_STEP_WIDTHS = (5 * mm, _COLUMN - 5 * mm - 10.5 * mm, 10.5 * mm)


def _leg_directions(
    leg: Leg, graph: nx.MultiDiGraph | None, walk: Walk | None = None, *, dense: bool = False
) -> Flowable:
    """One leg as one table: its title, then the numbered steps, arriving where the vehicle
    parks and giving the ``walk`` from there. It splits between steps when a column is full,
    never right after the title nor before the last step alone."""
    title = Paragraph(_leg_title(leg), _STYLES["h3"])
    step_style = _DENSE_STEP_STYLE if dense else _STEP_STYLE
    rows: list[list] = [[title, "", ""]]
    if graph is None or len(leg.path) < 2:
        rows.append(
            [
                "",
                Paragraph("Indications détaillées indisponibles pour ce trajet.", _STYLES["step"]),
                "",
            ]
        )
        if walk is not None:
            rows.append(["", Paragraph(walk.text, _STYLES["step"]), ""])
    else:
        # With a walk, the vehicle arrives where it parks, then the crew walks to the stand.
        destination = leg.destination if walk is None else walk.arrival
        for n, inst in enumerate(directions(graph, leg.path, destination=destination), 1):
            rows.append(
                [
                    f"{n}.",
                    Paragraph(inst.text, _STYLES["step_dense" if dense else "step"]),
                    "" if inst.distance_m <= 0 else distance_fr(inst.distance_m),
                ]
            )
    last = len(rows) - 1
    table = Table(rows, colWidths=_STEP_WIDTHS, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                *step_style.getCommands(),
                ("SPAN", (0, 0), (-1, 0)),
                ("LEFTPADDING", (0, 0), (-1, 0), 0),
                ("TOPPADDING", (0, 0), (-1, 0), 2.5 if dense else 4),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 2),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("NOSPLIT", (0, 0), (-1, min(2, last))),  # the title keeps two steps
                ("NOSPLIT", (0, max(last - 1, 0)), (-1, last)),  # the arrival is not alone
            ]
        )
    )
    return table


def _leg_walk(plan: Plan, tour: Tour, leg: Leg) -> Walk | None:
    """The walk at the end of ``leg``: to its stop's stand, or to the depot for the return."""
    if leg.is_return:
        return depot_walk(plan, tour)
    return stop_walk(tour.stops[leg.index - 1], leg.index)


_STEP_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), _FONT, 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (0, 0), (0, -1), "RIGHT"),
        ("ALIGN", (2, 0), (2, -1), "RIGHT"),
        ("LEFTPADDING", (0, 0), (-1, -1), 1.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1.5),
        ("TOPPADDING", (0, 0), (-1, -1), 0.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
        ("LINEBELOW", (0, 1), (-1, -2), 0.25, colors.HexColor("#bbbbbb")),
    ]
)


_DENSE_STEP_STYLE = TableStyle(
    [
        *_STEP_STYLE.getCommands(),
        ("TOPPADDING", (0, 0), (-1, -1), 0.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.9),
    ]
)


def render_sheet(
    plan: Plan,
    tour: Tour,
    *,
    graph: nx.MultiDiGraph | None = None,
    base_url: str | None = None,
    url_template: str = DEFAULT_TOUR_URL,
    no_qr_note: str = NO_QR_NOTE,
) -> bytes:
    """The PDF bytes of the route sheet of ``tour`` (directions need ``graph``).

    The QR code opens the tour at ``base_url``, the field app's public address; without one the
    sheet has no QR code and prints ``no_qr_note`` in its place.
    """
    url = None if base_url is None else tour_url(tour, base_url=base_url, template=url_template)
    if len(tour.stops) > ONE_PAGE_STOPS:
        return _build(plan, tour, graph, url, no_qr_note, dense=False)[0]
    # Try first the setting that likely fits, so that a sheet is mostly built once.
    if _overflows(plan, tour, graph, url, no_qr_note):
        pdf, pages = _build(plan, tour, graph, url, no_qr_note, dense=True)
        if pages == 1:
            return pdf
        return _build(plan, tour, graph, url, no_qr_note, dense=False)[0]
    pdf, pages = _build(plan, tour, graph, url, no_qr_note, dense=False)
    if pages > 1:
        dense_pdf, dense_pages = _build(plan, tour, graph, url, no_qr_note, dense=True)
        if dense_pages == 1:
            return dense_pdf
    return pdf


_FRAME_HEIGHT = A4[1] - _MARGIN - 16 * mm  # page 1's room in the normal setting


def _overflows(
    plan: Plan, tour: Tour, graph: nx.MultiDiGraph | None, url: str | None, no_qr_note: str
) -> bool:
    """Whether the normal setting likely needs a second page (an estimate: the build decides)."""
    header = _header(plan, tour, url, no_qr_note)
    side = sum(f.wrap(_SIDE_WIDTH, _FRAME_HEIGHT)[1] for f in header) + 2 * len(header)
    directions = sum(
        _leg_directions(leg, graph, _leg_walk(plan, tour, leg)).wrap(_COLUMN, 10_000)[1]
        for leg in tour_legs(plan, tour, graph=graph)
    )
    fixed = 17.5 + 2 + 2 * 20  # title, spacer, the two headings
    table = _timetable(plan, tour).wrap(_WIDTH, 10_000)[1]
    return fixed + max(side, _MAP_HEIGHT) + table + directions / 2 > _FRAME_HEIGHT


def _build(
    plan: Plan,
    tour: Tour,
    graph: nx.MultiDiGraph | None,
    url: str | None,
    no_qr_note: str,
    *,
    dense: bool,
) -> tuple[bytes, int]:
    """(PDF bytes, page count) of the sheet, set normally or ``dense``."""
    legs = tour_legs(plan, tour, graph=graph)
    map_height = _DENSE_MAP_HEIGHT if dense else _MAP_HEIGHT
    map_png = render_tour_map(
        plan, tour, graph=graph, width_in=_MAP_WIDTH / 72.0, height_in=map_height / 72.0
    )
    title = f"Feuille de route — {vehicle_label(tour)}"
    h2 = _STYLES["h2_dense"] if dense else _STYLES["h2"]
    story: list[Flowable] = [
        Paragraph(
            f"{title} <font name={_FONT} size=12>· {date_fr(tour.date).capitalize()}</font>"
            if dense
            else title,
            _STYLES["title"],
        ),
        Spacer(1, 0 if dense else 2),
        _top(_header(plan, tour, url, no_qr_note, dense=dense), map_png, map_height),
        # dense: the table's own header row says what it is
        *([] if dense else [Paragraph("Horaires", h2)]),
        _timetable(plan, tour, dense=dense),
        CondPageBreak(_KEEP_WITH_TITLE + 8 * mm),
        Paragraph("Itinéraire", h2),
        # Two balanced columns, read down the left one then the right one; on a long tour they
        # continue on the next pages.
        BalancedColumns(
            [_leg_directions(leg, graph, _leg_walk(plan, tour, leg), dense=dense) for leg in legs],
            nCols=2,
            innerPadding=_GUTTER,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            needed=_KEEP_WITH_TITLE,
        ),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN - _FRAME_PADDING,
        rightMargin=_MARGIN - _FRAME_PADDING,
        # dense: closer to the footer and the top edge, still inside the printable area
        topMargin=(11 * mm if dense else _MARGIN) - _FRAME_PADDING,
        bottomMargin=(13.5 * mm if dense else 16 * mm) - _FRAME_PADDING,
        title=f"Feuille de route {vehicle_label(tour)} {tour.date.isoformat()}",
        author="Dynamobile",
        subject=ATTRIBUTION,
        invariant=1,
    )
    footer = f"Dynamobile · {vehicle_label(tour)} · {date_fr(tour.date)}"
    running_head = f"{title} · {date_fr(tour.date)} (suite)"
    doc.build(story, canvasmaker=_numbered_canvas(footer, running_head))
    return buffer.getvalue(), doc.page


def write_sheet(plan: Plan, tour: Tour, path: Path, **options) -> Path:
    """Write the route sheet of ``tour`` to ``path`` (options as `render_sheet`)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(render_sheet(plan, tour, **options))
    tmp.replace(path)
    return path
