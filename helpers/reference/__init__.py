"""Reference trajectories recorded from trusted libraries, and their replay.

``tools/make_reference_traces.py`` runs torch.optim (and later optax, scipy) in float64
on a fixed list of cases and stores every iterate in ``helpers/reference/<library>.json``
together with the library versions. Nothing here imports those libraries: a case is
replayed with ``helpers.optimizers`` and compared iterate by iterate.

>>> from helpers import reference
>>> [c.id for c in reference.cases(optimizer="sgd")][:2]       # doctest: +SKIP
>>> reference.deviation(reference.case("adam_rosenbrock"))        # doctest: +SKIP
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = ["Case", "libraries", "cases", "case", "build_optimizer", "replay", "deviation",
           "versions"]

_DIR = Path(__file__).resolve().parent


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
    return sorted(p.stem for p in _DIR.glob("*.json"))


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
