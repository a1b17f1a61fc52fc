"""The `dynamobile` command: the composition root, parsing arguments and calling the packages."""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import sys
import threading
import time
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dynamobile.audit import audit_plan, missing_visits
from dynamobile.errors import DynamobileError, InputError, os_reason
from dynamobile.model import Scenario
from dynamobile.outputs import check_output_dir
from dynamobile.report import audit_text, comparison_text, period_text, plan_text
from dynamobile.scenario import load_scenario

from .bench import bench
from .field import COMMANDS as FIELD_COMMANDS
from .maps import sheets
from .scenario import database_scenario, is_database_scenario
from .scenario import scenario as scenario_group

if TYPE_CHECKING:
    from routing.progress import Progress

DEMO_SCENARIO = "scenarios/chambery_centre/scenario.toml"


class _Group(click.Group):
    """Turns our errors and click's usage errors into one French line per problem and exit code 2,
    never a traceback."""

    def make_context(self, info_name, args, parent=None, **extra):
        from .errors import french_usage_errors  # click's own messages are English

        with french_usage_errors():
            return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context):
        from .errors import french_usage_errors

        try:
            with french_usage_errors():
                return super().invoke(ctx)
        except DynamobileError as exc:
            for line in str(exc).splitlines() or ["erreur inconnue"]:
                click.echo(f"Erreur : {line}", err=True)
            sys.exit(2)
        except OSError as exc:
            # A file problem no command foresaw: still one line naming the file (details with -v).
            logging.getLogger(__name__).debug("erreur de fichier", exc_info=True)
            where = f"{exc.filename} : " if exc.filename else ""
            click.echo(f"Erreur : {where}{os_reason(exc)}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("Interrompu.", err=True)
            sys.exit(130)


@click.group(cls=_Group)
@click.option("-v", "--verbose", is_flag=True, help="Journal détaillé.")
def main(verbose: bool) -> None:
    """Dynamobile : planifier et suivre les tournées de la Dynamobile."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def _load_scenario(path: Path, *, osm_file: Path | None) -> Scenario:
    """`load_scenario`, with a French line rather than a traceback when the path is a folder or unreadable;
    ``db:`` is the field app's database scenario."""
    if is_database_scenario(path):
        return database_scenario(osm_file=osm_file)
    if path.is_dir():
        raise InputError(f"{path} : c'est un dossier ; indiquez le fichier du scénario (.toml)")
    try:
        return load_scenario(path, osm_file=osm_file)
    except OSError as exc:
        raise InputError(f"{exc.filename or path} : lecture impossible ({os_reason(exc)})") from exc


def _run_plan(
    scenario_path: Path,
    day: dt.date | None,
    days: int,
    out: Path,
    seconds: float,
    solutions: int | None,
    osm_file: Path | None,
    fair_days: int | None,
    maps: bool,
    url: str | None,
) -> None:
    from maps.outputs import write_outputs
    from maps.sheets import NO_QR_NOTE
    from routing.planner import Timings, load_networks, plan_period, travel_lookup
    from routing.problem import SolveParams

    scenario = _load_scenario(scenario_path, osm_file=osm_file)
    day = day or scenario.default_date
    if day is None:
        raise click.UsageError("indiquez --date AAAA-MM-JJ (ou --from)")
    check_output_dir(out)  # before the solve: a wrong --out fails at once
    timings = Timings()
    span = f"du {day.isoformat()}" + (f" sur {days} jours" if days > 1 else "")
    click.echo(
        f"Planification {span} ({scenario.streets.describe()}, {seconds:g} s d'optimisation)…",
        err=True,
    )
    from routing.progress import Cancelled, Progress

    started = time.perf_counter()
    with _watched(sys.stderr) as monitor:
        if monitor is not None:
            monitor.on_progress(Progress("streets", 0.0, None))
        networks = load_networks(scenario)
        timings.graph_s += time.perf_counter() - started
        try:
            plan = plan_period(
                scenario,
                day,
                days,
                params=SolveParams(time_limit_s=seconds, solution_limit=solutions),
                networks=networks,
                timings=timings,
                fair_days=fair_days,
                monitor=monitor,
            )
        except Cancelled as exc:  # Ctrl-C before the optimisation: nothing to keep
            click.echo(f"\r\x1b[K{exc}", err=True)
            sys.exit(130)
    click.echo(plan_text(plan))
    if days > 1:
        click.echo(period_text(plan))
    click.echo(
        audit_text(
            audit_plan(plan, scenario, travel_lookup(scenario, networks)),
            missing_visits(plan, scenario),
        )
    )
    click.echo(
        f"Étapes : rues {timings.graph_s:.2f} s · rattachement {timings.snap_s:.2f} s · "
        f"matrices {timings.matrix_s:.2f} s · optimisation {timings.solve_s:.2f} s"
    )
    started = time.perf_counter()
    written = write_outputs(
        plan,
        out,
        graphs={p: n.graph for p, n in networks.items()},
        field_app_url=url,
        plan_json=True,
        maps=maps,
    )
    if maps:
        click.echo(f"Cartes, feuilles de route et exports : {time.perf_counter() - started:.2f} s")
        if url is None:
            click.echo(NO_QR_NOTE, err=True)
    click.echo(f"Écrit dans {out} : {', '.join(p.name for p in written)}")
    if monitor is not None and monitor.stopped:
        click.echo(
            f"Arrêt demandé : meilleur plan trouvé en {timings.solve_s:.0f} s enregistré.", err=True
        )


_STAGE_WORDS = {"streets": "Rues", "matrices": "Matrices", "optimisation": "Optimisation"}


def _progress_text(progress: Progress) -> str:
    """« Optimisation — 12 s restantes — 57 visites sur 80 »."""
    parts = [_STAGE_WORDS.get(progress.stage, progress.stage)]
    if progress.remaining_s is not None:
        left = round(progress.remaining_s)
        parts.append(f"{left} s restante{'s' if left > 1 else ''}")
    if progress.visits is not None and progress.visits_wanted:
        parts.append(f"{progress.visits} visite{'s' if progress.visits > 1 else ''}")
        parts[-1] += f" sur {progress.visits_wanted}"
    return " — ".join(parts)


@contextmanager
def _watched(stream):
    """A `Monitor` drawing one progress line on ``stream`` when it is a terminal (None otherwise);
    a first Ctrl-C stops the optimisation and keeps the best plan, a second one interrupts."""
    from routing.progress import Monitor

    if not stream.isatty() or threading.current_thread() is not threading.main_thread():
        yield None  # signal handlers belong to the main thread
        return
    asked = []

    def show(progress: Progress) -> None:
        text = "" if progress.stage == "done" else _progress_text(progress)
        stream.write(f"\r{text}\x1b[K")
        stream.flush()

    def on_interrupt(signum, frame):
        if asked:
            raise KeyboardInterrupt
        asked.append(time.perf_counter())

    monitor = Monitor(on_progress=show, should_stop=lambda: bool(asked))
    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield monitor
    finally:
        signal.signal(signal.SIGINT, previous)
        stream.write("\r\x1b[K")
        stream.flush()


_common = [
    click.option(
        "--out",
        "out",
        type=click.Path(path_type=Path),
        required=True,
        help="Dossier où écrire plan.json (créé au besoin ; les fichiers du plan précédent y sont remplacés).",
    ),
    click.option(
        "--seconds",
        type=click.FloatRange(min=0.1),
        default=5.0,
        show_default=True,
        help="Temps d'optimisation (secondes).",
    ),
    click.option(
        "--solutions",
        type=click.IntRange(min=1),
        default=None,
        help="Arrêter après N solutions : résultat identique d'une exécution à l'autre.",
    ),
    click.option(
        "--osm-file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Fichier OSM XML des rues (sinon : scénario, $DYNAMOBILE_OSM_FILE, données partagées).",
    ),
    click.option(
        "--days",
        type=click.IntRange(min=1, max=62),
        default=1,
        show_default=True,
        help="Nombre de jours planifiés ensemble à partir de la date.",
    ),
    click.option(
        "--fair-days",
        type=click.IntRange(min=1),
        default=None,
        help="Équité : chaque quartier reçoit une visite au moins tous les N jours quand c'est possible.",
    ),
    click.option(
        "--maps/--no-maps",
        default=True,
        show_default=True,
        help="Écrire aussi la carte, les feuilles de route PDF et les exports GPX/ICS/GeoJSON.",
    ),
    click.option(
        "--url",
        envvar="DYNAMOBILE_PUBLIC_URL",
        default=None,
        help="Adresse publique de l'application de terrain (QR codes des feuilles de route) ; "
        "par défaut DYNAMOBILE_PUBLIC_URL, sinon les feuilles n'ont pas de QR code.",
    ),
]


def _with_common(fn):
    for option in reversed(_common):
        fn = option(fn)
    return fn


@main.command("plan")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option(
    "--date",
    "--from",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Premier jour à planifier (AAAA-MM-JJ) ; par défaut demo_date du scénario.",
)
@_with_common
def plan_command(scenario: Path, day, **options) -> None:
    """Planifier une journée (ou --days N jours) de tournées pour SCENARIO (fichier TOML, ou db: pour
    le scénario de la base)."""
    _run_plan(scenario, day.date() if day else None, **options)


@main.command("demo")
@click.option(
    "--date",
    "--from",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Premier jour à planifier (par défaut : le samedi de la démo).",
)
@_with_common
def demo_command(day, **options) -> None:
    """Planifier le scénario de démonstration (centre-ville de Chambéry, hors ligne)."""
    scenario = Path(str(resources.files("dynamobile") / DEMO_SCENARIO))
    _run_plan(scenario, day.date() if day else None, **options)


@main.command("compare")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option(
    "--from",
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Premier jour (AAAA-MM-JJ) ; par défaut demo_date du scénario.",
)
@click.option(
    "--days",
    type=click.IntRange(min=1, max=62),
    default=7,
    show_default=True,
    help="Nombre de jours.",
)
@click.option(
    "--seconds",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Temps d'optimisation par option (secondes).",
)
@click.option(
    "--fair-days", type=click.IntRange(min=1), default=None, help="Équité par quartier (voir plan)."
)
@click.option(
    "--osm-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Fichier OSM XML des rues.",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Écrire aussi le tableau en JSON dans ce fichier.",
)
def compare_command(
    scenario: Path,
    day,
    days: int,
    seconds: float,
    fair_days: int | None,
    osm_file: Path | None,
    json_out: Path | None,
) -> None:
    """Comparer les options de véhicule (bus, fourgon, vélo-cargo) du scénario sur une période."""
    from routing.compare import compare_options, results_to_dict
    from routing.problem import SolveParams

    loaded = _load_scenario(scenario, osm_file=osm_file)
    first = day.date() if day else loaded.default_date
    if first is None:
        raise click.UsageError("indiquez --from AAAA-MM-JJ")
    rows = results_to_dict(
        compare_options(
            loaded, first, days, params=SolveParams(time_limit_s=seconds), fair_days=fair_days
        )
    )
    click.echo(comparison_text(rows, days=days))
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(
            json.dumps(
                {"from": first.isoformat(), "days": days, "options": rows},
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
        click.echo(f"Écrit : {json_out}")


main.add_command(sheets)
main.add_command(bench)
main.add_command(scenario_group)
for _command in FIELD_COMMANDS:
    main.add_command(_command)


if __name__ == "__main__":
    main()
