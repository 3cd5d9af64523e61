"""Exercise checks for 05_visualizations/03_convergence_animations."""
from __future__ import annotations

import math

import numpy as np

from .. import objectives, optimizers
from ..runner import run, score_trajectory, tune
from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_gd_steps_to_tol", "check_mean_log10_gap", "check_race_lr"]


def _quadratic(kappa, angle, mu, n=2, seed=0):
    A = objectives.rotated_quadratic_matrix(kappa=kappa, angle=angle, n=n, mu=mu, seed=seed)
    return A, objectives.get("quadratic", A=A)


def _measured_steps(A, theta0, eta, tol, horizon=3000):
    """The first step at which GD, actually run, has f ≤ tol (None within ``horizon``)."""
    obj = objectives.get("quadratic", A=np.asarray(A, dtype=float))
    hit = np.flatnonzero(run(optimizers.sgd(lr=eta), obj, theta0, horizon).fs <= tol)
    return int(hit[0]) if hit.size else None


def check_gd_steps_to_tol(gd_steps_to_tol):
    """Exercise: the first step at which GD with step ``eta`` on ½θᵀAθ has f ≤ ``tol``
    (None if never), predicted without running; checked against GD actually run."""
    cases = [((10.0, 30.0, 0.5), (-4.0, 2.0), 0.3, 1e-6),
             ((50.0, 60.0, 1.0), (3.0, -1.0), 0.02, 1e-8),
             ((4.0, 10.0, 2.0), (1.0, 1.0), 0.125, 1e-12),      # η = 1/L: the steep mode dies
             ((20.0, 45.0, 0.1, 3, 3), (1.0, -2.0, 0.5), 0.5, 1e-4),
             ((10.0, 30.0, 0.5), (-4.0, 2.0), 0.45, 1e-6)]      # η > 2/L: never
    answers = []
    for spec, theta0, eta, tol in cases:
        A = _quadratic(*spec)[0]
        answers.append((A, theta0, eta, tol, gd_steps_to_tol(A, np.array(theta0), eta, tol)))
    if not _attempted(answers[0][-1], "gd_steps_to_tol"):
        return None
    for A, theta0, eta, tol, answer in answers:
        expected = _measured_steps(A, np.array(theta0), eta, tol)
        assert (answer is None and expected is None) or \
            (answer is not None and expected is not None and int(answer) == expected), (
            f"A with eigenvalues {np.linalg.eigvalsh(A).round(3)}, θ0 = {theta0}, η = {eta}, "
            f"tol = {tol:g}: you said {answer}, GD reaches f ≤ tol at step {expected}. In A's "
            "eigenbasis the gap is ½ Σ λᵢ cᵢ² (1 − ηλᵢ)^(2t) with c = Qᵀθ0")
    return _report("gd_steps_to_tol")


def _score_cases():
    booth = objectives.get("booth")
    quad = objectives.get("quadratic", A=((2.0, 0.0), (0.0, 1.0)))
    return [run(optimizers.sgd(lr=0.05), booth, None, 40),                 # converges
            run(optimizers.sgd(lr=1e-4), booth, None, 30),                 # crawls
            run(optimizers.newton(), quad, (1.0, -1.0), 5),                # exact 0: the floor
            run(optimizers.get("nadam", lr=1.0), "rosenbrock", None, 150),  # ends above its start
            run(optimizers.sgd(lr=2.0), booth, None, 30),                  # diverges upward
            run(optimizers.sgd(lr=0.1), "saddle", None, 200)]              # … and downward


def check_mean_log10_gap(mean_log10_gap):
    """Exercise: the race's score, the mean of log10(f − f*) floored at 1e-16, +∞ for a
    diverged run or one ending above its start; checked against the runner's score."""
    for traj in _score_cases():
        f_min = traj.f_min if traj.f_min is not None else 0.0   # unknown f*: score f itself
        answer = mean_log10_gap(traj.fs.copy(), f_min, traj.diverged)
        if not _attempted(answer, "mean_log10_gap"):
            return None
        expected = score_trajectory(traj, "log")
        ok = (math.isinf(expected) and answer == expected) or \
            (math.isfinite(expected) and math.isclose(float(answer), expected, rel_tol=1e-12,
                                                      abs_tol=1e-12))
        assert ok, (f"{traj!r}: you returned {answer}, the race scores it {expected}. Mean of "
                    "log10(max(f − f*, 1e-16)) over every step, +inf if it diverged or ends "
                    "above where it started")
    return _report("mean_log10_gap")


def check_race_lr(race_lr):
    """Exercise: the grid value ``helpers.tune(score="log")`` picks for GD on ½θᵀAθ,
    predicted from the closed form."""
    grid = list(np.logspace(-4, 0, 9))
    cases = [((10.0, 30.0, 0.5), (-4.0, 2.0), grid, 100),
             ((100.0, 20.0, 0.01), (2.0, 2.0), grid, 60),
             ((3.0, 70.0, 3.0), (0.5, -1.0), grid, 30),
             ((10.0, 30.0, 0.5), (-4.0, 2.0), [0.05, 0.2, 0.3, 0.39], 20),
             # a short race can reward an unstable η whose steep mode starts tiny
             ((10.0, 0.0, 0.5), (3.0, 0.01), [0.1, 0.3, 0.41], 20),
             # η = 1/L kills the steep mode at once: the best mean, though not the best end
             ((10.0, 0.0, 0.5), (0.1, 3.43), [0.1, 0.2, 0.3, 0.39], 19)]
    for (kappa, angle, mu), theta0, grid_, steps in cases:
        A, obj = _quadratic(kappa, angle, mu)
        answer = race_lr(A, np.array(theta0), list(grid_), steps)
        if not _attempted(answer, "race_lr"):
            return None
        expected = tune("sgd", obj, np.array(theta0), steps, grid_, score="log").lr
        assert math.isclose(float(answer), expected, rel_tol=1e-12), (
            f"κ = {kappa:g}, μ = {mu:g}, {steps} steps: you picked η = {answer:.4g}, the race "
            f"picks {expected:.4g}. Score each η by the mean of log10 of "
            "½ Σ λᵢ cᵢ² (1 − ηλᵢ)^(2t)")
    return _report("race_lr")
