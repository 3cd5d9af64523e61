"""BFGS, DFP, SR1, L-BFGS and the strong-Wolfe line searches (helpers/optimizers/quasi_newton.py),
checked against scipy.optimize (line searches, BFGS iterates, L-BFGS-B counts) and properties."""
import warnings

import numpy as np
import pytest
from scipy import optimize as so
from scipy.optimize._linesearch import line_search_wolfe1

from helpers import data, mlp, objectives, optimizers, reference, run
from helpers.optimizers import quasi_newton as qn

FTOL_LBFGSB = 1e7 * np.finfo(float).eps          # scipy's default factr · machine epsilon
SUITE = [("rosenbrock", {}), ("rosenbrock", dict(n=50)), ("beale", {}), ("himmelblau", {}),
         ("six_hump_camel", {}), ("matrix_least_squares", dict(rows=4, cols=3, kappa=100.0))]


def lbfgs10():
    return optimizers.lbfgs(history_size=10, line_search_fn="strong_wolfe", tolerance_change=0.0)


# ------------------------------------------------------------------ registry and validation
def test_registry_and_torch_defaults():
    assert {"bfgs", "dfp", "sr1", "lbfgs"} <= set(optimizers.available())
    assert optimizers.hyperparameters("lbfgs") == dict(
        lr=1.0, history_size=100, line_search_fn=None, c1=1e-4, c2=0.9, tolerance_grad=1e-7,
        tolerance_change=1e-9)                                  # torch.optim.LBFGS's defaults
    for name in ("bfgs", "dfp", "sr1"):
        assert optimizers.hyperparameters(name)["line_search_fn"] == "strong_wolfe"
        assert set(optimizers.get(name).hyper) == set(optimizers.hyperparameters(name))
    assert set(optimizers.get("lbfgs").hyper) == set(optimizers.hyperparameters("lbfgs"))


@pytest.mark.parametrize("name, hyper, bad", [
    ("bfgs", dict(lr=-1.0), "lr"), ("bfgs", dict(lr=0.0), "lr"), ("dfp", dict(c1=0.0), "c1"),
    ("sr1", dict(c2=1.0), "c2"), ("bfgs", dict(c1=0.5, c2=0.4), "c2"),
    ("bfgs", dict(line_search_fn="armijo"), "line_search_fn"),
    ("lbfgs", dict(history_size=0), "history_size"), ("lbfgs", dict(history_size=2.5),
                                                       "history_size"),
    ("lbfgs", dict(tolerance_change=-1.0), "tolerance_change"),
    ("sr1", dict(tolerance_grad=float("nan")), "tolerance_grad"),
    ("lbfgs", dict(lr=lambda k: 1.0), "lr"),
])
def test_invalid_hyper_parameters_name_themselves(name, hyper, bad):
    with pytest.raises(ValueError, match=f"invalid {bad}="):
        optimizers.get(name, **hyper)


@pytest.mark.parametrize("opt", [optimizers.bfgs(), optimizers.sr1(), optimizers.dfp(),
                                 optimizers.lbfgs(line_search_fn="strong_wolfe")])
def test_line_searches_need_the_objective(opt):
    x = np.array([-1.5, 2.0])
    with pytest.raises(ValueError, match="needs the objective"):
        opt.update(np.ones(2), opt.init(x), x, None)


def test_fixed_steps_need_no_objective_and_train_a_network():
    opt = optimizers.lbfgs(lr=0.1, history_size=5)
    x = np.array([1.0, 2.0])
    new, _ = opt.update(np.array([0.5, -0.25]), opt.init(x), x)        # first step: min(1, 1/‖g‖₁)η
    np.testing.assert_allclose(new, x - 0.1 * np.array([0.5, -0.25]) / 0.75 * 0.75)
    Xtr, _, ytr, _ = data.digits()
    net = mlp.MLP((64, 10))
    hist = mlp.train(net, optimizers.lbfgs(history_size=5), Xtr, ytr, steps=50, batch_size=256,
                     eval_every=50)                            # minibatches, torch's defaults
    assert not hist.diverged and hist.train_loss[-1] < 0.1 * hist.train_loss[0]
    sw = mlp.train(mlp.MLP((64, 10)), optimizers.lbfgs(history_size=5,
                   line_search_fn="strong_wolfe"), Xtr, ytr, steps=20, eval_every=20)
    assert sw.train_loss[-1] < 0.5 * sw.train_loss[0]


