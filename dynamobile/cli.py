"""The `dynamobile` command: the composition root, parsing arguments and calling the packages."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from importlib import resources
from pathlib import Path

import click

from .errors import DynamobileError
from .plan import plan_to_dict
from .report import plan_text
from .scenario import load_scenario

DEMO_SCENARIO = "scenarios/chambery_centre/scenario.toml"


class _Group(click.Group):
    """Turns our errors into one French line per problem and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DynamobileError as exc:
            for line in str(exc).splitlines() or ["erreur inconnue"]:
                click.echo(f"Erreur : {line}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("Interrompu.", err=True)
            sys.exit(130)


@click.group(cls=_Group)
@click.option("-v", "--verbose", is_flag=True, help="Journal détaillé.")
def main(verbose: bool) -> None:
    """Dynamobile : planifier et suivre les tournées de la Dynamobile."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def _run_plan(scenario_path: Path, day: dt.date | None, out: Path, seconds: float, solutions: int | None,
              osm_file: Path | None) -> None:
    from routing.optimiser import SolveParams
    from routing.planner import Timings, plan_day

    scenario = load_scenario(scenario_path, osm_file=osm_file)
    day = day or scenario.default_date
    if day is None:
        raise click.UsageError("indiquez --date AAAA-MM-JJ")
    timings = Timings()
    click.echo(f"Planification du {day.isoformat()} ({scenario.streets.describe()}, {seconds:g} s d'optimisation)…", err=True)
    plan = plan_day(scenario, day, params=SolveParams(time_limit_s=seconds, solution_limit=solutions), timings=timings)
    out.mkdir(parents=True, exist_ok=True)
    plan_path = out / "plan.json"
    plan_path.write_text(json.dumps(plan_to_dict(plan), ensure_ascii=False, indent=1), encoding="utf-8")
    click.echo(plan_text(plan))
    click.echo(
        f"Étapes : rues {timings.graph_s:.2f} s · rattachement {timings.snap_s:.2f} s · "
        f"matrices {timings.matrix_s:.2f} s · optimisation {timings.solve_s:.2f} s"
    )
    click.echo(f"Écrit : {plan_path}")


_common = [
    click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
                 help="Dossier où écrire plan.json (créé au besoin)."),
    click.option("--seconds", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
                 help="Temps d'optimisation (secondes)."),
    click.option("--solutions", type=click.IntRange(min=1), default=None,
                 help="Arrêter après N solutions : résultat identique d'une exécution à l'autre."),
    click.option("--osm-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                 help="Fichier OSM XML des rues (sinon : scénario, $DYNAMOBILE_OSM_FILE, données partagées)."),
]


def _with_common(fn):
    for option in reversed(_common):
        fn = option(fn)
    return fn


@main.command("plan")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Jour à planifier (AAAA-MM-JJ) ; par défaut demo_date du scénario.")
@_with_common
def plan_command(scenario: Path, day, out: Path, seconds: float, solutions: int | None, osm_file: Path | None) -> None:
    """Planifier une journée de tournées pour SCENARIO (fichier TOML)."""
    _run_plan(scenario, day.date() if day else None, out, seconds, solutions, osm_file)


@main.command("demo")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Jour à planifier (par défaut : le samedi de la démo).")
@_with_common
def demo_command(day, out: Path, seconds: float, solutions: int | None, osm_file: Path | None) -> None:
    """Planifier le scénario de démonstration (centre-ville de Chambéry, hors ligne)."""
    scenario = Path(str(resources.files("dynamobile") / DEMO_SCENARIO))
    _run_plan(scenario, day.date() if day else None, out, seconds, solutions, osm_file)


if __name__ == "__main__":
    main()
