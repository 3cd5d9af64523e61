import numpy as np
import pytest

from helpers.exercises import adamw as exercises


def _adamw(order="torch"):
    def adamw_update(theta, g, m, v, t, eta, beta1, beta2, eps, weight_decay):
        if order == "coupled":                       # Adam + L2: λθ enters the moments
            g = g + weight_decay * theta
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        step = eta * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
        if order == "torch":
            return theta * (1 - eta * weight_decay) - step, m, v
        if order == "after":                         # decay applied to the stepped θ
            return (theta - step) * (1 - eta * weight_decay), m, v
        return theta - step, m, v
    return adamw_update


def test_adamw_update_accepts_torch_order_and_rejects_variants(capsys):
    assert exercises.check_adamw_update(_adamw())
    for wrong in ("coupled", "after"):
        with pytest.raises(AssertionError, match="shrink θ by"):
            exercises.check_adamw_update(_adamw(wrong))
    assert exercises.check_adamw_update(lambda *a: None) is None
    assert "not attempted" in capsys.readouterr().out


def test_torch_hyper_is_the_lr_times_schedule_and_decay_over_alpha(capsys):
    assert exercises.check_torch_hyper(lambda alpha, lam, eta_t: (eta_t * alpha, lam / alpha))
    with pytest.raises(AssertionError, match="multiplies the decay by lr"):
        exercises.check_torch_hyper(lambda alpha, lam, eta_t: (eta_t * alpha, lam))
    with pytest.raises(AssertionError):              # forgets the schedule multiplier
        exercises.check_torch_hyper(lambda alpha, lam, eta_t: (alpha, lam / alpha))
    with pytest.raises(AssertionError):              # λ/(η_t α): decay would ignore η_t
        exercises.check_torch_hyper(lambda alpha, lam, eta_t: (eta_t * alpha,
                                                               lam / (eta_t * alpha)))
    assert exercises.check_torch_hyper(lambda *a: None) is None
    assert "not attempted" in capsys.readouterr().out


def test_box_limit_is_the_clip_not_the_l2_solution(capsys):
    assert exercises.check_box_limit(lambda a, c, lam: np.clip(c, -1 / lam, 1 / lam))
    with pytest.raises(AssertionError, match="AdamW ended at"):     # Adam + L2's limit
        exercises.check_box_limit(lambda a, c, lam: a * c / (a + lam))
    with pytest.raises(AssertionError):                             # no decay at all
        exercises.check_box_limit(lambda a, c, lam: c)
    assert exercises.check_box_limit(lambda *a: None) is None
    assert "not attempted" in capsys.readouterr().out
