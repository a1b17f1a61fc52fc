"""Review and adjust a job's plan (issue 11, item 5): the diff against the published tours, the
locks and exclusions of a re-plan (parameters, API, page), the review page."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from dynamobile.errors import InputError
from dynamobile.plan import EXCLUDED
from field_app import plan_edit, plan_jobs
from field_app.db import new_session
from field_app.models import PlanJob
from field_app.plan_diff import Visit, diff_visits
from routing.locks import Lock

from .conftest import AuthActions, form_token
from .test_plan_jobs import DEMO_DAY, consumers, coord, demo_in_database, post_job, wait_for

__all__ = ["consumers", "coord", "demo_in_database"]  # fixtures used here

PARIS = dt.timezone(dt.timedelta(hours=1))  # November: UTC+1
SAT, SUN = dt.date(2026, 11, 28), dt.date(2026, 11, 29)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), PARIS)


# -- the diff -----------------------------------------------------------------------------------


def test_diff_lists_added_removed_and_moved_visits_in_french():
    published = {
        Visit("monge", SAT, "fourgon", at(SAT, 10)),
        Visit("leger", SAT, "velo", at(SAT, 14)),
        Visit("gare", SAT, "fourgon", at(SAT, 15)),
        Visit("halles", SAT, "fourgon", at(SAT, 9)),
    }
    planned = {
        Visit("monge", SAT, "fourgon", at(SAT, 10, 14)),  # 14 min: the same visit
        Visit("leger", SUN, "velo", at(SUN, 14)),  # another day
        Visit("gare", SAT, "fourgon", at(SAT, 15, 15)),  # 15 min later: moved
        Visit("elephants", SAT, "velo", at(SAT, 11)),
    }
    names = {"monge": "Place Monge", "leger": "Place Saint-Léger", "gare": "Gare"}
    changes = diff_visits(published, planned, names=names)
    assert [c.text for c in changes] == [
        "− halles sam. 28/11 fourgon 09:00",
        "+ elephants sam. 28/11 velo 11:00",
        "↔ Gare sam. 28/11 fourgon 15:00 → sam. 28/11 fourgon 15:15",
        "↔ Place Saint-Léger sam. 28/11 velo 14:00 → dim. 29/11 velo 14:00",
    ]
    assert [c.kind for c in changes] == ["removed", "added", "moved", "moved"]


def test_diff_of_a_plan_with_itself_is_empty_and_vehicle_changes_are_moves():
    visits = {
        Visit("monge", SAT, "fourgon", at(SAT, 10)),
        Visit("monge", SUN, "fourgon", at(SUN, 10)),
    }
    assert diff_visits(visits, visits) == []
    other = {Visit("monge", SAT, "velo", at(SAT, 10)), Visit("monge", SUN, "fourgon", at(SUN, 10))}
    (change,) = diff_visits(visits, other, names={"monge": "Place Monge"})
    assert change.text == "↔ Place Monge sam. 28/11 fourgon 10:00 → sam. 28/11 velo 10:00"
    assert [c.kind for c in diff_visits(visits, set())] == ["removed", "removed"]


# -- parameters ---------------------------------------------------------------------------------


def params(**body):
    return plan_jobs.parse_params({"from": DEMO_DAY, "days": 2, "seconds": 5, **body})


def test_locks_and_exclusions_are_parameters_kept_in_the_job():
    parsed = params(
        locks=[{"site": "monge", "date": "2026-11-29", "vehicle": "fourgon"}],
        exclude=["gare", "gare", "halles"],
    )
    assert parsed.locks == (Lock("monge", SUN, "fourgon"),)
    assert parsed.exclude == ("gare", "halles")
    assert plan_jobs.JobParams.from_dict(parsed.to_dict()) == parsed
    assert params().locks == () and params().exclude == ()


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (
            {"locks": [{"site": "monge", "date": "2026-12-01", "vehicle": "fourgon"}]},
            "locks",
            "verrou monge le 01/12/2026 (fourgon) : jour hors de la période (du 28/11/2026 au 29/11/2026)",
        ),
        (
            {"locks": [{"site": "", "date": "2026-11-28", "vehicle": "fourgon"}]},
            "locks",
            "verrou n°1 : identifiant du lieu attendu",
        ),
        (
            {"locks": [{"site": "a", "date": "28/11", "vehicle": "fourgon"}]},
            "locks",
            "date invalide",
        ),
        ({"locks": [{"site": "a", "date": "2026-11-28"}]}, "locks", "identifiant du véhicule"),
        ({"locks": "monge"}, "locks", "liste de verrous"),
        (
            {"locks": [{"site": "a", "date": "2026-11-28", "vehicle": "v"}] * 2},
            "locks",
            "déjà verrouillé ce jour-là",
        ),
        (
            {"locks": [{"site": "a", "date": "2026-11-28", "vehicle": "v"}], "exclude": ["a"]},
            "locks",
            "aussi exclu",
        ),
        ({"exclude": "gare"}, "exclude", "liste d'identifiants de lieux"),
        ({"exclude": ["gare", 3]}, "exclude", "lieu n°2 : identifiant attendu"),
    ],
)
def test_bad_locks_and_exclusions_get_a_french_message(body, field, words):
    with pytest.raises(plan_jobs.JobParamsError) as error:
        params(**body)
    assert words in error.value.fields[field]


# -- the web app --------------------------------------------------------------------------------


def done_plan(app, job_id: int) -> dict:
    job = wait_for(app, job_id, ("done", "failed", "cancelled"))
    assert job.state == "done", job.message
    return json.loads(job.plan_json)


def stops(plan: dict) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for tour in plan["tours"]:
        for stop in tour["stops"]:
            out.setdefault(stop["site"], []).append((tour["date"], tour["vehicle"]))
    return out


def test_review_lock_exclude_and_replan(app, client, coord, consumers):
    consumers(app)
    first_id = post_job(client, coord).get_json()["id"]
    first = done_plan(app, first_id)
    visited = stops(first)
    # Place Monge and Place des Éléphants take either vehicle: lock one on the other vehicle.
    site = "monge" if "monge" in visited else "elephants"
    before = visited.get(site, [(DEMO_DAY, "velo-cargo")])[0][1]
    other = "fourgon" if before == "velo-cargo" else "velo-cargo"
    excluded = next(s for s in visited if s != site)

    # Through the API: the lock holds, the excluded site is out with its reason.
    response = post_job(
        client,
        coord,
        locks=[{"site": site, "date": DEMO_DAY, "vehicle": other}],
        exclude=[excluded],
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    replanned = done_plan(app, response.get_json()["id"])
    assert stops(replanned)[site] == [(DEMO_DAY, other)]
    assert excluded not in stops(replanned)
    (out,) = [u for u in replanned["unassigned"] if u["site"] == excluded]
    assert out["code"] == EXCLUDED

    # The review page of the first job: timetables, reasons, the map's data, lock boxes.
    page = client.get(f"/coord/planifier/{first_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="plan-review"' in html and 'id="plan-map-data"' in html
    assert "samedi 28 novembre 2026 — Fourgon aménagé" in html
    assert re.search(r"retour \d\d:\d\d, pause \d\d:\d\d-\d\d:\d\d\)</caption>", html)
    for u in first["unassigned"]:
        assert u["name"].replace("'", "&#39;") in html
    assert "Rien n'est encore publié sur ces jours" in html
    assert 'src="/coord/leaflet/leaflet.js' in html and "<script>" not in html

    # Publish it, then re-plan from the page with a lock and an exclusion ticked.
    token = form_token(html)
    assert (
        client.post(f"/coord/planifier/{first_id}/publier", data={"csrf_token": token}).status_code
        == 302
    )
    kept = next(s for s in visited if s != excluded)
    (kept_day, kept_vehicle), *_ = visited[kept]
    lock = json.dumps([kept, kept_day, kept_vehicle], ensure_ascii=False)
    assert f'value="{escape(lock)}"' in html
    response = client.post(
        f"/coord/planifier/{first_id}/replanifier",
        data={"csrf_token": token, "lock": [lock], "exclude": [excluded]},
    )
    assert response.status_code == 302
    new_id = int(re.search(r"/coord/planifier/(\d+)$", response.headers["Location"]).group(1))
    with new_session(app) as session:
        params = session.get(PlanJob, new_id).params
    assert params["locks"] == [{"site": kept, "date": kept_day, "vehicle": kept_vehicle}]
    assert params["exclude"] == [excluded] and params["seconds"] == 5
    third = done_plan(app, new_id)
    assert stops(third)[kept] == [(kept_day, kept_vehicle)]
    assert excluded not in stops(third)

    html = client.get(f"/coord/planifier/{new_id}").get_data(as_text=True)
    assert f'value="{escape(lock)}" checked' in html
    assert f'value="{excluded}" checked' in html
    assert "exclu par la coordination" in html
    diff = re.search(r'<ul id="plan-diff".*?</ul>', html, re.S).group(0)
    name = next(s["name"] for t in first["tours"] for s in t["stops"] if s["site"] == excluded)
    assert f"− {escape(name)} sam. 28/11" in diff  # the excluded site is removed
    # A hand edit: checked at once, saved only when feasible.
    url, headers = f"/coord/planifier/{new_id}/horaire", {"X-CSRFToken": coord.api_token()}
    opening = third["tours"][0]["stops"][0]["start"][11:16]
    bad = client.post(
        url, json={"tour": 0, "stop": 0, "start": "03:00", "save": True}, headers=headers
    )
    assert bad.status_code == 200 and bad.get_json()["saved"] is False
    assert any("hors" in p for p in bad.get_json()["problems"])
    same = client.post(
        url, json={"tour": 0, "stop": 0, "start": opening, "save": True}, headers=headers
    )
    assert same.get_json() == {"problems": [], "saved": True}
    wrong = client.post(url, json={"tour": 9, "stop": 0, "start": "25:00"}, headers=headers)
    assert wrong.status_code == 400 and "heure invalide" in wrong.get_json()["error"]

    # The latest job is the page's default.
    assert f'data-job-id="{new_id}"' in client.get("/coord/planifier/").get_data(as_text=True)


def test_agents_cannot_review_or_replan(app, client):
    with new_session(app) as session:
        job = plan_jobs.create_job(session, organisation_id=1, user_id=None, params=params())
        session.commit()
        job_id = job.id
    agent = AuthActions(client)
    agent.login("alice")
    assert client.get(f"/coord/planifier/{job_id}").status_code == 403
    token = agent.api_token()
    edit = {"tour": 0, "stop": 0, "start": "10:00"}
    headers = {"X-CSRFToken": token}
    assert (
        client.post(f"/coord/planifier/{job_id}/horaire", json=edit, headers=headers).status_code
        == 403
    )
    assert (
        client.post(
            f"/coord/planifier/{job_id}/replanifier", data={"csrf_token": token}
        ).status_code
        == 403
    )


def test_a_bad_replan_says_why_and_starts_nothing(app, client, coord):
    with new_session(app) as session:
        job = plan_jobs.create_job(session, organisation_id=1, user_id=None, params=params())
        session.commit()
        job_id = job.id
    token = coord.api_token()
    response = client.post(
        f"/coord/planifier/{job_id}/replanifier",
        data={"csrf_token": token, "lock": ["pas du json"]},
        follow_redirects=True,
    )
    assert (
        "Nouveau calcul impossible : verrou n°1 : identifiant du lieu attendu"
        in response.get_data(as_text=True)
    )
    with new_session(app) as session:
        assert session.scalars(select(PlanJob.id)).all() == [job_id]


def test_moving_a_stop_by_hand_gets_the_checkers_verdict(tmp_path):
    from tests.core.builders import grid_scenario, site, vehicle
    from tests.core.test_period import MONDAY, planned

    scenario = grid_scenario(tmp_path, [site("a", 2, 2), site("b", 3, 3)], [vehicle()])
    plan = planned(scenario, 1)
    (tour,) = plan.tours
    last = len(tour.stops) - 1
    later = plan_edit.try_edit(plan, scenario, 0, last, dt.time(15, 0))
    assert later.problems == ()
    moved = later.plan.tours[0].stops[last]
    assert moved.start.time() == dt.time(15, 0) and moved.end.time() == dt.time(15, 30)
    assert later.plan.tours[0].end >= moved.leave  # the tour comes back later
    too_late = plan_edit.try_edit(plan, scenario, 0, last, dt.time(17, 50))
    assert any("hors d'un créneau d'ouverture" in p for p in too_late.problems)
    assert any("hors des horaires de l'équipe" in p for p in too_late.problems)
    if last:  # before the previous stop has left: the drive does not fit
        clash = plan_edit.try_edit(plan, scenario, 0, last, tour.stops[0].start.time())
        assert clash.problems
    with pytest.raises(InputError, match="heure invalide"):
        plan_edit.parse_clock("9h")
    assert tour.date == MONDAY
