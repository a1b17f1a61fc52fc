"""Page helpers shared by the blueprints: Paris-time filters, versioned assets, service workers,
security headers."""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, Response, make_response, render_template, request, url_for

from dynamobile.errors import InputError
from dynamobile.french import date_fr

PARIS = ZoneInfo("Europe/Paris")
STATIC_DIR = Path(__file__).parent / "static"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)


def paris(value: dt.datetime) -> dt.datetime:
    return value.astimezone(PARIS)


def today_paris() -> dt.date:
    return dt.datetime.now(PARIS).date()


# Periods are clamped to these bounds: no record is older (see records.EARLIEST), and a date near
# year 9999 would overflow the date arithmetic of the reports.
PERIOD_FIRST = dt.date(2020, 1, 1)
PERIOD_AHEAD = dt.timedelta(days=366)


def parse_period(
    first: str | None,
    last: str | None,
    *,
    today: dt.date,
    default_span: dt.timedelta = dt.timedelta(weeks=12),
) -> tuple[dt.date, dt.date]:
    """A ``du``/``au`` pair of ISO dates, by default ``default_span`` up to ``today``, clamped to
    [2020-01-01, today + 1 year]; raises InputError (French) for a date that is not AAAA-MM-JJ."""
    try:
        start = dt.date.fromisoformat(first) if first else today - default_span
        end = dt.date.fromisoformat(last) if last else today
    except ValueError:
        raise InputError("dates de la période : format AAAA-MM-JJ attendu") from None
    upper = today + PERIOD_AHEAD
    start, end = min(max(start, PERIOD_FIRST), upper), min(max(end, PERIOD_FIRST), upper)
    if end < start:
        raise InputError("la date de fin précède la date de début")
    return start, end


def hm(value: dt.datetime | None) -> str:
    return "" if value is None else paris(value).strftime("%H:%M")


@cache
def asset_version(filename: str) -> str:
    return hashlib.sha256((STATIC_DIR / filename).read_bytes()).hexdigest()[:10]


def asset_url(filename: str) -> str:
    """A static URL that changes with the file's content, so caches can keep it forever."""
    return url_for("static", filename=filename, v=asset_version(filename))


def service_worker_response(*, prefix: str, home: str, assets: tuple[str, ...]) -> Response:
    """A service worker keeping ``home`` and ``assets`` offline, in caches named ``prefix…``
    (each worker deletes only its own old caches)."""
    version = "".join(asset_version(name) for name in assets)
    body = render_template(
        "agent/sw.js",
        prefix=prefix,
        version=version,
        home=home,
        login=url_for("auth.login"),
        assets=assets,
    )
    response = make_response(body)
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Cache-Control"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(hm=hm, french_date=date_fr, paris=paris)
    app.jinja_env.globals.update(asset_url=asset_url)
    if app.debug:
        asset_version.cache_clear()

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.endpoint == "static" and request.args.get("v"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
