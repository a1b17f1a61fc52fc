"""``dynamobile sheets PLAN --out DIR``: maps, route sheets and exports of an existing plan.json."""

from __future__ import annotations

import json
from pathlib import Path

import click

from dynamobile.errors import InputError, os_reason
from dynamobile.osm_files import plan_osm_file
from dynamobile.outputs import check_output_dir
from dynamobile.plan import Plan, plan_from_dict
from maps.outputs import write_outputs
from maps.sheets import NO_QR_NOTE


def read_plan(path: Path) -> Plan:
    """Parse a plan.json file, with a French message naming the file when it is malformed."""
    try:
        return plan_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise InputError(f"{path} : fichier introuvable") from exc
    except OSError as exc:
        raise InputError(f"{path} : lecture impossible ({os_reason(exc)})") from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path} : JSON invalide, ligne {exc.lineno} colonne {exc.colno} ({exc.msg})"
        ) from exc
    except (KeyError, ValueError, TypeError) as exc:
        detail = f"champ manquant {exc}" if isinstance(exc, KeyError) else str(exc)
        raise InputError(f"{path} : plan illisible ({detail})") from exc


@click.command("sheets")
@click.argument("plan_file", metavar="PLAN", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Dossier où écrire la carte, les feuilles de route et les exports (ceux d'avant y sont remplacés).",
)
@click.option(
    "--osm-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Fichier OSM des rues, à la place de celui enregistré dans le plan.",
)
@click.option(
    "--url",
    "base_url",
    envvar="DYNAMOBILE_PUBLIC_URL",
    default=None,
    help="Adresse publique de l'application de terrain (QR codes des feuilles de route) ; "
    "par défaut DYNAMOBILE_PUBLIC_URL, sinon les feuilles n'ont pas de QR code.",
)
@click.option(
    "--tiles/--no-tiles",
    default=False,
    show_default=True,
    help="Fond de carte OpenStreetMap en ligne sur la carte interactive.",
)
def sheets(
    plan_file: Path, out_dir: Path, osm_file: Path | None, base_url: str | None, tiles: bool
) -> None:
    """Écrit la carte, les feuilles de route A4 et les exports GPX, ICS et GeoJSON d'un plan."""
    plan = read_plan(plan_file)
    if osm_file is None:  # the plan's street file, by name and content: beside the plan first
        osm_file = plan_osm_file(plan.streets, beside=[plan_file.parent])
    check_output_dir(out_dir)  # before loading the streets: a wrong --out fails at once
    written = write_outputs(plan, out_dir, field_app_url=base_url, tiles=tiles, osm_file=osm_file)
    if base_url is None:
        click.echo(NO_QR_NOTE, err=True)
    click.echo(f"{len(written)} fichiers écrits dans {out_dir} :")
    for path in written:
        click.echo(f"  {path.name}")
