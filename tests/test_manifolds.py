import numpy as np
import pytest

from helpers import manifolds as mf
from helpers.runner import Trajectory

SHAPES = [(5, 1), (6, 2), (7, 3), (4, 4)]


def _spd(n, seed=0, spread=(0.1, 5.0)):
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
    return (Q * np.linspace(*spread, n)) @ Q.T


@pytest.mark.parametrize("build, bad", [
    (lambda: mf.Stiefel(3, 4), "p"), (lambda: mf.Stiefel(0, 1), "n"),
    (lambda: mf.Stiefel(3, 1.5), "p"),
    (lambda: mf.Sphere(1), "n"), (lambda: mf.Sphere(None), "n"),
    (lambda: mf.Stiefel(4, 2).retract(np.eye(4, 2), np.zeros((4, 2)), "svd"), "method"),
    (lambda: mf.Sphere(3).retract(np.eye(3)[0], np.zeros(3), "qr"), "method"),
    (lambda: mf.Stiefel(4, 2).rgrad(np.eye(4, 2), np.zeros((4, 2)), "fisher"), "metric"),
    (lambda: mf.Stiefel(4, 2).proj(np.eye(4, 3), np.zeros((4, 2))), "X"),
    (lambda: mf.Stiefel(4, 2).proj(np.eye(4, 2), np.zeros((2, 4))), "V"),
    (lambda: mf.rayleigh(np.arange(9.0).reshape(3, 3)), "A"),
    (lambda: mf.brockett(np.eye(4), 2, weights=[1, 2]), "weights"),
    (lambda: mf.procrustes(np.eye(4), np.ones((3, 2))), "B"),
    (lambda: mf.rgd(mf.rayleigh(np.diag([1.0, 2.0])), -0.1, 5), "lr"),
    (lambda: mf.rgd(mf.rayleigh(np.diag([1.0, 2.0])), 0.1, -1), "steps"),
    (lambda: mf.rgd(mf.rayleigh(np.diag([1.0, 2.0])), 0.1, 5, retraction="qr"), "retraction"),
    (lambda: mf.rgd(mf.rayleigh(np.diag([1.0, 2.0])), 0.1, 5, metric="fisher"), "metric"),
    (lambda: mf.rgd(mf.rayleigh(np.diag([1.0, 2.0])), 0.1, 5, x0=np.array([1.0, 1.0])), "x0"),
])
def test_invalid_inputs_name_themselves(build, bad):
    with pytest.raises(ValueError, match=f"invalid {bad}"):
        build()


@pytest.mark.parametrize("n, p", SHAPES)
def test_projection_is_the_orthogonal_projector_onto_the_tangent_space(n, p):
    M = mf.Stiefel(n, p)
    X = M.random_point(seed=n + p)
    assert M.is_point(X, 1e-14) and M.dim == n * p - p * (p + 1) // 2
    V = np.random.default_rng(1).standard_normal((n, p))
    PV = M.proj(X, V)
    assert M.is_tangent(X, PV, 1e-14)
    np.testing.assert_allclose(M.proj(X, PV), PV, atol=1e-14)                 # idempotent
    assert abs(M.inner(X, V - PV, PV)) < 1e-13                                # orthogonal
    U = M.random_tangent(X, seed=3)
    assert M.is_tangent(X, U) and np.isclose(np.linalg.norm(U), 1)
    np.testing.assert_allclose(M.proj(X, U), U, atol=1e-14)


def test_sphere_is_stiefel_with_one_column():
    S, St = mf.Sphere(5), mf.Stiefel(5, 1)
    x = S.random_point(seed=2)
    v = 1.7 * S.random_tangent(x, seed=3)
    assert abs(x @ S.proj(x, np.ones(5))) < 1e-15 and S.dim == 4
    np.testing.assert_allclose(S.exp(x, v), St.exp(x[:, None], v[:, None]).ravel(), atol=1e-14)
    np.testing.assert_allclose(S.exp(x, v), np.cos(1.7) * x + np.sin(1.7) * v / 1.7, atol=1e-15)
    for m in ("qr", "polar"):                                             # = normalization
        np.testing.assert_allclose(S.retract(x, v), St.retract(x[:, None], v[:, None], m).ravel(),
                                   atol=1e-14)
    cayley = St.retract(x[:, None], v[:, None], "cayley").ravel()        # the same great circle,
    assert np.isclose(S.dist(x, cayley), 2 * np.arctan(1.7 / 2))         # turned by 2 atan(‖v‖/2)
    assert np.isclose(S.dist(x, S.retract(x, v)), np.arctan(1.7))
    assert abs(np.linalg.det(np.c_[x, v, cayley][:3])) < 1e-12 or np.linalg.matrix_rank(
        np.c_[x, v, cayley], tol=1e-10) == 2
    np.testing.assert_allclose(S.rgrad(x, v + 2 * x, "canonical"), v, atol=1e-14)
    assert np.isclose(S.dist(x, S.exp(x, v)), 1.7) and S.dist(x, x) == 0
    assert np.isclose(S.dist(x, -x), np.pi) and np.isclose(S.dist(x, S.exp(x, 1e-9 * v)), 1.7e-9)


