"""``dynamobile import queue``: a phone's exported queue loaded under its agent's account, with the
rules of /api/sync, idempotent, on a real database; a malformed file is one French line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from field_app.db import new_session
from field_app.models import Interaction, Record

from .conftest import coop_interaction, stop_ids, tally, user_id
from .test_coop import at_paris


def count(app, model) -> int:
    with new_session(app) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def export_file(tmp_path, queue, rejected=(), user="alice", name="file.json"):
    """What « Exporter la file (JSON) » downloads: the phone's own fields included."""
    for i, record in enumerate([*queue, *rejected]):
        if isinstance(record, dict):
            record.setdefault("user", user)
            record.setdefault("queued_at", 1_764_000_000_000 + i)
    body = {
        "exported_at": "2026-11-26T13:32:00.000Z",
        "user": user,
        "queue": list(queue),
        "rejected": list(rejected),
    }
    path = tmp_path / name
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_queue_is_stored_once_under_its_agent(app, cli, tmp_path):
    stop = stop_ids(app, "van-1")[0]
    good = [coop_interaction(stop), tally(stop, "douze_dix_huit")]
    path = export_file(tmp_path, good)
    result = cli("import", "queue", str(path), "--agent", "alice")
    assert result.exit_code == 0, result.output
    assert "file de « alice », exportée le 26/11/2026 à 14:32, 2 enregistrement(s)" in result.output
    assert "2 enregistré(s)" in result.output
    alice = user_id(app, "alice")
    with new_session(app) as session:
        rows = session.scalars(select(Record)).all()
        assert {r.uuid for r in rows} == {r["uuid"] for r in good}
        assert {r.user_id for r in rows} == {alice}
    again = cli("import", "queue", str(path), "--agent", "Alice")
    assert again.exit_code == 0, again.output
    assert "2 déjà reçu(s)" in again.output and "enregistré(s)" not in again.output
    assert count(app, Record) == 2 and count(app, Interaction) == 2


def test_refused_records_are_listed_and_the_exit_code_says_so(app, cli, auth, tmp_path):
    stop = stop_ids(app, "van-1")[0]
    other_agents_stop = stop_ids(app, "van-2")[0]
    sent = coop_interaction(stop)
    auth.login("alice")
    assert auth.sync([sent]).get_json()["results"][0]["status"] == "created"
    good = coop_interaction(stop)
    hostile = coop_interaction(stop, at="0001-01-01T00:30:00+01:00")
    queue = [dict(sent), good, hostile, coop_interaction(2**64), "pas un objet"]
    rejected = [
        coop_interaction(other_agents_stop),
        dict(sent, data=dict(sent["data"], note="autre")),
    ]
    path = export_file(tmp_path, queue, rejected)
    result = cli("import", "queue", str(path), "--agent", "alice")
    assert result.exit_code == 1, result.output
    out = result.output
    assert "7 enregistrement(s) importé(s) sous le compte « alice »" in out
    assert "1 enregistré(s)" in out and "1 déjà reçu(s)" in out
    assert "3 invalide(s)" in out and "1 refusé(s) (tournée d'un autre agent)" in out
    assert "1 en conflit" in out
    assert f"refusé {hostile['uuid']} : at : date ISO 8601 attendue" in out
    assert "5 enregistrement(s) refusé(s)" in out
    assert "Traceback" not in out
    with new_session(app) as session:
        stored = set(session.scalars(select(Record.uuid)))
    assert stored == {sent["uuid"], good["uuid"]}


def test_a_bare_list_and_a_correction_after_its_encounter(app, cli, tmp_path):
    stop = stop_ids(app, "van-1")[0]
    first = coop_interaction(stop, at=at_paris(0, 5))  # corrections: on the tour's day only
    fix = coop_interaction(stop, at=at_paris(0, 10), note="corrigé")
    fix["replaces"] = first["uuid"]
    # Out of order in the file: the phone's queueing time puts the encounter first.
    first["queued_at"], fix["queued_at"] = 1, 2
    path = tmp_path / "liste.json"
    path.write_text(json.dumps([fix, first]))
    result = cli("import", "queue", str(path), "--agent", "alice")
    assert result.exit_code == 0, result.output
    with new_session(app) as session:
        assert session.scalars(select(Interaction.note)).all() == ["corrigé"]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{pas du json",
        b"\xff\xfe\x00\x01",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"queue": ' + b"[" * 40 + b"]" * 40 + b"}",
        b'"une chaine"',
        b"12",
        b'{"records": []}',
        b'{"queue": {"a": 1}}',
        b'{"queue": [], "rejected": "rien"}',
        b"1" * 5000,
        b'{"queue": [{"uuid": "\\ud800", "stop_id": 1e999}]}',
    ],
)
def test_a_malformed_file_is_one_french_line(app, cli, tmp_path, content):
    path = tmp_path / "file.json"
    path.write_bytes(content)
    result = cli("import", "queue", str(path), "--agent", "alice")
    if result.exit_code == 1:  # readable, but its records are refused
        assert "refusé" in result.output
    else:
        assert result.exit_code == 2, result.output
        assert result.output.startswith("Erreur :") and result.output.count("\n") == 1
        assert str(path) in result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert count(app, Record) == 0


def test_missing_file_unknown_agent_and_another_agents_file(app, cli, tmp_path):
    missing = cli("import", "queue", str(tmp_path / "absent.json"), "--agent", "alice")
    assert missing.exit_code == 2 and "introuvable" in missing.output
    folder = cli("import", "queue", str(tmp_path), "--agent", "alice")
    assert folder.exit_code == 2 and "Traceback" not in folder.output
    path = export_file(tmp_path, [tally(stop_ids(app, "van-1")[0], None)])
    unknown = cli("import", "queue", str(path), "--agent", "zoe")
    assert unknown.exit_code == 2 and "compte « zoe » inconnu" in unknown.output
    wrong = cli("import", "queue", str(path), "--agent", "bob")
    assert wrong.exit_code == 2 and "file du compte « alice », pas de « bob »" in wrong.output
    assert count(app, Record) == 0
