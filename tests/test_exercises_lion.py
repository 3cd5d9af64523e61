import numpy as np
import pytest

from helpers.exercises import lion as exercises


def _lion(new_theta_in_decay=False, same_beta=False):
    def lion_update(theta, g, m, eta, beta1, beta2, weight_decay):
        c = beta1 * m + (1 - beta1) * g
        new = theta - eta * np.sign(c)
        new = new - eta * weight_decay * (new if new_theta_in_decay else theta)
        return new, (beta1 if same_beta else beta2) * m + (1 - (beta1 if same_beta else beta2)) * g
    return lion_update


def test_lion_update_accepts_optax_lion_and_rejects_variants(capsys):
    assert exercises.check_lion_update(_lion())
    with pytest.raises(AssertionError, match="momentum"):
        exercises.check_lion_update(_lion(same_beta=True))
    with pytest.raises(AssertionError):
        exercises.check_lion_update(_lion(new_theta_in_decay=True))
    assert exercises.check_lion_update(lambda *a: None) is None
    assert "not attempted" in capsys.readouterr().out


def test_lion_weight_decay_keeps_the_product():
    assert exercises.check_lion_weight_decay(lambda ea, wa, el: ea * wa / el)
    with pytest.raises(AssertionError, match="product"):
        exercises.check_lion_weight_decay(lambda ea, wa, el: wa)
    with pytest.raises(AssertionError):
        exercises.check_lion_weight_decay(lambda ea, wa, el: el * wa / ea)


def test_nadam_mu_is_torchs_schedule(capsys):
    assert exercises.check_nadam_mu(lambda t, b1, psi: b1 * (1 - 0.5 * 0.96 ** (t * psi)))
    with pytest.raises(AssertionError, match="μ_t"):
        exercises.check_nadam_mu(lambda t, b1, psi: b1)
    with pytest.raises(AssertionError):                     # off by one step
        exercises.check_nadam_mu(lambda t, b1, psi: b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi)))
    assert exercises.check_nadam_mu(lambda *a: None) is None
    assert "not attempted" in capsys.readouterr().out
