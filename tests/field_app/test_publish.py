import dataclasses
import datetime as dt
import io
import json

from sqlalchemy import func, select

from dynamobile.plan import plan_to_dict
from field_app import publishing
from field_app.db import new_session
from field_app.models import Interaction, Stop, Tour, TourAgent

from .conftest import form_token, interaction, stop_ids, user_id
from .planning import PARIS, make_plan, make_stop, make_tour


def counts(app) -> tuple[int, int]:
    with new_session(app) as session:
        return (
            session.scalar(select(func.count()).select_from(Tour)),
            session.scalar(select(func.count()).select_from(Stop)),
        )


def test_publishing_twice_does_not_duplicate(app):
    assert counts(app) == (2, 5)
    with new_session(app) as session:
        summary = publishing.import_plan(session, make_plan())
        session.commit()
    assert (summary.tours_created, summary.tours_updated, summary.stops_created) == (0, 2, 0)
    assert counts(app) == (2, 5)
    with new_session(app) as session:  # assignments survive the re-import
        assert session.scalar(select(func.count()).select_from(TourAgent)) == 2


def test_reimport_updates_and_keeps_logged_stops(app, auth):
    auth.login("alice")
    halles, curial, scarabee = stop_ids(app, "van-1")
    auth.sync([interaction(curial)])
    today = dt.datetime.now(PARIS).date()
    # The new plan drops Carré Curial (which has a record) and Le Scarabée (which has none),
    # moves Les Halles and adds a second tour on another day.
    moved = make_tour("van-1", today, ["halles", "combes"], first_hour=10)
    plan = make_plan(
        tours=[
            moved,
            make_tour("van-2", today, ["demangeat", "combes"]),
            make_tour("van-1", today + dt.timedelta(days=1), ["halles"]),
        ]
    )
    with new_session(app) as session:
        summary = publishing.import_plan(session, plan)
        session.commit()
    assert (summary.tours_created, summary.stops_created, summary.stops_removed) == (1, 2, 2)
    with new_session(app) as session:
        assert session.get(Stop, scarabee) is None
        kept = session.get(Stop, curial)
        assert kept is not None and not kept.in_plan
        assert session.get(Stop, halles).start.astimezone(PARIS).hour == 10
        assert session.scalar(select(func.count()).select_from(Interaction)) == 1


def test_edit_and_cancel_stop_survive_reimport(app, client, auth):
    auth.login("coord")
    stop = stop_ids(app, "van-1")[0]
    page = client.get("/coord/tournees/1").get_data(as_text=True)
    response = client.post(
        f"/coord/arrets/{stop}",
        data={"csrf_token": form_token(page), "start": "09:30", "end": "11:45", "cancelled": "1"},
    )
    assert response.status_code == 302
    with new_session(app) as session:
        publishing.import_plan(session, make_plan())
        session.commit()
        row = session.get(Stop, stop)
        assert row.cancelled and row.edited
        assert row.start.astimezone(PARIS).strftime("%H:%M") == "09:30"
        assert row.end.astimezone(PARIS).strftime("%H:%M") == "11:45"
        assert row.arrive.astimezone(PARIS).strftime("%H:%M") == "09:00"  # moved with the opening
    auth.login("alice")
    assert "Annulé" in client.get("/agent/").get_data(as_text=True)


def test_edit_stop_refuses_bad_times(app, client, auth):
    auth.login("coord")
    token = auth.api_token()
    stop = stop_ids(app, "van-1")[0]
    response = client.post(
        f"/coord/arrets/{stop}", data={"csrf_token": token, "start": "12:00", "end": "11:00"}
    )
    assert response.status_code == 400
    assert "après l&#39;heure de début" in response.get_data(as_text=True)
    response = client.post(
        f"/coord/arrets/{stop}", data={"csrf_token": token, "start": "midi", "end": "11:00"}
    )
    assert response.status_code == 400 and "HH:MM" in response.get_data(as_text=True)


