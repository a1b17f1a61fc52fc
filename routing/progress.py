"""Progress of a planning run that its caller can watch and stop (CLI bar, web job).

`Monitor` is what a caller passes to `routing.planner.plan_period`; `Tracker` is the planner's
side of it. Light on purpose: no solver is imported here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dynamobile.errors import DynamobileError

if TYPE_CHECKING:  # numpy stays out of a web worker that only builds a Monitor
    from .problem import RoutingProblem

STAGES = ("streets", "matrices", "optimisation", "done")
REPORT_EVERY_S = 0.5  # on_progress at least this often during the optimisation
POLL_EVERY_S = 0.2  # should_stop at least this often
REPORT_MIN_S = 0.1  # an improvement is reported at once, but not more often than this


@dataclass(frozen=True)
class Progress:
    """Where a planning run stands; visits and priority describe the best plan found so far."""

    stage: str  # "streets" | "matrices" | "optimisation" | "done"
    elapsed_s: float  # since plan_period started
    remaining_s: float | None  # estimate; during optimisation: time budget left
    visits: int | None = None  # visits in the best plan found so far (optimisation stage)
    visits_wanted: int | None = None  # sum of the targets of the sites that can be visited
    priority_share: float | None = None  # share 0..1 of wanted priority served by the best so far


def _ignore(progress: Progress) -> None:
    return None


def _never() -> bool:
    return False


@dataclass
class Monitor:
    """Callbacks of a caller watching a planning run.

    ``on_progress`` is called at each stage change and at least once per second during the
    optimisation (from the thread that called the planner); ``should_stop`` is polled at least
    every 0.5 s. When it turns true during the optimisation, the planner stops within 2 s and
    returns the best plan found so far, with ``stopped`` set; before it (streets, matrices) the
    planner raises `Cancelled`.
    """

    on_progress: Callable[[Progress], None] = _ignore
    should_stop: Callable[[], bool] = _never
    stopped: bool = False


class Cancelled(DynamobileError):
    """A planning run was stopped before any plan existed."""

    def __init__(self, message: str = "Planification annulée."):
        super().__init__(message)


class Tracker:
    """The planner's side of a `Monitor`: stages, the best solution so far, stop requests.

    Solutions are counted against a reference problem (`set_goal`): a visit group counts its
    visits up to its ``max_visits`` and weighs them by its penalty (the site's priority).
    """

    def __init__(self, monitor: Monitor, *, started: float | None = None):
        self.monitor = monitor
        self.started = time.perf_counter() if started is None else started
        self.stage = "streets"
        self.deadline: float | None = None  # time.perf_counter() clock
        self.stop_requested = False
        self._best_objective: int | None = None
        self._visits: int | None = None
        self._share: float | None = None
        self._wanted: int | None = None
        self._group_of: dict[int, int] = {}
        self._caps: list[int] = []
        self._weights: list[int] = []
        self._last_report = float("-inf")
        self._last_poll = float("-inf")

    def set_goal(self, problem: RoutingProblem) -> None:
        """Count visits and priority against ``problem``'s visit groups (or its optional nodes)."""
        caps, weights, group_of = [], [], {}
        for k, group in enumerate(problem.groups):
            caps.append(int(group.max_visits))
            weights.append(int(group.penalty))
            for node in group.nodes:
                group_of[node] = k
        for node in range(problem.n_nodes):
            if node not in group_of and node not in problem.depots:
                penalty = problem.penalty[node] if problem.penalty else None
                group_of[node] = len(caps)
                caps.append(1)
                weights.append(int(penalty) if penalty is not None else 1)
        self._group_of, self._caps, self._weights = group_of, caps, weights
        self._wanted = sum(caps)
        self._visits, self._share = 0, 0.0

    def enter(self, stage: str, *, deadline: float | None = None) -> None:
        """A new stage; before the optimisation, a stop request ends the run (`Cancelled`)."""
        self.stage = stage
        if deadline is not None:
            self.deadline = deadline
        if stage in ("streets", "matrices", "optimisation") and self.monitor.should_stop():
            raise Cancelled()
        self._last_poll = time.perf_counter()
        self.report()

    def new_search(self) -> None:
        """Objectives of the next search are compared among themselves (fairness rounds add pins)."""
        self._best_objective = None

    def offer(self, objective: int, routes: Sequence[Sequence[int]]) -> None:
        """A solution of the current search; reported if it is the best so far."""
        if self._best_objective is not None and objective >= self._best_objective:
            return
        self._best_objective = objective
        if not self._caps:
            return
        counts = [0] * len(self._caps)
        for route in routes:
            for node in route:
                k = self._group_of.get(node)
                if k is not None:
                    counts[k] += 1
        served = [min(c, cap) for c, cap in zip(counts, self._caps)]
        total = sum(w * cap for w, cap in zip(self._weights, self._caps))
        self._visits = sum(served)
        self._share = sum(w * s for w, s in zip(self._weights, served)) / total if total else 1.0
        if time.perf_counter() - self._last_report >= REPORT_MIN_S:
            self.report()

    def poll(self) -> bool:
        """Report if a report is due and ask the caller whether to stop; True once stop is asked."""
        now = time.perf_counter()
        if now - self._last_report >= REPORT_EVERY_S:
            self.report()
        if not self.stop_requested and now - self._last_poll >= POLL_EVERY_S:
            self._last_poll = now
            if self.monitor.should_stop():
                self.stop_requested = True
                self.monitor.stopped = True
        return self.stop_requested

    def report(self) -> None:
        now = time.perf_counter()
        self._last_report = now
        remaining = None
        if self.stage == "optimisation" and self.deadline is not None:
            remaining = max(0.0, self.deadline - now)
        elif self.stage == "done":
            remaining = 0.0
        optimising = self.stage in ("optimisation", "done")
        self.monitor.on_progress(
            Progress(
                stage=self.stage,
                elapsed_s=now - self.started,
                remaining_s=remaining,
                visits=self._visits if optimising else None,
                visits_wanted=self._wanted,
                priority_share=self._share if optimising else None,
            )
        )
