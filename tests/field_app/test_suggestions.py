"""Plan from what the agents saw (issue 11, item 7): figures and suggestions per site from synced
records on published tours, the « Constaté » column, Appliquer / Ignorer, and `apply_suggestions`.

Every expected number is counted here from the test's own records (`VISITS`), not read back from
the code under test."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import select

from dynamobile.french import duration_fr
from dynamobile.scenario import load_scenario
from field_app import publishing, suggestions
from field_app.db import new_session
from field_app.models import Stop, Tour
from field_app.scenario_rows import SiteRow
from field_app.scenario_store import default_organisation

from .conftest import AuthActions, coop_interaction, form_token
from .planning import PARIS, at, make_plan, make_stop, make_tour

ORG = 1
TODAY = dt.datetime.now(PARIS).date()
DAYS = [TODAY - dt.timedelta(weeks=w) for w in (1, 2, 3, 4)]
OLD_DAY = TODAY - dt.timedelta(weeks=13)  # out of the 12 weeks: never counted
SERVICE_MIN = 120  # every site's service time; `make_stop` opens 2 h
# Per site and day index: (people, check-in, check-out) as (h, min) in Paris, None: not sent.
# halles 5/h, curial 1/h (planned opening), scarabee 4/h with 1 h 30 on site, demangeat 6,7/h,
# combes 1,5/h, bellevue one visit only.
VISITS = {
    "halles": {i: (10, (9, 0), (11, 0)) for i in range(4)},
    "curial": {i: (2, None, None) for i in range(4)},
    "scarabee": {i: (6, (15, 0), (16, 30)) for i in range(4)},
    "demangeat": {0: (20, (9, 0), (12, 0)), 1: (20, (9, 0), (12, 0))},
    "combes": {i: (3, None, None) for i in range(4)},
    "bellevue": {0: (4, (15, 0), (17, 0))},
}


def bellevue_stop(day: dt.date):
    return dataclasses.replace(
        make_stop("scarabee", day, 15), site="bellevue", name="Bellevue", address="Rue Bellevue"
    )


def past_tours(day: dt.date) -> list:
    van1 = make_tour("van-1", day, ["halles", "curial", "scarabee"])
    van2 = make_tour("van-2", day, ["demangeat", "combes"])
    van2 = dataclasses.replace(van2, stops=(*van2.stops, bellevue_stop(day)))
    return [van1, van2]


def event(stop_id: int, kind: str, moment: dt.datetime) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "kind": kind,
        "stop_id": stop_id,
        "at": moment.isoformat(),
        "data": {},
    }


def expected_counts(code: str) -> tuple[int, int, int]:
    """(visits, people, minutes open) of ``VISITS[code]``, counted here."""
    visits = VISITS[code]
    minutes = 0
    for _people, checkin, checkout in visits.values():
        if checkin and checkout:
            minutes += (checkout[0] - checkin[0]) * 60 + checkout[1] - checkin[1]
        else:
            minutes += 120  # the planned opening of `make_stop`
    return len(visits), sum(v[0] for v in visits.values()), minutes


def rate_fr(people: int, minutes: int) -> str:
    return f"{people * 60 / minutes:.1f}".replace(".", ",")


@pytest.fixture
def seen(app, auth):
    """Sites in the catalogue, four past weeks of tours, and the records of `VISITS`."""
    with new_session(app) as session:
        default_organisation(session)
        for position, code in enumerate(VISITS):
            session.add(
                SiteRow(
                    organisation_id=ORG,
                    code=code,
                    name=code.capitalize(),
                    kind="other",
                    lat=45.57,
                    lon=5.92,
                    service_min=SERVICE_MIN,
                    windows="sat 09:00-18:00",
                    priority=1,
                    insee="73065",
                    postcode="73000",
                    commune="Chambéry",
                    position=position,
                )
            )
        days = [*DAYS, OLD_DAY]
        plan = make_plan(DAYS[0], [t for day in days for t in past_tours(day)])
        publishing.import_plan(session, dataclasses.replace(plan, dates=tuple(days)))
        session.commit()
        stops = {
            (tour.date, stop.site): stop.id
            for stop, tour in session.execute(select(Stop, Tour).join(Tour))
        }
    auth.login("coord")  # coordinators may log anywhere
    batch = []
    for code, visits in VISITS.items():
        for i, (people, checkin, checkout) in visits.items():
            day, stop_id = DAYS[i], stops[(DAYS[i], code)]
            start = dt.datetime.combine(day, dt.time(*(checkin or (9, 0))), PARIS)
            if checkin:
                batch.append(event(stop_id, "checkin", start))
            if checkout:
                batch.append(event(stop_id, "checkout", at(day, *checkout)))
            ages = {"vingt_cinq_trente_neuf": people}
            batch.append(
                coop_interaction(stop_id, at=start.isoformat(), ages=ages, genres={}, statuts={})
            )
    # Out of the period: lots of people at curial 13 weeks ago change nothing.
    old = coop_interaction(
        stops[(OLD_DAY, "curial")],
        at=at(OLD_DAY, 12).isoformat(),
        ages={"vingt_cinq_trente_neuf": 50},
        genres={},
        statuts={},
    )
    batch.append(old)
    results = auth.sync(batch).get_json()["results"]
    assert [r["code"] for r in results] == [201] * len(batch), results
    return app


def compute(app) -> dict[str, suggestions.Suggestion]:
    with new_session(app) as session:
        return suggestions.site_suggestions(session, ORG, today=TODAY)


def test_people_per_hour_ranks_the_sites(seen):
    found = compute(seen)
    assert set(found) == set(VISITS)
    for code in VISITS:
        visits, people, minutes = expected_counts(code)
        assert (found[code].visits, found[code].people, found[code].open_min) == (
            visits,
            people,
            minutes,
        )
    rates = {
        code: expected_counts(code)[1] / expected_counts(code)[2]
        for code in VISITS
        if expected_counts(code)[0] >= 2
    }
    assert len(rates) == 5
    # The busiest per hour gets a higher priority than the quietest, in the order of the rates.
    by_rate = sorted(rates, key=rates.get)
    assert [found[code].priority for code in by_rate] == [1, 2, 3, 4, 5]
    assert by_rate[-1] == "demangeat" and by_rate[0] == "curial"


def test_the_reason_states_the_numbers_counted_from_the_records(seen):
    found = compute(seen)
    visits, people, minutes = expected_counts("halles")
    rates = sorted(p / m for code in VISITS for n, p, m in [expected_counts(code)] if n >= 2)
    below = sum(r < people / minutes for r in rates)
    median_fr = f"{rates[len(rates) // 2] * 60:.1f}".replace(".", ",")
    assert found["halles"].priority_reason == (
        f"{visits} visites, {people} personnes en {duration_fr(minutes * 60)} d'ouverture : "
        f"{rate_fr(people, minutes)} personnes/h ; {below} des {len(rates)} lieux comparables "
        f"font moins (médiane {median_fr} personnes/h) → priorité {1 + 5 * below // len(rates)}"
    )
    assert "4 visites, 40 personnes en 8 h 00 d'ouverture : 5,0 personnes/h" in (
        found["halles"].reason
    )
    assert found["halles"].seen_fr == "4 visites, 40 personnes, 5,0 personnes/h"


def test_little_data_gives_no_suggestion_and_says_so(seen):
    bellevue = compute(seen)["bellevue"]
    assert (bellevue.visits, bellevue.people) == (1, 4)
    assert bellevue.priority is None and bellevue.service_min is None
    assert bellevue.reason == "pas assez de visites : 1 visite en 12 semaines, il en faut 2"
    assert bellevue.changes == {}
    # Two visits timed: a priority, but no service time yet.
    demangeat = compute(seen)["demangeat"]
    assert demangeat.service_min is None
    assert "durée : 2 visites pointées (arrivée et départ), il en faut 3" in demangeat.reason


def test_service_time_from_the_timed_visits(seen):
    found = compute(seen)
    # scarabee: four visits of 1 h 30 against 120 min planned → 90 min.
    assert found["scarabee"].service_min == 90
    assert found["scarabee"].service_reason == (
        "durée constatée : médiane 1 h 30 sur 4 visites pointées (prévu 120 min) → 90 min"
    )
    # halles: four visits of 2 h, as planned → nothing to change.
    assert found["halles"].service_min is None
    assert "proche des 120 min prévues" in found["halles"].service_reason
    # curial: never checked in, only its planned opening is known.
    assert found["curial"].service_min is None
    assert "0 visite pointée" in found["curial"].service_reason


def page_forms(html: str, code: str) -> dict[str, dict[str, str]]:
    """The Appliquer / Ignorer forms of a site's suggestion: action → fields."""
    forms = {}
    pattern = rf'<form method="post" action="/coord/lieux/{code}/suggestion/(\w+)"(.*?)</form>'
    for action, body in re.findall(pattern, html, re.S):
        forms[action] = dict(re.findall(r'name="(\w+)" value="([^"]*)"', body))
    return forms


