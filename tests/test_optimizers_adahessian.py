import itertools
import math

import numpy as np
import pytest

from helpers import data, mlp, objectives, optimizers, reference, run


def test_registry_defaults_and_reference_cases():
    assert "adahessian" in optimizers.available()
    assert optimizers.hyperparameters("adahessian") == dict(
        lr=0.15, beta1=0.9, beta2=0.999, eps=1e-4, weight_decay=0.0, hessian_power=1.0,
        spatial_average=1, n_samples=1, seed=0)
    cases = reference.cases(optimizer="adahessian")
    assert len(cases) >= 3 and any(c.hyper["n_samples"] > 1 for c in cases)
    assert any(c.hyper["hessian_power"] < 1 and c.hyper["weight_decay"] > 0 for c in cases)


@pytest.mark.parametrize("hyper, bad", [
    (dict(lr=-1.0), "lr"), (dict(beta1=1.0), "beta1"), (dict(beta2=-0.1), "beta2"),
    (dict(eps=-1e-4), "eps"), (dict(weight_decay=-0.1), "weight_decay"),
    (dict(hessian_power=1.5), "hessian_power"), (dict(hessian_power=-0.1), "hessian_power"),
    (dict(n_samples=0), "n_samples"), (dict(n_samples=1.5), "n_samples"),
    (dict(spatial_average=0), "spatial_average"), (dict(spatial_average=(2, 0)), "spatial_average"),
    (dict(spatial_average=(1.5, 2)), "spatial_average"), (dict(seed=1.5), "seed"),
])
def test_invalid_hyper_parameters_name_themselves(hyper, bad):
    with pytest.raises(ValueError, match=f"invalid {bad}="):
        optimizers.adahessian(**hyper)


def test_needs_the_objective_for_hessian_vector_products():
    opt = optimizers.adahessian()
    with pytest.raises(ValueError, match="objective"):
        opt.update(np.ones(2), opt.init(np.ones(2)), np.ones(2))


def test_rademacher_stream_is_reproducible_and_fresh_each_step():
    z = optimizers.rademacher(seed=3, step=7, n_samples=4, size=1000)
    assert z.shape == (4, 1000) and set(np.unique(z)) == {-1.0, 1.0} and abs(z.mean()) < 0.1
    np.testing.assert_array_equal(z, optimizers.rademacher(3, 7, 4, 1000))
    assert not np.array_equal(z, optimizers.rademacher(3, 8, 4, 1000))
    assert not np.array_equal(z, optimizers.rademacher(4, 7, 4, 1000))


def test_hutchinson_is_unbiased_with_the_predicted_variance():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((5, 5))
    H = A + A.T
    Z = np.array(list(itertools.product((-1.0, 1.0), repeat=5)))   # every sign vector
    D = np.array([optimizers.hutchinson_diagonal(lambda v: H @ v, z) for z in Z])
    np.testing.assert_allclose(D.mean(0), np.diag(H), atol=1e-12)
    np.testing.assert_allclose(D.var(0), (H**2).sum(1) - np.diag(H) ** 2, atol=1e-12)
    np.testing.assert_allclose(optimizers.hutchinson_diagonal(lambda v: H @ v, Z), np.diag(H),
                               atol=1e-12)                           # rows averaged at once
    np.testing.assert_allclose((D**2).mean(0), np.diag(H @ H), atol=1e-12)   # E[D²] = diag(H²)


def test_group_average_and_row_groups():
    D = np.arange(6.0)
    np.testing.assert_allclose(optimizers.group_average(D, 3), [1, 1, 1, 4, 4, 4])
    np.testing.assert_allclose(optimizers.group_average(D, (1, 2, 3)), [0, 1.5, 1.5, 4, 4, 4])
    np.testing.assert_allclose(optimizers.group_average(D, 1), D)
    with pytest.raises(ValueError, match="divide"):
        optimizers.group_average(D, 4)
    with pytest.raises(ValueError, match="cover"):
        optimizers.group_average(D, (2, 2))
    net = mlp.MLP((5, 3, 2))
    groups = optimizers.row_groups(net.blocks())
    assert sum(groups) == net.size and groups == (5,) * 3 + (1,) * 3 + (3,) * 2 + (1,) * 2


