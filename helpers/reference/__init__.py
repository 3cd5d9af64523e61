"""Reference trajectories recorded from trusted libraries, and their replay.

``tools/make_reference_traces.py`` runs torch.optim (and later optax, scipy) in float64
on a fixed list of cases and stores every iterate in ``helpers/reference/<library>.json``
together with the library versions. Nothing here imports those libraries: a case is
replayed with ``helpers.optimizers`` and compared iterate by iterate.

>>> from helpers import reference
>>> [c.id for c in reference.cases(optimizer="sgd")][:2]       # doctest: +SKIP
>>> reference.deviation(reference.case("adam_rosenbrock"))        # doctest: +SKIP

Learning-rate schedules have their own traces, ``helpers/reference/<library>_lr_scheduler.json``
(recorded by ``tools/make_schedule_traces.py``): the rate of every step, compared with
:mod:`helpers.schedules` by :func:`schedule_deviation`.

>>> [c.id for c in reference.schedule_cases(schedule="cosine")]  # doctest: +SKIP
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = ["Case", "libraries", "cases", "case", "build_optimizer", "replay", "deviation",
           "versions", "ScheduleCase", "schedule_cases", "schedule_versions",
           "build_schedule", "schedule_deviation"]

_DIR = Path(__file__).resolve().parent
_SCHEDULES = "_lr_scheduler"    # <library>_lr_scheduler.json holds schedule traces, not cases


class Case(NamedTuple):
    """One recorded run: what was run (both spellings) and every iterate."""

    id: str
    library: str
    optimizer: str          # helpers.optimizers name
    hyper: dict             # helpers hyper-parameters
    schedule: dict | None   # {"name": ..., "kwargs": ...} from helpers.schedules, or None
    objective: str
    objective_kwargs: dict
    x0: np.ndarray
    steps: int
    reference: str          # the library call, e.g. "torch.optim.SGD(lr=0.1, momentum=0.9)"
    xs: np.ndarray          # (steps + 1, n) iterates recorded from the library


@functools.cache
def _load(library: str) -> dict:
    path = _DIR / f"{library}.json"
    if not path.exists():
        raise ValueError(f"no reference traces for {library!r}; "
                         f"available: {', '.join(libraries())}")
    return json.loads(path.read_text())


def libraries() -> list[str]:
    """Libraries with recorded traces (``torch``, …)."""
    return sorted(p.stem for p in _DIR.glob("*.json") if not p.stem.endswith(_SCHEDULES))


def versions(library="torch") -> dict:
    """Versions of the library (and NumPy) the traces were recorded with."""
    return dict(_load(library)["versions"])


def cases(library="torch", optimizer=None) -> list[Case]:
    """Every recorded case, optionally only those of one helpers optimizer name."""
    out = [Case(c["id"], library, c["optimizer"], c["hyper"], c.get("schedule"), c["objective"],
                c.get("objective_kwargs", {}), np.array(c["x0"], dtype=float), c["steps"],
                c["reference"], np.array(c["xs"], dtype=float)) for c in _load(library)["cases"]]
    if optimizer is not None:
        out = [c for c in out if c.optimizer == optimizer]
        if not out:
            have = sorted({c["optimizer"] for c in _load(library)["cases"]})
            raise ValueError(f"no {library} cases for optimizer {optimizer!r}; "
                             f"have: {', '.join(have)}")
    return out


def case(case_id, library="torch") -> Case:
    """One case by id."""
    found = {c.id: c for c in cases(library)}
    if case_id not in found:
        raise ValueError(f"unknown case {case_id!r}; available: {', '.join(found)}")
    return found[case_id]


def build_optimizer(c: Case):
    """The helpers optimizer a case describes (with its learning-rate schedule, if any)."""
    from .. import optimizers, schedules

    hyper = dict(c.hyper)
    if c.schedule:
        hyper["lr"] = getattr(schedules, c.schedule["name"])(**c.schedule["kwargs"])
    return optimizers.get(c.optimizer, **hyper)


def replay(c: Case):
    """Run the case with helpers; returns a :class:`helpers.Trajectory`."""
    from .. import objectives
    from ..runner import run

    obj = objectives.get(c.objective, **c.objective_kwargs)
    return run(build_optimizer(c), obj, c.x0, c.steps)


def deviation(c: Case) -> float:
    """Max |θ_helpers − θ_library| over every iterate of the case."""
    traj = replay(c)
    if traj.xs.shape != c.xs.shape:
        raise AssertionError(f"{c.id}: replay has {traj.steps} steps, the trace {c.steps} "
                             f"({traj.message or 'stopped early'})")
    return float(np.max(np.abs(traj.xs - c.xs)))


# ------------------------------------------------------------------ learning-rate schedules
class ScheduleCase(NamedTuple):
    """One recorded learning-rate sequence: ``lrs[k]`` is the rate step ``k`` used."""

    id: str
    library: str
    schedule: str           # helpers.schedules name (or an exercise's name, e.g. "sgdr")
    kwargs: dict            # its keyword arguments
    steps: int
    reference: str          # the library call, e.g. "... lr_scheduler.StepLR(step_size=30, ...)"
    lrs: np.ndarray         # (steps,) learning rates recorded from the library


def schedule_cases(library="torch", schedule=None) -> list[ScheduleCase]:
    """Every recorded schedule trace, optionally only those of one schedule name."""
    raw = _load(library + _SCHEDULES)["cases"]
    out = [ScheduleCase(c["id"], library, c["schedule"], c["kwargs"], c["steps"], c["reference"],
                        np.array(c["lrs"], dtype=float)) for c in raw]
    if schedule is not None:
        out = [c for c in out if c.schedule == schedule]
        if not out:
            have = sorted({c["schedule"] for c in raw})
            raise ValueError(f"no {library} traces for schedule {schedule!r}; "
                             f"have: {', '.join(have)}")
    return out


def schedule_versions(library="torch") -> dict:
    """Versions of the library (and NumPy) the schedule traces were recorded with."""
    return dict(_load(library + _SCHEDULES)["versions"])


def build_schedule(c: ScheduleCase):
    """The :mod:`helpers.schedules` function a schedule case describes."""
    from .. import schedules

    if c.schedule not in schedules.__all__:
        raise ValueError(f"{c.id}: {c.schedule!r} is not a helpers.schedules function")
    return getattr(schedules, c.schedule)(**c.kwargs)


def schedule_deviation(c: ScheduleCase, schedule=None) -> float:
    """Max relative deviation ``|η_k − η_k^lib| / |η_k^lib|`` over the case's steps (a zero
    reference rate must be matched exactly) of ``schedule`` (default: the helpers one)."""
    fn = build_schedule(c) if schedule is None else schedule
    ours = np.array([float(fn(k)) for k in range(c.steps)])
    diff = np.abs(ours - c.lrs)
    scale = np.where(c.lrs == 0, 1.0, np.abs(c.lrs))
    return float(np.max(np.where(c.lrs == 0, np.where(diff == 0, 0.0, np.inf), diff / scale)))
