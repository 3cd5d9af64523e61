"""Races: many optimizers on one objective, each tuned on the same grid, and their results.

A race is fair when every contender gets the same start, the same budget of steps and
the same learning-rate grid, scored the same way (:func:`helpers.runner.score_trajectory`).
Optimizers without a learning rate (a trust region, Levenberg–Marquardt) adapt their step
themselves and run once with their defaults. An optimizer that cannot run on the
objective (K-FAC needs a network, Gauss–Newton needs residuals, natural gradient a
Fisher metric) is not dropped silently: its entry says why.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

from . import objectives as _objectives
from . import optimizers as _optimizers
from .runner import Trajectory, run, score_trajectory, tune

__all__ = ["GRID", "Entry", "applicable", "race", "results", "format_results", "html_results"]

ENDED_ABOVE = "ended above its start"
GRID = np.logspace(-4, 0, 9)  # 1e-4 … 1 in half decades: the default for every contender


@dataclass
class Entry:
    """One contender of a race: its tuned run, or why it could not run."""

    optimizer: str
    trajectory: Trajectory | None = None
    lr: float | None = None                     # the tuned η; None without a learning rate
    scores: dict = field(default_factory=dict)  # η -> score over the grid
    seconds: float = 0.0                        # wall-clock of the chosen run
    skipped: str = ""                           # the reason it could not run here

    @property
    def ran(self) -> bool:
        return self.trajectory is not None


def applicable(optimizer, objective, x0=None, **hyper) -> str:
    """Why ``optimizer`` cannot run on ``objective`` ("" when it can).

    One step is taken; an optimizer that needs what the objective lacks raises a
    ``ValueError`` on it, whose message is returned. Unknown names still raise.
    """
    obj = _objectives.get(objective)
    opt = _optimizers.get(optimizer, **hyper)
    try:
        run(opt, obj, x0, 1)
    except ValueError as err:
        return str(err)
    return ""


def race(objective, optimizers=None, steps=100, x0=None, grid=None, score="log", hyper=None):
    """Run every optimizer on ``objective``, each with its learning rate tuned on ``grid``.

    Parameters
    ----------
    objective : Objective or registry name
    optimizers : sequence of names (default: every registered optimizer)
    steps : int, the budget of every run
    x0 : the common start (default the objective's ``x0``)
    grid : learning rates tried for every optimizer that has one (default :data:`GRID`)
    score : "log" (default: mean log10 of the gap, which rewards speed), "final" or "mean"
    hyper : dict name -> dict of fixed hyper-parameters for that optimizer

    Returns
    -------
    list of :class:`Entry`, in the order of ``optimizers``
    """
    obj = _objectives.get(objective)
    names = list(_optimizers.available() if optimizers is None else
                 [optimizers] if isinstance(optimizers, str) else optimizers)
    hyper = dict(hyper or {})
    unknown = sorted(set(hyper) - set(names))
    if unknown:
        raise ValueError(f"hyper given for {unknown}, which are not among the optimizers")
    grid = GRID if grid is None else np.asarray(grid, dtype=float)
    if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid) & (grid > 0)):
        raise ValueError(f"grid must be a non-empty 1-D array of positive learning rates, "
                         f"got {grid!r}")
    entries = []
    for name in names:
        fixed = hyper.get(name, {})
        reason = applicable(name, obj, x0, **fixed)
        if reason:
            entries.append(Entry(name, skipped=reason))
            continue
        if "lr" in _optimizers.hyperparameters(name) and "lr" not in fixed:
            best = tune(name, obj, x0, steps, grid, score=score, **fixed)
            entries.append(Entry(name, best.trajectory, best.lr, best.scores,
                                 best.trajectory.seconds))
        else:
            traj = run(_optimizers.get(name, **fixed), obj, x0, steps)
            entries.append(Entry(name, traj, fixed.get("lr"),
                                 {None: score_trajectory(traj, score)}, traj.seconds))
    return entries


def results(entries, tol=1e-6):
    """One row (a dict) per entry, best first: the numbers a results table shows.

    Keys: ``optimizer``, ``lr``, ``final`` (f − f* when f* is known, else f), ``grad_norm``,
    ``steps_to_tol`` (first step with that quantity ≤ ``tol``, None if never), ``status``
    ("ok"; "ended above its start" for a run whose last loss exceeds its first without
    blowing up, e.g. a fixed η just past the stability edge; "diverged at step k"; or
    "not applicable: …"), ``us_per_step`` (µs).
    Runs that reached ``tol`` come first, fastest first; then the rest by ``final``;
    diverged and skipped runs last.
    """
    rows = []
    for e in entries:
        row = {"optimizer": e.optimizer, "lr": e.lr, "final": np.nan, "grad_norm": np.nan,
               "steps_to_tol": None, "us_per_step": np.nan}
        t = e.trajectory
        if t is None:
            row["status"] = f"not applicable: {e.skipped}"
        else:
            y = t.fs - (t.f_min if t.f_min is not None else 0.0)
            hit = np.flatnonzero(y <= tol)
            row.update(final=float(y[-1]), grad_norm=float(t.grad_norms[-1]),
                       steps_to_tol=int(hit[0]) if hit.size and not t.diverged else None,
                       us_per_step=1e6 * e.seconds / max(t.steps, 1),
                       status=f"diverged at step {t.diverged_at}" if t.diverged else
                       "ok" if t.fs[-1] <= t.fs[0] else ENDED_ABOVE)
        rows.append(row)

    def key(row):
        rank = 2 if row["status"].startswith("not") else 1 if row["status"].startswith("div") \
            else 0
        reached = row["steps_to_tol"] is not None
        return (rank, not reached, row["steps_to_tol"] if reached else row["final"])

    return sorted(rows, key=key)


def _cells(row):
    ok = row["status"] in ("ok", ENDED_ABOVE)
    lr = f"{row['lr']:.3g}" if row["lr"] is not None else "adaptive" if ok else "—"
    return [row["optimizer"], lr,
            f"{row['final']:.2e}" if ok else "—",
            "—" if row["steps_to_tol"] is None else str(row["steps_to_tol"]),
            f"{row['us_per_step']:.0f}" if ok else "—", row["status"]]


_HEAD = ["optimizer", "η", "final f − f*", "steps to tol", "µs/step", "status"]


def _cut(text, width):
    """``text`` shortened to at most ``width`` characters at a word boundary, with "…"."""
    if width is None or len(text) <= width:
        return text
    return text[: max(text.rfind(" ", 0, width), 1)].rstrip(" ,;:") + " …"


def format_results(rows, width=80):
    """The rows of :func:`results` as a fixed-width text table.

    A status longer than ``width`` characters is cut at a word boundary (``None``: never).
    """
    cells = [_HEAD] + [_cells(r) for r in rows]
    cells = [c[:-1] + [_cut(c[-1], width)] for c in cells]
    sizes = [max(len(c[i]) for c in cells) for i in range(len(_HEAD))]
    return "\n".join("  ".join(v.ljust(s) for v, s in zip(c, sizes)).rstrip() for c in cells)


def html_results(rows):
    """The rows of :func:`results` as an HTML table (for an ipywidgets HTML widget)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in _HEAD)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in _cells(r)) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