def site_row(app, code: str) -> SiteRow:
    with new_session(app) as session:
        row = session.scalars(select(SiteRow).where(SiteRow.code == code)).one()
        session.expunge(row)
        return row


def test_the_lieux_page_shows_what_was_seen_and_applies_a_suggestion(seen, client):
    html = client.get("/coord/lieux").get_data(as_text=True)
    assert "Constaté" in html
    assert "4 visites, 24 personnes, 4,0 personnes/h" in html  # scarabee
    assert "pas assez de visites : 1 visite en 12 semaines, il en faut 2" in html  # bellevue
    assert "Suggestion : priorité 1 → 3, durée 120 → 90 min" in html
    assert 'Appliquer<span class="sr-only"> la suggestion pour Scarabee</span>' in html
    assert 'Ignorer<span class="sr-only"> la suggestion pour Scarabee</span>' in html
    assert page_forms(html, "curial") == {}  # priority 1 suggested, as it is
    forms = page_forms(html, "scarabee")
    assert forms["appliquer"] == {
        "csrf_token": form_token(html),
        "priority": "3",
        "service_min": "90",
    }

    # Values that are no longer the suggestion: nothing written.
    stale = dict(forms["appliquer"], priority="5")
    response = client.post("/coord/lieux/scarabee/suggestion/appliquer", data=stale)
    assert response.status_code == 302
    assert (site_row(seen, "scarabee").priority, site_row(seen, "scarabee").service_min) == (1, 120)

    response = client.post("/coord/lieux/scarabee/suggestion/appliquer", data=forms["appliquer"])
    assert response.status_code == 302
    row = site_row(seen, "scarabee")
    assert (row.priority, row.service_min) == (3, 90)
    html = client.get("/coord/lieux").get_data(as_text=True)
    assert "priorité 1 → 3, durée 120 → 90 min (suggestion appliquée)" in html
    assert page_forms(html, "scarabee") == {}
    # The others' suggestions do not move: scarabee's rate is the same.
    assert compute(seen)["halles"].priority == 4


