"""Benchmark: whole seasons planned jointly, at the default budget and at a longer one.

    python bench/bench_season.py [--cases 60x28,120x28] [--seconds 20] [--factor 6] [--seed 1] [--markdown]

Each case is a season generated on the shared Chambéry extract (`season.generate_season`:
SITES sites, from 2027-03-01 for DAYS days, 3 vehicles; suffix ``-2v`` for van + cargo bike,
``-cap`` for a driving cap of 90 minutes on the van) and planned through `load_scenario` and
`plan_period` as the CLI does, once with ``--seconds`` and once with ``--factor`` times as much
(``--factor 1``: once only). Every solve runs in a fresh process (``--one``, one JSON line out),
so its memory is its own.

Per run: visits / target visits, share of the priority served, tours used / vehicle-days,
solve and wall seconds, peak memory of the planning process and of the optimiser's helper search
process, `check_plan` violations and `audit_plan` findings. Per case: the budget run's visits
and priority as a share of the long run's (how far the default budget is from convergence).

Peak memory is VmHWM from /proc (the process's own resident high-water mark). ``ru_maxrss`` is
not used for it: Linux carries the parent's high-water mark into a child across exec, so a
child's ru_maxrss (and RUSAGE_CHILDREN) is at least its parent's peak at spawn time; both are
still in ``--one``'s JSON. The helper's VmHWM is sampled by this driver every 0.1 s while the
run lasts, once it has exec'd (the planning process cannot sample it: OR-Tools holds the GIL
while it searches).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from season import DRIVING_CAP_MIN, START, generate_season

CHAMBERY_OSM = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "osm" / "chambery_centre_2016.osm"
)
DEFAULT_CASES = "30x7,30x28,60x7,60x28,120x7,120x28,60x28-2v,60x28-cap"
SAMPLE_S = 0.1  # a /proc scan costs about 2 ms


@dataclass(frozen=True)
class Case:
    label: str
    sites: int
    days: int
    vehicles: int = 3
    driving_cap: bool = False


def parse_cases(text: str) -> list[Case]:
    """``60x28,60x28-2v,60x28-cap`` → cases (SITESxDAYS, optional -2v / -3v / -cap)."""
    cases = []
    for label in (t.strip() for t in text.split(",") if t.strip()):
        m = re.fullmatch(r"(\d+)x(\d+)((?:-(?:2v|3v|cap))*)", label)
        if not m:
            raise SystemExit(
                f"case « {label} »: expected SITESxDAYS[-2v][-cap], e.g. 60x28 or 60x28-cap"
            )
        suffixes = m.group(3).split("-")[1:]
        vehicles = 2 if "2v" in suffixes else 3
        cases.append(Case(label, int(m.group(1)), int(m.group(2)), vehicles, "cap" in suffixes))
    return cases


# --- one run, in its own process ---------------------------------------------------------------


def _vm_hwm_mb(pid: int | str = "self") -> float | None:
    """Peak resident memory of a process (VmHWM), in MB; None if it is gone or /proc is absent."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_one(scenario_path: Path, first_day: dt.date, days: int, seconds: float) -> dict:
    """Plan the season like `dynamobile plan` does, check and audit it; figures as a dict."""
    import resource

    from dynamobile.calendars import works_on
    from dynamobile.check import check_plan
    from dynamobile.scenario import load_scenario
    from routing.planner import Timings, load_networks, plan_period, travel_lookup
    from routing.problem import SolveParams

    started = time.perf_counter()
    scenario = load_scenario(scenario_path)
    timings = Timings()
    networks = load_networks(scenario)
    timings.graph_s += time.perf_counter() - started
    plan = plan_period(
        scenario,
        first_day,
        days,
        params=SolveParams(time_limit_s=seconds),
        networks=networks,
        timings=timings,
    )
    wall_s = time.perf_counter() - started
    peak_mb = _vm_hwm_mb()  # the planning only: taken before checking and auditing
    self_usage, children_usage = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )

    travel = travel_lookup(scenario, networks)
    violations = check_plan(plan, scenario, travel=travel)
    try:
        from dynamobile.audit import audit_plan
    except ImportError:
        audit = "n/a"
    else:
        findings = audit_plan(plan, scenario, travel)
        audit = (
            "clean"
            if not findings
            else f"{len(findings)} finding(s): "
            + ", ".join(f"{getattr(f, 'site', '?')} {getattr(f, 'date', '')}" for f in findings[:3])
        )

    period = [first_day + dt.timedelta(days=k) for k in range(days)]
    stats = plan.stats
    return {
        "visits": stats["visits"],
        "target_visits": sum(s.target_visits(days) for s in scenario.sites),
        "priority_served": stats["priority_served"],
        "priority_total": stats["priority_total"],
        "tours": sum(1 for t in plan.tours if t.stops),
        "vehicle_days": sum(
            works_on(scenario.calendar, v, day) for v in scenario.vehicles for day in period
        ),
        "solve_s": stats["timings_s"]["solve"],
        "solver_s": stats["solver_s"],
        "timings_s": stats["timings_s"],
        "wall_s": round(wall_s, 3),
        "peak_mb": round(peak_mb, 1) if peak_mb is not None else None,
        "ru_maxrss_mb": round(self_usage.ru_maxrss / 1024, 1),
        "ru_children_maxrss_mb": round(children_usage.ru_maxrss / 1024, 1),
        "check": violations[:5],
        "check_count": len(violations),
        "audit": audit,
    }


