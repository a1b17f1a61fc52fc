"""/accueil: a code typed offline is sent later with ``entered_at``, the time it was typed; the
visit is dated then if that is plausible (the last three days), else now. A code sent again
with the same ``submission`` (its answer was lost) is a success; the page has its own service
worker and manifest."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from field_app import invitations

from .conftest import form_token
from .test_invitations import card, generate

NOW = dt.datetime.now(dt.UTC)


@pytest.mark.parametrize(
    ("entered_at", "kept"),
    [
        ((NOW - dt.timedelta(hours=2)).isoformat(), True),
        ((NOW - dt.timedelta(hours=2)).isoformat().replace("+00:00", "Z"), True),
        ((NOW - dt.timedelta(days=10)).isoformat(), False),
        ((NOW + dt.timedelta(hours=2)).isoformat(), False),
        ((NOW - dt.timedelta(hours=2)).replace(tzinfo=None).isoformat(), False),
        ("0001-01-01T00:30:00+01:00", False),
        ("9999-12-31T23:59:59-01:00", False),
        ("hier", False),
        ("", False),
        ("2025-06-02T25:00:00Z", False),
    ],
)
def test_entered_at_dates_the_visit_when_plausible(app, client, auth, entered_at, kept):
    code = generate(app, count=1)[0]
    auth.login("alice")
    token = form_token(client.get("/accueil").get_data(as_text=True))
    answer = client.post(
        "/accueil",
        data={"code": code, "csrf_token": token, "entered_at": entered_at},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 200 and answer.get_json()["ok"] is True
    redeemed = card(app, code).redeemed_at
    if kept:
        assert abs(redeemed - (NOW - dt.timedelta(hours=2))) < dt.timedelta(seconds=1)
    else:
        assert abs(redeemed - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def post(client, token: str, code: str, **extra):
    return client.post(
        "/accueil",
        data={"code": code, "csrf_token": token, **extra},
        headers={"Accept": "application/json"},
    ).get_json()


def test_the_same_submission_sent_again_is_already_recorded_not_used(app, client, auth):
    """The answer to a code was lost: the page sends it again with the same ``submission`` and
    gets a success (« déjà enregistrée »); anyone else reusing the card gets « déjà utilisée »."""
    first_code, second_code = generate(app, count=2)
    auth.login("alice")
    token = form_token(client.get("/accueil").get_data(as_text=True))
    typed = (NOW - dt.timedelta(minutes=5)).isoformat()
    sent = {"entered_at": typed, "submission": str(uuid.uuid4())}
    assert post(client, token, first_code, **sent)["ok"] is True
    redeemed = card(app, first_code).redeemed_at
    again = post(client, token, first_code.lower(), **sent)
    assert again["ok"] is True and "déjà enregistrée" in again["message"], again
    assert card(app, first_code).redeemed_at == redeemed  # nothing written twice
    # Another submission of the same account, or none (an older page): the card is used.
    other = post(client, token, first_code, entered_at=typed, submission=str(uuid.uuid4()))
    assert other["ok"] is False and "déjà utilisée" in other["message"]
    assert "déjà utilisée" in post(client, token, first_code)["message"]
    # Another person sending the very same submission id: used, not « enregistrée ».
    client.post("/logout", data={"csrf_token": token})
    auth.login("bob")
    token = form_token(client.get("/accueil").get_data(as_text=True))
    stolen = post(client, token, first_code, **sent)
    assert stolen["ok"] is False and "déjà utilisée" in stolen["message"]
    # The time kept is when it was typed (to the second); an unreadable id is ignored.
    assert abs(redeemed - dt.datetime.fromisoformat(typed)) < dt.timedelta(seconds=1)
    assert post(client, token, second_code, submission="<script>")["ok"] is True
    assert "déjà utilisée" in post(client, token, second_code, submission="<script>")["message"]


def test_submission_marks_are_stable_and_spread():
    ids = [str(uuid.uuid4()) for _ in range(2000)]
    marks = [invitations.submission_mark(i) for i in ids]
    assert marks == [invitations.submission_mark(i) for i in ids]
    assert all(m is not None and 0 <= m < 1_000_000 for m in marks)
    assert len(set(marks)) > 1990
    assert invitations.submission_mark("") is None and invitations.submission_mark(None) is None
    assert invitations.submission_mark("x" * 65) is None


def test_reception_has_its_own_service_worker_and_manifest(app, client, auth):
    worker = client.get("/accueil/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/accueil"
    body = worker.get_data(as_text=True)
    assert 'const HOME = "/accueil"' in body and 'const PREFIX = "accueil-"' in body
    assert "/static/accueil.js?v=" in body and "/static/invitations.css?v=" in body
    assert "/static/agent.js" not in body
    agent_worker = client.get("/agent/sw.js").get_data(as_text=True)
    assert 'const PREFIX = "dynamobile-"' in agent_worker and "accueil.js" not in agent_worker
    manifest = client.get("/accueil/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    assert json.loads(manifest.data)["scope"] == "/accueil"
    auth.login("alice")
    html = client.get("/accueil").get_data(as_text=True)
    assert 'data-sw-url="/accueil/sw.js"' in html and 'data-sw-scope="/accueil"' in html
    assert 'rel="manifest" href="/accueil/manifest.webmanifest"' in html
