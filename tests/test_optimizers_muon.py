import numpy as np
import pytest

from helpers import objectives, optimizers, reference, run


def test_registry_defaults_follow_torch():
    assert "muon" in optimizers.available()
    assert optimizers.hyperparameters("muon") == dict(
        lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
        ns_coefficients=(3.4445, -4.7750, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None,
        shape=None)
    assert len(reference.cases(optimizer="muon")) >= 4


@pytest.mark.parametrize("hyper, bad", [
    (dict(lr=-1.0), "lr"), (dict(momentum=1.0), "momentum"),
    (dict(weight_decay=-0.1), "weight_decay"),
    (dict(eps=-1e-7), "eps"), (dict(ns_steps=100), "ns_steps"), (dict(ns_steps=2.5), "ns_steps"),
    (dict(adjust_lr_fn="sqrt"), "adjust_lr_fn"),
    (dict(ns_coefficients=(1.5, -0.5)), "ns_coefficients"),
    (dict(shape=(3,)), "shape"), (dict(shape=(0, 2)), "shape"),
])
def test_invalid_hyper_parameters_name_themselves(hyper, bad):
    with pytest.raises(ValueError, match=f"invalid {bad}="):
        optimizers.muon(**hyper)


def test_newton_schulz_cubic_converges_to_the_polar_factor():
    rng = np.random.default_rng(0)
    for shape in ((5, 3), (3, 5), (4, 4)):
        G = rng.standard_normal(shape)
        U, _, Vt = np.linalg.svd(G, full_matrices=False)
        Q = optimizers.newton_schulz(G, (1.5, -0.5, 0.0), ns_steps=60)
        np.testing.assert_allclose(Q, U @ Vt, atol=1e-10)
        s = np.linalg.svd(optimizers.newton_schulz(G), compute_uv=False)   # quintic: near 1
        assert 0.6 < s.min() and s.max() < 1.25


def test_update_is_orthogonal_scaled_and_decays_weights():
    opt = optimizers.muon(lr=0.1, weight_decay=0.5, shape=(6, 2), momentum=0.0,
                          ns_coefficients=(1.5, -0.5, 0.0), ns_steps=60)
    theta = np.arange(12.0)
    g = np.random.default_rng(1).standard_normal(12)
    new, state = opt.update(g, opt.init(theta), theta)
    Q = (theta * (1 - 0.1 * 0.5) - new).reshape(6, 2) / (0.1 * np.sqrt(6 / 2))
    np.testing.assert_allclose(Q.T @ Q, np.eye(2), atol=1e-10)     # √(rows/cols), decoupled λ
    rms = optimizers.muon(lr=0.1, weight_decay=0.0, shape=(6, 2), adjust_lr_fn="match_rms_adamw",
                          momentum=0.0, ns_coefficients=(1.5, -0.5, 0.0), ns_steps=60)
    step = theta - rms.update(g, rms.init(theta), theta)[0]
    assert np.sqrt(np.mean(step**2)) == pytest.approx(0.1 * 0.2, rel=1e-9)   # RMS 0.2 η


def test_flat_vector_without_shape_is_a_row_and_matrices_keep_their_shape():
    opt = optimizers.muon(lr=0.01, weight_decay=0.0, momentum=0.0,
                          ns_coefficients=(1.5, -0.5, 0.0), ns_steps=60)
    traj = run(opt, "rosenbrock", steps=3)
    np.testing.assert_allclose(np.linalg.norm(np.diff(traj.xs, axis=0), axis=1), 0.01, rtol=1e-9)
    opt = optimizers.muon(lr=0.1)
    W = np.ones((3, 2))
    assert opt.update(np.eye(3, 2), opt.init(W), W)[0].shape == (3, 2)
    with pytest.raises(ValueError, match="shape"):
        bad = optimizers.muon(shape=(2, 2))
        bad.update(np.ones(3), bad.init(np.ones(3)), np.ones(3))


def test_partition_equals_its_parts_and_checks_coverage():
    obj = objectives.get("matrix_least_squares", rows=3, cols=2)
    whole = optimizers.adam(lr=0.1)
    split = optimizers.partition([(slice(0, 2), optimizers.adam(lr=0.1)),
                                  (np.array([2, 3, 4, 5]), optimizers.adam(lr=0.1))])
    np.testing.assert_allclose(run(split, obj, steps=30).xs, run(whole, obj, steps=30).xs,
                               atol=1e-14)
    with pytest.raises(ValueError, match="invalid parts"):
        optimizers.partition([(slice(0, 4), whole)]).init(np.zeros(6))
    with pytest.raises(ValueError, match="invalid parts"):
        optimizers.partition([(slice(0, 4), whole), (slice(3, 6), whole)]).init(np.zeros(6))


