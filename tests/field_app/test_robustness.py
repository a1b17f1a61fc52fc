"""Hostile input never blocks a phone nor reaches a spreadsheet or another site (issue 12):
per-record refusals in a 200 batch, 400 for an unreadable body, formula-safe CSV cells, a
``next`` that stays on the site, dashboard dates that never give a 500."""

import csv
import io
import random

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from dynamobile.cli import field as cli_field
from field_app import exports
from field_app.auth import safe_next
from field_app.db import new_session
from field_app.models import Interaction, Record, Stop, StopEvent

from .conftest import PASSWORD, coop_interaction, form_token, interaction, stop_ids, tally
from .test_coop import at_paris


def count(app, model) -> int:
    with new_session(app) as session:
        return session.scalar(select(func.count()).select_from(model))


def post_raw(client, auth, body: bytes | str):
    return client.post(
        "/api/sync",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": auth.api_token()},
    )


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- 1. one bad record is refused alone -----------------------------------------------------------


def hostile_records(stop_id: int) -> list[dict]:
    """Each of these once made the whole batch answer 500, or was stored silently."""
    return [
        interaction(stop_id, at="0001-01-01T00:30:00+01:00"),  # before year 1 once in UTC
        interaction(2**64),  # too large for the database's INTEGER
        interaction(
            stop_id, data=dict(interaction(stop_id)["data"], note="\ud800")
        ),  # lone surrogate
        interaction(stop_id, data=dict(interaction(stop_id)["data"], note="nul\x00")),
        interaction(stop_id, at="1970-01-01T00:00:00Z"),
        interaction(stop_id, at="2099-06-02T09:15:00Z"),
        interaction(stop_id, at=12),
        interaction(stop_id, kind=["interaction"]),
        interaction(-1),
        interaction(stop_id, data=dict(interaction(stop_id)["data"], visit=["first"])),
        tally(stop_id, {"x": 1}),  # unhashable band
        interaction(stop_id, data={"ages": [[[[[[1]]]]]]}),
        {"uuid": "x" * 10_000, "kind": "tally"},
        "not an object",
    ]


def test_hostile_records_are_refused_alone_and_the_rest_is_stored(app, auth):
    auth.login("alice")
    stop = stop_ids(app, "van-1")[0]
    good = [interaction(stop), tally(stop, "douze_dix_huit")]
    hostile = hostile_records(stop)
    response = auth.sync([good[0], *hostile, good[1]])
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["code"] for r in results] == [201] + [422] * len(hostile) + [201], results
    assert all(r["status"] == "invalid" and r["message"] for r in results[1:-1])
    assert all(
        len(r.get("message", "")) <= 200 and (r["uuid"] is None or len(r["uuid"]) <= 64)
        for r in results
    )
    reasons = [r["message"] for r in results[1:-1]]
    assert reasons[0].startswith("at :") and reasons[1].startswith("stop_id :")
    assert "Unicode" in reasons[2] and "antérieure à 2020" in reasons[4] and "futur" in reasons[5]
    assert count(app, Record) == 2 and count(app, Interaction) == 2


def test_a_record_on_a_cancelled_stop_is_set_aside(app, auth, db):
    auth.login("alice")
    stop_id = stop_ids(app, "van-1")[1]
    before = interaction(stop_id)
    assert auth.sync([before]).get_json()["results"][0]["code"] == 201
    db.get(Stop, stop_id).cancelled = True
    db.commit()
    after = interaction(stop_id)
    results = auth.sync([after, before]).get_json()["results"]
    assert results[0]["status"] == "cancelled" and results[0]["code"] == 410
    assert "annulé" in results[0]["message"]
    assert (
        results[1]["status"] == "duplicate"
    )  # stored before the cancellation: still answered as such
    assert count(app, Record) == 1


def test_same_uuid_twice_is_stored_once(app, auth):
    auth.login("alice")
    record = interaction(stop_ids(app, "van-1")[0])
    results = auth.sync([record, record, dict(record, at="1970-01-01T00:00:00Z")]).get_json()[
        "results"
    ]
    assert [r["status"] for r in results] == ["created", "duplicate", "invalid"]
    assert auth.sync([record]).get_json()["results"][0]["status"] == "duplicate"
    assert count(app, Record) == 1 and count(app, Interaction) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe\x00",
        "1" * 5000,
        nested(100_000),
        nested(40),
        '{"records": ' + nested(30) + "}",
    ],
)
def test_unreadable_bodies_answer_400_in_french(app, client, auth, body):
    auth.login("alice")
    response = post_raw(client, auth, body)
    assert response.status_code == 400
    assert response.get_json()["error"] in (
        "corps JSON attendu",
        "JSON trop imbriqué (16 niveaux au plus)",
    )
    assert count(app, Record) == 0


