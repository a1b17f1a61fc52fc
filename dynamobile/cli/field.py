"""Field-app commands: ``serve``, ``worker``, ``users add|list|deactivate|reset-password|unlock``, ``publish``, ``export interactions``, ``import queue``, ``init-db``.

Registered on the main group by `dynamobile.cli`; ``python -m dynamobile.cli.field`` runs them alone.
"""

from __future__ import annotations

import gc
import sys
from contextlib import contextmanager

import click

from dynamobile.errors import DynamobileError


@contextmanager
def _field_session():
    """The field app (schema migrated) and a session committed if the block succeeds."""
    from field_app import create_app
    from field_app.db import new_session

    app = create_app()
    session = new_session(app)
    try:
        yield app, session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _fail(exc: Exception) -> None:
    click.echo(f"Erreur : {str(exc).replace(chr(10), ' ; ')}", err=True)
    raise SystemExit(2)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port d'écoute.")
@click.option(
    "--threads", default=8, show_default=True, type=int, help="Fils de traitement (waitress)."
)
@click.option(
    "--worker/--no-worker",
    default=True,
    show_default=True,
    help="Calculer aussi les planifications dans ce processus (sinon : dynamobile worker).",
)
def serve(host: str, port: int, threads: int, worker: bool) -> None:
    """Lance l'application terrain (serveur WSGI waitress) et ses calculs de planification."""
    import waitress

    from field_app import create_app, job_queue

    try:
        app = create_app()
        consumer = (
            job_queue.start_consumer(app, workers=app.config["PLAN_WORKERS"]) if worker else None
        )
    except DynamobileError as exc:
        _fail(exc)
    # The libraries loaded so far live as long as the server: moving them out of the garbage
    # collector's generations spares each full collection a walk over ~250 000 objects (measured
    # by bench/bench_studio.py: one Lieux request in ten paid 177 ms for it).
    gc.collect()
    gc.freeze()
    click.echo(f"Application terrain sur http://{host}:{port}/ (Ctrl+C pour arrêter)")
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="dynamobile")
    finally:
        if consumer is not None:
            consumer.stop()


@click.command("worker")
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(min=1),
    help="Calculs menés en parallèle (défaut : PLAN_WORKERS, 1).",
)
def worker(workers: int | None) -> None:
    """Calcule les planifications en attente, seul (sans serveur web) ; Ctrl+C pour arrêter."""
    from field_app import create_app, job_queue

    try:
        app = create_app()
    except DynamobileError as exc:
        _fail(exc)
    where = "Redis" if app.config.get("REDIS_URL") else "SQLite (dossier de l'instance)"
    click.echo(f"Calculs de planification : file d'attente {where} (Ctrl+C pour arrêter)")
    job_queue.run_worker(app, workers=workers or app.config["PLAN_WORKERS"])


ROLE_LABELS = {"agent": "agent", "coordinator": "coordination"}


@click.group("users")
def users() -> None:
    """Comptes de l'application terrain."""


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt(
            "Mot de passe", hide_input=True, confirmation_prompt="Confirmez le mot de passe"
        )
    return sys.stdin.readline().rstrip("\r\n")


@users.command("add")
@click.argument("name")
@click.option(
    "--role", type=click.Choice(["agent", "coordinator"]), required=True, help="Rôle du compte."
)
def users_add(name: str, role: str) -> None:
    """Crée le compte NAME ; mot de passe demandé, ou lu sur l'entrée standard."""
    from field_app import accounts

    password = _read_password()
    try:
        with _field_session() as (_app, session):
            accounts.create_user(session, name, password, role)
    except DynamobileError as exc:
        _fail(exc)
    click.echo(f"Compte « {name} » créé ({ROLE_LABELS[role]}).")


@users.command("list")
def users_list() -> None:
    """Liste les comptes : nom, rôle, actif ou non, dernière connexion."""
    from zoneinfo import ZoneInfo

    from field_app import accounts

    try:
        with _field_session() as (_app, session):
            rows = accounts.all_users(session)
    except DynamobileError as exc:
        _fail(exc)
    if not rows:
        click.echo("Aucun compte.")
        return
    paris = ZoneInfo("Europe/Paris")
    for user in rows:
        last = (
            user.last_login_at.astimezone(paris).strftime("%d/%m/%Y %H:%M")
            if user.last_login_at
            else "jamais"
        )
        state = "actif" if user.active else "désactivé"
        click.echo(
            f"{user.name}\t{ROLE_LABELS.get(user.role, user.role)}\t{state}\tdernière connexion : {last}"
        )


@users.command("deactivate")
@click.argument("name")
def users_deactivate(name: str) -> None:
    """Désactive le compte NAME : plus de connexion, ses sessions ouvertes prennent fin."""
    from field_app import accounts

    try:
        with _field_session() as (_app, session):
            user = accounts.deactivate_user(session, name)
            shown = user.name
    except DynamobileError as exc:
        _fail(exc)
    click.echo(f"Compte « {shown} » désactivé ; ses sessions sont fermées.")


