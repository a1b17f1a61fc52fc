"""Agents and coordinators fix mistakes: a record that corrects or deletes an earlier one
(``replaces``), applied exactly once; the original is kept in the ledger, marked superseded, and
every count, export and CRA reads the current version only."""

import csv
import datetime as dt
import io
import uuid

from sqlalchemy import func, select

from field_app.db import new_session
from field_app.models import Interaction, Record

from .conftest import coop_interaction, form_token, stop_ids, tally
from .test_coop import at_paris, sheet


def void(original: dict, at: str | None = None) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "kind": "void",
        "stop_id": original["stop_id"],
        "at": at or original["at"],
        "replaces": original["uuid"],
    }


def correction(original: dict, **data) -> dict:
    record = coop_interaction(original["stop_id"], at=original["at"], **data)
    record["replaces"] = original["uuid"]
    return record


def people(app) -> int:
    with new_session(app) as session:
        return sum(i.people for i in session.scalars(select(Interaction)))


def interactions_csv(client) -> list[dict]:
    text = client.get("/coord/export/csv.csv").get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_undo_and_correct_then_replay_twice(app, client, auth):
    auth.login("alice")
    halles, curial, _ = stop_ids(app, "van-1")
    wrong = coop_interaction(halles, at=at_paris(9, 20))  # 3 people
    plus_one = tally(curial, "quarante_cinquante_neuf", at=at_paris(12, 30))
    kept = tally(curial, "non_communique", at=at_paris(12, 31))
    fixed = correction(wrong, ages={"moins_de_douze": 2}, genres={}, statuts={}, note="corrigé")
    undo = void(plus_one, at=at_paris(12, 32))
    # The phone sends its queue in order: originals, then what fixes them.
    queue = [wrong, plus_one, kept, fixed, undo]
    results = auth.sync(queue).get_json()["results"]
    assert [r["code"] for r in results] == [201] * 5, results
    assert people(app) == 2 + 1
    # The same queue again (an answer lost on the way): nothing changes.
    for _ in range(2):
        results = auth.sync(queue).get_json()["results"]
        assert [r["status"] for r in results] == ["duplicate"] * 5, results
    assert people(app) == 3
    with new_session(app) as session:
        assert session.scalar(select(func.count()).select_from(Interaction)) == 2
        original = session.get(Record, wrong["uuid"])
        assert original.superseded_by == fixed["uuid"] and original.superseded_at is not None
        assert '"vingt_cinq_trente_neuf":2' in original.content  # kept for audit
        assert session.get(Record, plus_one["uuid"]).superseded_by == undo["uuid"]
        assert session.get(Record, fixed["uuid"]).replaces == wrong["uuid"]
        assert session.get(Record, kept["uuid"]).superseded_by is None
    auth.login("coord")
    rows = interactions_csv(client)
    assert sorted(r["uuid"] for r in rows) == sorted([fixed["uuid"], kept["uuid"]])
    assert [r["note"] for r in rows if r["uuid"] == fixed["uuid"]] == ["corrigé"]
    coop = {r["lieu"]: r for r in sheet(client)}
    assert coop["Les Halles"]["participants_total"] == "2"
    assert "Carré Curial" not in coop  # only a +1 left: no thématique, « à compléter »
    page = client.get("/coord/").get_data(as_text=True)
    assert page  # the dashboard renders with the current versions


def test_a_record_is_superseded_once(app, auth):
    auth.login("alice")
    halles = stop_ids(app, "van-1")[0]
    original = coop_interaction(halles, at=at_paris(9, 20))
    first, second = correction(original, note="un"), correction(original, note="deux")
    results = auth.sync([original, first, second]).get_json()["results"]
    assert [r["code"] for r in results] == [201, 201, 409], results
    # A correction of the correction is how a second fix is made.
    again = correction(first, note="trois")
    assert auth.sync([again]).get_json()["results"][0]["code"] == 201
    with new_session(app) as session:
        assert session.scalars(select(Interaction.note)).all() == ["trois"]


