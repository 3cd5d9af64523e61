"""Exercise checks for 01_basics/05_weight_initialization."""
from __future__ import annotations

import math

import numpy as np

from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_leaky_relu_gain", "check_relu_second_moment", "check_forget_bias_for_halflife"]


def _gauss_expectation(f, order=81):
    """E[f(z)] for z ~ N(0, 1) by Gauss–Hermite quadrature."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(order)
    return float(np.sum(weights * f(nodes)) / weights.sum())


def check_leaky_relu_gain(leaky_relu_gain):
    """Exercise: the gain γ with σ_w = γ/√n_in that preserves E[z²] through leaky ReLU
    max(z, αz). Expected: 1/√E[lrelu(z)²] for a standard normal z (computed by quadrature;
    torch's ``calculate_gain("leaky_relu", α)`` is the same number)."""
    for alpha in (0.0, 0.01, 0.1, 0.2, 0.5, 1.0):
        answer = leaky_relu_gain(alpha)
        if not _attempted(answer, "leaky_relu_gain"):
            return None
        second = _gauss_expectation(lambda z, a=alpha: np.where(z > 0, z, a * z) ** 2)
        expected = 1 / math.sqrt(second)
        assert math.isclose(float(answer), expected, rel_tol=1e-6), (
            f"for α = {alpha} you returned {float(answer):.6g}, expected {expected:.6g}: "
            "compute E[max(z, αz)²] for z ~ N(0, 1) — the negative half keeps α² of its mass")
    return _report("leaky_relu_gain")


def check_relu_second_moment(relu_second_moment, width=512, batch=256, seed=0):
    """Exercise: E[z²] of hidden layer ``depth`` in a ReLU net with weights of std γ/√n_in, zero
    biases, and inputs with E[x²] = q0 (layer 1 sees the inputs, later layers ReLU outputs).
    Checked against the variance recursion and against a simulated wide network."""
    cases = ((1.0, math.sqrt(2), 10), (2.0, 1.0, 5), (0.5, 1.8, 8), (1.0, 0.7, 1), (3.0, 1.2, 3))
    for q0, gain, depth in cases:
        answer = relu_second_moment(q0, gain, depth)
        if not _attempted(answer, "relu_second_moment"):
            return None
        expected = gain**2 * q0
        for _ in range(depth - 1):
            expected = gain**2 * expected / 2     # E[relu(z)²] = E[z²]/2, times n_in·σ_w² = γ²
        assert math.isclose(float(answer), expected, rel_tol=1e-9), (
            f"q0={q0}, gain={gain}, depth={depth}: you said {float(answer):.6g}, the recursion "
            f"gives {expected:.6g}; layer 1 multiplies by γ², each later layer by γ²/2")
    rng = np.random.default_rng(seed)
    q0, gain, depth = 1.0, 1.5, 6
    a = rng.normal(0, math.sqrt(q0), size=(batch, width))
    for k in range(depth):
        W = rng.normal(0, gain / math.sqrt(width), (width, width))
        a = z = (a if k == 0 else np.maximum(a, 0)) @ W
    measured = float(np.mean(z**2))
    predicted = float(relu_second_moment(q0, gain, depth))
    assert abs(math.log(measured / predicted)) < 0.25, (
        f"a simulated {width}-wide net gives E[z²] ≈ {measured:.3g} at depth {depth}, "
        f"you predicted {predicted:.3g}")
    return _report("relu_second_moment")


def check_forget_bias_for_halflife(forget_bias_for_halflife):
    """Exercise: the forget-gate bias b with σ(b)^k = 1/2 (the cell keeps half of c_0 after
    k steps when the gate sits at its bias)."""
    for k in (1, 2, 5, 20, 100):
        answer = forget_bias_for_halflife(k)
        if not _attempted(answer, "forget_bias_for_halflife"):
            return None
        kept = (1 / (1 + math.exp(-float(answer)))) ** k
        assert math.isclose(kept, 0.5, rel_tol=1e-9), (
            f"k = {k}: with b = {float(answer):.6g} the gate σ(b) = "
            f"{1 / (1 + math.exp(-float(answer))):.6g} keeps {kept:.6g} of c_0 after {k} "
            "steps, not 1/2")
    return _report("forget_bias_for_halflife")
