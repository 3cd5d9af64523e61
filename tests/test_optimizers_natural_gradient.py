import numpy as np
import pytest
import sympy as sp

from helpers import data, mlp, objectives, optimizers, run
from helpers.optimizers import conjugate_gradient

ZOO = ("rosenbrock", "beale", "himmelblau", "booth")


def small_net(seed=0, n=40):
    rng = np.random.default_rng(seed)
    net = mlp.MLP((5, 4, 3), activation="tanh")
    return net, rng.standard_normal((n, 5)), rng.integers(0, 3, n)


def test_registry_names_and_defaults():
    assert "natural_gradient" in optimizers.available()
    assert optimizers.get("NGD").name == "natural_gradient"
    assert optimizers.get("natural-gradient").name == "natural_gradient"
    assert optimizers.hyperparameters("ngd") == dict(lr=1.0, damping=1.0, fisher="true",
                                                     solver="dense", cg_max_iter=100,
                                                     cg_tol=1e-10)
    assert set(optimizers.get("NGD").hyper) == set(optimizers.hyperparameters("NGD"))


@pytest.mark.parametrize("hyper, bad", [
    (dict(lr=-1.0), "lr"), (dict(damping=-1e-3), "damping"), (dict(damping=np.inf), "damping"),
    (dict(fisher="observed"), "fisher"), (dict(solver="qr"), "solver"),
    (dict(cg_max_iter=0), "cg_max_iter"), (dict(cg_max_iter=2.5), "cg_max_iter"),
    (dict(cg_tol=-1.0), "cg_tol"), (dict(solver="cg", fisher="empirical"), "solver"),
])
def test_invalid_hyper_parameters_name_themselves(hyper, bad):
    with pytest.raises(ValueError, match=f"invalid {bad}="):
        optimizers.natural_gradient(**hyper)


def test_clear_errors_without_a_fisher():
    opt = optimizers.natural_gradient()
    x = np.ones(2)
    with pytest.raises(ValueError, match="needs the objective.*Fisher"):
        opt.update(np.ones(2), opt.init(x), x)
    with pytest.raises(ValueError, match="natural_gradient: rastrigin has no Fisher"):
        run(opt, "rastrigin", steps=1)
    with pytest.raises(ValueError, match="empirical.*NetworkObjective"):
        run(optimizers.natural_gradient(fisher="empirical"), "rosenbrock", steps=1)
    cg = optimizers.natural_gradient(solver="cg")
    with pytest.raises(ValueError, match="fvp"):
        cg.update(np.ones(2), cg.init(x), x)


@pytest.mark.parametrize("name", ZOO)
def test_step_is_the_damped_gauss_newton_step(name):
    obj = objectives.get(name)
    opt = optimizers.natural_gradient(lr=0.7, damping=0.1)
    x = obj.x0 + 0.3
    new, state = opt.update(obj.grad(x), opt.init(x), x, obj)
    J, r = obj.jac(x), obj.residuals(x)            # min ‖JΔ + r‖² + (δ/2)‖Δ‖², no Fisher formed
    Delta = np.linalg.lstsq(np.vstack([J, np.sqrt(0.05) * np.eye(2)]), np.r_[-r, 0, 0],
                            rcond=None)[0]
    np.testing.assert_allclose(new, x + 0.7 * Delta, rtol=1e-12, atol=1e-12)
    assert state.count == 1 and state.cg_iterations is None


@pytest.mark.parametrize("name", ZOO)
def test_defaults_converge_on_the_zoo(name):
    traj = run(optimizers.get("NGD"), name, steps=200)
    assert not traj.diverged and traj.gap()[-1] < 1e-12
    assert traj.steps_to(1e-10) < 60


def test_newton_on_a_quadratic_and_the_damped_rate():
    A = objectives.rotated_quadratic_matrix(50.0, 30.0, n=3, mu=0.2)
    q = objectives.quadratic(A=A, b=[1.0, -2.0, 0.5])
    traj = run(optimizers.natural_gradient(damping=0.0), q, steps=1)
    np.testing.assert_allclose(traj.x, q.minima[0], atol=1e-12)      # F = A: one Newton step
    e = run(optimizers.natural_gradient(damping=0.5), q, steps=30).distance(q.minima[0])
    assert (e[30] / e[20]) ** 0.1 == pytest.approx(0.5 / (0.2 + 0.5), rel=1e-6)


