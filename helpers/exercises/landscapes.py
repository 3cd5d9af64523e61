"""Exercise checks for 05_visualizations/01_optimization_landscapes."""
from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from .. import landscape, objectives, optimizers
from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_filter_normalize", "check_classify_point", "check_basin_fraction",
           "camel_critical_points", "camel_minima", "hessian_type", "expected_basin_fraction"]


# ------------------------------------------------------------------ exercise 1
def _random_layers(sizes, rng, spread=True):
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        W = rng.standard_normal((fan_out, fan_in))
        if spread:   # rows of very different norms, so a per-layer rescaling cannot pass
            W *= np.geomspace(0.1, 10.0, fan_out)[:, None]
        layers.append((W, rng.standard_normal(fan_out)))
    return layers


def check_filter_normalize(filter_normalize):
    """Exercise: ``filter_normalize(weights, direction)`` rescales each row of each direction
    matrix to the norm of the same row of the weights and zeroes the bias directions
    (Li et al. 2018, ``normalize_directions_for_weights(norm='filter', ignore='biasbn')``)."""
    rng = np.random.default_rng(11)
    for sizes in ((5, 4, 3), (8, 6, 6, 4), (3, 7, 2)):
        weights = _random_layers(sizes, rng)
        direction = _random_layers(sizes, rng, spread=False)
        answer = filter_normalize(weights, [(D.copy(), c.copy()) for D, c in direction])
        if not _attempted(answer, "filter_normalize"):
            return None
        answer = list(answer)
        assert len(answer) == len(weights), \
            f"return one (D, c) pair per layer: got {len(answer)} for {len(weights)} layers"
        for k, ((W, _), (D, c), pair) in enumerate(zip(weights, direction, answer)):
            D_new, c_new = (np.asarray(a, dtype=float) for a in pair)
            assert D_new.shape == D.shape and c_new.shape == c.shape, \
                f"layer {k + 1}: shapes {D_new.shape}, {c_new.shape}; expected {D.shape}, {c.shape}"
            assert not np.any(c_new), f"layer {k + 1}: the bias direction must be zero ('biasbn')"
            expected = D * np.linalg.norm(W, axis=1, keepdims=True) \
                / np.linalg.norm(D, axis=1, keepdims=True)
            assert np.allclose(D_new, expected, rtol=1e-8, atol=0), (
                f"layer {k + 1}: row norms {np.linalg.norm(D_new, axis=1).round(3)} but the "
                f"weights' rows have {np.linalg.norm(W, axis=1).round(3)}; rescale each row "
                "(one neuron's incoming weights) of the Gaussian direction, keeping its direction")
    return _report("filter_normalize")


# ------------------------------------------------------------------ exercise 2
@functools.cache
def _camel_roots():
    camel = objectives.get("six_hump_camel")
    u, w = camel.symbols
    poly = sp.Poly(sp.expand(sp.diff(camel.expr, u).subs(u, 8 * w - 16 * w**3)), w)
    return tuple(float(sp.re(r)) for r in poly.nroots(n=30) if abs(sp.im(r)) < 1e-25)


def camel_critical_points():
    """All 15 critical points of the six-hump camel: θ₁ = 8θ₂ − 16θ₂³ from ∂f/∂θ₂ = 0,
    substituted into ∂f/∂θ₁ = 0, leaves a degree-15 polynomial in θ₂ (all roots real)."""
    return [np.array([8 * r - 16 * r**3, r]) for r in _camel_roots()]


def hessian_type(objective, point, tol=1e-8):
    """"minimum", "maximum", "saddle" or "degenerate" from the Hessian's eigenvalues."""
    ev = np.linalg.eigvalsh(objective.hess(np.asarray(point, dtype=float)))
    if np.min(np.abs(ev)) <= tol * max(1.0, np.max(np.abs(ev))):
        return "degenerate"
    return "minimum" if ev[0] > 0 else "maximum" if ev[-1] < 0 else "saddle"