# ------------------------------------------------------------------ line searches vs scipy
def _directions(seed=0, per_objective=60):
    rng = np.random.default_rng(seed)
    for name in ("rosenbrock", "beale", "himmelblau", "six_hump_camel", "styblinski_tang"):
        o = objectives.get(name)
        for _ in range(per_objective):
            x = o.x0 + rng.normal(size=2)
            g = o.grad(x)
            d = -g if rng.random() < 0.5 else -(g + 0.7 * np.linalg.norm(g) * rng.normal(size=2))
            if g @ d < 0:
                yield o, x, d, float(rng.choice([1.0, 0.01, 1 / np.abs(g).sum()]))


def test_line_searches_reproduce_scipy_step_for_step():
    """zoom = scipy.optimize.line_search (Nocedal–Wright 3.5/3.6); Moré–Thuente = scipy's
    DCSRCH (line_search_wolfe1): the same step and the same f and ∇f counts, every time."""
    n = 0
    for o, x, d, a1 in _directions():
        f0, g0 = o.f(x), o.grad(x)
        old = f0 - a1 * (g0 @ d) / 2.02                        # scipy's first trial is then a1
        alpha1 = min(1.0, 1.01 * 2 * (f0 - old) / (g0 @ d))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            z_ref = so.line_search(o.f, o.grad, x, d, g0, f0, old)
            m_ref = line_search_wolfe1(o.f, o.grad, x, d, g0, f0, old, amin=1e-100, amax=1e100)
        for ref, method in ((z_ref, "zoom"), (m_ref, "more_thuente")):
            ours = qn.strong_wolfe(o, x, d, f0, g0, alpha1, method=method)
            if ref[0] is None:
                assert ours.alpha is None
                continue
            assert (ours.alpha, ours.nfev, ours.ngev) == (ref[0], ref[1], ref[2]), (o.name, method)
            n += 1
    assert n > 500


def test_line_search_results_satisfy_the_strong_wolfe_conditions():
    for o, x, d, a1 in _directions(seed=1, per_objective=30):
        f0, g0 = o.f(x), o.grad(x)
        for method in ("zoom", "more_thuente"):
            ls = qn.strong_wolfe(o, x, d, f0, g0, a1, c1=1e-4, c2=0.5, method=method)
            if ls.alpha is None:
                continue
            assert ls.f == o.f(x + ls.alpha * d) <= f0 + 1e-4 * ls.alpha * (g0 @ d)
            assert abs(ls.g @ d) <= 0.5 * abs(g0 @ d)
            np.testing.assert_array_equal(ls.g, o.grad(x + ls.alpha * d))
    with pytest.raises(ValueError, match="descent"):
        qn.strong_wolfe(o, x, -d, f0, g0)
    with pytest.raises(ValueError, match="c1"):
        qn.strong_wolfe(o, x, d, f0, g0, c1=0.9, c2=0.1)


# ------------------------------------------------------------------ BFGS and L-BFGS vs scipy
@pytest.mark.parametrize("name, kw", [("rosenbrock", {}), ("rosenbrock", dict(n=10)),
                                      ("beale", {}), ("matrix_least_squares",
                                                      dict(rows=4, cols=3, kappa=100.0))])
