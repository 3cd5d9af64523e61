import math

import numpy as np
import pytest

from helpers import mlp, objectives, optimizers, reference, run


def test_registry_names_and_hyper_round_trip():
    assert {"radam", "lookahead", "ranger"} <= set(optimizers.available())
    la = optimizers.get("lookahead", inner="adam", lr=0.01, k=3, alpha=0.4,
                        inner_hyper=dict(beta2=0.99))
    assert la.hyper["lr"] == 0.01 and la.hyper["inner"] == "adam"
    assert la.hyper["inner_hyper"]["beta2"] == 0.99 and "lr" not in la.hyper["inner_hyper"]
    again = optimizers.get("lookahead", **la.hyper)
    a, b = run(la, "beale", steps=40).xs, run(again, "beale", steps=40).xs
    np.testing.assert_array_equal(a, b)
    assert optimizers.lookahead().hyper["inner"] == "radam"
    assert optimizers.lookahead().hyper["lr"] == optimizers.hyperparameters("radam")["lr"]
    built = optimizers.lookahead(optimizers.sgd(lr=0.1), k=2)
    assert built.hyper["lr"] == 0.1 and built.hyper["inner"] == "sgd"


@pytest.mark.parametrize("name, hyper, bad", [
    ("radam", dict(lr=-1.0), "lr"), ("radam", dict(beta1=1.0), "beta1"),
    ("radam", dict(beta2=1.0), "beta2"), ("radam", dict(eps=-1.0), "eps"),
    ("radam", dict(weight_decay=-0.1), "weight_decay"),
    ("lookahead", dict(k=0), "k"), ("lookahead", dict(k=2.5), "k"),
    ("lookahead", dict(alpha=0.0), "alpha"), ("lookahead", dict(alpha=1.5), "alpha"),
    ("lookahead", dict(inner="ranger"), "inner"), ("lookahead", dict(lr=-1.0), "lr"),
    ("ranger", dict(k=0), "k"), ("ranger", dict(beta2=2.0), "beta2"),
])
def test_invalid_hyper_parameters_name_themselves(name, hyper, bad):
    with pytest.raises(ValueError, match=f"invalid {bad}="):
        optimizers.get(name, **hyper)


def test_lookahead_rejects_mixed_specifications():
    with pytest.raises(ValueError, match="built Optimizer"):
        optimizers.lookahead(optimizers.sgd(), lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        optimizers.lookahead("adam", inner_hyper=dict(lr=0.1))
    with pytest.raises(ValueError, match="unknown hyper-parameter"):
        optimizers.lookahead("adam", inner_hyper=dict(momentum=0.9))


def test_rho_and_rectification():
    beta2 = 0.999
    assert optimizers.rho(1e9, beta2) == pytest.approx(2 / (1 - beta2) - 1)
    assert [t for t in range(1, 10) if optimizers.rho(t, beta2) > 5][0] == 6   # torch
    assert [t for t in range(1, 10) if optimizers.rho(t, beta2) > 4][0] == 5   # paper
    assert math.isnan(optimizers.rectification(5, beta2))
    r = [optimizers.rectification(t, beta2) for t in (6, 100, 10_000, 10**6)]
    assert 0 < r[0] < r[1] < r[2] < r[3] <= 1 and r[3] == pytest.approx(1, abs=1e-3)


def test_radam_first_steps_are_sgd_with_bias_corrected_momentum():
    opt, x = optimizers.radam(lr=0.1), np.array([1.0, -2.0])
    state, m = opt.init(x), np.zeros(2)
    rng = np.random.default_rng(0)
    for t in range(1, 6):
        g = rng.standard_normal(2)
        m = 0.9 * m + 0.1 * g
        x_new, state = opt.update(g, state, x)
        np.testing.assert_allclose(x - x_new, 0.1 * m / (1 - 0.9**t), rtol=1e-12)
        x = x_new


def test_radam_decoupled_decay_is_a_multiplication():
    x, g = np.array([2.0, -1.0]), np.array([0.3, 0.4])
    plain = optimizers.radam(lr=0.1)
    dec = optimizers.radam(lr=0.1, weight_decay=0.5, decoupled_weight_decay=True)
    np.testing.assert_allclose(dec.update(g, dec.init(x), x)[0],
                               plain.update(g, plain.init(x), x * 0.95)[0], rtol=1e-14)


def test_lookahead_with_alpha_one_is_the_inner_optimizer_and_syncs_every_k():
    a = run(optimizers.lookahead("adam", lr=0.05, k=3, alpha=1.0), "beale", steps=30).xs
    b = run(optimizers.adam(lr=0.05), "beale", steps=30).xs
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)
    opt, x = optimizers.lookahead("sgd", lr=0.1, k=4, alpha=0.5), np.array([1.0, 1.0])
    state = opt.init(x)
    for t in range(1, 13):
        x, state = opt.update(np.ones(2), state, x)
        assert np.array_equal(x, state.slow) == (t % 4 == 0)
    np.testing.assert_allclose(state.slow, 1 - 3 * 0.5 * 0.4)   # each sync moves φ by α·kη


def test_lookahead_cases_exist_for_optax_and_radam_for_torch():
    assert len(reference.cases("optax", optimizer="lookahead")) >= 3
    torch_cases = reference.cases(optimizer="radam")
    assert {True, False} == {c.hyper["decoupled_weight_decay"] for c in torch_cases
                             if c.hyper["weight_decay"]}


def test_centralize_subtracts_row_means_of_matrices_only():
    net = mlp.MLP((5, 4, 3))
    shapes = [s for layer in net.shapes for s in layer]
    g = np.random.default_rng(1).standard_normal(net.size)
    c = optimizers.centralize(g, shapes)
    for (W, b), (Wg, bg) in zip(net.unflatten(c), net.unflatten(g)):
        np.testing.assert_allclose(W.mean(axis=1), 0, atol=1e-15)
        np.testing.assert_allclose(W, Wg - Wg.mean(axis=1, keepdims=True))
        np.testing.assert_array_equal(b, bg)
    np.testing.assert_array_equal(optimizers.centralize(g), g)           # flat: identity
    with pytest.raises(ValueError, match="shapes cover"):
        optimizers.centralize(g, shapes[:-1])


def test_ranger_is_radam_plus_lookahead_plus_gc():
    obj = objectives.get("rosenbrock")
    r = run(optimizers.ranger(lr=0.01, weight_decay=0.01), obj, steps=60).xs
    parts = optimizers.lookahead("radam", lr=0.01, k=6, alpha=0.5, inner_hyper=dict(
        beta1=0.95, eps=1e-5, weight_decay=0.01, decoupled_weight_decay=True))
    np.testing.assert_array_equal(r, run(parts, obj, steps=60).xs)
    shapes = [(2, 3), (2,)]
    opt = optimizers.ranger(lr=0.1, shapes=shapes)
    x, g = np.zeros(8), np.arange(8.0)
    inner = optimizers.radam(lr=0.1, beta1=0.95, eps=1e-5, decoupled_weight_decay=True)
    expect = inner.update(optimizers.centralize(g, shapes), inner.init(x), x)[0]
    np.testing.assert_array_equal(opt.update(g, opt.init(x), x)[0], expect)
    assert not np.array_equal(expect, inner.update(g, inner.init(x), x)[0])
