"""Where to park, on the agent's phone and the coordinators' review map: read from the published
plan (each stop's ``parking``), told when the walk is over 30 m; plans published before parking
points keep working and say nothing."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from dynamobile.plan import plan_to_dict
from field_app import publishing
from field_app.db import new_session
from field_app.models import PlanJob, PublishedPlan

from .conftest import stop_ids
from .planning import make_plan, parked_plan

WALK = "Stationner : Rue de Boigne, puis 122 m à pied vers le nord"


def publish(app, plan) -> None:
    with new_session(app) as session:
        publishing.import_plan(session, plan)
        session.commit()


def park_lines(html: str) -> list[str]:
    return re.findall(r'<p class="park" data-park(?: hidden)?>([^<]*)</p>', html)


def test_the_stop_card_says_where_to_park_when_the_walk_is_over_30_m(app, client, auth):
    publish(app, parked_plan())
    auth.login("alice")
    html = client.get("/agent/").get_data(as_text=True)
    # van-1: parked 122 m away (told), 20 m away (not worth telling), no parking (older plan).
    assert park_lines(html) == [WALK, "", ""]
    assert html.count("data-park hidden>") == 2
    halles = html.index('data-name="Les Halles"')
    assert html.index(WALK) > halles and html.index(WALK) < html.index('data-name="Carré Curial"')


def test_plans_without_parking_show_no_walk(app, client, auth):
    auth.login("alice")  # the fixture's plan was made before parking points
    html = client.get("/agent/").get_data(as_text=True)
    assert park_lines(html) == ["", "", ""]
    ids = ",".join(map(str, stop_ids(app, "van-1")))
    stops = client.get(f"/api/stops?ids={ids}").get_json()["stops"]
    assert [stop["parking"] for stop in stops] == [None, None, None]


def test_api_stops_gives_the_parking_fields(app, client, auth):
    publish(app, parked_plan())
    auth.login("alice")
    first, second, _ = stop_ids(app, "van-1")
    stops = {s["id"]: s for s in client.get(f"/api/stops?ids={first},{second}").get_json()["stops"]}
    assert stops[first]["parking"] == {
        "street": "Rue de Boigne",
        "walk_m": 122,
        "direction": "vers le nord",
        "text": WALK,
    }
    assert stops[second]["parking"] is None  # 20 m: nothing to tell
    # Published again without parking (an older plan.json): the walk is gone.
    publish(app, make_plan())
    again = client.get(f"/api/stops?ids={first}").get_json()["stops"]
    assert again[0]["parking"] is None


def test_an_unreadable_published_plan_never_breaks_the_phone(app, client, auth):
    publish(app, parked_plan())
    with new_session(app) as session:
        for row in session.scalars(select(PublishedPlan)):
            row.plan_json = '{"version": 1}'
            row.content_sha256 = "0" * 64
        session.commit()
    auth.login("alice")
    response = client.get("/agent/")
    assert response.status_code == 200 and park_lines(response.get_data(as_text=True)) == [
        "",
        "",
        "",
    ]


def test_review_map_data_has_a_parking_point_and_the_walk(app, client, auth):
    with new_session(app) as session:
        job = PlanJob(
            organisation_id=1,
            params={"from": "2026-11-28", "days": 1, "seconds": 5},
            state="done",
            plan_json=json.dumps(plan_to_dict(parked_plan())),
        )
        session.add(job)
        session.commit()
        job_id = job.id
    auth.login("coord")
    html = client.get(f"/coord/planifier/{job_id}").get_data(as_text=True)
    raw = re.search(
        r'<script type="application/json" id="plan-map-data">(.*?)</script>', html, re.S
    )
    data = json.loads(raw.group(1))
    van1, van2 = data["tours"]
    (walk,) = van1["walks"]
    assert walk["n"] == 1 and walk["label"].endswith(
        "Stationnement de l'arrêt 1 : Stationner : Rue de Boigne — puis 122 m à pied vers le "
        "nord jusqu'à Les Halles"
    )
    assert walk["line"][-1] == [45.566, 5.9208]  # ends at the stand
    assert walk["line"][0] == [walk["lat"], walk["lon"]]
    # The vehicle's line stops where it parks, not at the stand.
    assert [walk["lat"], walk["lon"]] in van1["line"] and [45.566, 5.9208] not in van1["line"]
    assert van2["walks"] == []
