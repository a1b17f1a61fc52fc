"""`dynamobile plan` on a terminal: a progress line redrawn in place, and Ctrl-C keeps the best plan.

Run in a real pseudo-terminal (the line is drawn only when stderr is a terminal); through pipes,
the output is unchanged."""

import json
import os
import pty
import select
import subprocess
import sys
import time

import pytest

from dynamobile.cli.main import _progress_text
from routing.progress import Progress

DYNAMOBILE = [sys.executable, "-m", "dynamobile.cli"]


def test_progress_text_in_french():
    assert (
        _progress_text(Progress("optimisation", 3.0, 12.2, 57, 80, 0.7))
        == "Optimisation — 12 s restantes — 57 visites sur 80"
    )
    assert _progress_text(Progress("matrices", 0.5, None)) == "Matrices"
    assert _progress_text(Progress("optimisation", 9.0, 0.6, 1, 1, 1.0)) == (
        "Optimisation — 1 s restante — 1 visite sur 1"
    )


def _run_in_terminal(args: list[str], *, interrupt_when: bytes, timeout_s: float):
    """Run ``args`` on a pseudo-terminal; type Ctrl-C once ``interrupt_when`` was printed.
    Returns (output, exit code, seconds from Ctrl-C to exit)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes the command
        os.execv(args[0], args)
    output, interrupted_at, started = b"", None, time.perf_counter()
    try:
        while time.perf_counter() - started < timeout_s:
            if interrupted_at is None and interrupt_when in output:
                os.write(fd, b"\x03")
                interrupted_at = time.perf_counter()
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    data = os.read(fd, 4096)
                except OSError:  # the command ended
                    break
                if not data:
                    break
                output += data
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    ended = time.perf_counter()
    return (
        output.decode("utf-8", errors="replace"),
        os.waitstatus_to_exitcode(status),
        None if interrupted_at is None else ended - interrupted_at,
    )


@pytest.mark.usefixtures("chambery_osm")
def test_ctrl_c_on_a_terminal_keeps_the_best_plan(tmp_path):
    out = tmp_path / "out"
    args = DYNAMOBILE + ["demo", "--days", "14", "--seconds", "60", "--no-maps", "--out", str(out)]
    output, code, after_interrupt_s = _run_in_terminal(
        args, interrupt_when=b" visites sur ", timeout_s=120
    )
    assert code == 0, output
    assert after_interrupt_s is not None and after_interrupt_s < 10, output  # solve + writing
    assert "Optimisation — " in output and "\x1b[K" in output
    assert "Arrêt demandé : meilleur plan trouvé en " in output and " s enregistré." in output
    assert "Traceback" not in output
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["tours"]


@pytest.mark.usefixtures("chambery_osm")
def test_no_progress_line_through_a_pipe(tmp_path):
    args = DYNAMOBILE + ["demo", "--seconds", "1", "--no-maps", "--out", str(tmp_path / "out")]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "\x1b[K" not in result.stderr + result.stdout
    assert "Optimisation —" not in result.stderr