@pytest.mark.parametrize("n, p", SHAPES)
def test_retractions_are_first_order_and_stay_on_the_manifold(n, p):
    M = mf.Stiefel(n, p)
    X = M.random_point(seed=1)
    V = M.random_tangent(X, seed=2)
    h = 1e-6
    for m in M.retractions:
        assert M.is_point(M.retract(X, 3 * V, m), 1e-12), m
        np.testing.assert_allclose(M.retract(X, 0 * V, m), X, atol=1e-14, err_msg=m)
        slope = (M.retract(X, h * V, m) - M.retract(X, -h * V, m)) / (2 * h)
        np.testing.assert_allclose(slope, V, atol=1e-8, err_msg=m)


def test_retraction_orders_against_the_exponential_map():
    M = mf.Stiefel(7, 3)
    X = M.random_point(seed=4)
    V = M.random_tangent(X, seed=5)
    ts = np.geomspace(1e-3, 1e-2, 4)
    for m, order in (("qr", 2), ("cayley", 2), ("polar", 3)):
        err = [np.linalg.norm(M.retract(X, t * V, m) - M.exp(X, t * V)) for t in ts]
        assert abs(np.polyfit(np.log(ts), np.log(err), 1)[0] - order) < 0.05, m
    S = mf.Sphere(4)
    x = S.random_point(seed=6)
    v = S.random_tangent(x, seed=7)
    err = [np.linalg.norm(S.retract(x, t * v) - S.exp(x, t * v)) for t in ts]
    np.testing.assert_allclose(err, ts**3 / 3, rtol=1e-3)                   # ‖Exp − R‖ = t³/3


def test_cayley_woodbury_equals_the_n_by_n_formula_and_is_orthogonal():
    M = mf.Stiefel(9, 3)
    X = M.random_point(seed=0)
    V = 2.0 * M.random_tangent(X, seed=1)
    eye = np.eye(9)
    P = eye - X @ X.T / 2
    W = P @ V @ X.T - X @ V.T @ P
    np.testing.assert_allclose(W, -W.T, atol=1e-15)
    np.testing.assert_allclose(W @ X, V, atol=1e-14)
    Y = np.linalg.solve(eye - W / 2, (eye + W / 2) @ X)
    np.testing.assert_allclose(M.retract(X, V, "cayley"), Y, atol=1e-13)


def test_exponential_map_solves_the_geodesic_equation():
    M = mf.Stiefel(8, 3)
    X = M.random_point(seed=2)
    V = 0.9 * M.random_tangent(X, seed=3)
    h = 1e-4
    for t in (0.3, 1.1, 2.5):
        Y = [M.exp(X, s * V) for s in (t - h, t, t + h)]
        vel, acc = (Y[2] - Y[0]) / (2 * h), (Y[2] - 2 * Y[1] + Y[0]) / h**2
        assert np.abs(acc + Y[1] @ (vel.T @ vel)).max() < 1e-6
        assert M.is_point(Y[1], 1e-13)
        assert np.isclose(np.linalg.norm(vel), 0.9, rtol=1e-7)             # constant speed
    np.testing.assert_allclose(M.exp(X, 0 * V), X, atol=1e-15)


def test_canonical_gradient_gives_wen_yin_cayley_step():
    C = _spd(6, seed=1)
    prob = mf.brockett(C, 3, seed=2)
    X, eta = prob.x0, 0.3
    G = prob.egrad(X)
    W = G @ X.T - X @ G.T
    wen_yin = np.linalg.solve(np.eye(6) + eta / 2 * W, (np.eye(6) - eta / 2 * W) @ X)
    rgd = mf.rgd(prob, eta, 1, retraction="cayley", metric="canonical")
    np.testing.assert_allclose(rgd.points[1], wen_yin, atol=1e-14)
    M = prob.manifold
    assert M.is_tangent(X, M.rgrad(X, G, "canonical"))
    orthogonal = mf.Stiefel(4, 4)
    Q = orthogonal.random_point(seed=0)
    G4 = np.random.default_rng(0).standard_normal((4, 4))
    np.testing.assert_allclose(orthogonal.rgrad(Q, G4, "canonical"), 2 * orthogonal.rgrad(Q, G4),
                               atol=1e-14)


@pytest.mark.parametrize("retraction", ["normalize", "exp"])
def test_rgd_finds_the_smallest_eigenvector(retraction):
    A = _spd(6, seed=3, spread=(-1.0, 2.0))          # λ₁ < 0: exp's off-sphere error contracts
    prob = mf.rayleigh(A, seed=4)
    lam, V = np.linalg.eigh(A)
    eta = 1 / (lam[-1] - lam[0] + lam[1] - lam[0])
    traj = mf.rgd(prob, eta, 300, retraction=retraction)
    assert isinstance(traj, Trajectory) and traj.points.shape == (301, 6)
    assert traj.gap()[-1] < 1e-14 and traj.distance()[-1] < 1e-7
    assert abs(abs(traj.x @ V[:, 0]) - 1) < 1e-13 and traj.feasibility.max() < 1e-14
    kappa = (lam[-1] - lam[0]) / (lam[1] - lam[0])
    rate = (traj.distance()[50] / traj.distance()[20]) ** (1 / 30)
    assert abs(rate - (kappa - 1) / (kappa + 1)) < 1e-3


