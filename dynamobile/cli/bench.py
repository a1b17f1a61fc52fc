"""``dynamobile bench vrptw FILE... --seconds N [--json]``: the optimiser on Solomon-type instances."""

from __future__ import annotations

import json
import os
from pathlib import Path

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


if __name__ == "__main__":
    bench()
