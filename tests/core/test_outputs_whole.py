"""Output folders are written whole: every file of a run lands, or the folder stays as it was."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import maps.outputs
from dynamobile.errors import OutputError
from dynamobile.outputs import check_output_dir, whole_output
from dynamobile.plan import PLAN_VERSION, Depot, Plan, Stop, Tour
from maps.outputs import write_outputs

PARIS = ZoneInfo("Europe/Paris")


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), PARIS)


def small_plan(day: dt.date, vehicles=("fourgon", "velo-cargo")) -> Plan:
    """A plan of one stop per vehicle, built in code."""

    def tour(vehicle: str) -> Tour:
        stop = Stop(
            site="halles",
            name="Les Halles",
            kind="market",
            lat=45.566,
            lon=5.92,
            arrive=_at(day, 9),
            setup_start=_at(day, 9),
            start=_at(day, 10),
            end=_at(day, 12),
            leave=_at(day, 12),
            drive_s=600,
            distance_m=3000,
        )
        return Tour(
            vehicle=vehicle,
            vehicle_kind="van",
            profile="drive",
            date=day,
            start=_at(day, 8),
            end=_at(day, 13),
            stops=(stop,),
            breaks=(),
            distance_m=6000,
            drive_s=1200,
            return_drive_s=600,
            return_distance_m=3000,
            vehicle_name=f"Dynamobile {vehicle}",
        )

    return Plan(
        version=PLAN_VERSION,
        scenario="test",
        dates=(day,),
        depot=Depot("La Dynamo", 45.57, 5.92),
        tours=tuple(tour(v) for v in vehicles),
        unassigned=(),
    )


@pytest.fixture
def fake_writers(monkeypatch):
    """The map writers replaced by ones writing a line (the real ones are tested in tests/maps)."""

    def fake(*args, **_options):
        path = Path(next(a for a in args if isinstance(a, Path)))
        path.write_text(f"new {path.name}\n", encoding="utf-8")
        return path

    for name in ("write_plan_map", "write_sheet", "write_gpx", "write_ics", "write_geojson"):
        monkeypatch.setattr(maps.outputs, name, fake)
    return fake


def _snapshot(folder: Path) -> dict[str, tuple[int, bytes | None]]:
    """The folder's and every entry's mtime, and the contents: equal snapshots mean an untouched folder."""
    entries = {
        p.name: (p.stat().st_mtime_ns, None if p.is_dir() else p.read_bytes())
        for p in folder.iterdir()
    }
    return {".": (folder.stat().st_mtime_ns, None), **entries}


DAY = dt.date(2026, 11, 28)
GRAPHS = {"drive": None}  # the fake writers need no streets


@pytest.fixture
def previous_run(tmp_path) -> Path:
    """An output folder holding a previous run's files and a file of the user's."""
    out = tmp_path / "out"
    out.mkdir()
    for name in (
        "plan.json",
        "plan.html",
        "sheet-fourgon-2026-11-21.pdf",
        "plan.gpx",
        "plan.ics",
        "plan.geojson",
    ):
        (out / name).write_text(f"old {name}\n", encoding="utf-8")
    (out / "notes.txt").write_text("mes notes\n", encoding="utf-8")
    return out


def test_a_failing_sheet_leaves_the_folder_as_it_was(previous_run, fake_writers, monkeypatch):
    before = _snapshot(previous_run)

    def broken_sheet(plan, tour, path, **options):
        if tour.vehicle == "velo-cargo":
            raise OSError(28, "No space left on device")
        return fake_writers(path)

    monkeypatch.setattr(maps.outputs, "write_sheet", broken_sheet)
    with pytest.raises(OutputError) as caught:
        write_outputs(small_plan(DAY), previous_run, graphs=GRAPHS, plan_json=True)
    assert (
        str(caught.value)
        == f"{previous_run / 'sheet-velo-cargo-2026-11-28.pdf'} : écriture impossible (disque plein)"
    )
    assert _snapshot(previous_run) == before
    assert sorted(p.name for p in previous_run.parent.iterdir()) == [
        "out"
    ]  # no temporary folder left


def test_any_failure_of_a_writer_leaves_the_folder_as_it_was(
    previous_run, fake_writers, monkeypatch
):
    before = _snapshot(previous_run)
    monkeypatch.setattr(maps.outputs, "write_ics", lambda plan, path: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        write_outputs(small_plan(DAY), previous_run, graphs=GRAPHS, plan_json=True)
    assert _snapshot(previous_run) == before


def test_a_folder_in_the_way_of_a_file_leaves_everything_as_it_was(previous_run, fake_writers):
    (previous_run / "plan.html").unlink()
    (previous_run / "plan.html").mkdir()
    before = _snapshot(previous_run)
    with pytest.raises(OutputError, match="plan.html : un dossier porte ce nom"):
        write_outputs(small_plan(DAY), previous_run, graphs=GRAPHS, plan_json=True)
    assert _snapshot(previous_run) == before


def test_a_new_date_replaces_the_previous_run_and_keeps_the_users_files(previous_run, fake_writers):
    written = write_outputs(small_plan(DAY), previous_run, graphs=GRAPHS, plan_json=True)
    expected = [
        "plan.json",
        "plan.html",
        "sheet-fourgon-2026-11-28.pdf",
        "sheet-velo-cargo-2026-11-28.pdf",
        "plan.gpx",
        "plan.ics",
        "plan.geojson",
    ]
    assert [p.name for p in written] == expected
    assert all(p.parent == previous_run for p in written)
    assert sorted(p.name for p in previous_run.iterdir()) == sorted(
        [*expected, "notes.txt"]
    )  # 2026-11-21 is gone
    assert (previous_run / "notes.txt").read_text(encoding="utf-8") == "mes notes\n"
    assert (previous_run / "plan.html").read_text(encoding="utf-8") == "new plan.html\n"
    assert '"2026-11-28"' in (previous_run / "plan.json").read_text(encoding="utf-8")


def test_map_files_alone_keep_the_plan_they_are_made_from(previous_run, fake_writers):
    write_outputs(small_plan(DAY, vehicles=("fourgon",)), previous_run, graphs=GRAPHS)
    names = sorted(p.name for p in previous_run.iterdir())
    assert names == [
        "notes.txt",
        "plan.geojson",
        "plan.gpx",
        "plan.html",
        "plan.ics",
        "plan.json",
        "sheet-fourgon-2026-11-28.pdf",
    ]
    assert (previous_run / "plan.json").read_text(encoding="utf-8") == "old plan.json\n"


def test_a_failed_run_does_not_leave_a_new_empty_folder(tmp_path):
    with pytest.raises(RuntimeError), whole_output(tmp_path / "a" / "new") as folder:
        folder.write("plan.json", lambda path: path.write_text("{}"))
        raise RuntimeError("the solve failed")
    assert not (tmp_path / "a" / "new").exists()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == []


def test_an_output_folder_under_a_file_is_refused_before_anything_is_written(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="dossier de sortie impossible, .*file est un fichier"):
        check_output_dir(tmp_path / "file" / "out")
    with pytest.raises(OutputError, match="c'est un fichier, un dossier de sortie est attendu"):
        check_output_dir(tmp_path / "file")
    check_output_dir(tmp_path / "not" / "yet")  # created when written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
