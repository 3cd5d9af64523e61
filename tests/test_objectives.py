import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import rosen, rosen_der, rosen_hess

from helpers import checks, objectives


def _point(obj, u):
    """A point inside the objective's plotting window from unit-cube coordinates ``u``."""
    lo, hi = np.array(obj.bounds).T
    return lo + np.asarray(u) * (hi - lo)


unit = st.lists(st.floats(0.02, 0.98), min_size=2, max_size=2)


@pytest.mark.parametrize("name", objectives.available())
@settings(max_examples=15, deadline=None)
@given(u=unit)
def test_gradient_and_hessian_match_finite_differences(name, u):
    obj = objectives.get(name)
    x = _point(obj, u)
    assume(name != "ackley" or np.linalg.norm(x) > 1e-3)  # Ackley's minimum is a cone tip
    assert checks.grad_error(obj, x) < 1e-6
    assert checks.hess_error(obj, x) < 1e-5


@pytest.mark.parametrize("n", [2, 5, 30])
def test_rosenbrock_matches_scipy(n):
    obj = objectives.get("rosenbrock", n=n)
    rng = np.random.default_rng(n)
    for x in rng.uniform(-2, 2, size=(5, n)):
        assert obj.f(x) == pytest.approx(rosen(x), rel=1e-13)
        np.testing.assert_allclose(obj.grad(x), rosen_der(x), rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(obj.hess(x), rosen_hess(x), rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("name", objectives.available())
def test_minima_are_critical_points_with_the_stated_value(name):
    obj = objectives.get(name)
    for m in obj.minima:
        if name != "ackley":                   # not differentiable at its minimum
            assert np.linalg.norm(obj.grad(m)) < 1e-9
            assert np.all(np.linalg.eigvalsh(obj.hess(m)) > 0)
        assert obj.f(m) == pytest.approx(obj.f_min, abs=1e-9)
    assert obj.f(obj.x0) > (obj.f_min if obj.f_min is not None else -np.inf)


def test_known_minimum_values():
    assert objectives.get("six_hump_camel").f_min == pytest.approx(-1.0316284535, abs=1e-9)
    assert objectives.get("styblinski_tang").f_min == pytest.approx(-39.16616570 * 2, abs=1e-6)
    assert len(objectives.get("himmelblau").minima) == 4
    assert objectives.get("saddle").minima == () and objectives.get("saddle").f_min is None


def test_grid_evaluation_broadcasts():
    obj = objectives.get("rosenbrock")
    X, Y = np.meshgrid(np.linspace(-2, 2, 7), np.linspace(-1, 3, 5))
    F = obj.f(np.stack([X, Y]))
    assert F.shape == (5, 7) and F[2, 3] == pytest.approx(obj.f([X[2, 3], Y[2, 3]]))
    assert obj.grad(np.stack([X, Y])).shape == (2, 5, 7)
    assert obj.hess(np.stack([X, Y])).shape == (2, 2, 5, 7)  # constant entries broadcast too


def test_from_expr_and_polish():
    x, y = sp.symbols("x y")
    obj = objectives.from_expr((x - 1) ** 4 + (x - 1) ** 2 + 3 * (y + 2) ** 2, (x, y),
                               minima=[(1.1, -1.9)])
    np.testing.assert_allclose(obj.minima[0], [1, -2], atol=1e-8)
    assert obj.f_min == pytest.approx(0, abs=1e-15)
    with pytest.raises(ValueError, match="coordinates"):
        obj.f([1.0, 2.0, 3.0])


def test_quadratic_constructors():
    A = objectives.rotated_quadratic_matrix(kappa=50, angle=30)
    assert np.linalg.cond(A) == pytest.approx(50)
    obj = objectives.get("ill_conditioned", kappa=50, angle=30)
    np.testing.assert_allclose(obj.hess(obj.x0), A, atol=1e-12)
    assert obj.params["kappa"] == pytest.approx(50)
    big = objectives.get("ill_conditioned", kappa=100, n=6)
    assert big.dim == 6 and np.linalg.cond(big.hess(big.x0)) == pytest.approx(100)
    q = objectives.get("quadratic", A=[[2.0, 0.5], [0.5, 1.0]], b=[1.0, -1.0])
    np.testing.assert_allclose(q.minima[0], np.linalg.solve([[2, 0.5], [0.5, 1]], [1, -1]))
    with pytest.raises(ValueError, match="symmetric"):
        objectives.get("quadratic", A=[[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="kappa"):
        objectives.get("ill_conditioned", kappa=0.5)


def test_least_squares_matches_closed_form():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 3)), rng.standard_normal(40)
    obj = objectives.least_squares(X, y, l2=0.1)
    th = rng.standard_normal(3)
    assert obj.f(th) == pytest.approx(np.sum((X @ th - y) ** 2) / 80 + 0.05 * th @ th)
    np.testing.assert_allclose(obj.grad(th), X.T @ (X @ th - y) / 40 + 0.1 * th)
    np.testing.assert_allclose(obj.hess(th), X.T @ X / 40 + 0.1 * np.eye(3))
    idx = [0, 5, 7]
    np.testing.assert_allclose(obj.batch_grad(th, idx),
                               X[idx].T @ (X[idx] @ th - y[idx]) / 3 + 0.1 * th)
    assert np.linalg.norm(obj.grad(obj.minima[0])) < 1e-12
    with pytest.raises(ValueError, match="l2"):
        objectives.least_squares(X, y, l2=-1)


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(ValueError, match="available: .*rosenbrock"):
        objectives.get("rosenbrok")
    with pytest.raises(ValueError, match="n must be"):
        objectives.get("rosenbrock", n=1)
    with pytest.raises(ValueError, match="unexpected keyword"):
        objectives.get("beale", n=3)


# ------------------------------------------------------------------ residuals and the Fisher
@pytest.mark.parametrize("name", ["rosenbrock", "beale", "himmelblau", "booth", "elongated_valley"])
def test_sums_of_squares_carry_residuals_and_a_gauss_newton_fisher(name):
    obj = objectives.get(name)
    x = obj.x0 + 0.3
    r, J = obj.residuals(x), obj.jac(x)
    assert obj.f(x) == pytest.approx(r @ r, rel=1e-12)
    np.testing.assert_allclose(obj.grad(x), 2 * J.T @ r, atol=1e-10 * max(1, abs(obj.f(x))))
    F = obj.fisher(x)
    np.testing.assert_allclose(F, 2 * J.T @ J)
    assert np.linalg.eigvalsh(F).min() >= -1e-12
    # at a zero-residual minimum, the Gauss–Newton matrix is the Hessian
    m = obj.minima[0]
    np.testing.assert_allclose(obj.fisher(m), obj.hess(m), atol=1e-8)


def test_fisher_of_quadratics_and_objectives_without_one():
    q = objectives.get("ill_conditioned", kappa=50)
    np.testing.assert_allclose(q.fisher(q.x0), q.hess(q.x0))
    np.testing.assert_allclose(objectives.get("rosenbrock", n=6).fisher(np.ones(6)).shape, (6, 6))
    with pytest.raises(ValueError, match="rastrigin has no Fisher"):
        objectives.get("rastrigin").fisher(np.zeros(2))
    a, b = sp.symbols("a b")
    with pytest.raises(ValueError, match="do not sum"):
        objectives.from_expr(a**2 + b**2, (a, b), residuals=[a, 2 * b])
