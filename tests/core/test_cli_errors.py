"""Bad input and unwritable outputs end in one French « Erreur : » line and exit code 2, never a traceback."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from dynamobile.cli import main
from dynamobile.errors import DynamobileError, InternalError, SolverError
from dynamobile.plan import plan_to_dict
from routing.decode import place_break
from routing.search_worker import Helper
from tests.conftest import CHAMBERY_OSM
from tests.core.test_outputs_whole import small_plan

needs_chambery = pytest.mark.skipif(
    not CHAMBERY_OSM.exists(), reason="../shared/data is not beside the checkout"
)


def one_error(result, expected: str) -> str:
    """The run failed cleanly: exit code 2, one « Erreur : » line containing ``expected``, no traceback."""
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    errors = [line for line in result.output.splitlines() if line.startswith("Erreur : ")]
    assert len(errors) == 1 and expected in errors[0], result.output
    assert "Traceback" not in result.output
    return errors[0]


def test_a_scenario_path_that_is_a_folder(tmp_path):
    (tmp_path / "scenario").mkdir()
    result = CliRunner().invoke(
        main,
        [
            "plan",
            str(tmp_path / "scenario"),
            "--date",
            "2026-11-28",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    one_error(result, "scenario : c'est un dossier ; indiquez le fichier du scénario (.toml)")
    result = CliRunner().invoke(
        main, ["compare", str(tmp_path / "scenario"), "--from", "2026-11-28"]
    )
    one_error(result, "c'est un dossier")


@needs_chambery
def test_an_output_folder_under_a_file_fails_before_the_solve(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    result = CliRunner().invoke(
        main, ["demo", "--out", str(tmp_path / "notes.txt" / "out"), "--no-maps"]
    )
    one_error(result, f"dossier de sortie impossible, {tmp_path / 'notes.txt'} est un fichier")
    assert "Planification" not in result.output  # refused before solving
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "notes.txt"), "--no-maps"])
    one_error(result, "notes.txt : c'est un fichier, un dossier de sortie est attendu")


@needs_chambery
def test_an_output_file_that_cannot_be_written_after_the_solve(tmp_path):
    out = tmp_path / "out"
    (out / "plan.html").mkdir(parents=True)
    (out / "sheet-fourgon-2026-11-21.pdf").write_bytes(b"%PDF old")
    before = sorted((p.name, p.stat().st_mtime_ns) for p in out.iterdir())
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--seconds", "0.5"])
    one_error(result, "plan.html : un dossier porte ce nom, le fichier ne peut pas être écrit")
    assert "Planification" in result.output  # the solve ran
    assert (
        sorted((p.name, p.stat().st_mtime_ns) for p in out.iterdir()) == before
    )  # nothing half-written
    # Once the way is clear, the run replaces the previous date's sheet and keeps the user's own files.
    (out / "plan.html").rmdir()
    (out / "notes.txt").write_text("mes notes", encoding="utf-8")
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--seconds", "0.5"])
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert (
        "sheet-fourgon-2026-11-21.pdf" not in names
        and {"notes.txt", "plan.json", "plan.html"} <= names
    )
    assert any(name.startswith("sheet-") and name.endswith("-2026-11-28.pdf") for name in names)


def test_sheets_of_a_plan_into_a_folder_under_a_file(tmp_path):
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(
        json.dumps(plan_to_dict(small_plan(dt.date(2026, 11, 28)))), encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["sheets", str(plan_file), "--out", str(plan_file / "out")])
    one_error(result, "dossier de sortie impossible")
    result = CliRunner().invoke(main, ["sheets", str(tmp_path), "--out", str(tmp_path / "out")])
    one_error(result, "lecture impossible (c'est un dossier)")


@pytest.mark.parametrize("site", [None, ""])
def test_publishing_a_stop_without_site(tmp_path, monkeypatch, site):
    monkeypatch.setenv("DYNAMOBILE_INSTANCE_PATH", str(tmp_path / "instance"))
    data = plan_to_dict(small_plan(dt.date(2026, 11, 28)))
    data["tours"][1]["stops"][0]["site"] = site
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(main, ["publish", str(plan_file)])
    line = one_error(result, "plan.json")
    assert "site" in line and ("vide" in line or "null" in line)


def test_a_break_that_does_not_fit_is_a_named_error():
    with pytest.raises(InternalError, match="pause impossible à placer") as caught:
        place_break(leave=3600, setup_start=4000, drive=300, brk=(3600, 2700), lo=0, hi=10_000)
    assert isinstance(caught.value, DynamobileError)


def test_a_crashed_helper_search_says_why():
    helper = Helper(("not", "a", "request"))  # the helper fails unpacking it
    try:
        with pytest.raises(
            SolverError, match=r"recherche auxiliaire interrompue \(code 1\) : ValueError"
        ):
            helper.result(timeout_s=60)
        assert "not enough values to unpack" in helper.stderr_tail()
    finally:
        helper.close()


def test_help_is_in_french():
    result = CliRunner().invoke(main, ["plan", "--help"])
    assert result.exit_code == 0
    assert result.output.startswith("Utilisation :")
    assert "Afficher cette aide et quitter." in result.output
    assert "[par défaut :" in result.output and "[obligatoire]" in result.output
    for english in ("Usage:", "Show this message", "default:", "required]"):
        assert english not in result.output
    assert "Commandes:" in CliRunner().invoke(main, ["--help"]).output