def test_ignore_hides_the_suggestion_for_this_session_only(seen, client):
    html = client.get("/coord/lieux").get_data(as_text=True)
    forms = page_forms(html, "halles")
    assert forms["ignorer"]["priority"] == "4" and forms["ignorer"]["service_min"] == ""
    response = client.post("/coord/lieux/halles/suggestion/ignorer", data=forms["ignorer"])
    assert response.status_code == 302
    html = client.get("/coord/lieux").get_data(as_text=True)
    assert page_forms(html, "halles") == {}
    assert "Suggestion ignorée pour « Halles » (priorité 1 → 4)" in html
    assert "4 visites, 40 personnes, 5,0 personnes/h" in html  # still seen
    assert site_row(seen, "halles").priority == 1
    # Another session (a new login) shows it again.
    other = seen.test_client()
    AuthActions(other).login("coord")
    assert "appliquer" in page_forms(other.get("/coord/lieux").get_data(as_text=True), "halles")


def test_agents_get_403(seen):
    client = seen.test_client()
    auth = AuthActions(client)
    auth.login("alice")
    assert client.get("/coord/lieux").status_code == 403
    csrf = auth.api_token()
    for action in ("appliquer", "ignorer"):
        response = client.post(
            f"/coord/lieux/halles/suggestion/{action}",
            data={"csrf_token": csrf, "priority": "4", "service_min": ""},
        )
        assert response.status_code == 403
    assert site_row(seen, "halles").priority == 1


def test_apply_suggestions_is_pure():
    demo = Path(
        str(resources.files("dynamobile") / "scenarios" / "chambery_centre" / "scenario.toml")
    )
    scenario = load_scenario(demo)
    first, second, third = scenario.sites[:3]
    before = dataclasses.asdict(scenario)

    def suggestion(site, priority, service_min):
        return suggestions.Suggestion(
            site.id, 4, 30, 480, priority, service_min, "", "", site.priority, site.service_min
        )

    given = {
        first.id: suggestion(first, first.priority + 1, None),
        second.id: suggestion(second, None, second.service_min + 15),
        third.id: suggestion(third, None, None),
        "inconnu": suggestion(third, 5, 15),
    }
    result = suggestions.apply_suggestions(scenario, given)
    assert dataclasses.asdict(scenario) == before  # the input is untouched
    assert result is not scenario
    assert result.site(first.id).priority == first.priority + 1
    assert result.site(first.id).service_min == first.service_min
    assert result.site(second.id).service_min == second.service_min + 15
    assert result.site(second.id).priority == second.priority
    assert result.site(third.id) == third
    assert result.sites[3:] == scenario.sites[3:]
    assert dataclasses.replace(result, sites=scenario.sites) == scenario
    assert suggestions.apply_suggestions(scenario, given) == result  # same input, same output