def test_upload_form_publishes_and_assigns(app, client, auth):
    auth.login("coord")
    token = form_token(client.get("/coord/tournees").get_data(as_text=True))
    tomorrow = dt.datetime.now(PARIS).date() + dt.timedelta(days=1)
    plan = make_plan(day=tomorrow, tours=[make_tour("van-3", tomorrow, ["halles"])])
    raw = json.dumps(plan_to_dict(plan)).encode()
    for _ in range(2):
        response = client.post(
            "/coord/plans",
            data={"csrf_token": token, "plan": (io.BytesIO(raw), "plan.json")},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        assert response.status_code == 200 and "Plan importé" in response.get_data(as_text=True)
    assert counts(app) == (3, 6)
    with new_session(app) as session:
        tour_id = session.scalars(select(Tour.id).where(Tour.vehicle == "van-3")).one()
    bob = user_id(app, "bob")
    response = client.post(
        f"/coord/tournees/{tour_id}/agents", data={"csrf_token": token, "agents": [str(bob)]}
    )
    assert response.status_code == 302
    auth.login("bob")
    page = client.get("/agent/").get_data(as_text=True)
    assert "Prochains jours" in page and "Dynamobile van-3" in page


def test_upload_refuses_a_bad_plan_in_french(app, client, auth):
    auth.login("coord")
    token = auth.api_token()
    for raw, expected in (
        (b"{pas du json", "JSON invalide"),
        (b'{"version": 1}', "champ manquant"),
    ):
        response = client.post(
            "/coord/plans",
            data={"csrf_token": token, "plan": (io.BytesIO(raw), "p.json")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400
        assert expected in response.get_data(as_text=True)


def test_assigning_a_coordinator_is_refused(app, client, auth):
    auth.login("coord")
    response = client.post(
        "/coord/tournees/1/agents",
        data={"csrf_token": auth.api_token(), "agents": [str(user_id(app, "coord"))]},
    )
    assert response.status_code == 400 and "agent inconnu" in response.get_data(as_text=True)


def test_same_site_twice_in_a_tour(app):
    today = dt.datetime.now(PARIS).date()
    tour = make_tour("van-9", today, ["halles"])
    tour = dataclasses.replace(tour, stops=tour.stops + (make_stop("halles", today, 15),))
    with new_session(app) as session:
        publishing.import_plan(session, make_plan(tours=[tour]))
        publishing.import_plan(session, make_plan(tours=[tour]))
        session.commit()
    assert counts(app) == (3, 7)


def test_commune_goes_from_plan_to_stop_and_survives_reimport(app):
    today = dt.datetime.now(PARIS).date()
    # La Motte-Servolex: INSEE 73179, postcode 73290 (fr.wikipedia.org/wiki/La_Motte-Servolex)
    neighbour = dataclasses.replace(
        make_stop("combes", today, 15), insee="73179", postcode="73290", commune="La Motte-Servolex"
    )
    tour = make_tour("van-2", today, ["demangeat"])
    plan = make_plan(tours=[dataclasses.replace(tour, stops=tour.stops + (neighbour,))])
    # Through plan.json, as `dynamobile publish` reads it.
    plan = publishing.parse_plan(json.dumps(plan_to_dict(plan)))
    with new_session(app) as session:
        publishing.import_plan(session, plan)
        session.commit()
        stops = {
            s.site: s
            for s in session.scalars(select(Stop).join(Tour).where(Tour.vehicle == "van-2"))
        }
        assert (stops["combes"].insee, stops["combes"].postcode, stops["combes"].commune) == (
            "73179",
            "73290",
            "La Motte-Servolex",
        )
        assert (stops["demangeat"].insee, stops["demangeat"].commune) == ("73065", "Chambéry")
        stops["combes"].cra_thematiques = "culture_numerique"  # a coordinator's completion
        session.commit()
        publishing.import_plan(session, plan)
        session.commit()
        assert session.get(Stop, stops["combes"].id).cra_thematiques == "culture_numerique"


def test_plan_without_commune_means_chambery():
    data = plan_to_dict(make_plan())
    for tour in data["tours"]:
        for stop in tour["stops"]:
            del stop["insee"], stop["postcode"], stop["commune"]  # a plan.json of the first version
    plan = publishing.parse_plan(json.dumps(data))
    assert {(s.insee, s.postcode, s.commune) for t in plan.tours for s in t.stops} == {
        ("73065", "73000", "Chambéry")
    }
