"""A helper search in its own process: `routing.search.solve` starts ``python -m routing.search_worker``.

A plain subprocess rather than multiprocessing: nothing of the caller is re-imported (unguarded
scripts, test runners and web apps stay safe) and nothing outlives the solve. The request is a
pickle on stdin: (problem, params, worker, initial_routes, deadline[, report[, pool]]) for a
search (``pool``: the directory where the workers meet, `routing.elite`), or
("seeds", problem, keyword arguments) for `search_seed.vroom_seeds`. The answer is a sequence of
length-prefixed pickles on stdout: with ``report``, ("progress", objective, routes) at each
improving solution, then ("ok", result) or ("error", message).
"""

from __future__ import annotations

import logging
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from dynamobile.errors import SolverError

log = logging.getLogger(__name__)

_STDERR_TAIL_LINES = 5  # enough for the exception line of a crash, short enough for one message
_HEADER = struct.Struct("<Q")  # length of each answer pickle

_ROOT = str(
    Path(__file__).resolve().parent.parent
)  # the directory holding `routing` and `dynamobile`


class Helper:
    """One running helper search; `result()` waits for it, `progress()` takes what it reported.

    A helper that reports runs in a process group of its own: a Ctrl-C in the terminal reaches
    the planner, which decides (keep the best so far), not the helper."""

    def __init__(self, request: tuple, *, own_group: bool = False):
        self.worker = request[2] if request[0] != "seeds" and len(request) >= 5 else None
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
                process_group=0 if own_group else None,
            )
        self._answer: tuple | None = None
        self._progress: list[tuple[int, list[list[int]]]] = []
        self._lock = threading.Lock()
        # A thread reads the answers as they come, so that the helper never blocks on a full pipe.
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stream = self._proc.stdout
        if stream is None:  # started with stdout=PIPE: never None
            return
        try:
            while header := stream.read(_HEADER.size):
                if len(header) < _HEADER.size:
                    break
                (size,) = _HEADER.unpack(header)
                payload = stream.read(size)
                if len(payload) < size:
                    break
                message = pickle.loads(payload)
                with self._lock:
                    if message[0] == "progress":
                        self._progress.append((message[1], message[2]))
                    else:
                        self._answer = message
        except Exception:  # a torn answer is a crash: result() explains it from stderr
            log.debug("réponse illisible d'une recherche auxiliaire", exc_info=True)
        finally:
            stream.close()

    def running(self) -> bool:
        """Whether the helper has not answered yet."""
        return self._reader.is_alive()

    def progress(self) -> list[tuple[int, list[list[int]]]]:
        """(objective, routes) of the improving solutions reported since the last call."""
        with self._lock:
            taken, self._progress = self._progress, []
        return taken

    def result(self, timeout_s: float):
        """The helper's `Solution`; SolverError if it found none or failed."""
        try:
            self._reader.join(timeout_s)
            if self._reader.is_alive():
                self._proc.kill()
                self._reader.join()
                self._proc.wait()
                raise SolverError("recherche auxiliaire hors délai")
            self._proc.wait()
        except BaseException:
            self._proc.kill()
            raise
        if self._answer is None:  # it died before answering
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
        status, value = self._answer
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
        self._reader.join()
        self._stderr.close()


def _send(message: tuple) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.write(_HEADER.pack(len(payload)) + payload)
    sys.stdout.buffer.flush()


def main() -> None:
    request = pickle.loads(sys.stdin.buffer.read())
    answer: tuple
    try:
        if request[0] == "seeds":
            from .search_seed import vroom_seeds

            _, problem, options = request
            answer = ("ok", vroom_seeds(problem, **options))
        else:
            from .optimiser import solve_one

            problem, params, worker, initial_routes, deadline, *rest = request
            report = rest[0] if rest else False
            pool = rest[1] if len(rest) > 1 else None
            answer = (
                "ok",
                solve_one(
                    problem,
                    params,
                    worker,
                    initial_routes,
                    deadline,
                    on_solution=(
                        (lambda objective, routes: _send(("progress", objective, routes)))
                        if report
                        else None
                    ),
                    pool=pool,
                ),
            )
    except SolverError as exc:
        answer = ("error", str(exc))
    _send(answer)


if __name__ == "__main__":
    main()
