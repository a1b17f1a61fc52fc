"""Small server-side SVG bar charts (no JavaScript), safe to inline in a page.

Each chart is followed by its figures as a data table (in a ``<details>``, open on demand): the
picture is named for screen readers and points to the table, which they can read cell by cell
(WCAG 1.1.1, issue 15)."""

from __future__ import annotations

from markupsafe import Markup, escape

COLOR = "#0b5d5b"


def _svg_open(viewbox: str, title: str) -> str:
    return (
        f'<svg viewBox="{viewbox}" role="img" '
        f'aria-label="Graphique {escape(title)} (chiffres dans le tableau qui suit)">'
    )


def data_table(items: list[tuple[str, int]], *, title: str) -> Markup:
    """The chart's figures: one row per (label, value)."""
    rows = "".join(
        f'<tr><th scope="row">{escape(label)}</th><td>{value}</td></tr>' for label, value in items
    )
    return Markup(
        f'<details class="chart-data"><summary>Chiffres {escape(title)}</summary>'
        f"<table><caption>Chiffres {escape(title)}</caption>"
        f'<thead><tr><th scope="col">{escape(title.removeprefix("par ").capitalize())}</th>'
        f'<th scope="col">Nombre</th></tr></thead><tbody>{rows}</tbody></table></details>'
    )


def hbar(items: list[tuple[str, int]], *, title: str, width: int = 320) -> Markup:
    """Horizontal bars, one row per (label, value)."""
    if not items:
        return Markup('<p class="small">Pas encore de données.</p>')
    row, label_w, value_w = 22, 160, 36
    bar_w = width - label_w - value_w
    top = max(v for _, v in items) or 1
    parts = [_svg_open(f"0 0 {width} {row * len(items) + 4}", title)]
    for i, (label, value) in enumerate(items):
        y = i * row + 2
        w = max(1, round(bar_w * value / top)) if value else 0
        text = str(label) if len(str(label)) <= 24 else str(label)[:23] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="11">{escape(text)}'
            f"<title>{escape(label)}</title></text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{row - 6}" fill="{COLOR}" rx="2"/>'
            f'<text x="{label_w + w + 4}" y="{y + 15}" font-size="12">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts)) + data_table(items, title=title)


def columns(
    items: list[tuple[str, int]], *, title: str, width: int = 320, height: int = 150
) -> Markup:
    """Vertical columns, e.g. people per week, left to right."""
    if not items:
        return Markup('<p class="small">Pas encore de données.</p>')
    bottom, top_pad = 30, 16
    plot_h = height - bottom - top_pad
    slot = width / len(items)
    peak = max(v for _, v in items) or 1
    parts = [
        _svg_open(f"0 0 {width} {height}", title),
        f'<line x1="0" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#9aa5a5"/>',
    ]
    for i, (label, value) in enumerate(items):
        h = round(plot_h * value / peak)
        x = i * slot + slot * 0.15
        w = max(2, slot * 0.7)
        y = height - bottom - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{h}" fill="{COLOR}" rx="2">'
            f"<title>{escape(label)} : {value}</title></rect>"
        )
        if len(items) <= 16:
            parts.append(
                f'<text x="{x + w / 2:.1f}" y="{y - 3}" font-size="11" text-anchor="middle">{value}</text>'
            )
        if len(items) <= 8 or i % max(1, len(items) // 8) == 0:
            short = str(label).split("-")[-1]
            parts.append(
                f'<text x="{x + w / 2:.1f}" y="{height - bottom + 14}" font-size="10" '
                f'text-anchor="middle">{escape(short)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts)) + data_table(items, title=title)