# --- the driver -----------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (a scan of /proc: no children file on every kernel)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def _cmdline(pid: int) -> bytes | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read()
    except OSError:
        return None


def measure(scenario_path: Path, days: int, seconds: float) -> dict:
    """Run ``--one`` in a fresh process, sampling its helper processes' peak memory meanwhile."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--one",
        str(scenario_path),
        "--from",
        START.isoformat(),
        "--days",
        str(days),
        "--seconds",
        str(seconds),
    ]
    helper_mb: dict[int, float] = {}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, start_new_session=True)
        deadline = started + 2 * seconds + 600
        try:
            while proc.poll() is None:
                if time.perf_counter() > deadline:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    return {"error": f"no answer after {deadline - started:.0f} s"}
                for child in _children(proc.pid):
                    # Between fork and exec a child still shares its parent's memory (and VmHWM).
                    if _cmdline(child) in (None, _cmdline(proc.pid)):
                        continue
                    mb = _vm_hwm_mb(child)
                    if mb is not None:
                        helper_mb[child] = max(mb, helper_mb.get(child, 0.0))
                time.sleep(SAMPLE_S)
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        process_s = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        lines = out.read().strip().splitlines()
        if proc.returncode != 0 or not lines:
            tail = err.read().strip().splitlines()
            return {"error": f"exit {proc.returncode}: {tail[-1] if tail else 'no output'}"}
    result = json.loads(lines[-1])
    result["helper_peak_mb"] = round(max(helper_mb.values()), 1) if helper_mb else None
    result["process_s"] = round(process_s, 2)
    return result


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else 100.0


def _mb(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def run_text(case: Case, seconds: float, r: dict) -> str:
    budget = f"{seconds:g} s"
    if "error" in r:
        return f"{case.label:<12} {budget:>7}  FAILED: {r['error']}"
    visits, tours = f"{r['visits']}/{r['target_visits']}", f"{r['tours']}/{r['vehicle_days']}"
    memory = f"{_mb(r['peak_mb'])}+{_mb(r['helper_peak_mb'])}"
    check = (
        "ok"
        if r["check_count"] == 0
        else f"{r['check_count']} violation(s): {'; '.join(r['check'][:2])}"
    )
    return (
        f"{case.label:<12} {budget:>7} {visits:>13} {_pct(r['priority_served'], r['priority_total']):>6.1f} "
        f"{tours:>9} {r['solve_s']:>7.1f} {r['wall_s']:>7.1f} {r['process_s']:>7.1f} {memory:>14}  "
        f"{check:<5} {r['audit']}"
    )


HEADER = (
    f"{'case':<12} {'budget':>7} {'visits/target':>13} {'prio%':>6} {'tours/vd':>9} "
    f"{'solve s':>7} {'wall s':>7} {'proc s':>7} {'MB main+helper':>14}  {'check':<5} audit"
)


def convergence_text(case: Case, short: dict, long: dict, factor: float) -> str:
    if "error" in short or "error" in long:
        return f"{case.label:<12} —"
    visits = _pct(short["visits"], long["visits"])
    priority = _pct(short["priority_served"], long["priority_served"])
    return (
        f"{case.label:<12} visits {short['visits']}/{long['visits']} ({visits:.1f} %), "
        f"priority {short['priority_served']}/{long['priority_served']} ({priority:.1f} %) of the {factor:g}× run"
    )


def markdown(rows: list[tuple[Case, dict, dict | None]], seconds: float, factor: float) -> str:
    long_s = seconds * factor
    head = [
        "case",
        "sites",
        "days",
        "vehicles",
        f"visits / target ({seconds:g} s)",
        "priority %",
        "tours / vehicle-days",
        "solve s",
        "wall s",
        "peak MB main + helper",
        "check",
        "audit",
    ]
    if factor > 1:
        head += [
            f"visits ({long_s:g} s)",
            f"priority % ({long_s:g} s)",
            f"peak MB ({long_s:g} s)",
            "visits ratio %",
            "priority ratio %",
        ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for case, short, long in rows:
        vehicles = f"{case.vehicles}" + (
            f" (cap {DRIVING_CAP_MIN} min)" if case.driving_cap else ""
        )
        cells = [case.label, str(case.sites), str(case.days), vehicles]
        if "error" in short:
            cells += [f"failed: {short['error']}"] + [""] * (len(head) - 5)
        else:
            cells += [
                f"{short['visits']} / {short['target_visits']}",
                f"{_pct(short['priority_served'], short['priority_total']):.1f}",
                f"{short['tours']} / {short['vehicle_days']}",
                f"{short['solve_s']:.1f}",
                f"{short['wall_s']:.1f}",
                f"{_mb(short['peak_mb'])} + {_mb(short['helper_peak_mb'])}",
                "ok" if short["check_count"] == 0 else f"{short['check_count']} violations",
                short["audit"],
            ]
            if long is not None and "error" not in long:
                cells += [
                    str(long["visits"]),
                    f"{_pct(long['priority_served'], long['priority_total']):.1f}",
                    f"{_mb(long['peak_mb'])} + {_mb(long['helper_peak_mb'])}",
                    f"{_pct(short['visits'], long['visits']):.1f}",
                    f"{_pct(short['priority_served'], long['priority_served']):.1f}",
                ]
            elif long is not None:
                cells += [f"failed: {long['error']}"] + [""] * 4
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--cases", default=DEFAULT_CASES, help=f"comma-separated (default {DEFAULT_CASES})"
    )
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="optimisation budget (default 20)"
    )
    parser.add_argument(
        "--factor",
        type=float,
        default=6.0,
        help="long run at factor × budget; 1 skips it (default 6)",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the generated seasons (default 1)"
    )
    parser.add_argument(
        "--osm-file",
        type=Path,
        default=CHAMBERY_OSM,
        help="street extract (default: the shared one)",
    )
    parser.add_argument(
        "--keep", type=Path, default=None, help="write the generated scenarios here and keep them"
    )
    parser.add_argument(
        "--markdown", action="store_true", help="also print a table for docs/benchmarks.md"
    )
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--from",
        dest="first_day",
        type=dt.date.fromisoformat,
        default=START,
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--days", type=int, default=7, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.first_day, args.days, args.seconds)), flush=True)
        return
    if not args.osm_file.exists():
        raise SystemExit(
            f"{args.osm_file} not found: ../shared/data must be beside the checkout (or pass --osm-file)"
        )
    cases = parse_cases(args.cases)
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; ortools {_version('ortools')}, pyvroom {_version('pyvroom')}"
    )
    print(
        f"seed {args.seed}; seasons from {START.isoformat()} on {args.osm_file.name}; "
        f"budget {args.seconds:g} s"
        + (f" and {args.seconds * args.factor:g} s" if args.factor > 1 else "")
        + f"; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(HEADER, flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="season-") as tmp:
        root = args.keep or Path(tmp)
        for case in cases:
            scenario = generate_season(
                root / case.label,
                sites=case.sites,
                vehicles=case.vehicles,
                seed=args.seed,
                driving_cap=case.driving_cap,
                osm_file=args.osm_file,
            )
            _warm_street_cache(scenario)
            short = measure(scenario, case.days, args.seconds)
            print(run_text(case, args.seconds, short), flush=True)
            long = None
            if args.factor > 1:
                long = measure(scenario, case.days, args.seconds * args.factor)
                print(run_text(case, args.seconds * args.factor, long), flush=True)
            rows.append((case, short, long))
    if args.factor > 1:
        print(f"\nbudget {args.seconds:g} s as a share of {args.seconds * args.factor:g} s:")
        for case, short, long in rows:
            print(convergence_text(case, short, long, args.factor))
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.markdown:
        print()
        print(markdown(rows, args.seconds, args.factor))


def _warm_street_cache(scenario_path: Path) -> None:
    """Build the street graphs once here, so that no timed run pays for parsing the OSM file."""
    from dynamobile.scenario import load_scenario
    from routing.planner import load_networks

    load_networks(load_scenario(scenario_path))


if __name__ == "__main__":
    main()