def test_affine_reparameterization_invariance_without_damping():
    x, y, u, v = sp.symbols("x y u v", real=True)
    res = [10 * (y - x**2), 1 - x]
    M = np.array([[1.0, 1.0], [0.0, 2.0]])              # (x, y) = M (u, v)
    sub = {x: u + v, y: 2 * v}
    a = objectives.from_expr(sum(r**2 for r in res), (x, y), residuals=res, x0=(-1.5, 2.0))
    res_b = [r.subs(sub) for r in res]
    b = objectives.from_expr(sum(r**2 for r in res_b), (u, v), residuals=res_b,
                             x0=np.linalg.solve(M, [-1.5, 2.0]))
    opt = optimizers.natural_gradient(lr=0.3, damping=0.0)
    ta, tb = run(opt, a, steps=25), run(opt, b, steps=25)
    np.testing.assert_allclose(tb.xs @ M.T, ta.xs, atol=1e-10)
    gd = optimizers.sgd(lr=2e-4)                          # GD is not invariant
    gd_a, gd_b = run(gd, a, steps=25), run(gd, b, steps=25)
    assert not gd_b.diverged and np.abs(gd_b.xs @ M.T - gd_a.xs).max() > 1e-2


def test_network_objective_true_and_empirical_fisher():
    net, X, y = small_net()
    obj = net.objective(X, y)
    theta, g = obj.x0, obj.grad(obj.x0)
    for kind in ("true", "empirical"):
        opt = optimizers.natural_gradient(lr=0.5, damping=1e-2, fisher=kind)
        new, _ = opt.update(g, opt.init(theta), theta, obj)
        F = net.fisher(theta, X, y, kind=kind)
        want = theta - 0.5 * np.linalg.solve(F + 1e-2 * np.eye(net.size), g)
        np.testing.assert_allclose(new, want, rtol=1e-12, atol=1e-14)
    F_true, F_emp = net.fisher(theta, X, y), net.fisher(theta, X, y, kind="empirical")
    assert np.linalg.norm(F_true - F_emp) > 0.1 * np.linalg.norm(F_true)


def test_cg_solver_matches_the_dense_solve():
    net, X, y = small_net(1)
    obj = net.objective(X, y)
    theta, g = obj.x0, obj.grad(obj.x0)
    dense = optimizers.natural_gradient(damping=1e-2)
    cg = optimizers.natural_gradient(damping=1e-2, solver="cg", cg_max_iter=500, cg_tol=1e-12)
    want = dense.update(g, dense.init(theta), theta, obj)[0]
    got, state = cg.update(g, cg.init(theta), theta, obj)
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)
    assert 1 <= state.cg_iterations < 500
    traj_cg = run(optimizers.natural_gradient(solver="cg"), "rosenbrock", steps=60)
    traj = run(optimizers.natural_gradient(), "rosenbrock", steps=60)
    np.testing.assert_allclose(traj_cg.xs, traj.xs, atol=1e-8)


def test_conjugate_gradient():
    rng = np.random.default_rng(0)
    Q = rng.standard_normal((8, 8))
    A, b = Q @ Q.T, rng.standard_normal(8)
    x, k = conjugate_gradient(lambda v: A @ v, b, damping=0.1, max_iter=50, tol=1e-12)
    np.testing.assert_allclose(x, np.linalg.solve(A + 0.1 * np.eye(8), b), rtol=1e-9)
    assert k <= 9                                        # n steps in exact arithmetic (+ rounding)
    x, k = conjugate_gradient(lambda v: A @ v, b, max_iter=3)
    assert k == 3
    x, k = conjugate_gradient(lambda v: 0 * v, b)         # no curvature at all: no step
    assert k == 0 and not x.any()


def test_default_minibatch_training_does_not_diverge():
    Xtr, Xte, ytr, yte = data.digits()
    for sizes, hyper in (((64, 10), {}), ((64, 32, 10), dict(solver="cg"))):
        net = mlp.MLP(sizes)
        hist = mlp.train(net, optimizers.get("NGD", **hyper), Xtr, ytr, steps=30, eval_every=10)
        assert not hist.diverged and hist.train_loss[-1] < 0.5 * hist.train_loss[0]
