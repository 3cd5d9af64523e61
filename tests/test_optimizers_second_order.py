"""Newton (damped), trust-region Newton, Gauss–Newton and Levenberg–Marquardt
(helpers/optimizers/second_order.py), checked against scipy.optimize and exact computations."""
import types

import numpy as np
import pytest
from scipy.optimize import least_squares, minimize
from scipy.optimize._trustregion import _minimize_trust_region
from scipy.optimize._trustregion_exact import IterativeSubproblem

from helpers import data, objectives, optimizers, run


def lre(b, certified):
    """Log relative error: the number of correct significant digits."""
    return float(np.min(-np.log10(np.abs(np.asarray(b) - certified) / np.abs(certified) + 1e-300)))


def model(g, H, p):
    return float(g @ p + 0.5 * p @ H @ p)


# ------------------------------------------------------------------ registry and validation
def test_registry_and_defaults():
    assert {"newton", "trust_region", "gauss_newton", "levenberg_marquardt"} <= set(
        optimizers.available())
    assert optimizers.hyperparameters("newton") == dict(lr=1.0, damping=0.0)
    assert optimizers.hyperparameters("trust_region") == dict(
        radius=1.0, subproblem="exact", max_radius=1000.0, accept=0.15)   # scipy's defaults
    assert optimizers.hyperparameters("levenberg_marquardt") == dict(
        damping=1e-3, scaling="marquardt", update="nielsen")
    assert optimizers.get("trust_region", subproblem="dogleg").hyper["subproblem"] == "dogleg"


@pytest.mark.parametrize("name, hyper, bad", [
    ("newton", dict(damping=-1.0), "damping"), ("newton", dict(lr=-1.0), "lr"),
    ("trust_region", dict(radius=0.0), "radius"), ("trust_region", dict(radius=-1.0), "radius"),
    ("trust_region", dict(max_radius=0.0), "max_radius"),
    ("trust_region", dict(radius=2.0, max_radius=1.0), "radius"),
    ("trust_region", dict(accept=0.25), "accept"), ("trust_region", dict(accept=-0.1), "accept"),
    ("trust_region", dict(subproblem="steihaug"), "subproblem"),
    ("gauss_newton", dict(lr=float("nan")), "lr"),
    ("levenberg_marquardt", dict(damping=0.0), "damping"),
    ("levenberg_marquardt", dict(scaling="moré"), "scaling"),
    ("levenberg_marquardt", dict(update="x10"), "update"),
])
def test_invalid_hyper_parameters_name_themselves(name, hyper, bad):
    with pytest.raises(ValueError, match=f"invalid {bad}="):
        optimizers.get(name, **hyper)


@pytest.mark.parametrize("opt, needs", [
    (optimizers.trust_region(), "hess"), (optimizers.gauss_newton(), "residuals"),
    (optimizers.levenberg_marquardt(), "residuals")])
def test_curvature_methods_say_what_they_need(opt, needs):
    theta = np.ones(2)
    with pytest.raises(ValueError, match=needs):
        opt.update(np.ones(2), opt.init(theta), theta, None)
    if needs == "residuals":                              # Rastrigin is not written as Σ r²
        with pytest.raises(ValueError, match="residuals"):
            opt.update(np.ones(2), opt.init(theta), theta, objectives.get("rastrigin"))


# ------------------------------------------------------------------ Newton and damping
def test_newton_default_is_unchanged_and_damping_interpolates_to_gd():
    obj = objectives.get("rosenbrock")
    theta = np.array([-1.2, 1.0])
    g, H = obj.grad(theta), obj.hess(theta)
    plain = optimizers.newton()
    np.testing.assert_array_equal(plain.update(g, plain.init(theta), theta, obj)[0],
                                  theta - np.linalg.solve(H, g))
    big = 1e9
    damped = optimizers.newton(damping=big)
    step = theta - damped.update(g, damped.init(theta), theta, obj)[0]
    np.testing.assert_allclose(step * big, g, rtol=1e-5)          # δ → ∞: GD with η = 1/δ


