"""/accueil: a code typed offline is sent later with ``entered_at``, the time it was typed; the
visit is dated then if that is plausible (the last three days), else now."""

from __future__ import annotations

import datetime as dt

import pytest

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
