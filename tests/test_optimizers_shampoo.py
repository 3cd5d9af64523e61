import numpy as np
import pytest
import scipy.linalg

from helpers import objectives, optimizers, reference, run


def step(opt, grads, theta=None):
    """Feed ``grads`` one by one; return the list of steps θ_{t−1} − θ_t."""
    theta = np.zeros(grads[0].size) if theta is None else theta
    state, out = opt.init(theta), []
    for g in grads:
        new, state = opt.update(g.ravel(), state, theta)
        out.append(theta - new)
        theta = new
    return out


def root(M, p):
    return np.real(scipy.linalg.fractional_matrix_power(M, -1 / p))


def test_registry_defaults_and_reference_cases():
    assert "shampoo" in optimizers.available()
    assert optimizers.hyperparameters("shampoo") == dict(
        lr=1e-3, momentum=0.0, weight_decay=0.0, eps=1e-6, update_freq=1, root=None, shape=None)
    cases = reference.cases(optimizer="shampoo")
    assert len(cases) >= 3 and {c.hyper["shape"] is None for c in cases} == {True, False}
    assert any(c.hyper["momentum"] > 0 and c.hyper["weight_decay"] > 0 for c in cases)


@pytest.mark.parametrize("hyper, bad", [
    (dict(lr=-1.0), "lr"), (dict(momentum=1.0), "momentum"), (dict(momentum=-0.1), "momentum"),
    (dict(weight_decay=-0.1), "weight_decay"), (dict(eps=0.0), "eps"), (dict(eps=-1e-6), "eps"),
    (dict(update_freq=0), "update_freq"), (dict(update_freq=1.5), "update_freq"),
    (dict(root=0.0), "root"), (dict(root=-2), "root"), (dict(root="4"), "root"),
    (dict(shape=(0, 2)), "shape"), (dict(shape=()), "shape"),
])
def test_invalid_hyper_parameters_name_themselves(hyper, bad):
    with pytest.raises(ValueError, match=f"invalid {bad}="):
        optimizers.shampoo(**hyper)


def test_inverse_root_matches_scipy_and_guards_its_input():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 9))
    M = X @ X.T
    for p in (1, 2, 4, 3.5):
        np.testing.assert_allclose(optimizers.inverse_root(M, p), root(M, p), atol=1e-12)
    np.testing.assert_allclose(optimizers.inverse_root(M, 2, eps=0.5), root(M + 0.5 * np.eye(5), 2),
                               atol=1e-12)
    singular = np.outer(X[:, 0], X[:, 0])
    with pytest.raises(ValueError, match="singular"):
        optimizers.inverse_root(singular, 4)
    P = optimizers.inverse_root(singular, 4, eps=1e-3)         # rank-one + εI: fine
    np.testing.assert_allclose(np.linalg.matrix_power(P, 4) @ (singular + 1e-3 * np.eye(5)),
                               np.eye(5), atol=1e-8)
    with pytest.raises(ValueError, match="square"):
        optimizers.inverse_root(np.ones((2, 3)), 2)
    with pytest.raises(ValueError, match="invalid p"):
        optimizers.inverse_root(M, 0)


@pytest.mark.parametrize("shape", [(4, 3), (2, 5), (3, 3)])
def test_matrix_update_is_left_and_right_preconditioned(shape):
    rng = np.random.default_rng(1)
    grads = [rng.standard_normal(shape) for _ in range(3)]
    eps = 1e-3
    steps = step(optimizers.shampoo(lr=0.5, eps=eps, shape=shape), grads)
    L, R = eps * np.eye(shape[0]), eps * np.eye(shape[1])
    for G, s in zip(grads, steps):
        L, R = L + G @ G.T, R + G.T @ G
        np.testing.assert_allclose(s.reshape(shape), 0.5 * root(L, 4) @ G @ root(R, 4), atol=1e-10)
        kron = np.kron(root(L, 4), root(R, 4))              # the same as one Kronecker product
        np.testing.assert_allclose(s, 0.5 * kron @ G.ravel(), atol=1e-10)


def test_order_three_tensor_uses_one_root_per_mode():
    rng = np.random.default_rng(2)
    shape, eps = (2, 3, 4), 1e-2
    grads = [rng.standard_normal(shape) for _ in range(2)]
    steps = step(optimizers.shampoo(lr=1.0, eps=eps, shape=shape), grads)
    stats = [eps * np.eye(n) for n in shape]
    for G, s in zip(grads, steps):
        stats = [H + np.moveaxis(G, i, 0).reshape(n, -1) @ np.moveaxis(G, i, 0).reshape(n, -1).T
                 for i, (H, n) in enumerate(zip(stats, shape))]
        P = [root(H, 6) for H in stats]                     # p = 2 · order
        want = np.einsum("ai,bj,ck,ijk->abc", *P, G)
        np.testing.assert_allclose(s.reshape(shape), want, atol=1e-10)