def test_damped_newton_rate_on_a_quadratic_is_delta_over_lambda_plus_delta():
    q = objectives.get("ill_conditioned", kappa=100.0, angle=30.0)   # eigenvalues 1 and 100
    for delta in (0.5, 3.0, 40.0):
        e = run(optimizers.newton(damping=delta), q, steps=40).distance()
        assert (e[-1] / e[20]) ** (1 / 20) == pytest.approx(delta / (1 + delta), rel=1e-7)


# ------------------------------------------------------------------ subproblems
def random_problem(rng, n, hard=False):
    Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
    lam = rng.uniform(-3, 5, n)
    H, g = Q @ np.diag(lam) @ Q.T, rng.standard_normal(n)
    if hard:
        q = Q[:, np.argmin(lam)]
        g = g - q * (q @ g)
    return g, H


def test_exact_subproblem_satisfies_the_optimality_conditions():
    rng = np.random.default_rng(0)
    for trial in range(400):
        n = int(rng.integers(2, 8))
        g, H = random_problem(rng, n, hard=trial % 4 == 0)
        radius = 10 ** rng.uniform(-2, 1.5)
        p, boundary = optimizers.exact_subproblem(g, H, radius)
        delta = max(0.0, -(g + H @ p) @ p / (p @ p))
        assert np.abs((H + delta * np.eye(n)) @ p + g).max() < 1e-9
        assert np.linalg.eigvalsh(H)[0] + delta > -1e-9
        assert np.linalg.norm(p) <= radius * (1 + 1e-10)
        assert delta * (radius - np.linalg.norm(p)) < 1e-9
        assert np.isclose(np.linalg.norm(p), radius) if boundary else delta < 1e-9


def test_exact_subproblem_beats_every_point_of_the_disk_and_orders_the_solvers():
    rng = np.random.default_rng(1)
    r, a = np.meshgrid(np.linspace(0, 1, 300), np.linspace(0, 2 * np.pi, 1441))
    disk = np.stack([r * np.cos(a), r * np.sin(a)]).reshape(2, -1)
    for trial in range(60):
        g, H = random_problem(rng, 2, hard=trial % 5 == 0)
        radius = 10 ** rng.uniform(-1.5, 1)
        m = {name: model(g, H, fn(g, H, radius)[0]) for name, fn in (
            ("exact", optimizers.exact_subproblem), ("dogleg", optimizers.dogleg),
            ("cauchy", optimizers.cauchy_point))}
        grid = radius * disk
        brute = (g @ grid + 0.5 * np.einsum("ik,ij,jk->k", grid, H, grid)).min()
        assert m["exact"] <= brute + 1e-12
        assert m["exact"] - 1e-12 <= m["dogleg"] <= m["cauchy"] + 1e-12


def test_hard_case_and_zero_gradient_step_along_negative_curvature():
    H, g = np.diag([-1.0, 2.0]), np.array([0.0, 1.0])    # g ⟂ q_min, ‖p(1)‖ = 1/3 < Δ
    p, boundary = optimizers.exact_subproblem(g, H, 1.0)
    assert boundary and np.isclose(np.linalg.norm(p), 1.0)
    np.testing.assert_allclose(p[1], -1 / 3)
    assert np.isclose(abs(p[0]), np.sqrt(1 - 1 / 9))
    p0, _ = optimizers.exact_subproblem(np.zeros(2), H, 0.5)   # at a saddle: go downhill
    np.testing.assert_allclose(np.abs(p0), [0.5, 0.0], atol=1e-15)


