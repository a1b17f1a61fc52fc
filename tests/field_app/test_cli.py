"""The field-app click commands, run in-process against a test database."""

import json

from sqlalchemy import func, select

from dynamobile.plan import plan_to_dict
from field_app.db import new_session
from field_app.models import Tour, User

from .conftest import coop_interaction, interaction, stop_ids, tally
from .planning import make_plan


def test_users_add_reads_password_from_stdin(app, cli):
    result = cli("users", "add", "carole", "--role", "agent", input="un-mot-de-passe\n")
    assert result.exit_code == 0, result.output
    assert "Compte « carole » créé" in result.output
    with new_session(app) as session:
        assert session.scalars(select(User.role).where(User.name == "carole")).one() == "agent"


def test_users_add_errors_are_one_line(app, cli):
    result = cli("users", "add", "alice", "--role", "agent", input="court\n")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("Erreur :")
    assert "au moins 8 caractères" in result.output


def test_publish_twice(app, cli, tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_to_dict(make_plan())))
    for _ in range(2):
        result = cli("publish", str(path))
        assert result.exit_code == 0, result.output
        assert "0 tournée(s) créée(s), 2 mise(s) à jour" in result.output
    with new_session(app) as session:
        assert session.scalar(select(func.count()).select_from(Tour)) == 2


def test_publish_bad_file(app, cli, tmp_path):
    result = cli("publish", str(tmp_path / "absent.json"))
    assert result.exit_code == 2 and "lecture impossible" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    result = cli("publish", str(bad))
    assert result.exit_code == 2 and "objet JSON" in result.output


def test_export_interactions(app, auth, cli, tmp_path):
    auth.login("alice")
    auth.sync([interaction(stop_ids(app, "van-1")[0])])
    out = tmp_path / "interactions.csv"
    result = cli("export", "interactions", "--format", "csv", "--out", str(out))
    assert result.exit_code == 0 and "1 ligne(s)" in result.output
    assert "Les Halles" in out.read_text(encoding="utf-8-sig")
    result = cli("export", "interactions", "--format", "coop")
    assert result.exit_code == 0 and result.stdout.lstrip("\ufeff").startswith(
        "type;type_libelle;date;duree;"
    )
    assert result.stderr == ""
    result = cli(
        "export", "interactions", "--format", "cra"
    )  # the former name: same sheet, with a warning
    assert result.exit_code == 0 and result.stdout.lstrip("\ufeff").startswith("type;type_libelle;")
    assert "ancien nom de --format coop" in result.stderr
    result = cli("export", "interactions", "--out", str(tmp_path / "missing" / "x.csv"))
    assert result.exit_code == 2 and "écriture impossible" in result.output


def test_coop_export_names_the_stops_left_out(app, auth, cli, tmp_path):
    auth.login("alice")
    halles, curial, _ = stop_ids(app, "van-1")
    auth.sync([coop_interaction(halles), tally(curial, "douze_dix_huit")])
    out = tmp_path / "coop.csv"
    result = cli("export", "interactions", "--format", "coop", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "1 ligne(s) écrite(s)" in result.stdout
    assert (
        "1 arrêt(s) à compléter" in result.stderr
        and "Carré Curial (aucune thématique)" in result.stderr
    )
    assert "Les Halles" in out.read_text(encoding="utf-8-sig")


def test_unreachable_database_is_one_line(cli, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody:x@127.0.0.1:1/none")
    result = cli("publish", "whatever.json")
    assert result.exit_code == 2 and "lecture impossible" in result.output
    result = cli("init-db")
    assert result.exit_code == 2 and "base de données injoignable" in result.output
