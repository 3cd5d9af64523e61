import numpy as np
import pytest

from helpers.exercises import animations as exercises


def _gd_steps(power=2, shift=0, slow_mode_only=False):
    def gd_steps_to_tol(A, theta0, eta, tol):
        lam, Q = np.linalg.eigh(A)
        c = Q.T @ np.asarray(theta0, dtype=float)
        if slow_mode_only:
            lam, c = lam[:1], c[:1]
        r = 1 - eta * lam
        if np.abs(r).max() >= 1:
            return None
        for t in range(5000):
            if 0.5 * np.sum(lam * c**2 * np.abs(r) ** (power * t)) <= tol:
                return t + shift
        return None
    return gd_steps_to_tol


def test_gd_steps_to_tol_is_checked_against_gd_runs(capsys):
    assert exercises.check_gd_steps_to_tol(_gd_steps())
    with pytest.raises(AssertionError, match="GD reaches"):
        exercises.check_gd_steps_to_tol(_gd_steps(shift=1))          # off by one
    with pytest.raises(AssertionError, match="GD reaches"):
        exercises.check_gd_steps_to_tol(_gd_steps(power=1))          # |r|^t: the error, not the gap
    with pytest.raises(AssertionError, match="η = 0.45"):   # blind to the unstable steep mode
        exercises.check_gd_steps_to_tol(_gd_steps(slow_mode_only=True))
    assert exercises.check_gd_steps_to_tol(lambda *args: None) is None
    assert "not attempted" in capsys.readouterr().out


def _score(log=np.log10, floor=1e-16, above=True, diverged=True):
    def mean_log10_gap(fs, f_min, is_diverged):
        fs = np.asarray(fs, dtype=float)
        if (diverged and is_diverged) or (above and fs[-1] > fs[0]):
            return np.inf
        with np.errstate(divide="ignore"):
            return float(np.mean(log(np.maximum(fs - f_min, floor))))
    return mean_log10_gap


def test_mean_log10_gap_needs_the_floor_base_and_both_infinities(capsys):
    assert exercises.check_mean_log10_gap(_score())
    for wrong in (_score(log=np.log), _score(floor=0.0), _score(above=False),
                  _score(diverged=False)):
        with pytest.raises(AssertionError, match="the race scores it"):
            exercises.check_mean_log10_gap(wrong)
    assert exercises.check_mean_log10_gap(lambda *args: None) is None
    assert "not attempted" in capsys.readouterr().out


def _race_lr(score="mean", unstable="closed form"):
    def race_lr(A, theta0, grid, steps):
        lam, Q = np.linalg.eigh(A)
        c = Q.T @ np.asarray(theta0, dtype=float)
        t = np.arange(steps + 1)[:, None]
        scores = {}
        for eta in grid:
            gaps = 0.5 * np.sum(lam * c**2 * (1 - eta * lam) ** (2 * t), axis=1)
            stable = np.abs(1 - eta * lam).max() < 1
            ok = stable if unstable == "always inf" else stable or gaps[-1] <= gaps[0]
            value = np.mean(np.log10(np.maximum(gaps, 1e-16))) if score == "mean" else gaps[-1]
            scores[eta] = value if ok else np.inf
        return min(scores, key=scores.get)
    return race_lr


def test_race_lr_is_checked_against_tune_with_the_log_score(capsys):
    assert exercises.check_race_lr(_race_lr())
    with pytest.raises(AssertionError, match="the race picks"):
        exercises.check_race_lr(_race_lr(score="final"))       # the final gap is another score
    with pytest.raises(AssertionError, match="the race picks"):
        exercises.check_race_lr(_race_lr(unstable="always inf"))   # a short race may reward it

    def largest_stable(A, theta0, grid, steps):
        return max(eta for eta in grid if eta * np.linalg.eigvalsh(A).max() < 2)

    with pytest.raises(AssertionError, match="the race picks"):
        exercises.check_race_lr(largest_stable)
    assert exercises.check_race_lr(lambda *args: None) is None
    assert "not attempted" in capsys.readouterr().out