def test_cauchy_point_and_dogleg_special_cases():
    H = np.diag([1.0, -1.0])
    p, boundary = optimizers.cauchy_point(np.array([1.0, 1.0]), H, 0.7)   # gᵀHg = 0
    assert boundary and np.allclose(p, -0.7 * np.array([1.0, 1.0]) / np.sqrt(2))
    p, boundary = optimizers.cauchy_point(np.array([1.0, 0.0]), np.eye(2), 10.0)
    assert not boundary and np.allclose(p, [-1.0, 0.0])
    np.testing.assert_array_equal(optimizers.dogleg(np.ones(2), H, 0.7)[0],
                                  optimizers.cauchy_point(np.ones(2), H, 0.7)[0])
    assert optimizers.dogleg(np.array([1.0, 2.0]), np.diag([2.0, 4.0]), 10.0)[1] is False


# ------------------------------------------------------------------ trust region vs scipy
def scipy_path(obj, x0, method, gtol=1e-9, radius=1.0):
    xs = [np.array(x0, dtype=float)]

    def record(intermediate_result):
        xs.append(intermediate_result.x.copy())

    fgh = dict(jac=obj.grad, hess=obj.hess, callback=record)
    if method == "tight":
        class Tight(IterativeSubproblem):
            MAXITER_DEFAULT = 200

            def __init__(self, *args, **kwargs):
                super().__init__(*args, k_easy=1e-13, k_hard=1e-13, **kwargs)

        res = _minimize_trust_region(obj.f, x0, subproblem=Tight, gtol=gtol,
                                     initial_trust_radius=radius, **fgh)
    else:
        res = minimize(obj.f, x0, method=method, **fgh,
                       options=dict(gtol=gtol, initial_trust_radius=radius))
    return np.array(xs), res


@pytest.mark.parametrize("name, x0, radius", [
    ("rosenbrock", (-1.5, 2.0), 1.0), ("rosenbrock", (-1.2, 1.0), 1.0),
    ("rosenbrock", (-1.5, 2.0), 0.1),
    ("himmelblau", (3.0, 3.0), 1.0), ("booth", (-8.0, -8.0), 2.0), ("rosenbrock", (2.0, 2.0), 5.0)])
def test_dogleg_reproduces_scipy_dogleg(name, x0, radius):
    obj = objectives.get(name)
    xs, res = scipy_path(obj, x0, "dogleg", radius=radius)
    assert res.success                                    # H stayed positive definite
    ours = run(optimizers.trust_region(radius, "dogleg"), obj, x0=x0, steps=500, tol=1e-9)
    assert ours.steps == res.nit
    assert np.abs(xs - ours.xs).max() < 1e-10


@pytest.mark.parametrize("name, x0", [
    ("rosenbrock", (-1.5, 2.0)), ("rosenbrock", (-1.2, 1.0)), ("himmelblau", (0.5, -1.0)),
    ("himmelblau", (-0.1, -0.6)), ("beale", (1.0, 1.5)), ("six_hump_camel", (-1.5, -0.5))])
def test_exact_matches_scipy_trust_exact(name, x0):
    obj = objectives.get(name)
    ours = run(optimizers.trust_region(), obj, x0=x0, steps=500, tol=1e-9)
    xs, _ = scipy_path(obj, x0, "tight")                  # scipy's own solver, tolerances tightened
    n = min(len(xs), len(ours.xs))                        # ±1 step: the last gradient is ≈ gtol
    assert abs(len(xs) - len(ours.xs)) <= 1 and np.abs(xs[:n] - ours.xs[:n]).max() < 1e-10
    _, res = scipy_path(obj, x0, "trust-exact")          # the public method: same minimizer
    assert np.abs(res.x - ours.x).max() < 1e-8 and abs(res.nit - ours.steps) <= 1
    assert ours.converged_at is not None                  # (scipy may stop on a noisy ρ first)


def test_trust_region_state_rejections_and_radius_rule():
    obj = objectives.get("himmelblau")
    opt = optimizers.trust_region(radius=2.0)
    theta = np.array([-0.1, -0.6])
    state = opt.init(theta)
    seen = []
    for _ in range(15):
        if np.linalg.norm(obj.grad(theta)) < 1e-9:
            break
        new, state2 = opt.update(obj.grad(theta), state, theta, obj)
        seen.append(state2.accepted)
        if state2.accepted:
            assert state2.rho > 0.15 and obj.f(new) < obj.f(theta)
        else:
            np.testing.assert_array_equal(new, theta)               # θ unchanged
            assert state2.radius == state.radius / 4
        if state2.rho > 0.75 and np.isclose(np.linalg.norm(state2.step), state.radius):
            assert state2.radius == min(2 * state.radius, 1000.0)
        theta, state = new, state2
    assert not all(seen) and obj.f(theta) < 1e-12


