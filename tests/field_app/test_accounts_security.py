"""Revocable sessions, a lockout no one can turn against others, and account commands (issue 12)."""

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select, text
from werkzeug.security import generate_password_hash

from field_app.db import (
    MIGRATIONS_DIR,
    engine_of,
    head_revision,
    make_engine,
    new_session,
    upgrade,
)
from field_app.models import User

from .conftest import PASSWORD, AuthActions, form_token


def _client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _logout(client) -> None:
    token = form_token(client.get("/agent/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def _replay(app, cookie: str):
    """A fresh browser that only holds a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


# Sessions ---------------------------------------------------------------------------------------


def test_copied_cookie_dies_at_logout(app, client, auth):
    assert auth.login("alice").status_code == 302
    copied = client.get_cookie("session").value
    assert _replay(app, copied).get("/api/session").status_code == 200
    _logout(client)
    thief = _replay(app, copied)
    assert thief.get("/api/session").status_code == 401
    assert thief.get("/agent/").headers["Location"].startswith("/login")


def test_logout_ends_the_users_other_sessions(app, auth):
    phone, tablet = app.test_client(), app.test_client()
    AuthActions(phone).login("alice")
    AuthActions(tablet).login("alice")
    _logout(phone)
    assert tablet.get("/api/session").status_code == 401
    assert AuthActions(tablet).login("alice").status_code == 302  # logging in again works
    assert tablet.get("/api/session").status_code == 200


def test_logout_leaves_other_users_logged_in(app, client, auth):
    other = app.test_client()
    AuthActions(other).login("bob")
    auth.login("alice")
    _logout(client)
    assert other.get("/api/session").status_code == 200


def test_login_records_last_login(app, auth):
    auth.login("alice")
    with new_session(app) as session:
        user = session.scalars(select(User).where(User.name == "alice")).one()
        assert user.last_login_at is not None and user.last_login_at.tzinfo is not None


# Lockout ----------------------------------------------------------------------------------------


def test_attacker_elsewhere_cannot_lock_a_user_out(app):
    limit = app.config["LOGIN_MAX_FAILURES_USER"]
    attacker = AuthActions(_client_at(app, "203.0.113.9"))
    for _ in range(limit):
        assert attacker.login("alice", "mauvais").status_code == 401
    assert attacker.login("alice", PASSWORD).status_code == 429
    assert AuthActions(_client_at(app, "198.51.100.7")).login("alice", PASSWORD).status_code == 302


def test_unknown_names_lock_like_known_ones(app):
    # The same answer after the same number of tries: the lockout does not tell which names exist.
    limit = app.config["LOGIN_MAX_FAILURES_USER"]
    guesser = AuthActions(app.test_client())
    for _ in range(limit):
        assert guesser.login("personne", "mauvais").status_code == 401
    assert guesser.login("personne", "mauvais").status_code == 429


def test_a_teams_typos_behind_one_nat_do_not_lock_the_team(make_app, app):
    nat = make_app(LOGIN_MAX_FAILURES_IP=6)
    office = AuthActions(_client_at(nat, "192.0.2.1"))
    for name, tries in (("bob", 5), ("coord", 4)):
        for _ in range(tries):
            assert office.login(name, "mauvais").status_code == 401
    assert office.login("bob", PASSWORD).status_code == 429  # bob is locked from here…
    assert office.login("alice", PASSWORD).status_code == 302  # …the rest of the team is not
    assert AuthActions(_client_at(nat, "192.0.2.1")).login("coord", PASSWORD).status_code == 302


def test_cli_unlock(app, cli):
    locked = AuthActions(app.test_client())
    for _ in range(app.config["LOGIN_MAX_FAILURES_USER"]):
        locked.login("bob", "mauvais")
    assert locked.login("bob", PASSWORD).status_code == 429
    result = cli("users", "unlock", "Bob")
    assert result.exit_code == 0, result.output
    assert "débloqué" in result.output and "5 échec(s)" in result.output
    assert locked.login("bob", PASSWORD).status_code == 302


def test_unlock_leaves_other_users_failures(app, cli):
    client = AuthActions(app.test_client())
    for _ in range(app.config["LOGIN_MAX_FAILURES_USER"]):
        client.login("bob", "mauvais")
    assert cli("users", "unlock", "alice").exit_code == 0
    assert client.login("bob", PASSWORD).status_code == 429


# Account commands -------------------------------------------------------------------------------


def test_cli_list(app, cli, auth):
    auth.login("alice")
    assert cli("users", "deactivate", "bob").exit_code == 0
    result = cli("users", "list")
    assert result.exit_code == 0, result.output
    lines = {line.split("\t")[0]: line for line in result.output.splitlines()}
    assert list(lines) == ["alice", "bob", "coord"]
    assert (
        "agent\tactif\tdernière connexion : " in lines["alice"] and "jamais" not in lines["alice"]
    )
    assert "désactivé" in lines["bob"] and "jamais" in lines["bob"]
    assert "coordination\tactif" in lines["coord"]


def test_cli_deactivate_ends_sessions_and_logins(app, client, auth, cli):
    auth.login("alice")
    result = cli("users", "deactivate", "alice")
    assert result.exit_code == 0, result.output
    assert "« alice » désactivé" in result.output
    assert client.get("/api/session").status_code == 401
    assert auth.login("alice").status_code == 401


def test_cli_reset_password_ends_sessions(app, client, auth, cli):
    auth.login("alice")
    copied = client.get_cookie("session").value
    result = cli("users", "reset-password", "alice", input="nouveau-secret\n")
    assert result.exit_code == 0, result.output
    assert "Mot de passe de « alice » changé" in result.output
    assert client.get("/api/session").status_code == 401
    assert _replay(app, copied).get("/api/session").status_code == 401
    assert auth.login("alice", PASSWORD).status_code == 401
    assert auth.login("alice", "nouveau-secret").status_code == 302


@pytest.mark.parametrize(
    "args, input, message",
    [
        (("reset-password", "alice"), "court\n", "au moins 8 caractères"),
        (("reset-password", "personne"), "assez-long-1\n", "aucun utilisateur « personne »"),
        (("deactivate", "personne"), None, "aucun utilisateur « personne »"),
        (("unlock", "personne"), None, "aucun utilisateur « personne »"),
    ],
)
def test_cli_account_errors_are_one_line(app, cli, args, input, message):
    result = cli("users", *args, input=input)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("Erreur :")
    assert message in result.output


# Migration --------------------------------------------------------------------------------------


def test_migration_0003_keeps_existing_users(make_app, db_url):
    engine = make_engine(db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (name, password_hash, role, active, created_at) "
                "VALUES ('ancien', :hash, 'agent', :active, '2026-01-01 08:00:00')"
            ),
            {"hash": generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"), "active": True},
        )
    upgrade(engine)
    engine.dispose()
    app = make_app()
    with engine_of(app).connect() as conn:
        version, row = (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one(),
            conn.execute(
                text("SELECT session_version, last_login_at FROM users WHERE name = 'ancien'")
            ).one(),
        )
    assert version == head_revision() and tuple(row) == (
        0,
        None,
    )  # upgraded through 0003 to the head
    client = app.test_client()
    assert AuthActions(client).login("ancien").status_code == 302
    assert client.get("/api/session").status_code == 200
