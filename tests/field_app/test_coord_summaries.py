"""What coordinators see of what happened (issue 12): « à vérifier » flags with their true reason,
the « Bilan » per agent and per site (page and formula-safe CSV), the « Carte » of sites, the
invitation cards' CSV, and the correction of an encounter of the first form."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import uuid

from sqlalchemy import select

from dynamobile.french import date_fr
from field_app import accounts, flags, invitations, publishing
from field_app.db import new_session
from field_app.models import Interaction, InvitationCard, Record, Stop, Tour, User

from .conftest import PASSWORD, coop_interaction, form_token, interaction, stop_ids, tally
from .planning import PARIS


def today() -> dt.date:
    return dt.datetime.now(PARIS).date()


def at_paris(hour: int, minute: int = 0, *, days: int = 0) -> dt.datetime:
    return dt.datetime.combine(today() + dt.timedelta(days=days), dt.time(hour, minute), PARIS)


def event(stop_id: int, kind: str, at: dt.datetime) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "kind": kind,
        "stop_id": stop_id,
        "at": at.isoformat(),
        "data": {},
    }


def handout(stop_id: int, code: str | None, at: dt.datetime) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "kind": "invitation",
        "stop_id": stop_id,
        "at": at.isoformat(),
        "data": {"code": code},
    }


def synced(auth, records: list[dict]) -> None:
    results = auth.sync(records).get_json()["results"]
    assert [r["code"] for r in results] == [201] * len(records), results


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def flags_of(app, uid: str) -> list[flags.Flag]:
    from field_app import reports

    with new_session(app) as session:
        rows = [r for r in reports.interaction_rows(session) if r[0].record_uuid == uid]
        return flags.flag_rows(session, rows).get(uid, [])


# --- flags ---------------------------------------------------------------------------------------


def test_each_flag_says_what_is_true(app, client, auth):
    halles, curial, scarabee = stop_ids(app, "van-1")  # planned 9–11, 12–14, 15–17, today
    day = today()
    # Halles: checked in 4 h 30 after the planned 9:00, an encounter after that check-in.
    late = coop_interaction(halles, at=at_paris(13, 45).isoformat())
    # Curial: checked in 12:05, out 13:50; one encounter inside, one 5 min after (within the
    # slack), one 40 min after, one 35 min before the check-in.
    inside = coop_interaction(curial, at=at_paris(12, 30).isoformat())
    just_after = tally(curial, "non_communique", at=at_paris(13, 55).isoformat())
    after = tally(curial, "non_communique", at=at_paris(14, 30).isoformat())
    before = coop_interaction(curial, at=at_paris(11, 30).isoformat())
    # Scarabée (no check-in): dated 3 days before its stop, and one day before (not flagged).
    far = coop_interaction(scarabee, at=at_paris(16, 0, days=-3).isoformat())
    near = coop_interaction(scarabee, at=at_paris(16, 0, days=-1).isoformat())
    auth.login("alice")
    synced(
        auth,
        [
            event(halles, "checkin", at_paris(13, 30)),
            late,
            event(curial, "checkin", at_paris(12, 5)),
            event(curial, "checkout", at_paris(13, 50)),
            inside,
            just_after,
            after,
            before,
            far,
            near,
        ],
    )
    hm = "%d/%m"
    assert flags_of(app, late["uuid"]) == [
        flags.Flag(
            flags.CHECKIN_FAR,
            f"arrivée pointée à 13:30 le {day:{hm}}, 4 h 30 après l'ouverture prévue "
            f"(09:00 le {day:{hm}})",
        )
    ]
    assert flags_of(app, inside["uuid"]) == []
    assert flags_of(app, just_after["uuid"]) == []
    assert flags_of(app, after["uuid"]) == [
        flags.Flag(
            flags.OUTSIDE_SPAN,
            f"notée à 14:30 le {day:{hm}}, 40 min après le départ pointé (13:50 le {day:{hm}})",
        )
    ]
    assert flags_of(app, before["uuid"]) == [
        flags.Flag(
            flags.OUTSIDE_SPAN,
            f"notée à 11:30 le {day:{hm}}, 35 min avant l'arrivée pointée (12:05 le {day:{hm}})",
        )
    ]
    assert flags_of(app, far["uuid"]) == [
        flags.Flag(
            flags.OTHER_DAY,
            f"datée du {date_fr(day - dt.timedelta(days=3))}, 3 jours avant l'arrêt du "
            f"{date_fr(day)}",
        )
    ]
    assert flags_of(app, near["uuid"]) == []

    auth.login("coord")
    page = client.get("/coord/rencontres/").get_data(as_text=True)
    assert "7 enregistrement(s)" in page
    assert page.count('<span class="badge">À vérifier</span>') == 4
    page = client.get("/coord/rencontres/?verifier=1").get_data(as_text=True)
    assert "4 enregistrement(s) à vérifier" in page
    shown = set(re.findall(r'<tr id="r-([0-9a-f-]+)"', page))
    assert shown == {late["uuid"], after["uuid"], before["uuid"], far["uuid"]}
    assert "40 min après le départ pointé (13:50" in page
    assert 'name="verifier" value="1" checked' in page
    rows = read_csv(client.get("/coord/rencontres/export.csv?verifier=1"))
    by_uuid = {r["uuid"]: r for r in rows}
    assert set(by_uuid) == shown
    assert by_uuid[far["uuid"]]["a_verifier"].startswith("datée du ")
    everything = read_csv(client.get("/coord/rencontres/export.csv"))
    assert {r["uuid"]: r["a_verifier"] for r in everything}[inside["uuid"]] == ""


def test_a_check_in_before_the_planned_time_and_days_after(app, client, auth):
    """The other side of each check: a check-in long before the opening, a record days after."""
    halles, _curial, scarabee = stop_ids(app, "van-1")
    day = today()
    early = coop_interaction(halles, at=at_paris(5, 40).isoformat())
    auth.login("alice")
    synced(auth, [event(halles, "checkin", at_paris(5, 30)), early])
    assert flags_of(app, early["uuid"]) == [
        flags.Flag(
            flags.CHECKIN_FAR,
            f"arrivée pointée à 05:30 le {day:%d/%m}, 3 h 30 avant l'ouverture prévue "
            f"(09:00 le {day:%d/%m})",
        )
    ]
    with new_session(app) as session:  # the tour was in fact 3 days ago
        stop = session.get(Stop, scarabee)
        stop.tour.date = day - dt.timedelta(days=3)
        session.commit()
    later = coop_interaction(scarabee, at=at_paris(10, 0).isoformat())
    synced(auth, [later])
    assert [f.code for f in flags_of(app, early["uuid"])] == [flags.CHECKIN_FAR, flags.OTHER_DAY]
    assert [f.code for f in flags_of(app, later["uuid"])] == [flags.OTHER_DAY]
    assert flags_of(app, later["uuid"])[0].reason == (
        f"datée du {date_fr(day)}, 3 jours après l'arrêt du {date_fr(day - dt.timedelta(days=3))}"
    )


# --- summaries, map, invitations -----------------------------------------------------------------


def a_day(app, auth) -> dict:
    """Alice at Halles and Curial, bob at Demangeat; check-ins, cards handed out, one redeemed."""
    halles, curial, _ = stop_ids(app, "van-1")
    demangeat, _ = stop_ids(app, "van-2")
    with new_session(app) as session:
        tour = session.scalars(select(Tour).where(Tour.vehicle == "van-1")).one()
        coord = session.scalars(select(User).where(User.name == "coord")).one()
        invitations.generate_series(session, tour, 3, coord)
        session.commit()
        codes = session.scalars(
            select(InvitationCard.code).where(InvitationCard.tour_id == tour.id)
        ).all()
    auth.login("alice")
    synced(
        auth,
        [
            event(halles, "checkin", at_paris(9, 0)),
            event(halles, "checkout", at_paris(10, 40)),  # 100 min
            coop_interaction(halles, at=at_paris(9, 20).isoformat()),  # 25-39: 2, 70+: 1
            tally(halles, "moins_de_douze", at=at_paris(9, 30).isoformat()),
            handout(halles, codes[0], at_paris(9, 25)),
            handout(halles, None, at_paris(9, 26)),
            event(curial, "checkin", at_paris(12, 0)),
            event(curial, "checkout", at_paris(13, 0)),  # 60 min
            interaction(curial, at=at_paris(12, 10).isoformat()),  # first form: 18-25: 2, 60+: 1
            handout(curial, codes[1], at_paris(12, 15)),
        ],
    )
    auth.login("bob")
    synced(
        auth,
        [
            event(demangeat, "checkin", at_paris(9, 0)),
            tally(demangeat, "non_communique", at=at_paris(9, 10).isoformat()),
        ],
    )
    with new_session(app) as session:
        coord = session.scalars(select(User).where(User.name == "coord")).one()
        later = at_paris(9, 25) + dt.timedelta(days=2, hours=12)
        assert invitations.redeem(session, coord, codes[0], now=later).ok
        session.commit()
    return {"codes": codes}


def test_summaries_per_agent_and_per_site(app, client, auth):
    a_day(app, auth)
    auth.login("coord")
    page = client.get("/coord/rencontres/bilan").get_data(as_text=True)
    assert 'aria-current="page">Bilan par agent et par lieu' in page
    assert "18–25 ans (ancien formulaire)" in page  # a first-form band outside the Coop's
    rows = {r["agent"]: r for r in read_csv(client.get("/coord/rencontres/bilan.csv?par=agent"))}
    assert set(rows) == {"alice", "bob", "Total"}
    alice = rows["alice"]
    assert alice["enregistrements"] == "3" and alice["personnes"] == "7"
    assert alice["Moins de 12 ans"] == "1" and alice["25 - 39 ans"] == "2"
    assert alice["70 ans et plus"] == "1"
    assert alice["18–25 ans (ancien formulaire)"] == "2"
    assert alice["60 ans et + (ancien formulaire)"] == "1"
    assert alice["invitations_remises"] == "3" and alice["invitations_venues"] == "1"
    assert alice["arrets_pointes"] == "2" and alice["temps_median_sur_place_min"] == "80"
    bob = rows["bob"]
    assert (bob["enregistrements"], bob["personnes"], bob["Non communiqué"]) == ("1", "1", "1")
    assert bob["arrets_pointes"] == "1" and bob["temps_median_sur_place_min"] == ""
    total = rows["Total"]
    assert (total["enregistrements"], total["personnes"], total["arrets_pointes"]) == (
        "4",
        "8",
        "3",
    )

    sites = {r["site"]: r for r in read_csv(client.get("/coord/rencontres/bilan.csv?par=lieu"))}
    assert sites["halles"]["lieu"] == "Les Halles" and sites["halles"]["personnes"] == "4"
    assert sites["halles"]["invitations_remises"] == "2"
    assert sites["halles"]["temps_median_sur_place_min"] == "100"
    assert sites["curial"]["personnes"] == "3" and sites["curial"]["invitations_venues"] == "0"
    assert sites["demangeat"]["arrets_pointes"] == "1"

    # The filters of the list apply: one agent, one site.
    only = read_csv(client.get("/coord/rencontres/bilan.csv?par=lieu&agent=bob"))
    assert [r["site"] for r in only] == ["demangeat", ""]
    only = read_csv(client.get("/coord/rencontres/bilan.csv?par=agent&site=curial"))
    assert [(r["agent"], r["invitations_remises"]) for r in only] == [
        ("alice", "1"),
        ("Total", "1"),
    ]
    assert client.get("/coord/rencontres/bilan.csv?par=x").status_code == 400
    auth.login("alice")
    assert client.get("/coord/rencontres/bilan").status_code == 403
    assert client.get("/coord/rencontres/bilan.csv").status_code == 403
    assert client.get("/coord/rencontres/carte").status_code == 403


def test_csv_cells_never_start_a_formula(app, client, auth):
    with new_session(app) as session:
        evil = accounts.create_user(session, "=1+2", PASSWORD, "agent")
        tour = session.scalars(select(Tour).where(Tour.vehicle == "van-2")).one()
        publishing.assign_agents(session, tour, [evil.id])
        stop = tour.stops[0]
        stop.name, stop.quartier = "@lieu", "-quartier"
        session.commit()
        stop_id = stop.id
    auth.login("=1+2")
    synced(auth, [tally(stop_id, "non_communique", at=at_paris(9, 30).isoformat())])
    synced(auth, [handout(stop_id, None, at_paris(9, 31))])
    auth.login("coord")
    agents = read_csv(client.get("/coord/rencontres/bilan.csv?par=agent"))
    assert agents[0]["agent"] == "'=1+2"
    sites = read_csv(client.get("/coord/rencontres/bilan.csv?par=lieu"))
    assert sites[0]["lieu"] == "'@lieu"
    cards = read_csv(client.get("/coord/invitations.csv"))
    assert [(c["lieu"], c["quartier"], c["remise_par"]) for c in cards] == [
        ("'@lieu", "'-quartier", "'=1+2")
    ]


def test_map_of_sites_sized_by_people(app, client, auth):
    a_day(app, auth)
    auth.login("coord")
    page = client.get("/coord/rencontres/carte").get_data(as_text=True)
    data = json.loads(
        re.search(r'<script type="application/json" id="records-map-data">(.*?)</script>', page)[1]
    )
    assert [(p["site"], p["people"], p["stops"]) for p in data] == [
        ("halles", 4, 1),
        ("curial", 3, 1),
        ("demangeat", 1, 1),
    ]
    assert all(isinstance(p["lat"], float) and isinstance(p["lon"], float) for p in data)
    assert '<th scope="row">Les Halles</th><td>Centre-ville</td>' in page  # the table equivalent
    assert "leaflet.js" in page and "records_map.js" in page
    filtered = client.get("/coord/rencontres/carte?agent=bob").get_data(as_text=True)
    assert '<th scope="row">Place Demangeat</th>' in filtered
    assert '<th scope="row">Les Halles</th>' not in filtered


def test_map_tiles_are_allowed_like_the_catalogue_maps(app, client, auth):
    app.config["MAP_TILES_URL"] = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    auth.login("coord")
    response = client.get("/coord/rencontres/carte")
    assert (
        "img-src 'self' data: https://*.tile.example.org;"
        in (response.headers["Content-Security-Policy"])
    )
    assert 'data-tiles-url="https://{s}.tile.example.org/{z}/{x}/{y}.png"' in response.get_data(
        as_text=True
    )


def test_invitations_csv(app, client, auth):
    codes = a_day(app, auth)["codes"]
    auth.login("coord")
    rows = read_csv(client.get("/coord/invitations.csv"))
    assert len(rows) == 4  # 3 printed cards (2 handed out) and one « sans code »
    by_code = {r["code"]: r for r in rows}
    redeemed = by_code[codes[0]]
    assert redeemed["lieu"] == "Les Halles" and redeemed["remise_par"] == "alice"
    assert redeemed["remise_le"] == today().isoformat() and redeemed["remise_heure"] == "09:25"
    assert redeemed["venue_le"] == (today() + dt.timedelta(days=2)).isoformat()
    assert redeemed["delai_jours"] == "2,5" and redeemed["serie"] == "1"
    assert by_code[codes[1]]["lieu"] == "Carré Curial" and by_code[codes[1]]["venue_le"] == ""
    assert by_code[codes[2]]["remise_le"] == "" and by_code[codes[2]]["imprimee_le"] != ""
    sans = by_code["sans code"]
    assert sans["serie"] == "" and sans["lieu"] == "Les Halles" and sans["imprimee_le"] == ""
    assert {r["tournee"] for r in rows} == {today().isoformat()}
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    assert read_csv(client.get(f"/coord/invitations.csv?du={yesterday}&au={yesterday}")) == []
    page = client.get("/coord/").get_data(as_text=True)
    assert "/coord/invitations.csv?du=" in page


# --- correcting an encounter of the first form -----------------------------------------------------


def test_coordinator_corrects_a_first_form_encounter(app, client, auth):
    halles = stop_ids(app, "van-1")[0]
    old = interaction(halles, at=at_paris(9, 30).isoformat())  # no ``v``: the first form
    auth.login("alice")
    synced(auth, [old])
    auth.login("coord")
    listing = client.get("/coord/rencontres/").get_data(as_text=True)
    assert f"/coord/rencontres/{old['uuid']}/corriger" in listing
    page = client.get(f"/coord/rencontres/{old['uuid']}/corriger?agent=alice")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "premier formulaire" in html and "18–25 ans" in html and "Démarches en ligne" in html
    assert 'name="genres.feminin"' not in html  # the first form had no gender counts
    assert 'name="ages.18_25" min="0" max="500" value="2"' in html
    assert 'value="demarches" checked' in html
    token = form_token(html)
    form = {"csrf_token": token, "agent": "alice", "ages.18_25": "1", "ages.0_11": "2"}
    form |= {"topics": "logement", "visit": "returning", "note": "corrigé"}
    refused = client.post(f"/coord/rencontres/{old['uuid']}/corriger", data=form)
    assert refused.status_code == 422  # a Coop code is not one of the first form's topics
    assert "code(s) inconnu(s) logement" in refused.get_data(as_text=True)
    form["topics"] = ["demarches", "fablab"]
    done = client.post(f"/coord/rencontres/{old['uuid']}/corriger", data=form)
    assert done.status_code == 302 and done.headers["Location"].endswith("agent=alice")
    with new_session(app) as session:
        original = session.get(Record, old["uuid"])
        assert original.superseded_by is not None
        fixed = session.get(Record, original.superseded_by)
        content = json.loads(fixed.content)
        assert "v" not in content["data"] and content["replaces"] == old["uuid"]
        assert content["data"]["equipment"] == ["tablette"]  # kept from the original
        row = session.scalars(select(Interaction)).one()
        assert (row.age_scheme, row.age_18_25, row.age_0_11, row.age_60_plus) == ("v1", 1, 2, 0)
        assert (row.topics, row.visit, row.note) == ("demarches fablab", "returning", "corrigé")
    assert "(corrigée)" in client.get("/coord/rencontres/").get_data(as_text=True)
    # A +1 is not corrected, only deleted.
    plus = tally(halles, "non_communique", at=at_paris(9, 40).isoformat())
    synced(auth, [plus])
    assert client.get(f"/coord/rencontres/{plus['uuid']}/corriger").status_code == 400