def test_put_of_a_hostile_record_is_422(app, client, auth):
    auth.login("alice")
    record = interaction(stop_ids(app, "van-1")[0], at="0001-01-01T00:30:00+01:00")
    response = client.put(
        f"/api/records/{record['uuid']}", json=record, headers={"X-CSRFToken": auth.api_token()}
    )
    assert response.status_code == 422 and response.get_json()["status"] == "invalid"


def _random_value(rng: random.Random, depth: int = 0):
    choices = [
        lambda: None,
        lambda: rng.choice([True, False]),
        lambda: rng.randint(-(2**70), 2**70),
        lambda: rng.randint(-3, 600),
        lambda: rng.uniform(-1e308, 1e308),
        lambda: float("nan"),
        lambda: "".join(
            chr(rng.choice([0, 0xD800, 0xDFFF, 0x202E, 0xFEFF, rng.randint(32, 0x10FFFF)]))
            for _ in range(rng.randint(0, 12))
        ),
        lambda: rng.choice(
            ["=1+1", "@SUM(A1)", "", "interaction", "tally", "first", "douze_dix_huit"]
        ),
        lambda: rng.choice(
            [
                "2025-06-02T09:15:00Z",
                "0001-01-01T00:30:00+01:00",
                "9999-12-31T23:59:59-01:00",
                "2025-06-02T09:15:00",
                "2025-13-40T00:00:00Z",
                at_paris(9),
            ]
        ),
    ]
    if depth < 4:
        choices += [
            lambda: [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))],
            lambda: {
                rng.choice(["v", "ages", "band", "note", "topics", "x"]): _random_value(
                    rng, depth + 1
                )
                for _ in range(rng.randint(0, 3))
            },
        ]
    return rng.choice(choices)()


def _fuzzed(rng: random.Random, stops: list[int]) -> dict:
    """A record with a few fields, mostly deep in ``data``, replaced by random or hostile values."""
    stop = rng.choice(stops) if rng.random() < 0.9 else rng.choice([0, -1, 2**31, 2**63])
    base = rng.choice(
        [
            interaction,
            coop_interaction,
            lambda s: tally(s, "douze_dix_huit"),
            lambda s: tally(s, None, v=None),
        ]
    )(stop)
    if rng.random() < 0.15:
        return base  # some valid ones, so that the batch has something to store
    for _ in range(rng.randint(1, 3)):
        where = rng.random()
        if where < 0.15:
            base[rng.choice(["uuid", "kind", "stop_id", "data"])] = _random_value(rng)
        elif where < 0.35:
            base["at"] = _random_value(rng)
        elif isinstance(base.get("data"), dict):
            data = base["data"]
            key = rng.choice(
                [
                    "ages",
                    "genres",
                    "statuts",
                    "note",
                    "visit",
                    "band",
                    "v",
                    "topics",
                    "equipment",
                    "invitations",
                    "lat",
                    "x",
                ]
            )
            if isinstance(data.get(key), dict) and data[key] and rng.random() < 0.7:
                data[key][rng.choice(list(data[key]))] = _random_value(rng)
            else:
                data[key] = _random_value(rng)
    return base


def test_fuzzed_batches_never_answer_5xx_nor_store_a_partial_record(app, auth):
    rng = random.Random(12)
    auth.login("alice")
    stops = stop_ids(app, "van-1") + [0, 2**31, 2**63]
    created = 0
    for _ in range(10):
        batch = [_fuzzed(rng, stops) for _ in range(200)]
        response = auth.sync(batch)
        assert response.status_code == 200, response.get_data(as_text=True)
        results = response.get_json()["results"]
        assert len(results) == len(batch) and all(r["code"] < 500 for r in results), results
        created += sum(r["status"] == "created" for r in results)
    assert created > 200 and count(app, Record) == created
    # Every ledger row has its one data row, and nothing else was written.
    assert count(app, Interaction) + count(app, StopEvent) == created


def test_fuzzed_bodies_never_answer_5xx(app, client, auth):
    rng = random.Random(1212)
    auth.login("alice")
    stops = stop_ids(app, "van-1")
    for _ in range(60):
        body = rng.choice(
            [
                lambda: _random_value(rng),
                lambda: {"records": _random_value(rng)},
                lambda: {"records": [_random_value(rng) for _ in range(rng.randint(0, 5))]},
                lambda: {"records": [_fuzzed(rng, stops) for _ in range(201)]},
            ]
        )()
        response = client.post("/api/sync", json=body, headers={"X-CSRFToken": auth.api_token()})
        assert response.status_code in (200, 400), response.get_data(as_text=True)
        assert response.is_json and (response.status_code == 200 or response.get_json()["error"])


# --- 2. CSV cells never start a formula -------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.invalid")',
    "+41 79 000",
    "-2+3",
    "@SUM(A1:A9)",
    "\tcmd",
    "\rcmd",
]


