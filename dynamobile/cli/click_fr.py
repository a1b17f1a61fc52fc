"""Click's own help words in French (« Utilisation : », « Afficher cette aide et quitter. »).

Click marks its texts for ``gettext`` but ships no French catalogue, and a catalogue would have to
be installed into the machine's locale folders. Its modules look ``_`` up at call time, so giving
them a French ``_`` is enough; texts not listed stay as click writes them. Usage errors are
translated apart, with their values, by `dynamobile.cli.errors.french_usage_errors`.
"""

from __future__ import annotations

from click import core, decorators, formatting

FRENCH = {
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Commands": "Commandes",
    "Positional arguments": "Arguments",
    "Show this message and exit.": "Afficher cette aide et quitter.",
    "Show the version and exit.": "Afficher la version et quitter.",
    "Aborted!": "Interrompu.",
    # "Missing command." stays English here: `french_usage_errors` recognises it and says more.
    "(dynamic)": "(calculé)",
    "default: {default}": "par défaut : {default}",
    "env var: {var}": "variable d'environnement : {var}",
    "required": "obligatoire",
}


def french(message: str) -> str:
    return FRENCH.get(message, message)


def install() -> None:
    """Give click's modules the French ``_`` (idempotent)."""
    for module in (core, decorators, formatting):
        module._ = french  # type: ignore[attr-defined]
