import numpy as np
import pytest
import sympy as sp
from scipy import optimize

from helpers import geometry, objectives


def census(name):
    obj = objectives.get(name)
    points = geometry.critical_points(obj)
    kinds = [geometry.classify(obj.hess(p)) for p in points]
    return obj, points, {k: kinds.count(k) for k in geometry.KINDS if k in kinds}


@pytest.mark.parametrize("name, expected", [
    ("himmelblau", {"minimum": 4, "saddle": 4, "maximum": 1}),
    ("six_hump_camel", {"minimum": 6, "saddle": 7, "maximum": 2}),
    ("styblinski_tang", {"minimum": 4, "saddle": 4, "maximum": 1}),   # needs c > 1 to separate
    ("beale", {"minimum": 1, "saddle": 2}),
    ("rosenbrock", {"minimum": 1}),
    ("booth", {"minimum": 1}),
    ("saddle", {"saddle": 1}),
    ("monkey_saddle", {"degenerate": 1}),                                # a triple root, found once
])
def test_critical_points_are_complete_exact_and_classified(name, expected):
    obj, points, counts = census(name)
    assert counts == expected
    for p in points:                                                     # critical to rounding
        assert np.linalg.norm(obj.grad(p)) <= 1e-12 * max(1.0, np.abs(obj.hess(p)).max())
    for m in obj.minima:                                                 # the registry's minima
        assert np.abs(points - m).max(axis=1).min() < 1e-12
    values = [obj.f(p) for p in points]
    assert values == sorted(values)


def test_critical_points_agree_with_scipy_and_a_dense_newton_search():
    obj = objectives.get("six_hump_camel")
    points = geometry.critical_points(obj)
    for p in points:
        root = optimize.root(obj.grad, p + 1e-3, jac=obj.hess, tol=1e-12)
        assert root.success and np.linalg.norm(root.x - p) < 1e-10
    (x0, x1), (y0, y1) = obj.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, 40), np.linspace(y0, y1, 40))
    starts = np.stack([X.ravel(), Y.ravel()], axis=1)
    found = geometry.newton_critical_points(*geometry.batched(obj), starts)
    assert len(found) == len(points)
    assert all(np.abs(points - f).max(axis=1).min() < 1e-8 for f in found)


def test_critical_points_in_more_dimensions_and_edge_cases():
    assert np.allclose(geometry.critical_points(objectives.get("rosenbrock", n=3)), [[1, 1, 1]])
    x, y = sp.symbols("x y", real=True)
    none = objectives.from_expr(x + y**2, (x, y))                        # ∂f/∂x = 1: none
    assert geometry.critical_points(none).shape == (0, 2)
    complex_only = objectives.from_expr(x**4 / 4 + x + y**2, (x, y))    # x³ = −1: 1 real of 3
    assert np.allclose(geometry.critical_points(complex_only), [[-1, 0]])
    with pytest.raises(ValueError, match="infinitely many"):
        geometry.critical_points(objectives.from_expr((x - y)**2, (x, y)))
    with pytest.raises(ValueError, match="polynomial"):
        geometry.critical_points("rastrigin")


def test_classify_and_index():
    assert geometry.classify(np.diag([1.0, 2.0])) == "minimum"
    assert geometry.classify(np.diag([-1.0, -2.0])) == "maximum"
    assert geometry.classify(np.diag([-1.0, 0.0, 2.0])) == "saddle"      # indefinite: conclusive
    assert geometry.classify(np.diag([0.0, 2.0])) == "degenerate"
    assert geometry.classify(np.zeros((2, 2))) == "degenerate"
    assert geometry.classify(np.diag([1e-12, 1.0])) == "degenerate"      # relative tolerance
    assert geometry.classify(np.diag([1e-12, 1.0]), tol=0) == "minimum"
    stack = np.array([np.diag([1.0, 2.0]), np.diag([1.0, -2.0]), -np.eye(2)])
    assert list(geometry.classify(stack)) == ["minimum", "saddle", "maximum"]
    assert list(geometry.index(stack)) == [0, 1, 2] and geometry.index(np.diag([-1.0, 3, -2])) == 2
    with pytest.raises(ValueError, match="square"):
        geometry.classify(np.ones((2, 3)))
    with pytest.raises(ValueError, match="symmetric"):
        geometry.index(np.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="tol"):
        geometry.classify(np.eye(2), tol=-1)


def test_condition_map():
    valley = geometry.condition_map("elongated_valley", resolution=20)
    assert np.allclose(valley.kappa, 100) and not valley.index.any()
    rosen = geometry.condition_map("rosenbrock", resolution=61)
    X, Y = rosen.X, rosen.Y
    away = np.abs(Y - X**2 - 1 / 200) > 1e-9
    assert np.array_equal((rosen.index == 1)[away], (Y > X**2 + 1 / 200)[away])  # det H < 0 there
    H = np.moveaxis(objectives.get("rosenbrock").hess(np.stack([X, Y])), (0, 1), (-2, -1))
    assert np.allclose(rosen.eigenvalues, np.linalg.eigvalsh(H))
    with pytest.raises(ValueError, match="2-D"):
        geometry.condition_map(objectives.get("rosenbrock", n=3))
    with pytest.raises(ValueError, match="window"):
        geometry.condition_map(objectives.from_expr(sp.Symbol("x")**2 + sp.Symbol("y")**2,
                                                    sp.symbols("x y")))
    with pytest.raises(ValueError, match="resolution"):
        geometry.condition_map("rosenbrock", resolution=1)


def test_newton_search_and_deduplication():
    pts = np.array([[0.0, 0.0], [1e-9, 0.0], [1.0, 1.0], [1.0, 1.0 + 5e-8], [2.0, 0.0]])
    assert np.allclose(geometry.unique_points(pts), [[0, 0], [1, 1], [2, 0]])
    assert geometry.unique_points(np.zeros((0, 3))).shape == (0, 3)
    with pytest.raises(ValueError, match="shape"):
        geometry.unique_points(np.zeros(3))
    monkey = objectives.get("monkey_saddle")                              # H = 0 at a start: pinv
    found = geometry.newton_critical_points(*geometry.batched(monkey), [[0.0, 0.0], [0.3, -0.2]],
                                            iters=80, gtol=1e-8)
    assert np.allclose(found, [[0, 0]], atol=1e-4)
    cliff = objectives.get("cliff")                                       # divergent: dropped
    found = geometry.newton_critical_points(*geometry.batched(cliff), [[2.5, 0.5], [20.0, 5.0]])
    assert all(np.linalg.norm(cliff.grad(p)) < 1e-10 for p in found)
    with pytest.raises(ValueError, match="starts"):
        geometry.newton_critical_points(*geometry.batched(cliff), np.zeros(2))
