import numpy as np
import pytest

from helpers.exercises import muon as ex


def polar(G):
    U, _, Vt = np.linalg.svd(G, full_matrices=False)
    return U @ Vt


def update_rms(rows, cols, fn):
    return 0.2 if fn == "match_rms_adamw" else 1 / np.sqrt(cols)   # ‖UVᵀ‖_F = √min(rows, cols)


def fixed_points(a, b, c):
    r = np.roots([c, 0, b, 0, a - 1, 0] if c else [b, 0, a - 1, 0])
    return sorted(x.real for x in r if abs(x.imag) < 1e-12 and x.real > 1e-12)


def test_solutions_pass():
    assert ex.check_polar_factor(polar)
    assert ex.check_update_rms(update_rms)
    assert ex.check_fixed_points(fixed_points)


def test_stubs_are_not_attempted(capsys):
    assert ex.check_polar_factor(lambda G: None) is None
    assert ex.check_update_rms(lambda r, c, f: None) is None
    assert ex.check_fixed_points(lambda a, b, c: None) is None
    assert capsys.readouterr().out.count("not attempted") == 3


@pytest.mark.parametrize("wrong", [
    lambda G: np.linalg.svd(G, full_matrices=False)[0] if G.shape[0] <= G.shape[1]
    else -polar(G),
    lambda G: G / np.linalg.norm(G, 2),
    lambda G: -polar(G),
])
def test_wrong_polar_factors_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_polar_factor(wrong)


@pytest.mark.parametrize("wrong", [
    lambda r, c, f: 1 / np.sqrt(c),                              # ignores match_rms_adamw
    lambda r, c, f: 0.2 if f else 1 / np.sqrt(r),
    lambda r, c, f: 0.2 if f else np.sqrt(max(1, r / c)),        # the scale, not the RMS
])
def test_wrong_update_rms_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_update_rms(wrong)


@pytest.mark.parametrize("wrong", [
    lambda a, b, c: [1.0],
    lambda a, b, c: fixed_points(a, b, c)[:1],
    lambda a, b, c: [0.0] + list(fixed_points(a, b, c)),
])
def test_wrong_fixed_points_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_fixed_points(wrong)
