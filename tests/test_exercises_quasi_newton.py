import numpy as np
import pytest

from helpers.exercises import quasi_newton as ex


def bfgs(H, s, y):
    rho = 1 / (y @ s)
    V = np.eye(len(s)) - rho * np.outer(s, y)
    return V @ H @ V.T + rho * np.outer(s, s)


def dfp(H, s, y):
    Hy = H @ y
    return H - np.outer(Hy, Hy) / (y @ Hy) + np.outer(s, s) / (y @ s)


def direction(g, S, Y, scale=True, reverse=False):
    S, Y = (S[::-1], Y[::-1]) if reverse else (S, Y)
    q, alpha = g.copy(), []
    for s, y in zip(S[::-1], Y[::-1]):
        alpha.append((s @ q) / (y @ s))
        q = q - alpha[-1] * y
    r = q * ((S[-1] @ Y[-1]) / (Y[-1] @ Y[-1]) if scale else 1.0)
    for s, y, a in zip(S, Y, alpha[::-1]):
        r = r + (a - (y @ r) / (y @ s)) * s
    return -r


def wolfe(obj, x, d, alpha, c1, c2):
    z, slope = x + alpha * d, obj.grad(x) @ d
    return obj.f(z) <= obj.f(x) + c1 * alpha * slope, abs(obj.grad(z) @ d) <= c2 * abs(slope)


def test_solutions_pass():
    assert ex.check_bfgs_inverse_update(bfgs)
    assert ex.check_lbfgs_direction(direction)
    assert ex.check_wolfe_conditions(wolfe)


def test_stubs_are_not_attempted(capsys):
    assert ex.check_bfgs_inverse_update(lambda H, s, y: None) is None
    assert ex.check_lbfgs_direction(lambda g, S, Y: None) is None
    assert ex.check_wolfe_conditions(lambda o, x, d, a, c1, c2: None) is None
    assert capsys.readouterr().out.count("not attempted") == 3


@pytest.mark.parametrize("wrong", [
    dfp,                                                             # secant, symmetric, not BFGS
    lambda H, s, y: H + np.outer(s, s) / (y @ s),                     # a term missing
    lambda H, s, y: bfgs(H, y, s),                                   # s and y swapped
    lambda H, s, y: np.linalg.inv(bfgs(H, s, y)),
])
def test_wrong_updates_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_bfgs_inverse_update(wrong)


@pytest.mark.parametrize("wrong", [
    lambda g, S, Y: -direction(g, S, Y),                             # +Hg: ascent
    lambda g, S, Y: direction(g, S, Y, scale=False),                 # H0 = I
    lambda g, S, Y: direction(g, S, Y, reverse=True),                # pairs in the wrong order
    lambda g, S, Y: -g,
])
def test_wrong_directions_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_lbfgs_direction(wrong)


@pytest.mark.parametrize("wrong", [
    lambda o, x, d, a, c1, c2: (wolfe(o, x, d, a, c1, c2)[0],
                                o.grad(x + a * d) @ d >= c2 * (o.grad(x) @ d)),  # weak Wolfe
    lambda o, x, d, a, c1, c2: (o.f(x + a * d) <= o.f(x), wolfe(o, x, d, a, c1, c2)[1]),
    lambda o, x, d, a, c1, c2: wolfe(o, x, d, a, c1, c2)[::-1],
])
def test_wrong_conditions_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_wolfe_conditions(wrong)