@pytest.mark.parametrize("retraction", ["qr", "polar", "cayley"])
def test_rgd_brockett_gives_ordered_eigenvectors(retraction):
    C = _spd(8, seed=5, spread=(0.2, 4.0))
    prob = mf.brockett(C, 3, seed=6)
    lam, V = np.linalg.eigh(C)
    traj = mf.rgd(prob, 0.1, 800, retraction=retraction)
    X = traj.points[-1]
    np.testing.assert_allclose(np.abs(np.sum(X * V[:, ::-1][:, :3], axis=0)), 1, atol=1e-10)
    assert traj.gap()[-1] < 1e-12 and traj.distance()[-1] < 1e-6           # signs aligned
    assert np.isclose(prob.f_min, -0.5 * (3 * lam[-1] + 2 * lam[-2] + lam[-3]))
    assert mf.brockett(C, 3, weights=np.ones(3)).minima == ()               # a subspace only


def test_procrustes_stays_in_its_component_of_the_orthogonal_group():
    rng = np.random.default_rng(7)
    A = np.linalg.qr(rng.standard_normal((10, 4)))[0]                        # AᵀA = I
    B = rng.standard_normal((10, 4))
    prob = mf.procrustes(A, B)
    U, _, Vt = np.linalg.svd(A.T @ B)
    np.testing.assert_allclose(prob.minima[0], U @ Vt, atol=1e-14)
    target = U @ Vt
    start = np.eye(4) if np.linalg.det(target) > 0 else np.diag([-1.0, 1, 1, 1])
    traj = mf.rgd(prob, 0.5, 300, retraction="cayley", x0=start)
    np.testing.assert_allclose(traj.points[-1], target, atol=1e-10)
    other = np.diag([-1.0, 1, 1, 1]) @ start
    dets = [np.linalg.det(X) for X in mf.rgd(prob, 0.5, 100, retraction="cayley", x0=other).points]
    assert np.allclose(dets, np.linalg.det(other))                          # never jumps
    assert mf.procrustes(rng.standard_normal((10, 4)), B).minima == ()


def test_rgd_schedules_tolerance_stochastic_gradients_and_leaving_the_manifold():
    prob = mf.rayleigh(np.diag([1.0, 2.0, 5.0]), seed=1)
    traj = mf.rgd(prob, lambda t: 0.2 / (1 + t), 50)
    assert traj.hyper["lr"](0) == 0.2 and traj.fs[-1] < traj.fs[0]
    done = mf.rgd(prob, 0.2, 500, tol=1e-8)
    assert done.converged_at is not None and done.grad_norms[-1] <= 1e-8 and done.steps < 500
    rng = np.random.default_rng(0)
    noisy = prob._replace(egrad=lambda x: prob.egrad(x) + 0.1 * rng.standard_normal(3))
    assert mf.rgd(noisy, lambda t: 0.2 / (1 + t / 50), 2000).distance()[-1] < 0.05
    broken = mf.rgd(prob._replace(egrad=lambda x: np.full(3, np.nan)), 0.2, 10)
    assert broken.diverged and broken.diverged_at == 1
    assert broken.message.startswith("left the manifold")
    canonical = mf.rgd(mf.brockett(np.diag([1.0, 2, 3]), 2), 0.1, 1, retraction="cayley",
                       metric="canonical")
    assert done.optimizer == "rgd[normalize]" and canonical.optimizer == "rgd[cayley, canonical]"


def test_exponential_map_drift_is_caught_where_retractions_stay_feasible():
    prob = mf.brockett(_spd(8, seed=5, spread=(0.2, 4.0)), 3, seed=6)
    drift = mf.rgd(prob, 0.1, 400, retraction="exp")
    assert drift.diverged and drift.message.startswith("left the manifold")
    assert drift.feasibility[-1] > 1e-6 and drift.feasibility[1] < 1e-14   # it grew from rounding
    for m in ("qr", "polar", "cayley"):
        assert mf.rgd(prob, 0.1, 400, retraction=m).feasibility.max() < 1e-13
    # on the sphere the off-manifold error grows by 1 + 2η xᵀ∇f = 1 + 4ηλ₁ per step near v₁
    ray = mf.rayleigh(np.diag([2.0, 3.0, 6.0]), x0=np.array([0.6, 0.8, 0.0]))
    feas = mf.rgd(ray, 0.1, 200, retraction="exp").feasibility
    assert np.isclose((feas[-1] / feas[-11]) ** 0.1, 1 + 4 * 0.1 * 2.0, rtol=0.02)
    assert mf.rgd(ray, 0.1, 200).feasibility.max() < 1e-15
