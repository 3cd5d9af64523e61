"""Exercise checks for 01_basics/04_learning_rate_schedules."""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from .. import reference
from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_noise_floor", "check_robbins_monro", "check_sgdr"]


def check_noise_floor(noise_floor):
    """Exercise: ``noise_floor(eta, lambdas, c)`` is the exact stationary excess loss
    E[f − f*] of constant-step SGD on ½θᵀdiag(λ)θ when the gradient noise has the diagonal
    covariance C = diag(c) (anisotropic: a different variance in every direction)."""
    rng = np.random.default_rng(4)
    for d in (1, 3, 10):
        lambdas = rng.uniform(0.2, 5.0, d)
        c = rng.uniform(0.01, 4.0, d)
        for eta in (0.01, 0.5 / lambdas.max(), 1.9 / lambdas.max()):
            answer = noise_floor(eta, lambdas, c)
            if not _attempted(answer, "noise_floor"):
                return None
            # stationary variance v_i = (1 − ηλ_i)² v_i + η² c_i; E[f − f*] = ½ Σ λ_i v_i
            v = eta**2 * c / (1 - (1 - eta * lambdas) ** 2)
            expected = float(0.5 * np.sum(lambdas * v))
            assert math.isclose(float(answer), expected, rel_tol=1e-9), (
                f"η={eta:.4g}, λ={lambdas.round(3)}, c={c.round(3)}: you returned {answer:.6g}, "
                f"the stationary loss is {expected:.6g}. Hint: solve v = (1 − ηλ)² v + η²c "
                "in each eigen-direction; η tr(C)/4 is only the small-η limit")
    return _report("noise_floor")


def check_robbins_monro(satisfies_robbins_monro):
    """Exercise: ``satisfies_robbins_monro(p)`` says whether η_k = η0 (k+1)^(−p) has
    Σ η_k = ∞ and Σ η_k² < ∞; checked with SymPy's convergence tests at several p."""
    k = sp.Symbol("k", integer=True, nonnegative=True)
    for p in ("0", "1/4", "1/2", "51/100", "2/3", "1", "101/100", "3/2", "3"):
        p_ = sp.Rational(p)
        answer = satisfies_robbins_monro(float(p_))
        if not _attempted(answer, "satisfies_robbins_monro"):
            return None
        diverges = not sp.Sum((k + 1) ** -p_, (k, 0, sp.oo)).is_convergent()
        squares_converge = bool(sp.Sum((k + 1) ** (-2 * p_), (k, 0, sp.oo)).is_convergent())
        expected = diverges and squares_converge
        assert bool(answer) == expected, (
            f"p = {p}: you said {bool(answer)}, but Σ (k+1)^-p "
            f"{'diverges' if diverges else 'converges'} and Σ (k+1)^-2p "
            f"{'converges' if squares_converge else 'diverges'} (a p-series converges iff "
            "its exponent exceeds 1)")
    return _report("satisfies_robbins_monro")


def check_sgdr(sgdr):
    """Exercise: ``sgdr(lr, T_0, T_mult, eta_min)`` returns the schedule k ↦ η_k of cosine
    annealing with warm restarts (Loshchilov & Hutter 2017), matching torch's
    ``CosineAnnealingWarmRestarts`` trace, and the periodic closed form when T_mult = 1."""
    (case,) = reference.schedule_cases(schedule="sgdr")
    fn = sgdr(**case.kwargs)
    if not _attempted(fn, "sgdr") or not _attempted(fn(0), "sgdr"):
        return None
    deviation = reference.schedule_deviation(case, fn)
    assert deviation <= 1e-9, (
        f"{case.reference}: your rates deviate by up to {deviation:.2e} (relative) from "
        "torch's; the cycle lengths are T_0, T_0·T_mult, T_0·T_mult², … and each restarts at lr")
    lr, T_0, eta_min = 0.3, 7, 0.01
    fn = sgdr(lr, T_0, 1, eta_min)
    for step in range(40):
        expected = eta_min + (lr - eta_min) * (1 + math.cos(math.pi * (step % T_0) / T_0)) / 2
        assert math.isclose(fn(step), expected, rel_tol=1e-9), (
            f"T_mult = 1: η_{step} = {fn(step):.6g}, expected {expected:.6g}")
    return _report("sgdr")