def test_bfgs_reproduces_scipy_iterates(name, kw):
    o = objectives.get(name, **kw)
    xs = [o.x0]
    ref = so.minimize(o.f, o.x0, jac=o.grad, method="BFGS",
                      callback=lambda xk: xs.append(xk.copy()))
    ours = qn.minimize("bfgs", o)
    assert (ours.nit, ours.nfev, ours.njev) == (ref.nit, ref.nfev, ref.njev)
    np.testing.assert_allclose(ours.xs, np.array(xs), rtol=0, atol=1e-10)


@pytest.mark.parametrize("name, kw", SUITE)
def test_counts_within_1_2_of_scipy_and_same_minimizer(name, kw):
    o = objectives.get(name, **kw)
    for ours, ref in ((qn.minimize("bfgs", o), so.minimize(o.f, o.x0, jac=o.grad, method="BFGS")),
                      (qn.minimize(lbfgs10(), o, ftol=FTOL_LBFGSB),
                       so.minimize(o.f, o.x0, jac=o.grad, method="L-BFGS-B"))):
        assert ours.success and ref.success
        assert ours.nit <= 1.2 * ref.nit and ours.nfev <= 1.2 * ref.nfev
        assert ours.njev <= 1.2 * ref.njev
        assert np.abs(ours.x - ref.x).max() < 1e-4            # the same minimizer
    if name == "rosenbrock":
        np.testing.assert_allclose(ours.x, 1.0, atol=1e-4)    # the global one, also in 50-D


def test_minimize_counts_honestly():
    o = objectives.get("beale")
    calls = {"f": 0, "g": 0}

    def f(x):
        calls["f"] += 1
        return o.f(x)

    def g(x):
        calls["g"] += 1
        return o.grad(x)

    import dataclasses
    mine = dataclasses.replace(o, f=f, grad=g)
    res = qn.minimize(lbfgs10(), mine)
    assert (res.nfev, res.njev) == (calls["f"], calls["g"]) and res.nfev > res.nit
    assert res.fs[-1] == o.f(res.x) and len(res.xs) == res.nit + 1
    adam = qn.minimize(optimizers.adam(lr=0.05), o, max_iter=50)
    assert adam.njev == adam.nit + 1 and adam.nfev == adam.nit + 1   # evaluated per iterate
    capped = qn.minimize(lbfgs10(), "rosenbrock", max_grad_evals=10)
    assert 10 <= capped.njev <= 10 + 5 and not capped.success


# ------------------------------------------------------------------ the updates
def _spd(rng, n):
    Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
    return Q @ np.diag(np.geomspace(0.1, 10, n)) @ Q.T


def test_bfgs_and_dfp_updates_satisfy_secant_keep_symmetry_and_positive_definiteness():
    rng = np.random.default_rng(0)
    for _ in range(200):
        H, s, y = _spd(rng, 5), rng.standard_normal(5), rng.standard_normal(5)
        y = y if y @ s > 0 else -y
        for rule in (qn.bfgs_update, qn.dfp_update):
            H1 = rule(H, s, y)
            np.testing.assert_allclose(H1 @ y, s, atol=1e-9)
            np.testing.assert_allclose(H1, H1.T, atol=1e-12)
            assert np.linalg.eigvalsh(H1).min() > 0
        assert np.linalg.eigvalsh(qn.bfgs_update(H, s, -y)).min() < 0   # yᵀs < 0: indefinite


