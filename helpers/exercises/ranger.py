"""Exercise checks for 02_sota_optimizers/02_ranger_lookahead_radam."""
from __future__ import annotations

import math

import sympy as sp

from .. import objectives
from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_rho_t", "check_first_rectified_step", "check_lookahead_factor"]


def check_rho_t(rho_t):
    """Exercise: RAdam's SMA length ``rho_t(t, beta2)``, ρ_t = ρ∞ − 2tβ2^t/(1 − β2^t); checked
    against :func:`helpers.optimizers.rho` over t and β2."""
    from ..optimizers import rho

    for beta2 in (0.9, 0.99, 0.999, 0.9999):
        for t in (1, 2, 5, 6, 50, 10_000):
            answer = rho_t(t, beta2)
            if not _attempted(answer, "rho_t"):
                return None
            assert math.isclose(float(answer), rho(t, beta2), rel_tol=1e-9, abs_tol=1e-9), (
                f"t={t}, β2={beta2}: you said {float(answer):.6g}, ρ_t = {rho(t, beta2):.6g}; "
                "ρ∞ = 2/(1 − β2) − 1, and remember the bias-correction denominator 1 − β2^t")
    return _report("rho_t")


def check_first_rectified_step(first_rectified_step):
    """Exercise: the first step ``t`` at which ρ_t exceeds ``threshold`` (torch 5, paper 4),
    i.e. the first step RAdam takes an adaptive step."""
    from ..optimizers import rho

    for beta2 in (0.7, 0.75, 0.8, 0.9, 0.999):     # small β2: a short average, a later switch
        for threshold in (4.0, 5.0):
            expected = next(t for t in range(1, 10**6) if rho(t, beta2) > threshold)
            answer = first_rectified_step(beta2, threshold)
            if not _attempted(answer, "first_rectified_step"):
                return None
            assert int(answer) == expected, (
                f"β2={beta2}, threshold {threshold}: you said t={answer}, the first t with "
                f"ρ_t > {threshold} is {expected}")
    return _report("first_rectified_step")


def check_lookahead_factor(lookahead_factor):
    """Exercise: on f(θ) = hθ²/2, Lookahead around GD (factor c = 1 − ηh per step) shrinks the
    error of the slow weights by ``lookahead_factor(c, k, alpha)`` per sync; checked by running
    :func:`helpers.optimizers.lookahead` (inner ``sgd``)."""
    from ..optimizers import lookahead
    from ..runner import run

    theta = sp.Symbol("theta", real=True)
    for h, eta, k, alpha in ((1.0, 0.5, 5, 0.5), (4.0, 0.45, 3, 0.8), (2.0, 0.9, 4, 0.3),
                             (10.0, 0.15, 6, 1.0)):
        c = 1 - eta * h
        answer = lookahead_factor(c, k, alpha)
        if not _attempted(answer, "lookahead_factor"):
            return None
        line = objectives.from_expr(sp.nsimplify(h) * theta**2 / 2, (theta,), name="parabola",
                                    x0=[1.0])
        xs = run(lookahead("sgd", lr=eta, k=k, alpha=alpha), line, steps=2 * k).xs[:, 0]
        measured = xs[2 * k] / xs[k]
        assert math.isclose(float(answer), measured, rel_tol=1e-9, abs_tol=1e-12), (
            f"c={c}, k={k}, α={alpha}: you said {float(answer):.6g}, the slow weights shrank by "
            f"{measured:.6g}; after k fast steps the error is c^k, then φ moves a fraction α")
    return _report("lookahead_factor")
