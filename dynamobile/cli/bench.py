"""``dynamobile bench vrptw|prize FILE...``: the optimiser on Solomon-type instances.

``vrptw``: every customer mandatory, gap to the best-known distance. ``prize``: issue 16's
prize-collecting construction (bench/prize.py), each solution re-checked by bench/prize_check.py.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

import click

from dynamobile.errors import DynamobileError


@click.group("bench")
def bench() -> None:
    """Bancs d'essai de l'optimiseur."""


@bench.command("vrptw")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--seconds",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Temps d'optimisation par instance (secondes).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Recherches en parallèle (processus) ; par défaut celui de l'optimiseur.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Une ligne JSON par instance, avec les tournées."
)
def vrptw(files: tuple[Path, ...], seconds: float, workers: int | None, as_json: bool) -> None:
    """Résout des instances VRPTW (VRPLIB Solomon / Gehring–Homberger) et vérifie chaque solution.

    Écart calculé par rapport au fichier .sol voisin (meilleure solution connue, convention DIMACS).
    """
    from dataclasses import replace

    from routing.problem import SolveParams
    from routing.vrptw import best_known_for, read_instance, solve_instance

    params = SolveParams(time_limit_s=seconds)
    if workers is not None:
        params = replace(params, workers=workers)
    results = []
    try:
        for path in files:
            instance = read_instance(path)
            result = solve_instance(instance, params, best_known=best_known_for(path))
            results.append(result)
            if as_json:
                click.echo(
                    json.dumps(
                        {
                            "instance": result.instance,
                            "vehicles": result.vehicles,
                            "distance": result.distance,
                            "best_known": result.best_known,
                            "gap_pct": round(result.gap_pct, 3)
                            if result.gap_pct is not None
                            else None,
                            "seconds": round(result.seconds, 2),
                            "feasible": not result.problems,
                            "problems": list(result.problems),
                            "routes": [list(r) for r in result.routes],
                        }
                    )
                )
            else:
                if len(results) == 1:
                    click.echo(
                        f"{'instance':10} {'véh.':>4} {'distance':>9} {'BKS':>9} {'écart':>7} {'s':>5}"
                    )
                gap = f"{result.gap_pct:6.2f}%" if result.gap_pct is not None else "      –"
                bks = f"{result.best_known:9.1f}" if result.best_known else "        –"
                flag = (
                    "" if not result.problems else "  NON VALIDE : " + " ; ".join(result.problems)
                )
                click.echo(
                    f"{result.instance:10} {result.vehicles:4d} {result.distance:9.1f} {bks} {gap} "
                    f"{result.seconds:5.1f}{flag}"
                )
    except DynamobileError as exc:
        click.echo(f"Erreur : {str(exc).replace(chr(10), ' ; ')}", err=True)
        raise SystemExit(2) from None
    gaps = [r.gap_pct for r in results if r.gap_pct is not None]
    if not as_json and len(results) > 1:
        mean = f"{sum(gaps) / len(gaps):6.2f}%" if gaps else "      –"
        click.echo(
            f"{'moyenne':10} {'':4} {'':9} {'':9} {mean} {sum(r.seconds for r in results) / len(results):5.1f}"
            f"   (charge {' '.join(f'{x:.2f}' for x in os.getloadavg())})"
        )
    if any(r.problems for r in results):
        raise SystemExit(3)


def _ints(ctx, param, value: str | None) -> tuple[int, ...]:
    try:
        numbers = tuple(int(v) for v in str(value).replace(" ", ",").split(",") if v)
    except ValueError:
        numbers = ()
    # A UsageError, not BadParameter: the French wording of BadParameter is generic (errors.py).
    if not numbers or min(numbers) < 1:
        raise click.UsageError(
            f"option --vehicles : « {value} » n'est pas une liste de nombres entiers ≥ 1", ctx=ctx
        )
    return numbers


def _bench_module(name: str) -> ModuleType:
    """A module of the project's bench/ directory (not an installed package: benchmarks live
    apart from the code they measure)."""
    path = Path(__file__).resolve().parents[2] / "bench" / f"{name}.py"
    if not path.exists():
        raise click.ClickException(f"{path} absent : lancer depuis le dépôt du projet")
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@bench.command("prize")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--vehicles",
    default="1,2,4",
    callback=_ints,
    show_default=True,
    help="Nombres de véhicules à essayer, séparés par des virgules (un cas par nombre) : --vehicles 1,2,4.",
)
@click.option(
    "--seconds",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Temps d'optimisation par cas (secondes).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Recherches en parallèle (processus) ; par défaut celui de l'optimiseur.",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    default=None,
    help="Écrit aussi les résultats (avec les tournées) en JSON dans ce fichier (« - » : sortie).",
)
def prize(
    files: tuple[Path, ...],
    vehicles: tuple[int, ...],
    seconds: float,
    workers: int | None,
    json_out: Path | None,
) -> None:
    """Collecte de prix (issue 16) : chaque client facultatif, prix = demande × 200 dixièmes.

    m véhicules sans capacité ; objectif = distance + prix laissés. Chaque solution est revérifiée
    à partir de l'instance seule (bench/prize_check.py). Prix en unités de demande, distance et
    objectif en unités de l'instance.
    """
    from dataclasses import replace

    from routing.problem import SolveParams
    from routing.vrptw import read_any

    runner = _bench_module("prize")
    params = SolveParams(time_limit_s=seconds)
    if workers is not None:
        params = replace(params, workers=workers)
    runs = []
    to_stdout = json_out is not None and str(json_out) == "-"
    if not to_stdout:
        click.echo(
            f"{'instance':14} {'m':>2} {'prix':>6} {'/total':>6} {'distance':>9} "
            f"{'objectif':>10} {'visites':>7} {'s':>5}"
        )
    try:
        for path in files:
            instance = read_any(path)
            for m in vehicles:
                run = runner.run_ours(instance, m, params)
                runs.append(run)
                if not to_stdout:
                    flag = "" if run.feasible else "  NON VALIDE : " + " ; ".join(run.problems)
                    click.echo(
                        f"{run.instance:14} {m:2d} {run.prize:6d} {run.prize_total:6d} "
                        f"{run.distance:9.1f} {run.objective:10.1f} {run.visits:7d} "
                        f"{run.seconds:5.1f}{flag}"
                    )
    except DynamobileError as exc:
        click.echo(f"Erreur : {str(exc).replace(chr(10), ' ; ')}", err=True)
        raise SystemExit(2) from None
    load = os.getloadavg()
    if not to_stdout and runs:
        share = [100.0 * r.prize / r.prize_total for r in runs if r.prize_total]
        click.echo(
            f"{len(runs)} cas, prix collecté moyen {sum(share) / len(share):.1f} % du total, "
            f"{sum(not r.feasible for r in runs)} non valide(s)   "
            f"(charge {' '.join(f'{x:.2f}' for x in load)})"
        )
    if json_out is not None:
        document = {
            "seconds": seconds,
            "workers": params.workers,
            "vehicles": list(vehicles),
            "prize_per_demand_tenths": runner.PRIZE_PER_DEMAND,
            "load_average": [round(x, 2) for x in load],
        }
        # One run per line: long route lists stay readable and the file greps well.
        head = json.dumps(document, ensure_ascii=False)[:-1]
        lines = [json.dumps(r.as_dict(), ensure_ascii=False) for r in runs]
        text = head + ', "runs": [\n' + ",\n".join(lines) + "\n]}"
        if to_stdout:
            click.echo(text)
        else:
            json_out.write_text(text + "\n", encoding="utf-8")
    if any(not r.feasible for r in runs):
        raise SystemExit(3)


if __name__ == "__main__":
    bench()