def test_diagonal_newton_and_hessian_power():
    q = objectives.quadratic(A=((2.0, 0.0, 0.0), (0.0, 50.0, 0.0), (0.0, 0.0, 0.5)),
                             b=(1.0, 2.0, -1.0), x0=(3.0, -1.0, 2.0))
    newton = optimizers.adahessian(lr=1.0, beta1=0.0, eps=0.0)     # k = 1: v̂ = (diag H)² exactly
    np.testing.assert_allclose(run(newton, q, steps=1).xs[1], q.minima[0], atol=1e-12)
    # k = 0: SGD with bias-corrected EMA momentum, whatever the curvature
    opt = optimizers.adahessian(lr=0.01, hessian_power=0.0, eps=0.0)
    traj, theta, m = run(opt, q, steps=20), q.x0.copy(), 0.0
    for t in range(1, 21):
        m = 0.9 * m + 0.1 * q.grad(theta)
        theta = theta - 0.01 * m / (1 - 0.9**t)
        np.testing.assert_allclose(traj.xs[t], theta, atol=1e-12)


def test_update_rule_with_power_weight_decay_and_spatial_average():
    q = objectives.get("ill_conditioned", kappa=30.0, angle=25.0)  # not diagonal: z matters
    opt = optimizers.adahessian(lr=0.05, beta1=0.8, beta2=0.95, eps=1e-3, weight_decay=0.1,
                                hessian_power=0.5, spatial_average=2, seed=4)
    traj, theta, m, v = run(opt, q, steps=15), q.x0.copy(), 0.0, 0.0
    for t in range(1, 16):
        z = optimizers.rademacher(4, t - 1, 1, 2)[0]
        D = np.full(2, np.abs(z * (q.hess(theta) @ z)).mean())       # averaged over the block
        m, v = 0.8 * m + 0.2 * q.grad(theta), 0.95 * v + 0.05 * D**2
        denom = math.sqrt(1 - 0.95**t) ** -0.5 * np.sqrt(v) ** 0.5 + 1e-3
        theta = theta - 0.05 * (m / (1 - 0.8**t) / denom + 0.1 * theta)
        np.testing.assert_allclose(traj.xs[t], theta, atol=1e-12)


def test_seed_matters_only_off_the_diagonal():
    rosen, valley = objectives.get("rosenbrock"), objectives.get("elongated_valley")
    a, b = (run(optimizers.adahessian(lr=0.05, seed=s), rosen, steps=30).xs for s in (0, 1))
    again = run(optimizers.adahessian(lr=0.05, seed=0), rosen, steps=30).xs
    np.testing.assert_array_equal(a, again)
    assert np.abs(a - b).max() > 1e-6
    c, d = (run(optimizers.adahessian(lr=0.05, seed=s), valley, steps=30).xs for s in (0, 1))
    np.testing.assert_array_equal(c, d)                             # diag H: |z ⊙ Hz| = |diag H|
    many = optimizers.adahessian(lr=0.05, n_samples=400, beta1=0.0, beta2=0.0, eps=0.0)
    theta = rosen.x0
    step = theta - many.update(rosen.grad(theta), many.init(theta), theta, rosen)[0]
    exact = 0.05 * rosen.grad(theta) / np.abs(np.diag(rosen.hess(theta)))
    np.testing.assert_allclose(step, exact, rtol=0.15)              # 400 samples: near diag H


def test_trains_an_mlp_through_the_network_objective():
    Xtr, _, ytr, _ = data.digits()
    net = mlp.MLP((64, 8, 10))
    opt = optimizers.adahessian(lr=0.1, spatial_average=optimizers.row_groups(net.blocks()))
    hist = mlp.train(net, opt, Xtr, ytr, steps=80, seed=0, eval_every=80)
    assert hist.train_loss[-1] < 0.5 * hist.train_loss[0] and not hist.diverged