def test_sr1_recovers_the_inverse_hessian_of_a_quadratic_and_skips_a_vanishing_denominator():
    rng = np.random.default_rng(1)
    A, H = _spd(rng, 6), np.eye(6)
    for s in rng.standard_normal((6, 6)):                       # any independent steps
        H = qn.sr1_update(H, s, A @ s)
    np.testing.assert_allclose(H, np.linalg.inv(A), atol=1e-8)
    s, y = np.array([2.0, 0.0]), np.array([1.0, 1.0])           # (s − Iy)ᵀy = 0, s ≠ y
    assert not qn._sr1_usable(np.eye(2), s, y) and qn._positive_curvature(np.eye(2), s, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert not np.all(np.isfinite(qn.sr1_update(np.eye(2), s, y)))


def test_two_loop_equals_m_dense_bfgs_updates_of_gamma_identity():
    rng = np.random.default_rng(2)
    A = _spd(rng, 8)
    S = list(rng.standard_normal((4, 8)))
    Y = [A @ s for s in S]
    gamma = (S[-1] @ Y[-1]) / (Y[-1] @ Y[-1])
    H = gamma * np.eye(8)
    for s, y in zip(S, Y):
        H = qn.bfgs_update(H, s, y)
    v = rng.standard_normal(8)
    np.testing.assert_allclose(qn.two_loop(v, S, Y, gamma), H @ v, rtol=1e-10)


# ------------------------------------------------------------------ torch traces and behaviour
def test_torch_cases_cover_first_step_history_shift_and_curvature_skip():
    cases = reference.cases(optimizer="lbfgs")
    assert len(cases) >= 5 and all(c.hyper["line_search_fn"] is None for c in cases)
    assert all(reference.deviation(c) <= 1e-10 for c in cases)
    skipped = {}
    for c in cases:
        opt, obj = reference.build_optimizer(c), objectives.get(c.objective, **c.objective_kwargs)
        x, state = c.x0.copy(), opt.init(c.x0)
        for _ in range(c.steps):
            x, state = opt.update(obj.grad(x), state, x, obj)
            assert len(state.S) <= c.hyper["history_size"]
        skipped[c.id] = state.skipped
        g0 = obj.grad(c.x0)
        np.testing.assert_allclose(c.xs[1] - c.xs[0], -min(1, 1 / np.abs(g0).sum()) * c.hyper["lr"]
                                   * g0, rtol=1e-12)          # torch's first step
    assert skipped["lbfgs_himmelblau_skips"] > 0 and skipped["lbfgs_six_hump_camel_skips"] > 0
    assert min(c.hyper["history_size"] for c in cases) < max(c.steps for c in cases)


def test_quasi_newton_methods_reach_the_minimum_under_run():
    for name in ("bfgs", "dfp", "sr1"):
        traj = run(name, "rosenbrock", steps=300, tol=1e-6)
        assert traj.converged_at is not None and np.abs(traj.x - 1).max() < 1e-6, name
    lb = run(optimizers.lbfgs(line_search_fn="strong_wolfe"), "rosenbrock", steps=200, tol=1e-6)
    assert lb.converged_at is not None
    beale = {n: qn.minimize(n, "beale") for n in ("bfgs", "dfp", "sr1")}
    assert all(r.success for r in beale.values())
    assert beale["dfp"].nit > 5 * beale["bfgs"].nit             # DFP's weak self-correction
    assert not qn.minimize("dfp", objectives.get("rosenbrock", n=10)).success


def test_every_pair_of_a_wolfe_run_has_positive_curvature():
    o = objectives.get("rosenbrock", n=10)
    res = qn.minimize("bfgs", o)
    s, y = np.diff(res.xs, axis=0), np.diff([o.grad(x) for x in res.xs], axis=0)
    assert np.all(np.einsum("ij,ij->i", s, y) > 0)


def test_lbfgs_memory_is_two_m_vectors():
    X = np.random.default_rng(0).standard_normal((300, 200))
    ls = objectives.least_squares(X, X @ np.ones(200))
    for m in (3, 10):
        opt = optimizers.lbfgs(history_size=m, line_search_fn="strong_wolfe")
        x, state = ls.x0, opt.init(ls.x0)
        for _ in range(20):
            x, state = opt.update(ls.grad(x), state, x, ls)
        assert len(state.S) == len(state.Y) == m
        assert sum(v.nbytes for v in state.S + state.Y) == 2 * m * 200 * 8
