"""click's usage errors in French: one line « Erreur : … » and exit code 2, like our own errors.

click writes its messages in English (``Error: Invalid value for '--date': …``) followed by a usage
line; `french_usage_errors` re-raises them as `FrenchUsageError`, whose text says in French which
option or argument is wrong and why.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import click

# A value quoted by click's messages: repr() of the string the user typed.
_QUOTED = re.compile(r"""^(?:\w+ )?(['"])(.*?)\1 """)
_OUT_OF_RANGE = re.compile(r"^(\S+) is not in the range")
_EXTRA_ARGS = re.compile(r"^Got unexpected extra arguments? \((.*)\)$")
_NO_COMMAND = re.compile(r"^No such command '(.+)'\.")
_FORMAT_FR = {"%Y": "AAAA", "%m": "MM", "%d": "JJ", "%H": "HH", "%M": "MM", "%S": "SS"}


class FrenchUsageError(click.UsageError):
    """A usage error whose message is already French: shown alone on one line, exit code 2."""

    def show(self, file=None) -> None:
        click.echo(f"Erreur : {self.message}", file=file, err=True)


@contextmanager
def french_usage_errors():
    """Turn click's usage errors raised in the block into `FrenchUsageError`."""
    try:
        yield
    except (FrenchUsageError, click.exceptions.NoArgsIsHelpError):
        raise
    except click.UsageError as exc:
        raise FrenchUsageError(french_message(exc), ctx=exc.ctx) from None


def french_message(exc: click.UsageError) -> str:
    """The French sentence for one of click's usage errors (ours, already French, are kept)."""
    if isinstance(exc, click.MissingParameter):
        return _missing(exc.param)
    if isinstance(exc, click.BadParameter):
        label = _label(exc.param) if exc.param is not None else (exc.param_hint or "paramètre")
        return f"{label} : {_bad_value(exc)}"
    if isinstance(exc, click.NoSuchOption):
        return f"option inconnue : {exc.option_name}{_suggest(getattr(exc, 'possibilities', None))}"
    if hasattr(exc, "command_name"):  # click.NoSuchCommand (click ≥ 8.4)
        return (
            f"commande inconnue : {exc.command_name}{_suggest(getattr(exc, 'possibilities', None))}"
        )
    if isinstance(exc, click.BadOptionUsage):
        if "requires" in exc.message:
            return f"option {exc.option_name} : valeur manquante"
        if "does not take a value" in exc.message:
            return f"option {exc.option_name} : ne prend pas de valeur"
        return f"option {exc.option_name} mal employée"
    if isinstance(exc, click.BadArgumentUsage):
        return "nombre d'arguments incorrect (voir --help)"
    if match := _NO_COMMAND.match(exc.message):
        return f"commande inconnue : {match.group(1)}"
    if exc.message == "Missing command.":
        return "commande manquante (dynamobile --help pour la liste)"
    if match := _EXTRA_ARGS.match(exc.message):
        return f"argument(s) en trop : {match.group(1)}"
    return exc.message  # raised by our commands, in French


def _label(param: click.Parameter) -> str:
    if isinstance(param, click.Option):
        return f"option {param.opts[0]}"
    return f"argument {param.human_readable_name}"


def _suggest(possibilities) -> str:
    return f" (vouliez-vous dire {' ou '.join(possibilities)} ?)" if possibilities else ""


def _choices(kind: click.Choice) -> str:
    return ", ".join(map(str, kind.choices))


def _missing(param: click.Parameter | None) -> str:
    if param is None:
        return "paramètre manquant"
    extra = f" (choix : {_choices(param.type)})" if isinstance(param.type, click.Choice) else ""
    if isinstance(param, click.Option):
        return f"option {param.opts[0]} manquante{extra}"
    return f"argument {param.human_readable_name} manquant{extra}"


def _number(value) -> str:
    return str(value).replace(".", ",")


def _range(kind) -> str:
    low = None if kind.min is None else f"{'>' if kind.min_open else '≥'} {_number(kind.min)}"
    high = None if kind.max is None else f"{'<' if kind.max_open else '≤'} {_number(kind.max)}"
    if low and high and not kind.min_open and not kind.max_open:
        return f"entre {_number(kind.min)} et {_number(kind.max)}"
    return " et ".join(x for x in (low, high) if x)


def _bad_value(exc: click.BadParameter) -> str:
    """Why the value is refused, from the parameter's type (click's English text gives the value)."""
    kind = exc.param.type if exc.param is not None else None
    message = exc.message
    if isinstance(kind, (click.IntRange, click.FloatRange)) and (
        match := _OUT_OF_RANGE.match(message)
    ):
        return f"« {match.group(1)} » doit être {_range(kind)}"
    match = _QUOTED.match(message)
    value = f"« {match.group(2)} »" if match else "la valeur"
    if isinstance(kind, click.DateTime):
        formats = [
            re.sub("%[YmdHMS]", lambda m: _FORMAT_FR[str(m.group(0))], str(f)) for f in kind.formats
        ]
        return f"{value} n'est pas une date {' ou '.join(formats)}"
    if isinstance(kind, click.types.IntParamType):
        return f"{value} n'est pas un nombre entier"
    if isinstance(kind, click.types.FloatParamType):
        return f"{value} n'est pas un nombre"
    if isinstance(kind, click.Choice):
        return f"{value} n'est pas un choix possible (choix : {_choices(kind)})"
    if isinstance(kind, click.types.BoolParamType):
        return f"{value} n'est pas un booléen (oui/non, true/false)"
    if isinstance(kind, click.Path):
        for english, french in (
            ("does not exist", "introuvable"),
            ("is a directory", "est un dossier"),
            ("is a file", "est un fichier"),
            ("not readable", "illisible"),
            ("not writable", "non modifiable"),
            ("not executable", "non exécutable"),
        ):
            if english in message:
                return f"{value} {french}"
    return f"{value} est invalide"
