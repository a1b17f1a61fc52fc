"""write_outputs and the ``sheets`` command, offline."""

from __future__ import annotations

import json

from click.testing import CliRunner

from dynamobile.cli import main
from dynamobile.plan import plan_to_dict
from maps.outputs import write_outputs

EXPECTED = [
    "plan.html",
    "sheet-bus-2024-05-14.pdf",
    "sheet-fourgon-2024-05-14.pdf",
    "sheet-bus-2024-05-15.pdf",
    "plan.gpx",
    "plan.ics",
    "plan.geojson",
]


def test_write_outputs_with_given_graphs(demo_plan, chambery_drive, tmp_path):
    written = write_outputs(
        demo_plan, tmp_path / "out", graphs={"drive": chambery_drive}, tiles=False
    )
    assert [p.name for p in written] == EXPECTED
    assert all(p.exists() and p.stat().st_size > 0 for p in written)
    assert (tmp_path / "out" / "sheet-bus-2024-05-14.pdf").read_bytes().startswith(b"%PDF")


def test_sheets_command_loads_streets_from_the_plan(
    demo_plan, chambery_drive, tmp_path, monkeypatch
):
    monkeypatch.setenv("DYNAMOBILE_CACHE", str(tmp_path / "cache"))
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan_to_dict(demo_plan), ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "sheets",
            str(plan_file),
            "--out",
            str(tmp_path / "out"),
            "--url",
            "https://terrain.example",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "7 fichiers écrits" in result.output
    for name in EXPECTED:
        assert name in result.output
        assert (tmp_path / "out" / name).exists()


def test_sheets_command_reports_errors_in_one_line(tmp_path):
    bad = tmp_path / "plan.json"
    bad.write_text('{"version": 1}', encoding="utf-8")
    result = CliRunner().invoke(main, ["sheets", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "Erreur :" in result.output and "plan illisible" in result.output
    assert "Traceback" not in result.output
    missing = CliRunner().invoke(
        main, ["sheets", str(tmp_path / "absent.json"), "--out", str(tmp_path / "out")]
    )
    assert missing.exit_code == 2 and "fichier introuvable" in missing.output


def test_sheets_command_names_a_missing_street_file(demo_plan, tmp_path):
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan_to_dict(demo_plan)), encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "sheets",
            str(plan_file),
            "--out",
            str(tmp_path / "out"),
            "--osm-file",
            str(tmp_path / "absent.osm"),
        ],
    )
    assert result.exit_code == 2
    assert "fichier de rues introuvable" in result.output


def _sheet_links(path) -> list[str]:
    import io

    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(path.read_bytes())).pages[0]
    return [a.get_object()["/A"]["/URI"] for a in page.get("/Annots") or []]


def test_sheets_command_never_prints_localhost(demo_plan, chambery_drive, tmp_path, monkeypatch):
    """No --url: DYNAMOBILE_PUBLIC_URL, else no QR code and a note saying how to get one."""
    monkeypatch.setenv("DYNAMOBILE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("DYNAMOBILE_PUBLIC_URL", raising=False)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan_to_dict(demo_plan), ensure_ascii=False), encoding="utf-8")
    bare = CliRunner().invoke(main, ["sheets", str(plan_file), "--out", str(tmp_path / "bare")])
    assert bare.exit_code == 0, bare.output
    assert "QR code absent : indiquez --url (adresse publique de l'application)" in bare.stderr
    assert _sheet_links(tmp_path / "bare" / "sheet-bus-2024-05-14.pdf") == []
    monkeypatch.setenv("DYNAMOBILE_PUBLIC_URL", "https://terrain.example")
    configured = CliRunner().invoke(
        main, ["sheets", str(plan_file), "--out", str(tmp_path / "env")]
    )
    assert configured.exit_code == 0, configured.output
    assert "QR code absent" not in configured.output
    assert _sheet_links(tmp_path / "env" / "sheet-bus-2024-05-14.pdf") == [
        "https://terrain.example/tours/bus/2024-05-14"
    ]


def test_demo_route_sheets_are_one_page_each(tmp_path, monkeypatch):
    """The bundled demo (3 and 4 stops), planned for real with a fixed amount of search: each
    route sheet is a single A4 page, with the whole itinerary on it."""
    import io

    from pypdf import PdfReader

    monkeypatch.setenv("DYNAMOBILE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("DYNAMOBILE_PUBLIC_URL", "https://terrain.example")
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--solutions", "3"])
    assert result.exit_code == 0, result.output[-500:]
    sheets = sorted(out.glob("sheet-*.pdf"))
    assert len(sheets) >= 2
    for sheet in sheets:
        pages = PdfReader(io.BytesIO(sheet.read_bytes())).pages
        assert len(pages) == 1, sheet.name
        text = pages[0].extract_text()
        assert "page 1/1" in text and "Retour : de" in text and "Horaires" in text
