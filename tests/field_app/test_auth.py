from sqlalchemy import select

from field_app.db import new_session
from field_app.models import LoginFailure

from .conftest import PASSWORD, AuthActions, form_token, interaction, stop_ids


def _cookie_header(response) -> str:
    return next(
        v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session=")
    )


def test_login_sets_safe_cookie_and_redirects_by_role(client, auth):
    response = auth.login("alice")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookie = _cookie_header(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/").headers["Location"] == "/agent/"
    client.post(
        "/logout", data={"csrf_token": form_token(client.get("/agent/").get_data(as_text=True))}
    )
    auth.login("coord")
    assert client.get("/").headers["Location"] == "/coord/"


def test_secure_cookie_when_configured(make_app, app):
    secure = make_app(SESSION_COOKIE_SECURE=True)
    response = AuthActions(secure.test_client()).login("alice")
    assert "Secure" in _cookie_header(response)


def test_wrong_password_is_refused_in_french(client, auth):
    response = auth.login("alice", "mauvais")
    assert response.status_code == 401
    assert "incorrect" in response.get_data(as_text=True)
    assert client.get("/agent/").status_code == 302


def test_login_rate_limit_holds_across_workers(make_app, app):
    limit = app.config["LOGIN_MAX_FAILURES_USER"]
    first = AuthActions(app.test_client())
    for _ in range(limit):
        assert first.login("alice", "mauvais").status_code == 401
    # Another worker (another app on the same database) sees the same count.
    other = AuthActions(make_app().test_client())
    response = other.login("alice", PASSWORD)
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    assert other.login("bob", PASSWORD).status_code == 302  # other users are not locked out


def test_login_rate_limit_per_address(app):
    limited = app.test_client()
    auth = AuthActions(limited)
    for i in range(app.config["LOGIN_MAX_FAILURES_IP"]):
        auth.login(f"nobody{i}", "x")
    assert auth.login("alice", PASSWORD).status_code == 429


def test_success_clears_user_failures(app, auth):
    auth.login("alice", "mauvais")
    assert auth.login("alice").status_code == 302
    with new_session(app) as session:
        assert (
            session.scalars(select(LoginFailure).where(LoginFailure.key == "user:alice")).all()
            == []
        )


def test_post_without_csrf_token_is_refused(client, auth):
    assert client.post("/login", data={"name": "alice", "password": PASSWORD}).status_code == 400
    auth.login("alice")
    response = client.post(
        "/api/sync", json={"records": [interaction(stop_ids(client.application, "van-1")[0])]}
    )
    assert response.status_code == 400
    assert response.get_json()["kind"] == "csrf"
    bad = client.post("/api/sync", json={"records": []}, headers={"X-CSRFToken": "faux"})
    assert bad.status_code == 400
    assert client.post("/logout").status_code == 400


def test_agent_sees_only_own_tours(app, client, auth):
    auth.login("alice")
    page = client.get("/agent/").get_data(as_text=True)
    assert "Les Halles" in page and "Place Demangeat" not in page
    auth.login("bob")
    page = client.get("/agent/").get_data(as_text=True)
    assert "Place Demangeat" in page and "Les Halles" not in page


def test_agent_cannot_write_to_another_agents_tour(app, client, auth):
    auth.login("alice")
    bobs_stop = stop_ids(app, "van-2")[0]
    response = auth.sync([interaction(bobs_stop)])
    assert response.status_code == 200
    assert response.get_json()["results"][0]["code"] == 403
    single = interaction(bobs_stop)
    response = client.put(
        f"/api/records/{single['uuid']}", json=single, headers={"X-CSRFToken": auth.api_token()}
    )
    assert response.status_code == 403


def test_agent_cannot_open_coordinator_pages(app, client, auth):
    auth.login("alice")
    for url in ("/coord/", "/coord/tournees", "/coord/export/csv.csv", "/coord/tournees/1"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Accès refusé" in response.get_data(as_text=True)
    token = auth.api_token()
    assert (
        client.post(
            "/coord/tournees/1/agents", data={"csrf_token": token, "agents": ["2"]}
        ).status_code
        == 403
    )


def test_anonymous_is_sent_to_login(client):
    assert client.get("/agent/").headers["Location"].startswith("/login")
    assert client.get("/api/session").status_code == 401
    assert client.get("/coord/").status_code == 302


def test_security_headers(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_route_sheet_link_opens_the_tour_by_role(app, client, auth):
    import datetime as dt

    from .planning import PARIS

    today = dt.datetime.now(PARIS).date().isoformat()
    auth.login("alice")
    response = client.get(f"/tours/van-1/{today}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/agent/#tour-")
    assert client.get(f"/tours/van-2/{today}").status_code == 403
    assert client.get("/tours/van-1/demain").status_code == 404
    auth.login("coord")
    assert "/coord/tournees/" in client.get(f"/tours/van-2/{today}").headers["Location"]
