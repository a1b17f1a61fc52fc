"""The few named errors of Dynamobile; the CLI and the web app turn them into clear messages."""


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
