"""Scenario commands: ``scenario import SCENARIO.toml`` and ``scenario export --out DIR``, and the
database's scenario for ``plan db:``.

The database is the field app's (``DATABASE_URL``, else SQLite in the instance folder), as for
the other field commands; rows belong to the default organisation. Errors are DynamobileErrors,
printed by the main group one French line each.
"""

from __future__ import annotations

from pathlib import Path

import click

from dynamobile.errors import InputError, os_reason
from dynamobile.model import Scenario

from .field import _field_session

# The SCENARIO argument of `plan` and `compare` that names the database's scenario.
DB_SCENARIO = "db:"


def is_database_scenario(path: Path | str) -> bool:
    return str(path).strip().lower() == DB_SCENARIO


def database_scenario(*, osm_file: Path | None = None) -> Scenario:
    """The default organisation's scenario, read from the database; raises InputError."""
    from field_app.scenario_store import default_organisation, scenario_from_db

    with _field_session() as (_app, session):
        organisation = default_organisation(session)
        return scenario_from_db(session, organisation.id, osm_file=osm_file)


@click.group("scenario")
def scenario() -> None:
    """Scénario de planification dans la base : import et export en fichiers TOML + CSV."""


@scenario.command("import")
@click.argument("scenario_file", metavar="SCENARIO.toml", type=click.Path(path_type=Path))
def scenario_import(scenario_file: Path) -> None:
    """Charge SCENARIO.toml et son CSV de lieux dans la base (lieux et véhicules mis à jour par
    identifiant ; ceux qui n'y sont plus sont archivés). Rien n'est écrit si un fichier a une erreur."""
    from dynamobile.scenario import load_scenario
    from field_app.scenario_store import default_organisation, import_scenario

    if scenario_file.is_dir():
        raise InputError(
            f"{scenario_file} : c'est un dossier ; indiquez le fichier du scénario (.toml)"
        )
    try:
        loaded = load_scenario(scenario_file)
    except OSError as exc:
        raise InputError(
            f"{exc.filename or scenario_file} : lecture impossible ({os_reason(exc)})"
        ) from exc
    with _field_session() as (_app, session):
        summary = import_scenario(session, default_organisation(session).id, loaded)
    click.echo(f"Scénario « {loaded.name} » importé. {summary.text()}")


@scenario.command("export")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Dossier où écrire scenario.toml et sites.csv (créé au besoin ; ses autres fichiers sont laissés).",
)
def scenario_export(out: Path) -> None:
    """Écrit le scénario de la base (lieux et véhicules actifs) en scenario.toml + sites.csv."""
    from dynamobile.scenario_write import SITES_FILE, write_scenario

    loaded = database_scenario()
    toml_path = write_scenario(loaded, out)
    click.echo(
        f"Écrit dans {out} : {toml_path.name}, {SITES_FILE} "
        f"({len(loaded.sites)} lieux, {len(loaded.vehicles)} véhicules)."
    )
