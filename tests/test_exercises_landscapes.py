import numpy as np
import pytest

from helpers import landscape, objectives
from helpers.exercises import landscapes as exercises


# ------------------------------------------------------------------ exercise 1
def _filter_normalize(axis=1, zero_bias=True):
    def solution(weights, direction):
        out = []
        for (W, _), (D, c) in zip(weights, direction):
            D = D * np.linalg.norm(W, axis=axis, keepdims=True) / np.linalg.norm(D, axis=axis,
                                                                               keepdims=True)
            out.append((D, np.zeros_like(c) if zero_bias else c))
        return out
    return solution


def test_filter_normalize_accepts_rows_and_rejects_near_misses(capsys):
    assert exercises.check_filter_normalize(_filter_normalize())
    with pytest.raises(AssertionError, match="row"):            # columns instead of rows
        exercises.check_filter_normalize(_filter_normalize(axis=0))
    with pytest.raises(AssertionError, match="row"):            # one norm per layer (Li's 'layer')
        exercises.check_filter_normalize(_filter_normalize(axis=None))
    with pytest.raises(AssertionError, match="bias"):           # biases kept
        exercises.check_filter_normalize(_filter_normalize(zero_bias=False))
    assert exercises.check_filter_normalize(lambda w, d: None) is None
    assert "not attempted" in capsys.readouterr().out


def test_filter_normalize_matches_the_library_on_a_network():
    from helpers import mlp

    net = mlp.MLP((5, 4, 3))
    theta = net.init(0, bias=0.2)
    d = landscape.filter_normalized_direction(net, theta, rng=1)
    raw = net.unflatten(np.random.default_rng(1).standard_normal(net.size))
    ours = net.flatten(_filter_normalize()(net.unflatten(theta), raw))
    np.testing.assert_allclose(ours, d, rtol=1e-9)


# ------------------------------------------------------------------ exercise 2
def test_camel_has_fifteen_critical_points_of_the_right_kinds():
    camel = objectives.get("six_hump_camel")
    points = exercises.camel_critical_points()
    kinds = [exercises.hessian_type(camel, p) for p in points]
    assert len(points) == 15 and all(np.linalg.norm(camel.grad(p)) < 1e-9 for p in points)
    assert (kinds.count("minimum"), kinds.count("saddle"), kinds.count("maximum")) == (6, 7, 2)
    assert len(exercises.camel_minima()) == 6


def test_classify_point_accepts_the_hessian_test_and_rejects_shortcuts():
    def solution(objective, point, tol=1e-8):
        ev = np.linalg.eigvalsh(objective.hess(np.asarray(point, dtype=float)))
        if np.min(np.abs(ev)) <= tol * max(1.0, np.max(np.abs(ev))):
            return "degenerate"
        return "minimum" if ev[0] > 0 else "maximum" if ev[-1] < 0 else "saddle"

    def no_degenerate(objective, point):                        # a zero eigenvalue counted as > 0
        ev = np.linalg.eigvalsh(objective.hess(np.asarray(point, dtype=float)))
        return "minimum" if ev[0] >= 0 else "maximum" if ev[-1] <= 0 else "saddle"

    def determinant_only(objective, point):                     # det > 0 cannot tell min from max
        H = objective.hess(np.asarray(point, dtype=float))
        d = np.linalg.det(H)
        return "minimum" if d > 1e-9 else "saddle" if d < -1e-9 else "degenerate"

    assert exercises.check_classify_point(solution)
    for wrong in (no_degenerate, determinant_only):
        with pytest.raises(AssertionError, match="it is a"):
            exercises.check_classify_point(wrong)
    assert exercises.check_classify_point(lambda o, p: None) is None


# ------------------------------------------------------------------ exercise 3
def _basin_fraction(any_minimum=False, endpoint=True):
    def solution(objective, eta, steps, n):
        (a0, a1), (b0, b1) = objective.bounds
        P, Q = np.meshgrid(np.linspace(a0, a1, n, endpoint=endpoint),
                           np.linspace(b0, b1, n, endpoint=endpoint))
        theta = np.c_[P.ravel(), Q.ravel()].T
        with np.errstate(all="ignore"):
            for _ in range(steps):
                theta = theta - eta * objective.grad(theta)
        labels = landscape.classify(objective, theta.T, tol=1e-3)
        if any_minimum:
            return np.mean(labels >= 0)
        best = [i for i, m in enumerate(objective.minima)
                if objective.f(m) <= objective.f_min + 1e-9]
        return np.mean(np.isin(labels, best))
    return solution


def test_basin_fraction_is_checked_against_multistart_gd():
    assert exercises.check_basin_fraction(_basin_fraction())
    with pytest.raises(AssertionError, match="global minimizer"):   # every listed minimum counted
        exercises.check_basin_fraction(_basin_fraction(any_minimum=True))
    with pytest.raises(AssertionError, match="global minimizer"):   # the window's far edge left out
        exercises.check_basin_fraction(_basin_fraction(endpoint=False))
    assert exercises.check_basin_fraction(lambda *a: None) is None


def test_expected_basin_fraction_of_styblinski_tang_is_the_separable_one():
    # GD with a small step stays in [−5, x_m) per coordinate, x_m ≈ 0.1567 the 1-D maximum
    frac = exercises.expected_basin_fraction(objectives.get("styblinski_tang"), 0.01, 400, 41)
    assert abs(frac - ((0.1567 + 5) / 10) ** 2) < 2 / 41
