"""``GET /api/team-totals``: what the whole team logged at a stop (people met, invitation cards
handed out), for the agent's card beside the phone's own; current versions only; an agent sees
only the stops of their tours."""

from __future__ import annotations

import datetime as dt

from .conftest import coop_interaction, stop_ids, tally
from .test_coop import at_paris
from .test_invitations import generate, hand_out


def totals(client, ids) -> dict:
    response = client.get("/api/team-totals?ids=" + ",".join(map(str, ids)))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def test_the_whole_teams_totals_per_stop(app, client, auth):
    first, second, _third = stop_ids(app, "van-1")
    codes = generate(app, count=2)
    auth.login("coord")  # a colleague on the same tour (a coordinator may log anywhere)
    auth.sync([coop_interaction(first), hand_out(first, codes[0])])
    auth.login("alice")
    encounter = coop_interaction(first, at=at_paris(0, 5))
    auth.sync([encounter, tally(first, None), hand_out(first, None), tally(second, None)])
    body = totals(client, [first, second])
    assert body["stops"] == [
        {"id": first, "people": 3 + 3 + 1, "invitations": 2},
        {"id": second, "people": 1, "invitations": 0},
    ]
    at = dt.datetime.fromisoformat(body["at"])
    assert abs(at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    # A deleted encounter no longer counts.
    void = {**tally(first, None, at=at_paris(0, 10)), "kind": "void", "data": {}}
    void["replaces"] = encounter["uuid"]
    assert auth.sync([void]).get_json()["results"][0]["status"] == "created"
    assert totals(client, [first])["stops"] == [{"id": first, "people": 4, "invitations": 2}]


def test_an_agent_sees_only_the_stops_of_their_tours(app, client, auth):
    mine, others = stop_ids(app, "van-1")[0], stop_ids(app, "van-2")[0]
    auth.login("bob")
    auth.sync([tally(others, None)])
    auth.login("alice")
    assert [s["id"] for s in totals(client, [mine, others, 2**40, 0])["stops"]] == [mine]
    assert totals(client, [])["stops"] == []
    auth.login("coord")
    assert totals(client, [others])["stops"] == [{"id": others, "people": 1, "invitations": 0}]


def test_bad_ids_are_a_french_400_and_a_login_is_required(app, client, auth):
    assert client.get("/api/team-totals?ids=1").status_code == 401
    auth.login("alice")
    for query in ("ids=a,b", "ids=" + ",".join(str(i) for i in range(1, 300)), "ids=" + "9" * 5000):
        response = client.get("/api/team-totals?" + query)
        assert response.status_code == 400 and response.get_json()["error"].startswith("ids :")
