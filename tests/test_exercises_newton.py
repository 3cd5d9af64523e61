import numpy as np
import pytest

from helpers import optimizers
from helpers.exercises import newton as ex


def cauchy(g, H, Delta):
    return optimizers.cauchy_point(g, H, Delta)[0]


def lm_step(J, r, delta, scaling):
    A = J.T @ J
    D = np.eye(len(A)) if scaling == "levenberg" else np.diag(np.diag(A))
    return np.linalg.solve(A + delta * D, -J.T @ r)


def saddle_free(g, H):
    lam, Q = np.linalg.eigh(H)
    return -Q @ ((Q.T @ g) / np.abs(lam))


def test_solutions_pass():
    assert ex.check_cauchy_point(cauchy)
    assert ex.check_lm_step(lm_step)
    assert ex.check_saddle_free_step(saddle_free)


def test_stubs_are_not_attempted(capsys):
    assert ex.check_cauchy_point(lambda g, H, D: None) is None
    assert ex.check_lm_step(lambda J, r, d, s: None) is None
    assert ex.check_saddle_free_step(lambda g, H: None) is None
    assert capsys.readouterr().out.count("not attempted") == 3


def unclipped(g, H, Delta):                       # forgets τ ≤ 1
    gHg = g @ H @ g
    tau = 1.0 if gHg <= 0 else np.linalg.norm(g) ** 3 / (Delta * gHg)
    return -tau * Delta / np.linalg.norm(g) * g


def no_negative_curvature(g, H, Delta):           # treats gᵀHg ≤ 0 as τ = 0
    gHg = g @ H @ g
    tau = 0.0 if gHg <= 0 else min(1.0, np.linalg.norm(g) ** 3 / (Delta * gHg))
    return -tau * Delta / np.linalg.norm(g) * g


@pytest.mark.parametrize("wrong", [
    unclipped, no_negative_curvature,
    lambda g, H, D: -D * g / np.linalg.norm(g),                     # always the boundary
    lambda g, H, D: optimizers.exact_subproblem(g, H, D)[0],        # the exact step, not along −g
    lambda g, H, D: -cauchy(g, H, D),
])
def test_wrong_cauchy_points_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_cauchy_point(wrong)


@pytest.mark.parametrize("wrong", [
    lambda J, r, d, s: lm_step(J, r, d, "marquardt" if s == "levenberg" else "levenberg"),
    lambda J, r, d, s: lm_step(J, r, d, "levenberg"),                # ignores the scaling
    lambda J, r, d, s: -lm_step(J, r, d, s),
    lambda J, r, d, s: np.linalg.solve(J.T @ J + d * np.eye(J.shape[1]), J.T @ r),
    lambda J, r, d, s: lm_step(J, r, np.sqrt(d), s),
])
def test_wrong_lm_steps_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_lm_step(wrong)


@pytest.mark.parametrize("wrong", [
    lambda g, H: -np.linalg.solve(H, g),                             # plain Newton
    lambda g, H: -g,                                                 # gradient descent
    lambda g, H: -np.linalg.solve(H + 10 * np.eye(len(H)), g),       # damping
    lambda g, H: saddle_free(g, H) * 2,
])
def test_wrong_saddle_free_steps_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_saddle_free_step(wrong)
