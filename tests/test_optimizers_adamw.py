import numpy as np
import pytest

from helpers import objectives, optimizers, reference, run, schedules


def test_registry_defaults_follow_torch_adamw():
    assert "adamw" in optimizers.available()
    assert optimizers.get("AdamW").name == "adamw"
    assert optimizers.hyperparameters("adamw") == dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                                                       weight_decay=1e-2, amsgrad=False)
    assert set(optimizers.adamw().hyper) == set(optimizers.hyperparameters("adamw"))


@pytest.mark.parametrize("hyper, bad", [
    (dict(lr=-1e-3), "lr"), (dict(beta1=1.0), "beta1"), (dict(beta2=-0.1), "beta2"),
    (dict(eps=-1e-8), "eps"), (dict(weight_decay=-0.01), "weight_decay"),
    (dict(weight_decay=float("inf")), "weight_decay"),
])
def test_invalid_hyper_parameters_name_themselves(hyper, bad):
    with pytest.raises(ValueError, match=f"adamw: invalid {bad}="):
        optimizers.get("adamw", **hyper)


def test_reference_cases_cover_amsgrad_schedule_and_strong_decay():
    cases = reference.cases(optimizer="adamw")
    assert len(cases) >= 5
    assert any(c.hyper["amsgrad"] for c in cases) and any(c.schedule for c in cases)
    assert all(c.reference.startswith("torch.optim.AdamW(") for c in cases)
    for c in cases:
        assert reference.deviation(c) <= 1e-10, c.id


@pytest.mark.parametrize("case_id", ["adamw_strong_decay_booth", "adamw_cosine_himmelblau"])
def test_traces_tell_decoupled_from_coupled_and_from_no_decay(case_id):
    c = reference.case(case_id)
    coupled = c._replace(optimizer="adam")                  # same λ as an L2 penalty
    none = c._replace(hyper=dict(c.hyper, weight_decay=0.0))
    assert reference.deviation(coupled) > 1e-3 and reference.deviation(none) > 1e-3


def test_zero_decay_is_adam_bit_for_bit():
    rosen = objectives.get("rosenbrock")
    for amsgrad in (False, True):
        a = run(optimizers.adamw(lr=1e-2, weight_decay=0.0, amsgrad=amsgrad), rosen, steps=50).xs
        b = run(optimizers.adam(lr=1e-2, amsgrad=amsgrad), rosen, steps=50).xs
        np.testing.assert_array_equal(a, b)


def test_decay_acts_before_the_step_with_the_scheduled_rate():
    lr = schedules.cosine(0.1, T_max=10)
    opt = optimizers.adamw(lr=lr, weight_decay=0.5)
    theta = np.array([2.0, -3.0])
    state = opt.init(theta)
    for k in range(4):
        g = np.zeros(2)                                       # no loss gradient: pure decay
        new, state = opt.update(g, state, theta)
        np.testing.assert_allclose(new, theta * (1 - lr(k) * 0.5), rtol=1e-15)
        theta = new
    # with a loss gradient the decay uses θ_{t−1}, then Adam's first step moves ±η
    x, g = np.array([1.0, -1.0]), np.array([3.0, -0.2])
    new, _ = optimizers.adamw(lr=0.1, weight_decay=0.2).update(g, optimizers.adamw().init(x), x)
    np.testing.assert_allclose(new, x * (1 - 0.02) - 0.1 * np.sign(g), rtol=1e-7)


def test_decoupled_decay_is_uniform_while_l2_in_adam_is_rescaled():
    """On f = 0 the only force is the decay: AdamW shrinks every coordinate by the same factor;
    Adam + L2 normalizes λθ by its own √v̂, so every coordinate moves by ≈ η regardless of size."""
    flat = objectives.quadratic(A=np.zeros((2, 2)), b=np.zeros(2))
    x0 = np.array([10.0, 0.1])
    w = run(optimizers.adamw(lr=0.01, weight_decay=0.1), flat, x0, steps=20).xs
    np.testing.assert_allclose(w[-1] / x0, (1 - 0.001) ** 20, rtol=1e-12)
    a = run(optimizers.adam(lr=0.01, weight_decay=0.1), flat, x0, steps=1).xs
    np.testing.assert_allclose(x0 - a[-1], 0.01, rtol=1e-6)


def test_adamw_is_adams_update_with_decoupled_decay_as_torch_builds_it():
    from helpers.optimizers.basics import _adam

    obj = objectives.get("booth")
    a = run(optimizers.adamw(lr=0.05, weight_decay=0.3, amsgrad=True), obj, steps=50)
    b = run(_adam("adamw", 0.05, 0.9, 0.999, 1e-8, 0.3, True, decoupled=True), obj, steps=50)
    np.testing.assert_array_equal(a.xs, b.xs)
    coupled = run(optimizers.adam(lr=0.05, weight_decay=0.3, amsgrad=True), obj, steps=50)
    assert np.abs(coupled.xs - a.xs).max() > 1e-3
