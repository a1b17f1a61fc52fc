"""A helper search in its own process: `routing.search.solve` starts ``python -m routing.search_worker``.

A plain subprocess rather than multiprocessing: nothing of the caller is re-imported (unguarded
scripts, test runners and web apps stay safe) and nothing outlives the solve. The request and
the answer are pickles on stdin/stdout: (problem, params, worker, initial_routes, deadline) in,
("ok", Solution) or ("error", message) out.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

from dynamobile.errors import SolverError

log = logging.getLogger(__name__)

_STDERR_TAIL_LINES = 5  # enough for the exception line of a crash, short enough for one message

_ROOT = str(
    Path(__file__).resolve().parent.parent
)  # the directory holding `routing` and `dynamobile`


class Helper:
    """One running helper search; `result()` waits for it."""

    def __init__(self, request: tuple):
        env = dict(os.environ)
        env["PYTHONPATH"] = (
            os.pathsep.join([_ROOT, env["PYTHONPATH"]]) if env.get("PYTHONPATH") else _ROOT
        )
        # Through a temporary file: a pipe would block us until the helper has started up.
        with tempfile.TemporaryFile() as request_file:
            pickle.dump(request, request_file, protocol=pickle.HIGHEST_PROTOCOL)
            request_file.seek(0)
            # Its stderr goes to a file too (a pipe could fill up and block it): kept to explain a crash.
            self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "routing.search_worker"],
                stdin=request_file,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=env,
            )

    def result(self, timeout_s: float):
        """The helper's `Solution`; SolverError if it found none or failed."""
        try:
            out, _ = self._proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.communicate()
            raise SolverError("recherche auxiliaire hors délai") from None
        except BaseException:
            self._proc.kill()
            raise
        try:
            status, value = pickle.loads(out)
        except Exception:
            tail = self.stderr_tail()
            log.warning(
                "recherche auxiliaire interrompue (code %s) :\n%s", self._proc.returncode, tail
            )
            detail = (
                tail.splitlines()[-1] if tail else "aucun message"
            )  # the exception line; the log has more
            raise SolverError(
                f"recherche auxiliaire interrompue (code {self._proc.returncode}) : {detail}"
            ) from None
        if status != "ok":
            raise SolverError(value)
        return value

    def stderr_tail(self) -> str:
        """The last lines the helper wrote on stderr (a crash's exception is the last one)."""
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", errors="replace")
        lines = [line for line in text.splitlines() if line.strip()]
        return "\n".join(lines[-_STDERR_TAIL_LINES:])

    def close(self) -> None:
        """Stop the helper if it is still running (the caller failed or was interrupted)."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._stderr.close()


def main() -> None:
    from .optimiser import solve_one

    problem, params, worker, initial_routes, deadline = pickle.loads(sys.stdin.buffer.read())
    try:
        answer = ("ok", solve_one(problem, params, worker, initial_routes, deadline))
    except SolverError as exc:
        answer = ("error", str(exc))
    sys.stdout.buffer.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
