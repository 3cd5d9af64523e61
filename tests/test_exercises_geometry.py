import math

import numpy as np
import pytest
from scipy import stats

from helpers.exercises import geometry as exercises


def classify(H, tol=1e-9):
    lam = np.linalg.eigvalsh(H)
    negative, positive = lam < -tol * np.abs(lam).max(), lam > tol * np.abs(lam).max()
    if negative.any() and positive.any():
        return "saddle"
    return "minimum" if positive.all() else "maximum" if negative.all() else "degenerate"


def test_classify_accepts_eigenvalue_signs_and_rejects_the_2x2_rule(capsys):
    assert exercises.check_classify_critical_point(classify)

    def det_trace(H):                        # right in 2-D, wrong for (−1, −2, 5)
        d, t = np.linalg.det(H), np.trace(H)
        return "saddle" if d < 0 else ("minimum" if t > 0 else "maximum") if d > 0 else "degenerate"

    with pytest.raises(AssertionError, match="eigenvalues"):
        exercises.check_classify_critical_point(det_trace)
    with pytest.raises(AssertionError):      # no degenerate case: a zero eigenvalue is a minimum
        exercises.check_classify_critical_point(
            lambda H: "saddle" if classify(H) == "saddle" else
            ("maximum" if np.linalg.eigvalsh(H).max() <= 0 else "minimum"))
    assert exercises.check_classify_critical_point(lambda H: None) is None
    assert "not attempted" in capsys.readouterr().out


def test_optimal_gd_checks_step_and_rate():
    assert exercises.check_optimal_gd(lambda mu, L: (2 / (L + mu), (L - mu) / (L + mu)))
    with pytest.raises(AssertionError, match="worst factor"):
        exercises.check_optimal_gd(lambda mu, L: (1 / L, 1 - mu / L))
    with pytest.raises(AssertionError, match="shrinks"):
        exercises.check_optimal_gd(lambda mu, L: (2 / (L + mu), 1 - mu / L))


def escape(eta, gamma, sigma, r, k):
    q = 1 + eta * gamma
    return (math.log(r / (eta * sigma)) + math.log(q * q - 1) / 2
            - math.log(stats.chi(k).median())) / math.log(q)


def test_escape_time_is_checked_against_simulations():
    assert exercises.check_escape_time(escape)
    wrong = {
        "no √(q² − 1)": lambda e, g, s, r, k: escape(e, g, s, r, k) - math.log(
            (1 + e * g) ** 2 - 1) / 2 / math.log(1 + e * g),
        "|N(0,1)| for every k": lambda e, g, s, r, k: escape(e, g, s, r, 1),
        "σ instead of ησ": lambda e, g, s, r, k: escape(e, g, s, r, k) - math.log(1 / e) / math.log(
            1 + e * g),
        "mean instead of median": lambda e, g, s, r, k: escape(e, g, s, r, k) + math.log(
            stats.chi(k).median() / stats.chi(k).mean()) / math.log(1 + e * g),
    }
    for answer in wrong.values():            # the keys say what each wrong answer forgets
        with pytest.raises(AssertionError, match="simulated"):
            exercises.check_escape_time(answer)
