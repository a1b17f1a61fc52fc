import uuid

from sqlalchemy import func, select

from field_app.db import new_session
from field_app.models import Interaction, Record, StopEvent

from .conftest import form_token, interaction, stop_ids


def count(app, model) -> int:
    with new_session(app) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_new_record_is_created(app, auth):
    auth.login("alice")
    record = interaction(stop_ids(app, "van-1")[0])
    response = auth.sync([record])
    assert response.status_code == 200
    assert response.get_json()["results"] == [
        {"uuid": record["uuid"], "status": "created", "code": 201}
    ]
    with new_session(app) as session:
        row = session.scalars(select(Interaction)).one()
        assert (row.age_18_25, row.age_60_plus, row.people) == (2, 1, 3)
        assert row.topics == "demarches vr" and row.visit == "first"


def test_replay_is_accepted_without_duplicate(app, auth):
    auth.login("alice")
    record = interaction(stop_ids(app, "van-1")[0])
    auth.sync([record])
    # Same content, keys in another order and topics reordered: still the same record.
    replay = dict(
        record, data=dict(reversed(list(record["data"].items())), topics=["vr", "demarches"])
    )
    results = auth.sync([replay]).get_json()["results"]
    assert results[0]["code"] == 200 and results[0]["status"] == "duplicate"
    assert count(app, Interaction) == 1 and count(app, Record) == 1


def test_conflicting_replay_is_refused(app, auth):
    auth.login("alice")
    record = interaction(stop_ids(app, "van-1")[0])
    auth.sync([record])
    changed = dict(record, data=dict(record["data"], note="autre chose"))
    result = auth.sync([changed]).get_json()["results"][0]
    assert result["code"] == 409 and result["status"] == "conflict"
    with new_session(app) as session:
        assert session.scalars(select(Interaction.note)).one() == "intéressés par l'atelier"


def test_same_uuid_from_another_user_conflicts(app, client, auth):
    auth.login("coord")  # a coordinator may log anywhere
    record = interaction(stop_ids(app, "van-1")[0])
    assert auth.sync([record]).get_json()["results"][0]["code"] == 201
    auth.login("alice")
    assert auth.sync([record]).get_json()["results"][0]["code"] == 409


def test_partial_failure_keeps_the_good_records(app, auth):
    auth.login("alice")
    mine, theirs = stop_ids(app, "van-1")[0], stop_ids(app, "van-2")[0]
    good1, good2 = (
        interaction(mine),
        {
            "uuid": str(uuid.uuid4()),
            "kind": "tally",
            "stop_id": mine,
            "at": "2025-06-02T09:20:00Z",
            "data": {"band": "12_17"},
        },
    )
    batch = [
        good1,
        interaction(mine, uuid="pas-un-uuid"),
        interaction(mine, data={"ages": {"18_25": -1}}),
        interaction(mine, data={"ages": {"18_25": 1}, "topics": ["inconnu"]}),
        interaction(theirs),
        interaction(999999),
        {
            "uuid": str(uuid.uuid4()),
            "kind": "checkin",
            "stop_id": mine,
            "at": "2025-06-02 09:00",
        },  # no zone
        "pas un objet",
        good2,
        good1,  # the same record twice in one batch
    ]
    results = auth.sync(batch).get_json()["results"]
    assert [r["code"] for r in results] == [201, 422, 422, 422, 403, 404, 422, 422, 201, 200]
    assert all(r.get("message") for r in results if r["code"] >= 400)
    assert count(app, Interaction) == 2 and count(app, Record) == 2


def test_check_in_and_out_with_position(app, auth):
    auth.login("alice")
    stop = stop_ids(app, "van-1")[1]
    records = [
        {
            "uuid": str(uuid.uuid4()),
            "kind": "checkin",
            "stop_id": stop,
            "at": "2025-06-02T10:02:00+02:00",
            "data": {"lat": 45.568, "lon": 5.924, "accuracy_m": 12.5},
        },
        {
            "uuid": str(uuid.uuid4()),
            "kind": "checkout",
            "stop_id": stop,
            "at": "2025-06-02T12:10:00+02:00",
        },
    ]
    assert [r["code"] for r in auth.sync(records).get_json()["results"]] == [201, 201]
    with new_session(app) as session:
        events = session.scalars(select(StopEvent).order_by(StopEvent.at)).all()
    assert [e.kind for e in events] == ["checkin", "checkout"]
    assert events[0].lat == 45.568 and events[1].lat is None
    assert events[0].at.hour == 8  # stored in UTC


def test_put_single_record_uses_record_status(app, client, auth):
    auth.login("alice")
    record = interaction(stop_ids(app, "van-1")[0])
    headers = {"X-CSRFToken": auth.api_token()}
    url = f"/api/records/{record['uuid']}"
    assert client.put(url, json=record, headers=headers).status_code == 201
    assert client.put(url, json=record, headers=headers).status_code == 200
    assert (
        client.put(
            url, json=dict(record, stop_id=stop_ids(app, "van-1")[1]), headers=headers
        ).status_code
        == 409
    )
    assert (
        client.put(f"/api/records/{uuid.uuid4()}", json=record, headers=headers).status_code == 400
    )


def test_malformed_batches_are_refused_clearly(app, client, auth):
    auth.login("alice")
    headers = {"X-CSRFToken": auth.api_token()}
    response = client.post(
        "/api/sync", data="pas du json", headers=headers, content_type="application/json"
    )
    assert response.status_code == 400 and "JSON" in response.get_json()["error"]
    response = client.post("/api/sync", json={"records": "x"}, headers=headers)
    assert response.status_code == 400 and "liste" in response.get_json()["error"]
    too_many = [interaction(1) for _ in range(app.config["SYNC_BATCH_MAX"] + 1)]
    assert client.post("/api/sync", json={"records": too_many}, headers=headers).status_code == 400


def test_sync_requires_login(app, client):
    # A valid CSRF token (the login page gives one to anyone), so that the login check answers.
    token = form_token(client.get("/login").get_data(as_text=True))
    record = interaction(stop_ids(app, "van-1")[0])
    response = client.post("/api/sync", json={"records": [record]}, headers={"X-CSRFToken": token})
    assert response.status_code == 401
    assert response.get_json() == {"error": "Connexion requise."}
    assert count(app, Record) == 0 and count(app, Interaction) == 0


def test_sync_without_csrf_token_is_refused_before_the_login(app, client):
    response = client.post("/api/sync", json={"records": []})
    assert response.status_code == 400 and response.get_json()["kind"] == "csrf"
