"""Exercise checks for 02_sota_optimizers/04_muon."""
from __future__ import annotations

import math

import numpy as np

from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_polar_factor", "check_update_rms", "check_fixed_points"]


def check_polar_factor(polar_factor):
    """Exercise: ``polar_factor(G)`` returns UVᵀ of the thin SVD G = UΣVᵀ, for tall, wide and
    square G; checked by orthogonality, by ``QᵀG`` symmetric positive semidefinite (the polar
    decomposition G = QH) and against 80 steps of the cubic Newton–Schulz iteration."""
    from ..optimizers import newton_schulz

    rng = np.random.default_rng(7)
    for shape in ((5, 3), (3, 6), (4, 4)):
        G = rng.standard_normal(shape) * rng.uniform(0.1, 10)
        answer = polar_factor(G)
        if not _attempted(answer, "polar_factor"):
            return None
        Q = np.asarray(answer, dtype=float)
        assert Q.shape == G.shape, f"shape {Q.shape} for G of shape {G.shape}"
        small = min(shape)
        gram = Q.T @ Q if shape[0] >= shape[1] else Q @ Q.T
        assert np.allclose(gram, np.eye(small), atol=1e-8), \
            f"G {shape}: the columns (or rows) of your answer are not orthonormal"
        H = Q.T @ G
        assert np.allclose(H, H.T, atol=1e-8) and np.linalg.eigvalsh((H + H.T) / 2).min() > -1e-8, \
            f"G {shape}: QᵀG is not symmetric positive semidefinite — is it UVᵀ (not U, not V)?"
        np.testing.assert_allclose(Q, newton_schulz(G, (1.5, -0.5, 0.0), 80), atol=1e-8)
    return _report("polar_factor")


def check_update_rms(update_rms):
    """Exercise: ``update_rms(rows, cols, adjust_lr_fn)``, the root-mean-square entry of Muon's
    step divided by η when the orthogonalization is exact (UVᵀ); measured from one step of
    :func:`helpers.optimizers.muon` with 80 cubic Newton–Schulz steps and no weight decay."""
    from ..optimizers import muon

    rng = np.random.default_rng(11)
    for rows, cols in ((6, 2), (2, 6), (5, 5), (64, 16), (1, 9)):
        for fn in (None, "match_rms_adamw"):
            answer = update_rms(rows, cols, fn)
            if not _attempted(answer, "update_rms"):
                return None
            opt = muon(lr=1.0, weight_decay=0.0, momentum=0.0, ns_coefficients=(1.5, -0.5, 0.0),
                       ns_steps=80, adjust_lr_fn=fn, shape=(rows, cols))
            theta = np.zeros(rows * cols)
            step = opt.update(rng.standard_normal(rows * cols), opt.init(theta), theta)[0]
            measured = float(np.sqrt(np.mean(step**2)))
            assert math.isclose(float(answer), measured, rel_tol=1e-8), (
                f"{rows} × {cols}, adjust_lr_fn={fn!r}: you said {float(answer):.6g}, the step's "
                f"RMS is {measured:.6g} η; ‖UVᵀ‖_F² = min(rows, cols)")
    return _report("update_rms")


def check_fixed_points(fixed_points):
    """Exercise: ``fixed_points(a, b, c)`` returns the sorted positive fixed points of
    p(σ) = aσ + bσ³ + cσ⁵, i.e. the positive roots of p(σ) = σ (computed here with
    ``numpy.roots``), for the cubic, the quintic of Muon and another quintic."""
    for a, b, c in ((1.5, -0.5, 0.0), (3.4445, -4.7750, 2.0315), (15 / 8, -10 / 8, 3 / 8)):
        answer = fixed_points(a, b, c)
        if not _attempted(answer, "fixed_points"):
            return None
        roots = np.roots([c, 0, b, 0, a - 1, 0] if c else [b, 0, a - 1, 0])
        want = np.sort([r.real for r in roots if abs(r.imag) < 1e-12 and r.real > 1e-12])
        got = np.sort(np.atleast_1d(np.asarray(answer, dtype=float)))
        assert got.shape == want.shape and np.allclose(got, want, rtol=1e-9), (
            f"(a, b, c) = {(a, b, c)}: expected {len(want)} positive fixed point(s) {want}, "
            f"got {got}")
    return _report("fixed_points")
