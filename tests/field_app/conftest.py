"""Fixtures of the field-app tests, after Flask's tutorial: ``app``, ``client``, ``runner``, ``auth``.

Every database test runs on SQLite, and again on PostgreSQL when ``DATABASE_URL`` points to one
(the schema is dropped and recreated for each test).
"""

from __future__ import annotations

import os
import re
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text

from dynamobile.cli import field as cli_field
from field_app import accounts, create_app, publishing
from field_app.db import new_session
from field_app.models import Tour, User

from .planning import make_plan

PASSWORD = "motdepasse-test"
DB_PARAMS = ["sqlite"] + (
    ["postgresql"] if os.environ.get("DATABASE_URL", "").startswith("postgres") else []
)


def _postgres_url() -> str:
    url = os.environ["DATABASE_URL"]
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _reset_postgres(url: str) -> None:
    """Drop and recreate the schema: only on a database whose name says it is for tests."""
    name = url.rsplit("/", 1)[-1].split("?", 1)[0]
    if not name.endswith("_test"):
        raise pytest.UsageError(
            f"DATABASE_URL names « {name} »: the tests drop its schema, so it must end in _test"
        )
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch):
    monkeypatch.setattr(accounts, "HASH_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture(params=DB_PARAMS)
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'field.sqlite'}"
    url = _postgres_url()
    _reset_postgres(url)
    return url


@pytest.fixture
def make_app(db_url, tmp_path, monkeypatch):
    """Build an app on the test database (several apps on one database act as several workers)."""
    monkeypatch.setenv("DYNAMOBILE_INSTANCE_PATH", str(tmp_path / "instance"))
    apps = []

    def factory(**config):
        app = create_app(
            {"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": db_url, **config}
        )
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["field_db"].kw["bind"].dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    session = new_session(app)
    accounts.create_user(session, "coord", PASSWORD, "coordinator")
    alice = accounts.create_user(session, "alice", PASSWORD, "agent")
    bob = accounts.create_user(session, "bob", PASSWORD, "agent")
    publishing.import_plan(session, make_plan())
    tours = {t.vehicle: t for t in session.scalars(select(Tour))}
    publishing.assign_agents(session, tours["van-1"], [alice.id])
    publishing.assign_agents(session, tours["van-2"], [bob.id])
    session.commit()
    session.close()
    return app


@pytest.fixture
def cli(app, monkeypatch):
    """Run a command with the environment pointing at the test app's database."""
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(cli_field._standalone, list(args), input=input)

    return run


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    session = new_session(app)
    yield session
    session.close()


def stop_ids(app, vehicle: str) -> list[int]:
    with new_session(app) as session:
        tour = session.scalars(select(Tour).where(Tour.vehicle == vehicle)).one()
        return [s.id for s in tour.stops]


def user_id(app, name: str) -> int:
    with new_session(app) as session:
        return session.scalars(select(User.id).where(User.name == name)).one()


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, name: str = "alice", password: str = PASSWORD):
        token = form_token(self._client.get("/login").get_data(as_text=True))
        return self._client.post(
            "/login", data={"name": name, "password": password, "csrf_token": token}
        )

    def api_token(self) -> str:
        response = self._client.get("/api/session")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["csrf_token"]

    def sync(self, records: list[dict]):
        return self._client.post(
            "/api/sync", json={"records": records}, headers={"X-CSRFToken": self.api_token()}
        )


@pytest.fixture
def auth(client):
    return AuthActions(client)


def interaction(stop_id: int, **overrides) -> dict:
    record = {
        "uuid": str(uuid.uuid4()),
        "kind": "interaction",
        "stop_id": stop_id,
        "at": "2025-06-02T09:15:00.000Z",
        "data": {
            "ages": {"18_25": 2, "60_plus": 1},
            "topics": ["demarches", "vr"],
            "equipment": ["tablette"],
            "invitations": ["fablab"],
            "visit": "first",
            "note": "intéressés par l'atelier",
        },
    }
    record.update(overrides)
    return record


def coop_interaction(stop_id: int, at: str = "2025-06-02T09:15:00.000Z", **data) -> dict:
    """A record of the current form (``v`` 2: the Coop's age bands, gender, status, thématiques)."""
    body = {
        "v": 2,
        "ages": {"vingt_cinq_trente_neuf": 2, "soixante_dix_plus": 1},
        "genres": {"feminin": 2, "masculin": 1},
        "statuts": {"en_emploi": 2, "retraite": 1},
        "topics": ["aide_aux_demarches_administratives", "logement"],
        "equipment": ["telephone"],
        "invitations": ["permanence_demarches"],
        "visit": "returning",
        "note": "",
    }
    body.update(data)
    return {
        "uuid": str(uuid.uuid4()),
        "kind": "interaction",
        "stop_id": stop_id,
        "at": at,
        "data": body,
    }


def tally(
    stop_id: int, band: str | None, *, v: int | None = 2, at: str = "2025-06-02T10:05:00Z"
) -> dict:
    data = {"band": band} if v is None else {"v": v, "band": band}
    return {"uuid": str(uuid.uuid4()), "kind": "tally", "stop_id": stop_id, "at": at, "data": data}
