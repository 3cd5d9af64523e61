"""helpers.schedules against torch.optim.lr_scheduler's recorded sequences, and their contracts.

Tolerance: torch's StepLR, ExponentialLR, LinearLR and CosineAnnealingLR update the rate
recursively (η_k = r_k · η_{k−1}); helpers evaluates the closed form. Both are exact in exact
arithmetic; in floating point each recursive step adds at most a few ulps of relative error,
so after k steps the two differ by at most about c·k·2⁻⁵³ (the longest trace has 1,001
steps: ≲ 1e-13). 1e-12 relative is therefore a bound we can justify, not a fudge; the
largest deviation measured is 3.7e-15. OneCycleLR is not recursive and matches bit for bit.
"""
import math

import numpy as np
import pytest

from helpers import objectives, optimizers, reference, run, schedules

CASES = [c for c in reference.schedule_cases() if c.schedule in schedules.__all__]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_reproduces_torch_lr_scheduler(case):
    assert reference.schedule_deviation(case) <= 1e-12, case.reference


@pytest.mark.parametrize("case", [c for c in CASES if c.schedule != "constant"],
                         ids=lambda c: c.id)
def test_traces_discriminate(case):
    fn = reference.build_schedule(case)
    assert reference.schedule_deviation(case, lambda k: fn(k + 1)) > 1e-6   # off by one step
    assert reference.schedule_deviation(case, lambda k: fn(k) * (1 + 1e-9)) > 1e-12


@pytest.mark.parametrize("case", [c for c in CASES if c.schedule == "one_cycle"],
                         ids=lambda c: c.id)
def test_one_cycle_is_bit_for_bit(case):
    assert reference.schedule_deviation(case) == 0.0


def test_every_schedule_has_torch_traces_recorded_by_torch_2_13():
    for name in schedules.__all__:
        assert reference.schedule_cases(schedule=name), name
    assert reference.schedule_versions()["torch"].startswith("2.13")
    assert {c.schedule for c in reference.schedule_cases()} - set(schedules.__all__) == {"sgdr"}


def test_schedule_traces_stay_out_of_the_optimizer_cases():
    assert "torch_lr_scheduler" not in reference.libraries()
    assert all(c.library == "torch" for c in reference.cases())
    with pytest.raises(ValueError, match="have:"):
        reference.schedule_cases(schedule="nope")
    with pytest.raises(ValueError, match="not a helpers"):
        reference.build_schedule(reference.schedule_cases(schedule="sgdr")[0])


def test_closed_forms_and_conventions():
    step = schedules.step_decay(1.0, 3, 0.5)
    assert step(5) == 0.5 and step(6) == 0.25
    assert schedules.exponential(2.0, 0.5)(3) == 0.25
    cos = schedules.cosine(1.0, 10, eta_min=0.1)
    assert cos(0) == 1.0 and cos(5) == pytest.approx(0.55) and cos(10) == cos(99) == 0.1
    wc = schedules.warmup_cosine(1.0, warmup=4, total=14, start_factor=0.2)
    assert [wc(k) for k in range(5)] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert [wc(4 + k) for k in range(12)] == pytest.approx(
        [schedules.cosine(1.0, 10)(k) for k in range(12)])
    plain = schedules.warmup_cosine(1.0, warmup=0, total=10)
    assert [plain(k) for k in range(12)] == [schedules.cosine(1.0, 10)(k) for k in range(12)]
    oc = schedules.one_cycle(1.0, 100, pct_start=0.3, div_factor=25.0, final_div_factor=1e4)
    assert oc(0) == pytest.approx(1 / 25, rel=1e-14) and oc(99) == 1 / 25 / 1e4  # as torch
    assert oc(29) == pytest.approx(1.0)
    assert oc(150) == oc(99) and max(oc(k) for k in range(100)) == pytest.approx(1.0)
    isq = schedules.inverse_sqrt(0.3)
    assert [isq(k) for k in (0, 3, 99)] == pytest.approx([0.3, 0.15, 0.03])
    w = schedules.inverse_sqrt(0.3, warmup=10)
    assert w(9) == pytest.approx(0.3) and w(0) == pytest.approx(0.03)
    assert w(39) == pytest.approx(0.15) and max(w(k) for k in range(100)) == w(9)
    assert schedules.constant(0.7)(12345) == 0.7