def test_trust_region_from_every_start_finds_a_minimum():
    obj = objectives.get("himmelblau")
    side = np.linspace(-4.5, 4.5, 7)
    for x0 in np.stack(np.meshgrid(side, side)).reshape(2, -1).T:
        t = run(optimizers.trust_region(), obj, x0=x0, steps=100, tol=1e-9)
        assert t.converged_at is not None and np.all(np.linalg.eigvalsh(obj.hess(t.x)) > 0)


# ------------------------------------------------------------------ least squares
def test_nist_data_reproduce_the_certified_values():
    for name in ("misra1a", "mgh09"):
        prob = data.nist(name)
        obj = prob.objective(2)
        res = least_squares(obj.residuals, obj.x0, jac=obj.jac, method="lm",
                            xtol=1e-15, ftol=1e-15, gtol=1e-15)
        assert lre(res.x, prob.certified) >= 7.5                # the data are typed in right
        assert lre(obj.minima[0], prob.certified) >= 10         # the polished minimum
        assert lre(obj.f_min, prob.residual_sum_of_squares) >= 10
        assert np.abs(obj.grad(obj.minima[0])).max() < 1e-9 * np.abs(obj.grad(obj.x0)).max()
    with pytest.raises(ValueError, match="unknown NIST"):
        data.nist("thurber1")
    with pytest.raises(ValueError, match="start"):
        data.nist("misra1a").objective(3)


def test_nist_objective_derivatives_match_sympy_and_finite_differences():
    for name in ("misra1a", "mgh09"):
        prob = data.nist(name)
        obj = prob.objective(1)
        ref = objectives.from_expr(obj.expr, obj.symbols, polish=False)
        for b in (obj.x0, np.array(prob.starts[1]), obj.minima[0] * 1.01):
            assert obj.f(b) == pytest.approx(ref.f(b), rel=1e-12)
            np.testing.assert_allclose(obj.grad(b), ref.grad(b), rtol=1e-9,
                                       atol=1e-12 * np.abs(ref.grad(b)).max())
            fd_h = np.array([(obj.grad(b + e) - obj.grad(b - e)) / (2 * e.sum())
                             for e in np.diag(1e-6 * np.abs(b))])   # (SymPy's ref.hess is slow)
            np.testing.assert_allclose(obj.hess(b), fd_h, rtol=1e-5, atol=1e-7 * np.abs(fd_h).max())
            fd = np.array([(obj.residuals(b + e) - obj.residuals(b - e)) / (2 * e.sum())
                           for e in np.diag(1e-6 * np.abs(b))]).T
            np.testing.assert_allclose(obj.jac(b), fd, rtol=1e-5, atol=1e-7 * np.abs(fd).max())
        np.testing.assert_allclose(prob.predict(prob.certified) - prob.y,
                                   obj.residuals(prob.certified))


@pytest.mark.parametrize("name, start", [("misra1a", 1), ("misra1a", 2), ("mgh09", 1),
                                         ("mgh09", 2)])
def test_levenberg_marquardt_reaches_scipys_least_squares_solution(name, start):
    prob = data.nist(name)
    obj = prob.objective(start)
    ours = run(optimizers.levenberg_marquardt(), obj, steps=300)
    res = least_squares(obj.residuals, obj.x0, jac=obj.jac, method="lm", xtol=1e-15, ftol=1e-15,
                        gtol=1e-15, max_nfev=3000)
    assert np.abs(ours.x / res.x - 1).max() < 1e-6 and lre(ours.x, prob.certified) >= 7
    assert ours.f == pytest.approx(2 * res.cost, rel=1e-12)
    if name == "misra1a":                                  # iteration counts: as MINPACK's
        default = least_squares(obj.residuals, obj.x0, jac=obj.jac, method="lm")
        reached = np.flatnonzero([lre(x, prob.certified) >= 6 for x in ours.xs])[0]
        assert reached <= default.nfev + 2


