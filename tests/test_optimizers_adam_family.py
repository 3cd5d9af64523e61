"""Unit tests of helpers/optimizers/adam_family.py: AdaMax, NAdam, AdamX, Lion."""
import numpy as np
import pytest

import helpers
from helpers import optimizers, reference


def test_registry_names_and_hyperparameters():
    for name in ("adamax", "nadam", "adamx", "lion"):
        assert name in optimizers.available()
        opt = optimizers.get(name.upper())
        assert set(opt.hyper) == set(optimizers.hyperparameters(name))
    assert optimizers.hyperparameters("lion") == dict(lr=1e-4, beta1=0.9, beta2=0.99,
                                                      weight_decay=1e-3)
    assert optimizers.hyperparameters("nadam")["momentum_decay"] == 4e-3
    assert optimizers.hyperparameters("adamax")["lr"] == 2e-3


@pytest.mark.parametrize("name, hyper, bad", [
    ("adamax", dict(lr=-1.0), "lr"), ("adamax", dict(beta2=1.0), "beta2"),
    ("adamax", dict(eps=-1e-8), "eps"), ("nadam", dict(momentum_decay=-1.0), "momentum_decay"),
    ("nadam", dict(beta1=1.0), "beta1"), ("nadam", dict(weight_decay=-0.1), "weight_decay"),
    ("adamx", dict(beta1_decay=1.5), "beta1_decay"), ("adamx", dict(beta2=-0.1), "beta2"),
    ("lion", dict(lr=float("nan")), "lr"), ("lion", dict(beta1=1.1), "beta1"),
    ("lion", dict(weight_decay=-1.0), "weight_decay"),
])
def test_invalid_hyper_parameters_name_themselves(name, hyper, bad):
    with pytest.raises(ValueError, match=bad):
        optimizers.get(name, **hyper)


def test_reference_cases_exist_for_each_library():
    assert len(reference.cases("torch", "adamax")) >= 3
    nadam = reference.cases("torch", "nadam")
    assert any(c.hyper["decoupled_weight_decay"] for c in nadam)
    assert any(c.hyper["momentum_decay"] != 4e-3 for c in nadam)
    lion = reference.cases("optax", "lion")
    assert any(c.hyper["weight_decay"] > 0 for c in lion) and any(c.hyper["weight_decay"] == 0
                                                                     for c in lion)


def test_lion_moves_every_coordinate_by_exactly_lr():
    for wd in (0.0, 0.2):
        traj = helpers.run(optimizers.lion(lr=0.01, weight_decay=wd), "rosenbrock", steps=100)
        step = np.diff(traj.xs, axis=0) + 0.01 * wd * traj.xs[:-1]
        np.testing.assert_allclose(np.abs(step), 0.01, rtol=0, atol=1e-15)
    assert len(optimizers.lion().init(np.zeros(3))) == 2     # count + one momentum array


def test_adamax_is_the_infinity_norm_and_bounded():
    opt = optimizers.adamax(lr=0.1, eps=0.0)
    x, state = np.zeros(2), opt.init(np.zeros(2))
    g_seq = np.random.default_rng(0).normal(size=(50, 2)) * 10
    for g in g_seq:
        new, state = opt.update(g, state, x)
        assert np.all(np.abs(new - x) <= 0.1 + 1e-12)          # |Δ| ≤ η
        x = new
    expected = np.max(np.abs(g_seq) * 0.999 ** np.arange(49, -1, -1)[:, None], axis=0)
    np.testing.assert_allclose(state.exp_inf, expected, rtol=1e-12)


def test_nadam_mu_product_and_decoupled_decay():
    opt = optimizers.nadam(beta1=0.9, momentum_decay=0.004)
    state = opt.init(np.zeros(1))
    for _ in range(5):
        _, state = opt.update(np.ones(1), state, np.zeros(1))
    mus = [0.9 * (1 - 0.5 * 0.96 ** (t * 0.004)) for t in range(1, 6)]
    assert np.isclose(state.mu_product, np.prod(mus), rtol=1e-14)
    dec = optimizers.nadam(lr=0.1, weight_decay=0.5, decoupled_weight_decay=True)
    l2 = optimizers.nadam(lr=0.1, weight_decay=0.5)
    x = np.ones(1)
    assert not np.allclose(dec.update(np.zeros(1), dec.init(x), x)[0],
                           l2.update(np.zeros(1), l2.init(x), x)[0])


def test_adamx_closed_form_and_amsgrad_limit():
    b1, b2, nu = 0.8, 0.99, 0.9
    opt = optimizers.adamx(lr=0.01, beta1=b1, beta2=b2, beta1_decay=nu, eps=0.0)
    g_seq = np.random.default_rng(2).normal(size=(30, 2))
    x, state, vs = np.zeros(2), opt.init(np.zeros(2)), []
    beta1_t = b1 * nu ** np.arange(30)
    for k, g in enumerate(g_seq):
        x, state = opt.update(g, state, x)
        vs.append(state.exp_avg_sq / (1 - beta1_t[k]) ** 2)
        np.testing.assert_allclose(state.max_exp_avg_sq / (1 - beta1_t[k]) ** 2,
                                   np.max(vs, axis=0), rtol=1e-12)
    # ν = 1: the factor is 1 and AdamX is Reddi's AMSGrad (no bias correction)
    ams = optimizers.adamx(lr=0.01, beta1=b1, beta1_decay=1.0, eps=0.0)
    x, state, vmax, m, v = np.zeros(2), ams.init(np.zeros(2)), np.zeros(2), np.zeros(2), np.zeros(2)
    for g in g_seq:
        m, v = b1 * m + (1 - b1) * g, 0.999 * v + 0.001 * g * g
        vmax = np.maximum(vmax, v)
        expected = x - 0.01 * m / np.sqrt(vmax)
        x, state = ams.update(g, state, x)
        np.testing.assert_allclose(x, expected, rtol=1e-12)
