"""The few named errors of Dynamobile; the CLI and the web app turn them into clear messages."""

import errno


class DynamobileError(Exception):
    """Base class: a problem the user can fix, with a message that says what and where."""


class InputError(DynamobileError):
    """A scenario, sites file or plan is malformed; `problems` lists every bad row or field."""

    def __init__(self, problems: list[str] | str):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class StreetDataError(DynamobileError):
    """Street data could not be loaded, downloaded or geocoded."""


class SolverError(DynamobileError):
    """The optimiser could not produce a plan (e.g. no feasible route for a mandatory visit)."""


class InternalError(SolverError):
    """A guarantee of the model did not hold: a Dynamobile bug, reported in one line rather than a traceback."""


class OutputError(DynamobileError):
    """An output folder or file could not be written; the folder is left as it was."""


_OS_REASONS = {
    errno.EACCES: "droits insuffisants",
    errno.EPERM: "droits insuffisants",
    errno.ENOENT: "introuvable",
    errno.ENOTDIR: "un élément du chemin est un fichier, pas un dossier",
    errno.EISDIR: "c'est un dossier",
    errno.EEXIST: "existe déjà",
    errno.ENOSPC: "disque plein",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.ENAMETOOLONG: "nom trop long",
    errno.EPIPE: "sortie fermée avant la fin",
}


def os_reason(exc: OSError) -> str:
    """Why a file operation failed, in French (the system's own text when we have no wording)."""
    fallback = exc.strerror or str(exc)
    return _OS_REASONS.get(exc.errno, fallback) if exc.errno is not None else fallback
