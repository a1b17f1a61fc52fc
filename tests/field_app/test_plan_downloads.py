"""Downloads of a published plan: route sheets (PDF), GPX, ICS, GeoJSON, zip; coordinators only."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import gpxpy
import icalendar
import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import func, select

from dynamobile.cli import main
from field_app import accounts, coordinator, publishing
from field_app.db import new_session
from field_app.models import PublishedPlan, Stop, Tour
from field_app.plan_downloads import public_base_url
from maps.legs import vehicle_label

from .conftest import PASSWORD, AuthActions, form_token
from .planning import make_plan, make_tour


@pytest.fixture(scope="module")
def demo_plan_file(tmp_path_factory) -> Path:
    """The bundled demo, planned for real (a fixed amount of search: the same plan every run)."""
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--no-maps", "--solutions", "3"])
    if result.exit_code != 0:
        pytest.skip(f"demo not plannable here: {result.output[-300:]}")
    return out / "plan.json"


@pytest.fixture
def demo(make_app, demo_plan_file, monkeypatch):
    """An app with the demo plan published, its Tournées page showing the demo's day."""
    app = make_app(PUBLIC_URL="https://terrain.example/")
    plan = publishing.read_plan_file(demo_plan_file)
    session = new_session(app)
    accounts.create_user(session, "coord", PASSWORD, "coordinator")
    accounts.create_user(session, "alice", PASSWORD, "agent")
    publishing.import_plan(session, plan)
    plan_id = session.scalar(select(PublishedPlan.id))
    session.commit()
    session.close()
    monkeypatch.setattr(coordinator, "today_paris", lambda: plan.dates[0])
    return app, plan, plan_id


def _url(plan_id: int, fmt: str, day) -> str:
    return f"/coord/plans/{plan_id}/telecharger/{fmt}?jour={day}"


def _login(client, name: str) -> None:
    AuthActions(client).login(name)


def _pdf_links(reader: PdfReader) -> list[str]:
    return [
        annot.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annot in page.get("/Annots") or []
        if "/A" in annot.get_object()
    ]


def test_each_format_of_a_published_demo_plan(demo):
    app, plan, plan_id = demo
    day = plan.dates[0]
    client = app.test_client()
    _login(client, "coord")

    page = client.get("/coord/tournees").get_data(as_text=True)
    for label in ("Feuilles de route (PDF)", "GPX", "ICS", "GeoJSON", "Tout (zip)"):
        assert label in page
    assert _url(plan_id, "pdf", day) in page

    answer = client.get(_url(plan_id, "pdf", day))
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert f'filename="dynamobile-{day}-feuilles.pdf"' in answer.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(answer.data))
    texts = [re.sub(r"\s+", " ", p.extract_text()) for p in reader.pages]
    # One sheet per tour, each starting on its own page (page 1/N of that sheet).
    firsts = [t for t in texts if re.search(r"page 1/\d+", t)]
    assert len(firsts) == len(plan.tours)
    for tour in plan.tours:
        assert any(f"Feuille de route — {vehicle_label(tour)}" in t for t in firsts)
    # The QR codes open the configured public address, never localhost.
    links = _pdf_links(reader)
    assert sorted(links) == sorted(
        f"https://terrain.example/tours/{t.vehicle}/{t.date}" for t in plan.tours
    )

    gpx = gpxpy.parse(client.get(_url(plan_id, "gpx", day)).get_data(as_text=True))
    assert len(gpx.tracks) >= len(plan.tours) and gpx.waypoints

    answer = client.get(_url(plan_id, "ics", day))
    assert f'filename="dynamobile-{day}-agenda.ics"' in answer.headers["Content-Disposition"]
    events = icalendar.Calendar.from_ical(answer.data).walk("VEVENT")
    # Per tour: the departure from the depot, each stop, each lunch break.
    assert len(events) == sum(1 + len(t.stops) + len(t.breaks) for t in plan.tours)

    geojson = json.loads(client.get(_url(plan_id, "geojson", day)).data)
    assert geojson["type"] == "FeatureCollection" and geojson["features"]

    archive = zipfile.ZipFile(io.BytesIO(client.get(_url(plan_id, "zip", day)).data))
    assert sorted(archive.namelist()) == sorted(
        f"dynamobile-{day}-{suffix}"
        for suffix in ("feuilles.pdf", "itineraires.gpx", "agenda.ics", "carte.geojson")
    )


