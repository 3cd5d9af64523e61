"""Run an optimizer on an objective and record what happened.

``run`` uses exact gradients; ``run_stochastic`` uses minibatch gradients of a
:class:`~helpers.objectives.FiniteSumObjective` and/or Gaussian gradient noise, from a
seed. Both stop cleanly at the first non-finite or exploding iterate, flag the
trajectory ``diverged`` with the step, and emit no overflow warnings.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from . import objectives as _objectives
from . import optimizers as _optimizers

__all__ = ["Trajectory", "DivergenceError", "run", "run_stochastic", "tune", "TuneResult",
           "score_trajectory", "SCORES"]


class DivergenceError(RuntimeError):
    """Raised by ``run(..., on_divergence="raise")``; ``.step`` is where it happened."""

    def __init__(self, message, step):
        super().__init__(message)
        self.step = step


@dataclass
class Trajectory:
    """Iterates ``xs[0..T]``, losses ``fs``, gradient norms, and how the run ended."""

    xs: np.ndarray
    fs: np.ndarray
    grad_norms: np.ndarray
    optimizer: str
    objective: str
    hyper: dict = field(default_factory=dict)
    diverged: bool = False
    diverged_at: int | None = None
    converged_at: int | None = None
    message: str = ""
    f_min: float | None = None
    minimum: np.ndarray | None = None
    seconds: float = 0.0  # wall-clock time of the run

    @property
    def steps(self) -> int:
        return len(self.xs) - 1

    @property
    def x(self) -> np.ndarray:
        """The last iterate."""
        return self.xs[-1]

    @property
    def f(self) -> float:
        return float(self.fs[-1])

    def gap(self) -> np.ndarray:
        """``f(θ_t) − f*`` against the objective's known minimum value."""
        if self.f_min is None:
            raise ValueError(f"objective {self.objective!r} has no known minimum value")
        return self.fs - self.f_min

    def distance(self, x_star=None) -> np.ndarray:
        """``‖θ_t − θ*‖``; θ* defaults to the known minimizer nearest the last iterate."""
        x_star = self.minimum if x_star is None else np.asarray(x_star, dtype=float)
        if x_star is None:
            raise ValueError(f"objective {self.objective!r} has no known minimizer")
        return np.linalg.norm(self.xs - x_star, axis=1)

    def steps_to(self, tol, metric="gap"):
        """First step whose ``metric`` ("gap", "distance", "grad_norm") is ≤ ``tol``, else None."""
        values = {"gap": self.gap, "distance": self.distance,
                  "grad_norm": lambda: self.grad_norms}
        if metric not in values:
            raise ValueError(f"unknown metric {metric!r}; choose from {', '.join(values)}")
        hit = np.flatnonzero(values[metric]() <= tol)
        return int(hit[0]) if hit.size else None

    @property
    def label(self) -> str:
        lr = self.hyper.get("lr")
        return self.optimizer + (f" (η={lr:.3g})" if isinstance(lr, (int, float)) else "")

    def __repr__(self):
        end = f"diverged at step {self.diverged_at}" if self.diverged else f"f={self.f:.6g}"
        return f"Trajectory({self.optimizer} on {self.objective}, {self.steps} steps, {end})"


def _norm(v):
    return math.sqrt(float(np.dot(v, v)))


def _loop(optimizer, objective, x0, steps, grad_oracle, tol, blowup, on_divergence):
    if int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    opt = _optimizers.get(optimizer)
    obj = _objectives.get(objective)
    x = np.array(obj.x0 if x0 is None else x0, dtype=float)
    if x.shape != obj.x0.shape:
        raise ValueError(f"x0 must have shape {obj.x0.shape} for {obj.name}, got {x.shape}")
    xs, fs, gn = [x], [obj.f(x)], []
    limit = blowup * max(1.0, abs(fs[0])), blowup * max(1.0, np.linalg.norm(x))
    start = time.perf_counter()
    state = opt.init(x)
    message, diverged_at, converged_at = "", None, None
    with np.errstate(all="ignore"):
        for t in range(int(steps)):
            g = obj.grad(x)
            gn.append(_norm(g))
            if tol is not None and gn[-1] <= tol:
                converged_at = t
                break
            try:
                x, state = opt.update(grad_oracle(x, t, g), state, x, obj)
                fx = obj.f(x)
            except np.linalg.LinAlgError as err:
                diverged_at, message = t + 1, f"stopped at step {t + 1}: {err}"
                break
            nx = _norm(x)                       # NaN when x is, so the test below catches it
            if not (abs(fx) <= limit[0] and nx <= limit[1]):
                diverged_at = t + 1
                message = (f"diverged at step {t + 1}: f = {fx:.3g}, |θ| = "
                           f"{nx:.3g} (started at f = {fs[0]:.3g})")
                xs.append(x), fs.append(fx), gn.append(np.nan)
                break
            xs.append(x), fs.append(fx)
    if len(gn) < len(xs):
        gn.append(np.linalg.norm(obj.grad(x)))
    traj = Trajectory(np.array(xs), np.array(fs, dtype=float), np.array(gn, dtype=float),
                      opt.name, obj.name, dict(opt.hyper or {}), diverged_at is not None,
                      diverged_at, converged_at, message, obj.f_min, obj.nearest_minimum(xs[-1]),
                      time.perf_counter() - start)
    if traj.diverged and on_divergence == "raise":
        raise DivergenceError(f"{opt.name} on {obj.name}: {message}", diverged_at)
    return traj