def _classify_cases():
    camel = objectives.get("six_hump_camel")
    cases = [(camel, p) for p in camel_critical_points()]
    himmelblau = objectives.get("himmelblau")
    peak = objectives._polish(himmelblau.grad, himmelblau.hess, (-0.27, -0.92))
    x, y = sp.symbols("x y", real=True)
    flat = objectives.from_expr(x**4 + y**2, (x, y), name="x⁴ + y²", polish=False)
    cases += [(objectives.get("saddle"), np.zeros(2)),
              (objectives.get("monkey_saddle"), np.zeros(2)),
              (objectives.get("rosenbrock"), np.ones(2)), (himmelblau, peak), (flat, np.zeros(2))]
    for obj, p in cases:
        assert np.linalg.norm(obj.grad(p)) < 1e-9, f"{obj.name}: {p} is not a critical point"
    return cases


def check_classify_point(classify_point):
    """Exercise: ``classify_point(objective, point)`` names a critical point's type; checked on
    the camel's 15 critical points, the two saddles of the zoo (one degenerate), Rosenbrock's
    minimum, Himmelblau's maximum and the degenerate minimum of x⁴ + y²."""
    seen = {}
    for obj, point in _classify_cases():
        answer = classify_point(obj, point.copy())
        if not _attempted(answer, "classify_point"):
            return None
        expected = hessian_type(obj, point)
        assert answer == expected, (
            f"{obj.name} at {np.round(point, 4)}: you said {answer!r}, it is a {expected!r} "
            f"(Hessian eigenvalues {np.linalg.eigvalsh(obj.hess(point)).round(4)})")
        seen[expected] = seen.get(expected, 0) + 1
    assert set(seen) == {"minimum", "maximum", "saddle", "degenerate"}
    return _report("classify_point")


# ------------------------------------------------------------------ exercise 3
def _global_indices(obj):
    scale = max(1.0, abs(obj.f_min))
    return [i for i, m in enumerate(obj.minima) if obj.f(m) <= obj.f_min + 1e-9 * scale]


def expected_basin_fraction(obj, eta, steps, n):
    """The fraction of an n × n grid of starts over the window from which GD ends within
    1e-3 of a global minimizer (computed with :func:`helpers.landscape.multistart`)."""
    (a0, a1), (b0, b1) = obj.bounds
    P, Q = np.meshgrid(np.linspace(a0, a1, n), np.linspace(b0, b1, n))
    ends = landscape.multistart(optimizers.sgd(lr=eta), obj, np.c_[P.ravel(), Q.ravel()], steps)
    return float(np.mean(np.isin(landscape.classify(obj, ends, tol=1e-3), _global_indices(obj))))


def check_basin_fraction(basin_fraction):
    """Exercise: ``basin_fraction(objective, eta, steps, n)``. Includes a camel that lists all
    six minima, so counting every listed minimum fails, and a step size at which some runs
    leave the window."""
    camel = objectives.get("six_hump_camel")
    camel6 = objectives.from_expr(camel.expr, camel.symbols, name="six_hump_camel (6 minima)",
                                  minima=sorted(camel_minima(),
                                                key=lambda m: camel.f(m)),
                                  bounds=camel.bounds)
    st, himmelblau = objectives.get("styblinski_tang"), objectives.get("himmelblau")
    for obj, eta, steps, n in ((st, 0.01, 300, 31), (camel6, 0.02, 300, 25),
                               (himmelblau, 0.01, 200, 21), (st, 0.04, 300, 21)):
        answer = basin_fraction(obj, eta, steps, n)
        if not _attempted(answer, "basin_fraction"):
            return None
        expected = expected_basin_fraction(obj, eta, steps, n)
        assert abs(float(answer) - expected) < 0.5 / n**2, (
            f"{obj.name}, η = {eta}, {steps} steps, {n} × {n} starts: you said "
            f"{float(answer):.4f}, GD reaches a global minimizer from {expected:.4f} of them")
    return _report("basin_fraction")


def camel_minima():
    """The six minima among :func:`camel_critical_points`."""
    camel = objectives.get("six_hump_camel")
    return [p for p in camel_critical_points() if hessian_type(camel, p) == "minimum"]
