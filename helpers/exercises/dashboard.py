"""Exercise checks for 05_visualizations/04_optimizer_dashboard."""
from __future__ import annotations

import math

import numpy as np

from .. import dashboard, objectives
from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_stability_edge", "check_adam_settings", "check_predicted_score"]


def check_stability_edge(stability_edge):
    """Exercise: ``stability_edge(objective)`` is the supremum of the GD step sizes that do
    not blow up on a quadratic objective, to 0.1 %; checked against 2 / λ_max(A)."""
    for kappa, angle in ((10.0, 30.0), (50.0, -20.0)):
        q = objectives.get("ill_conditioned", kappa=kappa, angle=angle)
        answer = stability_edge(q)
        if not _attempted(answer, "stability_edge"):
            return None
        expected = 2 / np.linalg.eigvalsh(q.hess(q.minima[0])).max()
        assert math.isclose(float(answer), expected, rel_tol=1e-3), (
            f"κ={kappa:g}: you found η = {float(answer):.6g}, but GD on this quadratic is stable "
            f"exactly for η < {expected:.6g}; a run that does not blow up within the budget can "
            "still grow — compare its last loss with its first")
    return _report("stability_edge")


def check_adam_settings(adam_settings, steps=300, factor=1000.0):
    """Exercise: ``adam_settings()`` returns Adam's hyper-parameters with which Adam ends
    ``steps`` steps on Rosenbrock (standard start) at least ``factor`` times closer to f*
    than GD with its η tuned on the dashboard's grid."""
    settings = adam_settings()
    if not _attempted(settings, "adam_settings"):
        return None
    assert isinstance(settings, dict), "return a dict of Adam's hyper-parameters, e.g. {'lr': …}"
    gd, adam = dashboard.run("rosenbrock", {"sgd": {}, "adam": dict(settings)}, steps=steps,
                             tune=["sgd"])
    t = adam.trajectory
    assert not t.diverged, f"Adam with {settings} diverged at step {t.diverged_at}"
    gap_gd, gap_adam = gd.trajectory.gap()[-1], t.gap()[-1]
    assert gap_adam * factor <= gap_gd, (
        f"after {steps} steps GD (η={gd.lr:.3g}, tuned) has f − f* = {gap_gd:.3g} and Adam with "
        f"{settings} has {gap_adam:.3g}: only {gap_gd / gap_adam:.3g}× better, not {factor:g}×; "
        "try the dashboard with Adam's η and β's")
    return _report("adam_settings")


def _log_score(A, theta0, eta, T):
    """The dashboard's own score of GD with a fixed η (its entry's only score)."""
    q = objectives.get("quadratic", A=A, x0=theta0)
    (entry,) = dashboard.run(q, {"sgd": {"lr": eta}}, steps=T)
    return entry.scores[None]


def check_predicted_score(predicted_score):
    """Exercise: ``predicted_score(A, theta0, eta, T)`` is the dashboard's 'log' score of GD
    on ½θᵀAθ from θ0 for T steps — computed from A's eigen-decomposition, without running
    GD; +inf when the run blows up or ends above its start. Checked against the dashboard."""
    cases = [(((1.0, 0.0), (0.0, 10.0)), (-4.0, 2.0), 0.05, 60),
             (((3.0, 1.0), (1.0, 2.0)), (1.0, -1.0), 0.3, 40),
             (((0.5, 0.2), (0.2, 4.0)), (2.0, 2.0), 0.6, 80),     # η > 2/L: blows up
             (((0.5, 0.2), (0.2, 4.0)), (2.0, 2.0), 0.51, 80),    # grows, ends above its start
             (((1.0, 0.0), (0.0, 10.0)), (-4.0, 2.0), 0.19, 200)]  # gap reaches the 1e-16 floor
    for A, theta0, eta, T in cases:
        answer = predicted_score(np.array(A), np.array(theta0), eta, T)
        if not _attempted(answer, "predicted_score"):
            return None
        expected = _log_score(A, theta0, eta, T)
        same = (math.isinf(expected) and answer == expected) or (
            math.isfinite(expected) and math.isclose(float(answer), expected, rel_tol=1e-9,
                                                     abs_tol=1e-12))
        assert same, (f"A={A}, θ0={theta0}, η={eta}, T={T}: you predicted {answer!r}, the "
                      f"dashboard scores {expected!r} — the mean of log10(f(θ_t) − f*) over "
                      "t = 0..T, each floored at 1e-16")
    return _report("predicted_score")