def test_who_may_fix_what(app, client, auth):
    auth.login("alice")
    halles = stop_ids(app, "van-1")[0]
    bob_stop = stop_ids(app, "van-2")[0]
    mine = coop_interaction(halles, at=at_paris(9, 20))
    assert auth.sync([mine]).get_json()["results"][0]["code"] == 201
    auth.login("bob")
    theirs = tally(bob_stop, "non_communique", at=at_paris(10, 0))
    assert auth.sync([theirs]).get_json()["results"][0]["code"] == 201
    result = auth.sync([void(mine)]).get_json()["results"][0]
    assert result["code"] == 403  # not bob's tour
    auth.login("alice")
    refused = [
        void(theirs),  # another agent's record (and tour)
        {**void(mine), "stop_id": stop_ids(app, "van-1")[1]},  # not the original's stop
        void({"uuid": str(uuid.uuid4()), "stop_id": halles, "at": mine["at"]}),  # unknown
        {**void(mine), "replaces": "pas-un-uuid"},
        {**void(mine), "replaces": None},
        {**tally(halles, "non_communique", at=at_paris(9, 30)), "replaces": mine["uuid"]},
    ]
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()
    refused.append(void(mine, at=yesterday))  # not on the tour's day: ask the coordination
    codes = [r["code"] for r in auth.sync(refused).get_json()["results"]]
    assert codes == [403, 422, 404, 422, 422, 422, 403]
    assert people(app) == 4
    auth.login("coord")  # a coordinator fixes anyone's record
    assert auth.sync([void(theirs)]).get_json()["results"][0]["code"] == 201
    assert people(app) == 3


def test_a_check_in_cannot_be_voided(app, auth):
    auth.login("alice")
    halles = stop_ids(app, "van-1")[0]
    checkin = {
        "uuid": str(uuid.uuid4()),
        "kind": "checkin",
        "stop_id": halles,
        "at": at_paris(9, 0),
        "data": {},
    }
    results = auth.sync([checkin, void(checkin)]).get_json()["results"]
    assert [r["code"] for r in results] == [201, 422]


def test_records_page_filters_corrects_deletes_and_exports(app, client, auth):
    auth.login("alice")
    halles, curial, _ = stop_ids(app, "van-1")
    alice_rec = coop_interaction(halles, at=at_paris(9, 20), note="=HYPERLINK(1)")
    alice_tally = tally(curial, "non_communique", at=at_paris(12, 30))
    auth.sync([alice_rec, alice_tally])
    auth.login("bob")
    bob_rec = coop_interaction(stop_ids(app, "van-2")[0], at=at_paris(10, 0), note="bob")
    auth.sync([bob_rec])
    assert client.get("/coord/rencontres/").status_code == 403  # agents do not browse
    assert client.get("/coord/rencontres/export.csv").status_code == 403

    auth.login("coord")
    page = client.get("/coord/rencontres/").get_data(as_text=True)
    assert "=HYPERLINK(1)" in page and "bob" in page and "3 enregistrement(s)" in page
    page = client.get("/coord/rencontres/?agent=alice").get_data(as_text=True)
    assert "2 enregistrement(s), 4 personne(s)" in page and bob_rec["uuid"] not in page
    page = client.get("/coord/rencontres/?site=halles").get_data(as_text=True)
    assert "1 enregistrement(s), 3 personne(s)" in page
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/coord/rencontres/export.csv?agent=alice").get_data(as_text=True)[1:]
            ),
            delimiter=";",
        )
    )
    assert sorted(r["uuid"] for r in rows) == sorted([alice_rec["uuid"], alice_tally["uuid"]])
    assert [r["note"] for r in rows if r["note"]] == ["'=HYPERLINK(1)"]  # spreadsheet-safe

    token = form_token(
        client.get(f"/coord/rencontres/{alice_rec['uuid']}/corriger").get_data(as_text=True)
    )
    form = {"csrf_token": token, "agent": "alice", "ages.moins_de_douze": "1", "visit": "first"}
    form |= {"topics": "logement", "note": "corrigé par la coordination"}
    refused = client.post(f"/coord/rencontres/{alice_rec['uuid']}/corriger", data=form)
    assert refused.status_code == 422  # a sub-theme without its thématique: said, input kept
    assert "Correction refusée" in refused.get_data(as_text=True)
    assert "corrigé par la coordination</textarea>" in refused.get_data(as_text=True)
    form["topics"] = "culture_numerique"
    response = client.post(f"/coord/rencontres/{alice_rec['uuid']}/corriger", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert response.headers["Location"].endswith("agent=alice")
    response = client.post(
        f"/coord/rencontres/{bob_rec['uuid']}/supprimer", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert people(app) == 1 + 1
    with new_session(app) as session:
        original = session.get(Record, alice_rec["uuid"])
        correction_row = session.get(Record, original.superseded_by)
        assert correction_row.user_id != original.user_id  # the coordinator's, kept apart
        assert session.get(Record, bob_rec["uuid"]).superseded_by is not None
        assert session.scalars(
            select(Interaction.note).where(Interaction.source == "form")
        ).all() == ["corrigé par la coordination"]
    page = client.get("/coord/rencontres/").get_data(as_text=True)
    assert "(corrigée)" in page and "2 enregistrement(s)" in page
    # A record already replaced cannot be corrected again from an old page.
    again = client.post(
        f"/coord/rencontres/{bob_rec['uuid']}/supprimer", data={"csrf_token": token}
    )
    assert again.status_code == 404