@users.command("reset-password")
@click.argument("name")
def users_reset_password(name: str) -> None:
    """Change le mot de passe de NAME (demandé, ou lu sur l'entrée standard) et ferme ses sessions."""
    from field_app import accounts

    password = _read_password()
    try:
        with _field_session() as (_app, session):
            shown = accounts.reset_password(session, name, password).name
    except DynamobileError as exc:
        _fail(exc)
    click.echo(f"Mot de passe de « {shown} » changé ; ses sessions sont fermées.")


@users.command("unlock")
@click.argument("name")
def users_unlock(name: str) -> None:
    """Lève le blocage de connexion de NAME (échecs oubliés, depuis toutes les adresses)."""
    from field_app import accounts

    try:
        with _field_session() as (_app, session):
            forgotten = accounts.unlock(session, name)
    except DynamobileError as exc:
        _fail(exc)
    click.echo(f"Compte « {name.strip()} » débloqué ({forgotten} échec(s) oublié(s)).")


@click.command("publish")
@click.argument("plan", type=click.Path(dir_okay=False))
def publish(plan: str) -> None:
    """Publie un plan.json dans l'application terrain (sans doublon si republié)."""
    from field_app import publishing

    try:
        parsed = publishing.read_plan_file(plan)
        with _field_session() as (_app, session):
            summary = publishing.import_plan(session, parsed)
    except DynamobileError as exc:
        _fail(exc)
    click.echo(summary.message())


@click.group("export")
def export() -> None:
    """Exports de l'application terrain."""


@export.command("interactions")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "coop", "cra"]),
    default="csv",
    show_default=True,
    help="csv : une ligne par interaction ; coop : fiche de saisie du CRA collectif de la Coop de la "
    "médiation numérique, une ligne par arrêt (cra : ancien nom de coop).",
)
@click.option(
    "--out", default="-", show_default=True, help="Fichier de sortie (- : sortie standard)."
)
@click.option(
    "--from", "first", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Depuis (AAAA-MM-JJ)."
)
@click.option(
    "--to", "last", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Jusqu'au (AAAA-MM-JJ)."
)
def export_interactions(fmt: str, out: str, first, last) -> None:
    """Exporte les interactions en CSV (séparateur « ; », UTF-8)."""
    from field_app import exports

    if (first is None) != (last is None):
        _fail(DynamobileError("--from et --to vont ensemble"))
    if fmt in exports.ALIASES:
        click.echo(
            f"Attention : --format {fmt} est l'ancien nom de --format {exports.ALIASES[fmt]} "
            "(fiche de saisie du CRA collectif de la Coop).",
            err=True,
        )
    dates = {"first": first.date(), "last": last.date()} if first else {}
    try:
        with _field_session() as (_app, session):
            if out == "-":
                result = exports.write_export(session, sys.stdout, fmt=fmt, **dates)
            else:
                with open(out, "w", encoding="utf-8", newline="") as handle:
                    result = exports.write_export(session, handle, fmt=fmt, **dates)
    except OSError as exc:
        _fail(DynamobileError(f"{out} : écriture impossible ({exc.strerror})"))
    except DynamobileError as exc:
        _fail(exc)
    if result.left_out:
        click.echo(
            f"Attention : {len(result.left_out)} arrêt(s) à compléter, non exportés (à compléter sur la "
            f"page de la tournée) : {' ; '.join(result.left_out)}",
            err=True,
        )
    if out != "-":
        click.echo(f"{result.rows} ligne(s) écrite(s) dans {out}.")


@click.group("import")
def import_() -> None:
    """Imports dans l'application terrain."""


@import_.command("queue")
@click.argument("file", metavar="FICHIER.json", type=click.Path(dir_okay=False))
@click.option(
    "--agent", required=True, help="Compte de l'agent dont le téléphone a exporté la file."
)
def import_queue(file: str, agent: str) -> None:
    """Charge la file d'un téléphone (« Exporter la file (JSON) ») sous le compte de l'agent,
    avec les règles de l'envoi du téléphone ; réimporter le même fichier n'ajoute rien.
    Code de sortie 1 si un enregistrement est refusé, 2 si le fichier est illisible."""
    from field_app import queue_import

    try:
        queue = queue_import.read_queue_file(file)
        click.echo(queue_import.describe(queue))
        with _field_session() as (_app, session):
            summary = queue_import.import_queue(session, queue, agent)
    except DynamobileError as exc:
        _fail(exc)
    for line in summary.lines():
        click.echo(line)
    if summary.refused:
        click.echo(
            f"Attention : {len(summary.refused)} enregistrement(s) refusé(s), non enregistré(s).",
            err=True,
        )
        raise SystemExit(1)


@click.command("init-db")
def init_db() -> None:
    """Crée ou met à jour le schéma de la base (migrations Alembic)."""
    from field_app import create_app

    try:
        create_app()  # migrates at startup
    except DynamobileError as exc:
        _fail(exc)
    click.echo("Base de données à jour.")


COMMANDS = (serve, worker, users, publish, export, import_, init_db)


@click.group()
def _standalone() -> None:
    """Commandes de l'application terrain (en attendant leur enregistrement dans dynamobile.cli)."""


for _command in COMMANDS:
    _standalone.add_command(_command)

if __name__ == "__main__":
    _standalone()