def test_spreadsheet_safe_keeps_numbers_and_plain_text():
    assert [exports.spreadsheet_safe(v) for v in FORMULAS] == ["'" + v for v in FORMULAS]
    assert [exports.spreadsheet_safe(v) for v in (3, -3, 2.5, "", "a=b", "Les Halles")] == [
        3,
        -3,
        2.5,
        "",
        "a=b",
        "Les Halles",
    ]


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def _cells_are_safe(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(tuple(exports.FORMULA_PREFIXES)), row


def _hostile_stops(app) -> int:
    """A day whose notes, stop names and addresses all start like formulas."""
    with new_session(app) as session:
        for i, stop in enumerate(session.scalars(select(Stop))):
            stop.name, stop.address, stop.quartier = (
                FORMULAS[i % 6],
                FORMULAS[(i + 1) % 6],
                FORMULAS[(i + 2) % 6],
            )
        session.commit()
    return stop_ids(app, "van-1")[0]


def test_web_exports_neutralise_formulas(app, client, auth):
    stop = _hostile_stops(app)
    auth.login("alice")
    batch = [
        coop_interaction(stop, at=at_paris(9, 20 + i), note=note) for i, note in enumerate(FORMULAS)
    ]
    assert all(r["code"] == 201 for r in auth.sync(batch).get_json()["results"])
    auth.login("coord")
    rows = _rows(client.get("/coord/export/csv.csv").get_data(as_text=True))
    header, body = rows[0], rows[1:]
    assert len(body) == len(FORMULAS)
    _cells_are_safe(rows)
    notes = sorted(row[header.index("note")] for row in body)
    assert notes == sorted(
        exports.spreadsheet_safe(f.strip()) for f in FORMULAS
    )  # notes are stored stripped
    assert '\'=HYPERLINK("http://evil.invalid")' in notes and "'@SUM(A1:A9)" in notes
    assert {row[header.index("total")] for row in body} == {"3"}  # numbers stay numbers
    coop_rows = _rows(client.get("/coord/export/coop.csv").get_data(as_text=True))
    assert len(coop_rows) == 2
    _cells_are_safe(coop_rows)
    assert coop_rows[1][coop_rows[0].index("adresse")].startswith("'")


def test_cli_export_neutralises_formulas(app, auth, monkeypatch, tmp_path):
    stop = _hostile_stops(app)
    auth.login("alice")
    auth.sync(
        [
            coop_interaction(stop, at=at_paris(9), note="=1+1"),
            tally(stop, "douze_dix_huit", at=at_paris(9, 5)),
        ]
    )
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    out = tmp_path / "x.csv"
    result = CliRunner().invoke(
        cli_field._standalone, ["export", "interactions", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = _rows(out.read_text(encoding="utf-8"))
    _cells_are_safe(rows)
    assert "'=1+1" in rows[1] and "comptage (+1)" in rows[2]


# --- 3. next= never leaves the site ---------------------------------------------------------------

HOSTILE_NEXT = [
    "/%09/evil.invalid/",
    "//evil.invalid",
    "\\\\evil.invalid",
    "https://evil.invalid",
    "/\\evil.invalid",
    "/%0a/evil.invalid",
    "/%0d%0a/evil.invalid",
    "%2F%2Fevil.invalid",
    "/%5Cevil.invalid",
    "/ /evil.invalid",
    "/%E2%80%AE/evil.invalid",
    "javascript:alert(1)",
    "",
    "evil.invalid",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_never_redirects_off_site(app, client, target):
    token = form_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        f"/login?next={target}", data={"name": "alice", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"  # the index, which sends each role to its page


def test_login_keeps_a_same_site_next(app, client):
    token = form_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=/agent/%3Fx%3D1",
        data={"name": "alice", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/agent/?x=1"


def test_safe_next_rules():
    assert safe_next("/coord/") == "/coord/" and safe_next("/") == "/"
    for target in (
        "//x",
        "/\\x",
        "\\\\x",
        "/a\\b",
        "/a\tb",
        "/a\x7fb",
        "/a\u2028b",
        "http://x",
        "x",
        "",
    ):
        assert safe_next(target) is None, target


# --- 4. dashboard dates never give a 500 ------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "au=9999-12-31",
        "du=0001-01-01",
        "du=2025-01-01&au=9999-12-31",
        "du=0001-01-01&au=0001-01-02",
    ],
)
def test_extreme_dashboard_dates_are_clamped(app, client, auth, query):
    auth.login("coord")
    assert client.get(f"/coord/?{query}").status_code == 200
    assert client.get(f"/coord/export/csv.csv?{query}").status_code == 200


@pytest.mark.parametrize("query", ["du=garbage", "au=2025-02-30", "du=9999-12-31", "au=%00"])
def test_bad_dashboard_dates_answer_400_in_french(app, client, auth, query):
    auth.login("coord")
    response = client.get(f"/coord/?{query}")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "AAAA-MM-JJ" in text or "précède" in text
