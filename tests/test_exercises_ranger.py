import pytest

from helpers.exercises import ranger as exercises


def _rho(t, beta2):
    rho_inf = 2 / (1 - beta2) - 1
    return rho_inf - 2 * t * beta2**t / (1 - beta2**t)


def test_rho_t_accepts_the_formula_and_rejects_variants(capsys):
    assert exercises.check_rho_t(_rho)
    with pytest.raises(AssertionError, match="bias-correction"):       # forgot 1 − β2^t
        exercises.check_rho_t(lambda t, b: 2 / (1 - b) - 1 - 2 * t * b**t)
    with pytest.raises(AssertionError):                               # ρ∞ = 2/(1 − β2)
        exercises.check_rho_t(lambda t, b: _rho(t, b) + 1)
    assert exercises.check_rho_t(lambda t, b: None) is None
    assert "not attempted" in capsys.readouterr().out


def test_first_rectified_step_is_computed_not_remembered():
    def first(beta2, threshold):
        t = 1
        while _rho(t, beta2) <= threshold:
            t += 1
        return t

    assert exercises.check_first_rectified_step(first)
    with pytest.raises(AssertionError, match="first t"):
        exercises.check_first_rectified_step(lambda b, thr: 6 if thr == 5 else 5)  # β2 ≈ 1 only
    with pytest.raises(AssertionError):                                # off by one
        exercises.check_first_rectified_step(lambda b, thr: first(b, thr) - 1)


def test_lookahead_factor_is_checked_against_runs():
    assert exercises.check_lookahead_factor(lambda c, k, a: 1 - a + a * c**k)
    with pytest.raises(AssertionError, match="slow weights shrank"):
        exercises.check_lookahead_factor(lambda c, k, a: c**k)            # forgot the pull
    with pytest.raises(AssertionError):
        exercises.check_lookahead_factor(lambda c, k, a: (1 - a) * c**k + a)   # roles swapped
