import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import dashboard  # noqa: E402
from helpers.exercises import dashboard as exercises  # noqa: E402


def _edge_by_bisection(objective, steps=1000, iters=16):
    def grows(eta):
        (e,) = dashboard.run(objective, {"sgd": {"lr": eta}}, steps=steps)
        return e.trajectory.diverged or e.trajectory.fs[-1] > e.trajectory.fs[0]

    lo, hi = 0.0, 1.0
    while not grows(hi):
        hi *= 2
    for _ in range(iters):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if grows(mid) else (mid, hi)
    return lo


def _largest_eigenvalue(q):
    return np.linalg.eigvalsh(q.hess(q.minima[0])).max()


def test_stability_edge_accepts_the_bound_and_bisection_and_rejects_near_misses(capsys):
    assert exercises.check_stability_edge(lambda q: 2 / _largest_eigenvalue(q))
    assert exercises.check_stability_edge(_edge_by_bisection)
    with pytest.raises(AssertionError, match="stable"):
        exercises.check_stability_edge(lambda q: 1 / _largest_eigenvalue(q))
    with pytest.raises(AssertionError):   # the optimal step 2/(L+μ), not the edge
        exercises.check_stability_edge(
            lambda q: 2 / np.linalg.eigvalsh(q.hess(q.minima[0])).sum())
    with pytest.raises(AssertionError):   # the flag alone: a growing run within budget is "ok"
        exercises.check_stability_edge(_flag_only_edge)
    assert exercises.check_stability_edge(lambda q: None) is None
    assert "not attempted" in capsys.readouterr().out


def _flag_only_edge(objective, steps=100, iters=16):
    lo, hi = 0.0, 2.0
    for _ in range(iters):
        mid = (lo + hi) / 2
        (e,) = dashboard.run(objective, {"sgd": {"lr": mid}}, steps=steps)
        lo, hi = (lo, mid) if e.trajectory.diverged else (mid, hi)
    return lo


def test_adam_settings_need_more_than_a_tuned_learning_rate():
    assert exercises.check_adam_settings(lambda: {"lr": 0.03, "beta1": 0.9, "beta2": 0.9})
    with pytest.raises(AssertionError, match="better"):           # the default η crawls
        exercises.check_adam_settings(lambda: {})
    (tuned,) = dashboard.run("rosenbrock", ["adam"], steps=300, tune=True)
    with pytest.raises(AssertionError, match="better"):           # tuned η, default β's
        exercises.check_adam_settings(lambda: {"lr": tuned.lr})
    with pytest.raises(AssertionError, match="diverged"):
        exercises.check_adam_settings(lambda: {"lr": 1e6})
    with pytest.raises(AssertionError, match="dict"):
        exercises.check_adam_settings(lambda: 0.03)
    assert exercises.check_adam_settings(lambda: None) is None


def _predicted(A, theta0, eta, T, floor=1e-16, base=10.0, start=0, half=True):
    lam, V = np.linalg.eigh(A)
    c = V.T @ theta0
    t = np.arange(start, T + 1)[:, None]
    with np.errstate(all="ignore"):
        gap = ((0.5 if half else 1.0) * lam * c**2 * (1 - eta * lam) ** (2 * t)).sum(axis=1)
    if not gap[-1] <= gap[0] or not np.all(np.isfinite(gap)):
        return np.inf
    return float(np.mean(np.log(np.maximum(gap, floor)) / np.log(base)))


def test_predicted_score_is_checked_against_the_dashboard():
    assert exercises.check_predicted_score(_predicted)
    for wrong in (lambda *a: _predicted(*a, floor=0.0),        # forgets the floor
                  lambda *a: _predicted(*a, base=np.e),        # natural log
                  lambda *a: _predicted(*a, start=1),          # leaves out t = 0
                  lambda *a: _predicted(*a, half=False)):      # f = θᵀAθ, not ½θᵀAθ
        with pytest.raises(AssertionError, match="dashboard scores"):
            exercises.check_predicted_score(wrong)
    assert exercises.check_predicted_score(lambda *a: None) is None