def _check_policy(on_divergence, blowup):
    if on_divergence not in ("stop", "raise"):
        raise ValueError(f"on_divergence must be 'stop' or 'raise', got {on_divergence!r}")
    if not blowup > 1:
        raise ValueError(f"blowup must be > 1, got {blowup!r}")


def run(optimizer, objective, x0=None, steps=100, *, tol=None, blowup=1e12,
        on_divergence="stop") -> Trajectory:
    """Run ``optimizer`` (an Optimizer or a registry name) on ``objective`` from ``x0``.

    Stops early when ‖∇f‖ ≤ ``tol``. A run whose iterate becomes non-finite, or whose
    ``|f|`` or ``‖θ‖`` grows ``blowup`` times past its start, stops there: the trajectory
    is flagged ``diverged`` with ``diverged_at`` (or, with ``on_divergence="raise"``,
    :class:`DivergenceError` is raised).
    """
    _check_policy(on_divergence, blowup)
    obj = _objectives.get(objective)
    return _loop(optimizer, obj, x0, steps, lambda x, t, g: g, tol, blowup, on_divergence)


def run_stochastic(optimizer, objective, x0=None, steps=100, *, batch_size=None, noise_std=0.0,
                   seed=0, blowup=1e12, on_divergence="stop") -> Trajectory:
    """Like :func:`run`, but each step sees a noisy gradient, reproducibly from ``seed``.

    ``batch_size``: for a finite-sum objective, the gradient of a minibatch drawn without
    replacement (a fresh draw each step). ``noise_std``: Gaussian noise added to every
    gradient coordinate. ``fs`` always records the full (exact) loss.
    """
    _check_policy(on_divergence, blowup)
    obj = _objectives.get(objective)
    if noise_std < 0:
        raise ValueError(f"noise_std must be >= 0, got {noise_std}")
    n = getattr(obj, "n_samples", 0)
    if batch_size is not None and not (n and 1 <= batch_size <= n):
        raise ValueError(f"batch_size={batch_size!r} needs a finite-sum objective with "
                         f"1 <= batch_size <= n_samples ({obj.name} has n_samples={n})")
    if batch_size is None and noise_std == 0:
        raise ValueError("run_stochastic needs batch_size and/or noise_std > 0 "
                         "(use run for exact gradients)")
    rng = np.random.default_rng(seed)

    def oracle(x, t, g):
        g = g if batch_size is None else obj.batch_grad(
            x, rng.choice(n, size=batch_size, replace=False))
        return g + noise_std * rng.standard_normal(g.shape) if noise_std else g

    return _loop(optimizer, obj, x0, steps, oracle, None, blowup, on_divergence)


@dataclass
class TuneResult:
    """The best learning rate on a grid, its trajectory, and every grid point's score."""

    lr: float
    trajectory: Trajectory
    scores: dict


def score_trajectory(traj, score="final"):
    """A trajectory's score for tuning (lower is better; a diverged run scores +inf).

    "final": the last loss; "mean": the average loss over the run, which rewards speed;
    "log": the average of ``log10(f(θ_t) − f*)`` (of ``f(θ_t)`` when f* is unknown),
    floored at 1e-16 — the area under the log-scale loss curve, which rewards speed at
    every scale, from the first step down to machine precision. For "mean" and "log" a
    run that ends above its starting loss scores +inf too: an average must not reward a
    run for a fast start it then threw away.
    """
    _check_score(score)
    if traj.diverged or (score != "final" and not traj.fs[-1] <= traj.fs[0]):
        return np.inf
    if score == "final":
        return traj.f
    if score == "mean":
        return float(np.mean(traj.fs))
    y = traj.fs - (traj.f_min if traj.f_min is not None else 0.0)
    return float(np.mean(np.log10(np.maximum(y, 1e-16))))


SCORES = ("final", "mean", "log")


def _check_score(score):
    if score not in SCORES:
        raise ValueError(f"score must be one of {', '.join(map(repr, SCORES))}, got {score!r}")


def tune(optimizer, objective, x0=None, steps=100, grid=None, *, score="final", **hyper):
    """Pick ``lr`` from ``grid`` (default ``logspace(-4, 0, 13)``) for a fair comparison.

    ``score``: see :func:`score_trajectory` ("final", "mean" or "log"). Diverged runs
    score +inf. Ties go to the smaller learning rate.
    """
    grid = np.logspace(-4, 0, 13) if grid is None else np.asarray(grid, dtype=float)
    _check_score(score)
    best, scores = None, {}
    for lr in grid:
        traj = run(_optimizers.get(optimizer, lr=float(lr), **hyper), objective, x0, steps)
        s = scores[float(lr)] = score_trajectory(traj, score)
        if best is None or s < best[0]:
            best = (s, float(lr), traj)
    return TuneResult(best[1], best[2], scores)
