import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
import pytest

from dynamobile.errors import InputError
from field_app import accounts
from field_app.db import engine_of, upgrade
from field_app.models import Base, Interaction, Record, Stop, User


def test_migration_matches_models(app):
    engine = engine_of(app)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert diff == []
    assert version == "0002"


def test_upgrade_is_idempotent(app):
    upgrade(engine_of(app))  # a second run (another worker starting) changes nothing
    assert "interactions" in inspect(engine_of(app)).get_table_names()


def test_sqlite_runs_in_wal_mode(tmp_path, monkeypatch):
    # SQLite's own settings: built on a SQLite file whatever DATABASE_URL the suite runs on.
    from field_app import create_app

    monkeypatch.setenv("DYNAMOBILE_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'wal.sqlite'}"})
    with engine_of(app).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_times_come_back_aware_utc(db):
    stop = db.scalars(select(Stop).order_by(Stop.id)).first()
    assert stop.start.tzinfo is not None
    assert stop.start.utcoffset() == dt.timedelta(0)
    assert stop.start.astimezone(dt.timezone(dt.timedelta(hours=2))).hour in (10, 11)  # 9:00 Paris


def test_passwords_are_hashed_and_checked(db):
    user = db.scalars(select(User).where(User.name == "alice")).one()
    assert "motdepasse" not in user.password_hash
    assert accounts.authenticate(db, "alice", "motdepasse-test") is not None
    assert accounts.authenticate(db, "ALICE", "motdepasse-test") is not None
    assert accounts.authenticate(db, "alice", "faux") is None
    assert accounts.authenticate(db, "inconnu", "motdepasse-test") is None


def test_create_user_validates(db):
    with pytest.raises(InputError) as info:
        accounts.create_user(db, "alice", "court", "chef")
    text_ = str(info.value)
    assert "rôle inconnu" in text_ and "au moins 8" in text_
    with pytest.raises(InputError, match="existe déjà"):
        accounts.create_user(db, "Alice", "assez-long-1", "agent")


def test_interaction_rows_have_no_personal_fields():
    # Interactions are anonymous counts and categories: only the short note is free text.
    columns = {c.name for c in Interaction.__table__.columns}
    assert not columns & {"name", "email", "phone", "birthdate", "address"}
    assert {c.name for c in Record.__table__.columns} >= {"uuid", "content_sha256"}