@pytest.mark.parametrize("factory, kwargs, bad", [
    (schedules.constant, dict(lr=0.0), "lr"),
    (schedules.linear_decay, dict(lr=0.1, tau=0), "tau"),
    (schedules.linear_decay, dict(lr=0.1, tau=10, final_lr=-1), "final_lr"),
    (schedules.step_decay, dict(lr=-0.1, step_size=3), "lr"),
    (schedules.step_decay, dict(lr=0.1, step_size=2.5), "step_size"),
    (schedules.step_decay, dict(lr=0.1, step_size=0), "step_size"),
    (schedules.step_decay, dict(lr=0.1, step_size=3, gamma=1.5), "gamma"),
    (schedules.exponential, dict(lr=0.1, gamma=0.0), "gamma"),
    (schedules.exponential, dict(lr=float("nan"), gamma=0.9), "lr"),
    (schedules.cosine, dict(lr=0.1, T_max=0), "T_max"),
    (schedules.cosine, dict(lr=0.1, T_max=True), "T_max"),
    (schedules.cosine, dict(lr=0.1, T_max=10, eta_min=0.2), "eta_min"),
    (schedules.warmup_cosine, dict(lr=0.1, warmup=10, total=10), "total"),
    (schedules.warmup_cosine, dict(lr=0.1, warmup=-1, total=10), "warmup"),
    (schedules.warmup_cosine, dict(lr=0.1, warmup=2, total=10, start_factor=0.0), "start_factor"),
    (schedules.warmup_cosine, dict(lr=0.1, warmup=2, total=10, eta_min=-1e-3), "eta_min"),
    (schedules.one_cycle, dict(max_lr=0.0, total_steps=100), "max_lr"),
    (schedules.one_cycle, dict(max_lr=0.1, total_steps=1), "total_steps"),
    (schedules.one_cycle, dict(max_lr=0.1, total_steps=100, pct_start=1.0), "pct_start"),
    (schedules.one_cycle, dict(max_lr=0.1, total_steps=10, pct_start=0.1), "pct_start"),
    (schedules.one_cycle, dict(max_lr=0.1, total_steps=100, anneal_strategy="exp"),
     "anneal_strategy"),
    (schedules.one_cycle, dict(max_lr=0.1, total_steps=100, div_factor=0), "div_factor"),
    (schedules.one_cycle, dict(max_lr=0.1, total_steps=100, final_div_factor=-1),
     "final_div_factor"),
    (schedules.inverse_sqrt, dict(lr=0.1, warmup=0), "warmup"),
])
def test_invalid_arguments_raise_naming_them(factory, kwargs, bad):
    with pytest.raises(ValueError, match=f"^{bad} must"):
        factory(**kwargs)


def test_every_schedule_drives_an_optimizer():
    q = objectives.get("quadratic")
    made = [schedules.constant(0.1), schedules.linear_decay(0.1, 50), schedules.step_decay(
        0.1, 20), schedules.exponential(0.1, 0.98), schedules.cosine(0.1, 50),
        schedules.warmup_cosine(0.1, 5, 50), schedules.one_cycle(0.1, 50),
        schedules.inverse_sqrt(0.1, 5)]
    for fn in made:
        traj = run(optimizers.sgd(lr=fn), q, steps=60)
        manual = [q.x0]
        for k in range(60):
            manual.append(manual[-1] - fn(k) * q.grad(manual[-1]))
        np.testing.assert_allclose(traj.xs, manual, rtol=0, atol=1e-15)
        assert math.isfinite(traj.f) and traj.f < q.f(q.x0)