def test_downloads_show_the_coordinators_changes(demo):
    app, plan, plan_id = demo
    session = new_session(app)
    first = plan.tours[0].stops[0]
    stop = session.scalars(select(Stop).where(Stop.site == first.site)).first()
    stop.cancelled = True
    session.commit()
    session.close()
    client = app.test_client()
    _login(client, "coord")
    ics = client.get(_url(plan_id, "ics", plan.dates[0])).data.decode()
    assert "ANNULÉ" in ics
    # Published again unchanged: the same plan row, and the stop stays cancelled.
    session = new_session(app)
    publishing.import_plan(session, plan)
    session.commit()
    assert session.scalar(select(func.count()).select_from(PublishedPlan)) == 1
    session.close()
    assert "ANNULÉ" in client.get(_url(plan_id, "ics", plan.dates[0])).data.decode()


def test_replaced_plan_is_gone_and_unknown_is_404(app, client, auth):
    """Publishing another plan for the same tours moves them to it; the old row is deleted."""
    auth.login("coord")
    session = new_session(app)
    old_id = session.scalar(select(PublishedPlan.id))
    tour = session.scalars(select(Tour)).first()
    day = tour.date
    publishing.import_plan(
        session,
        make_plan(day, [make_tour("van-1", day, ["halles"]), make_tour("van-2", day, ["combes"])]),
    )
    session.commit()
    new_id = session.scalar(select(PublishedPlan.id))
    session.close()
    assert new_id != old_id
    assert client.get(_url(old_id, "ics", day)).status_code == 404
    assert client.get(_url(new_id, "ics", day)).status_code == 200
    assert client.get(_url(new_id, "ics", "2020-01-01")).status_code == 404
    assert client.get(_url(new_id, "docx", day)).status_code == 404
    assert client.get(_url(new_id, "ics", "demain")).status_code == 400


def test_agents_cannot_download(app, client, auth):
    session = new_session(app)
    plan_id = session.scalar(select(PublishedPlan.id))
    day = session.scalars(select(Tour)).first().date
    session.close()
    auth.login("alice")
    for fmt in ("pdf", "gpx", "ics", "geojson", "zip"):
        assert client.get(_url(plan_id, fmt, day)).status_code == 403


def test_sheets_without_public_url_have_no_localhost_qr(app, client, auth):
    """No PUBLIC_URL: the address the request came to, and no QR code at all on localhost."""
    session = new_session(app)
    plan_id = session.scalar(select(PublishedPlan.id))
    day = session.scalars(select(Tour)).first().date
    session.close()
    auth.login("coord")
    reader = PdfReader(io.BytesIO(client.get(_url(plan_id, "pdf", day)).data))
    assert _pdf_links(reader) == []
    text = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    assert "QR code absent" in text and "localhost" not in text
    # Through a proxy that keeps the Host header (or with the app's own name): that address.
    other = app.test_client()
    base = "http://dynamo.example"
    token = form_token(other.get("/login", base_url=base).get_data(as_text=True))
    other.post(
        "/login", data={"name": "coord", "password": PASSWORD, "csrf_token": token}, base_url=base
    )
    proxied = other.get(_url(plan_id, "pdf", day), base_url=base)
    links = _pdf_links(PdfReader(io.BytesIO(proxied.data)))
    assert links and all(link.startswith("http://dynamo.example/tours/") for link in links)


def test_public_base_url():
    assert public_base_url("https://a.example/", "http://localhost/") == "https://a.example"
    assert public_base_url(None, "https://b.example/app/") == "https://b.example/app"
    assert public_base_url(None, "http://localhost:8000/") is None
    assert public_base_url("", "http://127.0.0.1:8000/") is None