def test_vector_is_full_matrix_adagrad_and_1x1_blocks_are_adagrad():
    rosen = objectives.get("rosenbrock")
    traj = run(optimizers.shampoo(lr=0.2, eps=1e-4), rosen, steps=60)
    theta, S = rosen.x0.copy(), 1e-4 * np.eye(2)
    for t in range(60):
        g = rosen.grad(theta)
        S = S + np.outer(g, g)
        theta = theta - 0.2 * root(S, 2) @ g
        np.testing.assert_allclose(traj.xs[t + 1], theta, atol=1e-9)
    blocks = optimizers.partition(
        [(slice(i, i + 1), optimizers.shampoo(lr=0.3, eps=1e-3, shape=(1, 1))) for i in range(2)])
    adagrad = optimizers.adagrad(lr=0.3, initial_accumulator_value=1e-3, eps=0.0)
    np.testing.assert_allclose(run(blocks, rosen, steps=100).xs, run(adagrad, rosen, steps=100).xs,
                               atol=1e-12)


def test_equivariant_to_left_and_right_rotations_not_to_generic_ones():
    rng = np.random.default_rng(3)
    U = np.linalg.qr(rng.standard_normal((4, 4)))[0]
    V = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    grads = [rng.standard_normal((4, 3)) for _ in range(4)]
    opt = optimizers.shampoo(lr=0.1, shape=(4, 3))
    plain = step(opt, grads)
    rotated = step(opt, [U @ G @ V.T for G in grads])
    for a, b in zip(plain, rotated):
        np.testing.assert_allclose(U @ a.reshape(4, 3) @ V.T, b.reshape(4, 3), atol=1e-12)
    Q = np.linalg.qr(rng.standard_normal((12, 12)))[0]
    generic = step(opt, [(Q @ G.ravel()).reshape(4, 3) for G in grads])
    assert np.abs(Q @ plain[-1] - generic[-1]).max() > 1e-3


def test_scale_invariant_only_with_the_default_root():
    G = np.random.default_rng(4).standard_normal((3, 2))
    for root_, power in ((None, 0), (2, -1), (8, 0.5)):     # c^(1 − 4/p)
        opt = optimizers.shampoo(lr=1.0, eps=1e-14, shape=(3, 2), root=root_)
        np.testing.assert_allclose(step(opt, [100 * G])[0], 100.0**power * step(opt, [G])[0],
                                   rtol=1e-6)


def test_update_freq_reuses_the_roots_between_refreshes():
    rng = np.random.default_rng(5)
    grads = [rng.standard_normal((3, 2)) for _ in range(5)]
    opt = optimizers.shampoo(lr=1.0, eps=1e-2, shape=(3, 2), update_freq=3)
    steps = step(opt, grads)
    L, R, P = 1e-2 * np.eye(3), 1e-2 * np.eye(2), None
    for t, (G, s) in enumerate(zip(grads, steps)):
        L, R = L + G @ G.T, R + G.T @ G
        if t % 3 == 0:
            P = (root(L, 4), root(R, 4))                    # refreshed at steps 0 and 3 only
        np.testing.assert_allclose(s.reshape(3, 2), P[0] @ G @ P[1], atol=1e-10)


def test_momentum_mixes_the_previous_preconditioned_update_and_weight_decay_is_l2():
    rng = np.random.default_rng(6)
    grads = [rng.standard_normal((2, 3)) for _ in range(3)]
    beta, eps = 0.6, 1e-3
    steps = step(optimizers.shampoo(lr=1.0, momentum=beta, eps=eps, shape=(2, 3)), grads)
    L, R, U = eps * np.eye(2), eps * np.eye(3), None
    for G, s in zip(grads, steps):
        G = G if U is None else (1 - beta) * G + beta * U   # as pytorch_optimizer / torch_optimizer
        L, R = L + G @ G.T, R + G.T @ G
        U = root(L, 4) @ G @ root(R, 4)
        np.testing.assert_allclose(s.reshape(2, 3), U, atol=1e-10)
    theta = rng.standard_normal(6)
    decayed = optimizers.shampoo(lr=0.1, weight_decay=0.3, shape=(2, 3))
    plain = optimizers.shampoo(lr=0.1, shape=(2, 3))
    g = grads[0].ravel()
    want = plain.update(g + 0.3 * theta, plain.init(theta), theta)[0]
    np.testing.assert_allclose(decayed.update(g, decayed.init(theta), theta)[0], want, atol=1e-14)


def test_shapes_state_purity_and_errors():
    opt = optimizers.shampoo(lr=0.1)
    W = np.ones((3, 2))                                     # a 2-D θ is a matrix without shape=
    new, state = opt.update(np.eye(3, 2), opt.init(W), W)
    assert new.shape == (3, 2) and [H.shape for H in state.statistics] == [(3, 3), (2, 2)]
    s0 = opt.init(W)
    a, _ = opt.update(np.eye(3, 2), s0, W)
    b, _ = opt.update(np.eye(3, 2), s0, W)
    np.testing.assert_array_equal(a, b)
    assert s0.count == 0 and not np.any(s0.statistics[0])
    bad = optimizers.shampoo(shape=(2, 2))
    with pytest.raises(ValueError, match="does not fit"):
        bad.update(np.ones(3), bad.init(np.ones(3)), np.ones(3))
    assert optimizers.get("Shampoo", lr=0.5).hyper["lr"] == 0.5