def test_levenberg_marquardt_state_caching_and_rules():
    obj = data.nist("misra1a").objective(1)
    calls = {"r": 0, "J": 0}

    def counted(fn, key):
        def call(theta):
            calls[key] += 1
            return fn(theta)
        return call

    wrapped = types.SimpleNamespace(residuals=counted(obj.residuals, "r"),
                                    jac=counted(obj.jac, "J"))
    for update in ("nielsen", "marquardt"):
        opt = optimizers.levenberg_marquardt(damping=1e3, update=update)
        theta, state = obj.x0.copy(), None
        state = opt.init(theta)
        calls.update(r=0, J=0)
        accepted = 0
        for _ in range(30):
            new, state2 = opt.update(None, state, theta, wrapped)
            if state2.accepted:
                accepted += 1
                if update == "marquardt":
                    assert state2.damping == state.damping / 10
                else:
                    assert state2.damping == pytest.approx(
                        state.damping * max(1 / 3, 1 - (2 * state2.rho - 1) ** 3))
            else:
                np.testing.assert_array_equal(new, theta)
                assert state2.damping == state.damping * (10 if update == "marquardt" else state.nu)
            theta, state = new, state2
        assert calls == {"r": 31, "J": accepted + 1}       # MINPACK's accounting
    far = optimizers.levenberg_marquardt()               # rounding past convergence stays finite
    t = run(far, data.nist("mgh09").objective(2), steps=400)
    assert np.all(np.isfinite(t.xs)) and not t.diverged


def test_marquardt_scaling_is_invariant_to_units_and_levenberg_is_not():
    obj = data.nist("misra1a").objective(1)

    def path(scaling, s):
        S = np.array([1.0, s])
        w = types.SimpleNamespace(residuals=lambda c: obj.residuals(c / S),
                                  jac=lambda c: obj.jac(c / S) / S)
        opt = optimizers.levenberg_marquardt(scaling=scaling)
        c, state, xs = obj.x0 * S, opt.init(obj.x0 * S), []
        for _ in range(20):
            c, state = opt.update(None, state, c, w)
            xs.append(c / S)
        return np.array(xs)

    for s in (1e-3, 1e4):
        assert np.abs(path("marquardt", s) / path("marquardt", 1.0) - 1).max() < 1e-7
    assert np.abs(path("levenberg", 1e6) / path("levenberg", 1.0) - 1).max() > 1e-2


def test_lm_step_and_gauss_newton():
    rng = np.random.default_rng(4)
    J, r = rng.standard_normal((9, 3)) * [1e-2, 1.0, 1e3], rng.standard_normal(9)
    for scaling, d in (("levenberg", np.ones(3)), ("marquardt", np.sum(J**2, axis=0))):
        A = np.vstack([J, np.diag(np.sqrt(0.3 * d))])
        expected = np.linalg.lstsq(A, -np.r_[r, np.zeros(3)], rcond=None)[0]
        np.testing.assert_allclose(optimizers.lm_step(J, r, 0.3, scaling), expected, rtol=1e-7)
    np.testing.assert_allclose(optimizers.lm_step(J, r, 0.0), np.linalg.lstsq(J, -r, rcond=None)[0],
                               rtol=1e-7)
    booth = objectives.get("booth")                       # linear residuals: one step solves it
    assert np.allclose(run(optimizers.gauss_newton(), booth, steps=1).x, [1, 3])
    t = run(optimizers.gauss_newton(), data.nist("mgh09").objective(1), steps=50)
    assert t.diverged                                     # Gauss–Newton fails from MGH09's Start 1
