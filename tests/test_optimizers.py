import numpy as np
import pytest

from helpers import objectives, optimizers, reference, run, schedules

CASES = [c for library in reference.libraries() for c in reference.cases(library)]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.library}:{c.id}" for c in CASES])
def test_reproduces_reference_trace(case):
    assert reference.deviation(case) <= 1e-10


@pytest.mark.parametrize("case", CASES, ids=[f"{c.library}:{c.id}" for c in CASES])
def test_reference_traces_discriminate(case):
    """A 1e-6 relative change of one hyper-parameter must break the match: the traces are
    sharp enough to catch a wrong constant, not just a wrong formula."""
    c = case._replace(schedule=None, hyper=dict(case.hyper, lr=case.hyper.get(
        "lr", case.schedule and case.schedule["kwargs"]["lr"]) * (1 + 1e-6)))
    assert reference.deviation(c) > 1e-10


def test_every_torch_optimizer_has_several_reference_cases():
    for name in ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam"):
        assert len(reference.cases(optimizer=name)) >= 2, name
    assert {"amsgrad", "centered", "dampening", "weight_decay"} <= {
        k for c in CASES for k, v in c.hyper.items() if v not in (0, 0.0, False)}
    assert reference.versions()["torch"].startswith("2.13")


def test_registry_names_aliases_and_errors():
    assert {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "newton"} <= set(
        optimizers.available())
    assert optimizers.get("GD").name == "sgd"
    assert optimizers.get("AMSGrad").hyper["amsgrad"] is True
    with pytest.raises(ValueError, match="available: .*adam"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="unknown hyper-parameter.*betas.*accepted: .*beta1"):
        optimizers.get("adam", betas=(0.9, 0.99))
    assert optimizers.hyperparameters("GD") == dict(lr=1e-3, momentum=0.0, dampening=0.0,
                                                    weight_decay=0.0, nesterov=False)
    assert optimizers.hyperparameters("AMSGrad")["amsgrad"] is True
    assert optimizers.get("amsgrad", amsgrad=False).hyper["amsgrad"] is False  # explicit wins


@pytest.mark.parametrize("name, hyper, bad", [
    ("sgd", dict(lr=-0.1), "lr"), ("sgd", dict(momentum=-1), "momentum"),
    ("sgd", dict(weight_decay=float("nan")), "weight_decay"), ("adam", dict(beta1=1.0), "beta1"),
    ("adam", dict(beta2=-0.1), "beta2"), ("adam", dict(eps=-1e-8), "eps"),
    ("rmsprop", dict(alpha=1.5), "alpha"), ("adagrad", dict(lr_decay=-1), "lr_decay"),
    ("adagrad", dict(initial_accumulator_value=-1), "initial_accumulator_value"),
    ("newton", dict(lr="fast"), "lr"),
    ("adadelta", dict(lr=-1.0), "lr"), ("adadelta", dict(rho=1.01), "rho"),
    ("adadelta", dict(eps=-1e-6), "eps"), ("adadelta", dict(weight_decay=-0.1), "weight_decay"),
])
def test_invalid_hyper_parameters_name_themselves(name, hyper, bad):
    with pytest.raises(ValueError, match=f"invalid {bad}="):
        optimizers.get(name, **hyper)


def test_nesterov_needs_momentum_and_no_dampening():
    with pytest.raises(ValueError, match="nesterov"):
        optimizers.sgd(nesterov=True)
    with pytest.raises(ValueError, match="nesterov"):
        optimizers.sgd(momentum=0.9, dampening=0.1, nesterov=True)


def test_state_is_pure_and_visible():
    opt = optimizers.adam(lr=0.1)
    x = np.array([1.0, -2.0])
    s0 = opt.init(x)
    x1, s1 = opt.update(np.array([0.5, 0.5]), s0, x)
    x1b, _ = opt.update(np.array([0.5, 0.5]), s0, x)  # same inputs, same outputs
    np.testing.assert_array_equal(x1, x1b)
    assert s0.count == 0 and s1.count == 1 and not np.shares_memory(x, x1)
    # Adam's first step moves every coordinate by lr (bias correction makes m̂/√v̂ = ±1)
    np.testing.assert_allclose(np.abs(x1 - x), 0.1, rtol=1e-6)


def test_newton_solves_a_quadratic_in_one_step_and_converges_quadratically():
    q = objectives.get("ill_conditioned", kappa=1e3, angle=20)
    q = objectives.get("quadratic", A=q.params["A"].tolist(), b=[1.0, 2.0])
    traj = run("newton", q, steps=1)
    np.testing.assert_allclose(traj.x, q.minima[0], atol=1e-12)
    e = run("newton", "rosenbrock", x0=[0.9, 0.7], steps=6).distance([1, 1])
    assert e[5] < 1e-12                       # 0.3 → 1e-2 → 5e-4 → 6e-8 → 4e-14
    assert np.all(e[2:5] / e[1:4] ** 2 < 20)  # e_{t+1} ≤ C e_t²
    with pytest.raises(ValueError, match="objective"):
        optimizers.newton().update(np.ones(2), optimizers.newton().init(np.ones(2)), np.ones(2))


def test_schedules_feed_the_lr():
    sched = schedules.linear_decay(0.1, tau=10, final_lr=0.01)
    assert [sched(k) for k in (0, 5, 10, 20)] == pytest.approx([0.1, 0.055, 0.01, 0.01])
    opt = optimizers.sgd(lr=sched)
    x, s = np.array([1.0]), opt.init(np.array([1.0]))
    steps = []
    for _ in range(3):
        x_new, s = opt.update(np.array([1.0]), s, x)
        steps.append((x - x_new).item())
        x = x_new
    assert steps == pytest.approx([sched(0), sched(1), sched(2)])
    with pytest.raises(ValueError, match="tau"):
        schedules.linear_decay(0.1, tau=0)
