"""Invitation cards (issue 12 item 7): codes, hand-out through sync, reception, dashboard figures.

Every test runs on the real database of the suite (SQLite, and PostgreSQL with DATABASE_URL). The
dashboard's counts and median delays are checked against a computation made here, from the
test's own data, without the app's code.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict

import pytest
from sqlalchemy import select

from field_app import invitations
from field_app.db import new_session
from field_app.models import InvitationCard, Record, Stop, Tour, User

from .conftest import PASSWORD, form_token, stop_ids, tally

PARIS = invitations.PARIS
AMBIGUOUS = set("0O1I")


def generate(app, vehicle: str = "van-1", count: int = 30) -> list[str]:
    with new_session(app) as session:
        tour = session.scalars(select(Tour).where(Tour.vehicle == vehicle)).one()
        coord = session.scalars(select(User).where(User.name == "coord")).one()
        series = invitations.generate_series(session, tour, count, coord)
        session.commit()
        return [c.code or "" for c in invitations.cards_of_series(session, tour.id, series)]


def hand_out(stop_id: int, code: str | None, at: str = "2025-06-02T09:30:00.000Z") -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "kind": "invitation",
        "stop_id": stop_id,
        "at": at,
        "data": {"code": code},
    }


def card(app, code: str) -> InvitationCard:
    with new_session(app) as session:
        row = session.scalars(select(InvitationCard).where(InvitationCard.code == code)).one()
        session.expunge(row)
        return row


def test_codes_are_unique_short_and_unambiguous(app):
    first = generate(app, count=300)
    second = generate(app, count=300)
    codes = first + second
    assert len(codes) == len(set(codes)) == 600
    for code in codes:
        assert len(code) == 6
        assert set(code) <= set(invitations.ALPHABET)
        assert not set(code) & AMBIGUOUS
    assert len(invitations.ALPHABET) == 32 and not set(invitations.ALPHABET) & AMBIGUOUS
    with new_session(app) as session:
        assert sorted(session.scalars(select(InvitationCard.series).distinct()).all()) == [1, 2]
    with pytest.raises(Exception, match="entre 1 et"):
        generate(app, count=0)


def test_only_coordinators_generate_and_print(app, client, auth):
    tour_id = stop_tour(app, "van-1")
    auth.login("alice")
    token = form_token(client.get("/accueil").get_data(as_text=True))
    response = client.post(
        f"/coord/tournees/{tour_id}/invitations", data={"count": "5", "csrf_token": token}
    )
    assert response.status_code == 403
    with new_session(app) as session:
        assert session.scalars(select(InvitationCard)).all() == []
    client.post("/logout", data={"csrf_token": token})

    auth.login("coord")
    page = client.get(f"/coord/tournees/{tour_id}").get_data(as_text=True)
    assert "Créer une série de cartes" in page
    response = client.post(
        f"/coord/tournees/{tour_id}/invitations",
        data={"count": "5", "csrf_token": form_token(page)},
    )
    assert response.status_code == 302
    page = client.get(f"/coord/tournees/{tour_id}").get_data(as_text=True)
    assert "Série 1 : 5 cartes" in page
    sheet = client.get(f"/coord/tournees/{tour_id}/invitations/1/imprimer")
    assert sheet.status_code == 200
    html = sheet.get_data(as_text=True)
    with new_session(app) as session:
        codes = session.scalars(select(InvitationCard.code)).all()
    assert len(codes) == 5 and all(code in html for code in codes)
    assert html.count("Présentez ce code à l'accueil de La Dynamo") == 5
    assert "card-footer" not in html  # no invented address or opening hours
    bad = client.post(
        f"/coord/tournees/{tour_id}/invitations",
        data={"count": "100000", "csrf_token": form_token(page)},
    )
    assert bad.status_code == 400
    assert client.get(f"/coord/tournees/{tour_id}/invitations/9/imprimer").status_code == 404


def test_the_footer_is_configurable(make_app, app):
    tour_id = stop_tour(app, "van-1")
    generate(app, count=2)
    other = make_app(INVITATION_FOOTER="Place des Tests, ouvert le mardi")
    client = other.test_client()
    token = form_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"name": "coord", "password": PASSWORD, "csrf_token": token})
    html = client.get(f"/coord/tournees/{tour_id}/invitations/1/imprimer").get_data(as_text=True)
    assert html.count("Place des Tests, ouvert le mardi") == 2


def stop_tour(app, vehicle: str) -> int:
    with new_session(app) as session:
        return session.scalars(select(Tour.id).where(Tour.vehicle == vehicle)).one()


def test_hand_out_through_sync_exactly_once(app, auth):
    codes = generate(app, count=3)
    stop = stop_ids(app, "van-1")[0]
    auth.login("alice")
    typed = codes[0].lower()[:3] + " " + codes[0].lower()[3:]
    batch = [hand_out(stop, typed), hand_out(stop, None)]
    first = auth.sync(batch).get_json()
    assert [r["status"] for r in first["results"]] == ["created", "created"]
    again = auth.sync(batch).get_json()
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    given = card(app, codes[0])
    assert given.stop_id == stop and given.handout_record == batch[0]["uuid"]
    assert given.handed_out_at == dt.datetime(2025, 6, 2, 9, 30, tzinfo=dt.UTC)
    with new_session(app) as session:
        assert (
            given.handed_out_by
            == session.scalars(select(User.id).where(User.name == "alice")).one()
        )
        anonymous = session.scalars(
            select(InvitationCard).where(InvitationCard.code.is_(None))
        ).all()
        assert len(anonymous) == 1 and anonymous[0].stop_id == stop
        assert session.scalars(select(Record).where(Record.kind == "invitation")).all()
    # The same card handed out again (another record): refused alone, not a 5xx.
    twice = auth.sync([hand_out(stop, codes[0])]).get_json()["results"][0]
    assert (twice["code"], twice["status"]) == (409, "conflict")
    assert "déjà été remise" in twice["message"]
    # An agent logs only at the stops of their tours.
    other = auth.sync([hand_out(stop_ids(app, "van-2")[0], codes[1])]).get_json()["results"][0]
    assert other["code"] == 403
    assert card(app, codes[1]).handed_out_at is None


def test_unknown_or_malformed_code_is_refused_alone(app, auth):
    codes = generate(app, count=2)
    unknown = next(c for c in ("ZZZZZZ", "YYYYYY", "XXXXXX", "WWWWWW") if c not in codes)
    stop = stop_ids(app, "van-1")[0]
    auth.login("alice")
    batch = [
        tally(stop, "douze_dix_huit"),
        hand_out(stop, unknown),
        hand_out(stop, "A0B1CI"),
        hand_out(stop, 123456),
        hand_out(stop, codes[1]),
    ]
    response = auth.sync(batch)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["code"] for r in results] == [201, 422, 422, 422, 201]
    assert "inconnue" in results[1]["message"]
    assert "n'est pas un code" in results[2]["message"]
    with new_session(app) as session:
        stored = set(session.scalars(select(Record.uuid)))
    assert stored == {batch[0]["uuid"], batch[4]["uuid"]}


def test_reception_redeems_a_code_once(app, client, auth):
    codes = generate(app, count=2)
    stop = stop_ids(app, "van-1")[0]
    assert client.get("/accueil").status_code == 302  # logged-in staff only
    auth.login("alice")  # an agent's account works at reception
    page = client.get("/accueil")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<label for="accueil-code">Code de l\'invitation</label>' in html
    assert 'role="status"' in html and 'aria-live="polite"' in html
    auth.sync([hand_out(stop, codes[0])])
    token = form_token(html)
    first = client.post("/accueil", data={"code": codes[0].lower(), "csrf_token": token})
    text = first.get_data(as_text=True)
    with new_session(app) as session:
        name = session.get(Stop, stop).name
        day = session.get(Stop, stop).tour.date
    assert "Bienvenue ! Invitation de la tournée du" in text
    assert f"(site {name}) enregistrée." in text
    assert str(day.day) in re.search(r"tournée du ([^(]+)\(", text).group(1)
    second = client.post(
        "/accueil",
        data={"code": codes[0], "csrf_token": token},
        headers={"Accept": "application/json"},
    ).get_json()
    assert second["ok"] is False and "déjà utilisée" in second["message"]
    unknown = client.post(
        "/accueil",
        data={"code": "ZZZZZZ" if "ZZZZZZ" not in codes else "YYYYYY", "csrf_token": token},
        headers={"Accept": "application/json"},
    ).get_json()
    assert unknown["ok"] is False and "inconnu" in unknown["message"]
    garbage = client.post(
        "/accueil",
        data={"code": "hello", "csrf_token": token},
        headers={"Accept": "application/json"},
    ).get_json()
    assert garbage["ok"] is False and "n'est pas un code" in garbage["message"]
    # A card redeemed before its hand-out reached the server still counts once it does.
    early = client.post(
        "/accueil",
        data={"code": codes[1], "csrf_token": token},
        headers={"Accept": "application/json"},
    ).get_json()
    assert early["ok"] is True and "remise pas encore transmise" in early["message"]
    redeemed = card(app, codes[0])
    assert redeemed.redeemed_at is not None and redeemed.redeemed_by is not None


def _median(values: list[float]) -> float | None:
    values = sorted(values)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def test_dashboard_counts_and_median_delay(app, client, auth):
    codes = generate(app, count=40)
    stops = stop_ids(app, "van-1") + stop_ids(app, "van-2")
    with new_session(app) as session:
        info = {
            s.id: (s.name, s.quartier, s.tour.vehicle_name) for s in session.scalars(select(Stop))
        }
    base = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)  # a Monday
    # (code index or None, stop, hand-out offset in hours, redemption delay in hours or None)
    plan: list[tuple[int | None, int, float, float | None]] = [
        (0, stops[0], 0, 26),
        (1, stops[0], 1, 50.5),
        (2, stops[0], 2, None),
        (None, stops[0], 3, None),
        (3, stops[1], 24, 3),
        (4, stops[1], 25, 100),
        (5, stops[2], 170, 7),  # the next ISO week
        (6, stops[3], 171, 12),
        (7, stops[3], 172, None),
        (None, stops[4], 173, None),
        (8, stops[4], 174, 1),
        (9, stops[4], 175, 2),
        (10, stops[4], 176, 30),
        (11, stops[0], -400, 5),  # handed out before the period: left out
        (12, stops[0], 24 * 40, 1),  # after it: left out
    ]
    first, last = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
    auth.login("coord")
    with new_session(app) as session:
        coord = session.scalars(select(User).where(User.name == "coord")).one()
    records = []
    for index, stop, offset, _delay in plan:
        at = base + dt.timedelta(hours=offset)
        records.append(
            hand_out(
                stop, None if index is None else codes[index], at.isoformat(timespec="milliseconds")
            )
        )
    results = auth.sync(records).get_json()["results"]
    assert {r["status"] for r in results} == {"created"}
    with new_session(app) as session:
        coord = session.get(User, coord.id)
        for index, _stop, offset, delay in plan:
            if index is not None and delay is not None:
                now = base + dt.timedelta(hours=offset + delay)
                assert invitations.redeem(session, coord, codes[index], now=now).ok
        session.commit()

    # The independent computation, from the plan above.
    start = dt.datetime.combine(first, dt.time(), PARIS)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), PARIS)
    expected: dict[str, dict[str, list]] = {
        k: defaultdict(list) for k in ("site", "quartier", "vehicle", "week", "total")
    }
    for index, stop, offset, delay in plan:
        at = base + dt.timedelta(hours=offset)
        if not start <= at < end:
            continue
        name, quartier, vehicle = info[stop]
        year, week, _ = at.astimezone(PARIS).isocalendar()
        for key, label in (
            ("site", name),
            ("quartier", quartier),
            ("vehicle", vehicle),
            ("week", f"{year}-S{week:02d}"),
            ("total", "Total"),
        ):
            expected[key][label].append((index, delay))

    def check(groups, want):
        got = {g.label: g for g in groups}
        assert set(got) == set(want)
        for label, items in want.items():
            delays = [d * 3600 for _i, d in items if d is not None]
            g = got[label]
            assert g.given == len(items)
            assert g.without_code == sum(i is None for i, _d in items)
            assert g.redeemed == len(delays)
            if delays:
                assert g.median_delay_s == pytest.approx(_median(delays))
            else:
                assert g.median_delay_s is None

    with new_session(app) as session:
        figures = invitations.stats(session, first, last)
    check(figures.by_site, expected["site"])
    check(figures.by_quartier, expected["quartier"])
    check(figures.by_vehicle, expected["vehicle"])
    check(figures.by_week, expected["week"])
    check([figures.total], expected["total"])
    assert figures.total.given == 13 and figures.total.redeemed == 9

    page = client.get(f"/coord/?du={first}&au={last}").get_data(as_text=True)
    assert "Invitations à La Dynamo" in page
    total_delay = invitations.format_delay(figures.total.median_delay_s)
    assert f"<strong>{total_delay}</strong>délai médian" in page
    for g in figures.by_site:
        row = (
            f'<tr><th scope="row">{g.label}</th><td>{g.given}</td><td>{g.without_code}</td>'
            f"<td>{g.redeemed}</td><td>{g.median_delay}</td></tr>"
        )
        assert row in page
