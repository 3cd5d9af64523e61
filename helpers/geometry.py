r"""The geometry of a loss surface: its critical points, their type, and its curvature.

- :func:`critical_points` — every real critical point of a polynomial objective, exactly: a
  lexicographic Gröbner basis of :math:`\nabla f = 0` in shape position
  (:math:`x_i = q_i(t)`, :math:`m(t) = 0` for a separating linear form :math:`t`), the real
  roots of :math:`m` isolated exactly (``sympy.Poly.real_roots``) and back-substituted
  (Cox, Little & O'Shea, *Ideals, Varieties, and Algorithms*, §2–3; the shape lemma);
- :func:`classify`, :func:`index` — the second-order test from a Hessian's eigenvalues;
- :func:`condition_map` — :math:`\kappa(\theta)=\max|\lambda|/\min|\lambda|` of the Hessian
  and its index over a 2-D window;
- :func:`batched`, :func:`newton_critical_points`, :func:`unique_points` — Newton's method on
  :math:`\nabla f = 0` from many starts at once (it converges to critical points of any type),
  deduplicated: the numerical search that checks the exact one, and the only one in n-D.

>>> from helpers import geometry, objectives
>>> himmelblau = objectives.get("himmelblau")
>>> kinds = [geometry.classify(himmelblau.hess(p)) for p in geometry.critical_points(himmelblau)]
>>> {kind: kinds.count(kind) for kind in geometry.KINDS}
{'minimum': 4, 'saddle': 4, 'maximum': 1, 'degenerate': 0}
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import sympy as sp
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from . import objectives as _objectives

__all__ = ["critical_points", "classify", "index", "KINDS", "ConditionMap", "condition_map",
           "batched", "newton_critical_points", "unique_points"]

KINDS = ("minimum", "saddle", "maximum", "degenerate")


# ------------------------------------------------------------------ exact critical points
def _shape(polys, symbols, t):
    """``([q_1(t), …, q_n(t)], m(t))`` if the basis reads x_i − q_i(t), m(t); else None."""
    if len(polys) != len(symbols) + 1:
        return None
    q, m = {}, None
    for p in polys:
        free = p.free_symbols - {t}
        if not free:
            m = sp.Poly(p, t)
            continue
        if len(free) != 1:
            return None
        s = free.pop()
        coeffs = sp.Poly(p, s).all_coeffs()
        if len(coeffs) != 2 or coeffs[0].free_symbols:
            return None
        q[s] = sp.expand(-coeffs[1] / coeffs[0])
    if m is None or set(q) != set(symbols):
        return None
    return [q[s] for s in symbols], m


def _square_free_eliminants(equations, symbols):
    """For each variable, the square-free part of the ideal's univariate eliminant.

    Added to the equations they make the ideal radical (Seidenberg's lemma), so that a
    multiple solution (the monkey saddle's) no longer spoils the shape of the basis."""
    extra = []
    for s in symbols:
        basis = sp.groebner(equations, *[v for v in symbols if v != s], s, order="lex")
        eliminant = next(p for p in basis.exprs if p.free_symbols <= {s})
        extra.append(sp.Poly(eliminant, s).sqf_part().as_expr())
    return extra


def critical_points(objective, digits=30):
    r"""Every real critical point of a polynomial objective, sorted by ``f`` (then coordinates).

    Solves :math:`\nabla f = 0` exactly: with a new variable :math:`t = \sum_i c^{i}x_i`
    (``c`` = 1, 2, … until it separates the solutions) the lex Gröbner basis of
    :math:`\{\partial_i f\} \cup \{t - \sum_i c^i x_i\}` is :math:`x_i - q_i(t)`, :math:`m(t)`
    with rational :math:`q_i`, so the real solutions are :math:`x = q(t)` at the real roots of
    :math:`m`, which SymPy isolates exactly; they are evaluated with ``digits`` digits and
    returned as floats. A multiple solution is returned once.

    Parameters
    ----------
    objective : Objective or registry name, with a polynomial ``expr``.
    digits : int, working precision of the back-substitution.

    Returns
    -------
    numpy.ndarray, shape (m, n) — ``m = 0`` when ∇f = 0 has no real solution.

    Raises
    ------
    ValueError if ``expr`` is not a polynomial or ∇f = 0 has infinitely many solutions.
    """
    obj = _objectives.get(objective)
    symbols = list(obj.symbols)
    try:
        equations = [sp.Poly(sp.diff(obj.expr, s), *symbols) for s in symbols]
    except sp.PolynomialError:
        raise ValueError(f"{obj.name}: critical_points needs a polynomial objective") from None
    equations = [e.as_expr() for e in equations if not e.is_zero]
    t = sp.Dummy("t")
    made_radical = False
    for c in range(1, 4 * len(symbols) ** 2 + 8):
        form = sum(c ** i * s for i, s in enumerate(symbols))
        basis = sp.groebner(equations + [t - form], *symbols, t, order="lex")
        if basis.exprs == [1]:
            return np.zeros((0, len(symbols)))
        if not basis.is_zero_dimensional:
            raise ValueError(f"{obj.name}: ∇f = 0 has infinitely many solutions "
                             "(a curve or surface of critical points)")
        shape = _shape(basis.exprs, symbols, t)
        if shape is not None:
            break
        if not made_radical:
            equations += _square_free_eliminants(equations, symbols)
            made_radical = True
    else:  # pragma: no cover - some c among finitely many always separates
        raise RuntimeError(f"{obj.name}: no separating linear form found")
    q, m = shape
    roots = m.sqf_part().real_roots() if m.degree() > 0 else []
    points = np.array([[float(qi.subs(t, r.evalf(digits))) for qi in q] for r in roots],
                      dtype=float).reshape(-1, len(symbols))
    values = np.array([obj.f(p) for p in points])
    return points[np.lexsort((*points.T[::-1], values))] if len(points) else points


# ------------------------------------------------------------------ the second-order test
def _eigenvalues(hessian):
    H = np.asarray(hessian, dtype=float)
    if H.ndim < 2 or H.shape[-1] != H.shape[-2]:
        raise ValueError(f"hessian must be a square matrix (or a stack of them), got shape "
                         f"{H.shape}")
    if not np.allclose(H, np.swapaxes(H, -1, -2), rtol=1e-10, atol=1e-12):
        raise ValueError("hessian must be symmetric")
    return np.linalg.eigvalsh(H)


def _signs(hessian, tol):
    if not tol >= 0:
        raise ValueError(f"tol must be >= 0, got {tol!r}")
    lam = _eigenvalues(hessian)
    scale = np.abs(lam).max(axis=-1, keepdims=True)
    return lam < -tol * scale, lam > tol * scale


def index(hessian, tol=1e-9):
    """The number of negative eigenvalues (the Morse index) of a symmetric matrix, or of each
    matrix of a stack ``(..., n, n)``; eigenvalues within ``tol · max|λ|`` of 0 count as 0."""
    negative, _ = _signs(hessian, tol)
    out = negative.sum(axis=-1)
    return int(out) if np.ndim(out) == 0 else out


def classify(hessian, tol=1e-9):
    """The second-order test: "minimum" (H ≻ 0), "maximum" (H ≺ 0), "saddle" (eigenvalues of
    both signs, whatever else) or "degenerate" (semi-definite with a zero eigenvalue: the test
    is inconclusive). A string, or an array of strings for a stack ``(..., n, n)``.
    Eigenvalues within ``tol · max|λ|`` of 0 count as 0 (a zero matrix is degenerate)."""
    negative, positive = _signs(hessian, tol)
    kind = np.where(negative.any(-1) & positive.any(-1), "saddle",
                    np.where(positive.all(-1), "minimum",
                             np.where(negative.all(-1), "maximum", "degenerate")))
    return str(kind) if kind.ndim == 0 else kind


# ------------------------------------------------------------------ curvature maps
class ConditionMap(NamedTuple):
    """The Hessian over a grid: ``X, Y`` (R, R) coordinates, ``eigenvalues`` (R, R, 2)
    ascending, ``kappa`` = max|λ| / min|λ| (inf where an eigenvalue is 0), ``index`` the
    number of negative eigenvalues (0 convex, 1 saddle-shaped, 2 concave)."""

    X: np.ndarray
    Y: np.ndarray
    eigenvalues: np.ndarray
    kappa: np.ndarray
    index: np.ndarray


def condition_map(objective, bounds=None, resolution=100) -> ConditionMap:
    """The local condition number and index of a 2-D objective's Hessian on a grid.

    ``bounds`` defaults to the objective's plotting window; ``resolution`` points per axis.
    """
    obj = _objectives.get(objective)
    if obj.dim != 2:
        raise ValueError(f"{obj.name} is {obj.dim}-D; condition_map needs a 2-D objective")
    bounds = obj.bounds if bounds is None else bounds
    if bounds is None:
        raise ValueError(f"{obj.name} has no plotting window; pass bounds=((x0, x1), (y0, y1))")
    if int(resolution) != resolution or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    (x0, x1), (y0, y1) = bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, int(resolution)), np.linspace(y0, y1, int(resolution)))
    H = np.moveaxis(obj.hess(np.stack([X, Y])), (0, 1), (-2, -1))
    lam = np.linalg.eigvalsh(H)
    size = np.abs(lam)
    with np.errstate(divide="ignore"):
        kappa = size.max(axis=-1) / size.min(axis=-1)
    return ConditionMap(X, Y, lam, kappa, (lam < 0).sum(axis=-1))


# ------------------------------------------------------------------ numerical search
def batched(objective):
    """``(grad, hess)`` of an objective for a batch of points: ``grad(θ)`` maps (S, n) to
    (S, n) and ``hess(θ)`` to (S, n, n) (the objectives take the coordinate axis first)."""
    obj = _objectives.get(objective)

    def grad(theta):
        return np.asarray(obj.grad(np.asarray(theta, dtype=float).T)).T

    def hess(theta):
        return np.moveaxis(obj.hess(np.asarray(theta, dtype=float).T), (0, 1), (-2, -1))

    return grad, hess


def unique_points(points, tol=1e-7):
    """The points with every cluster closer than ``tol`` (Euclidean) merged into its first
    member, sorted lexicographically."""
    points = np.asarray(points, dtype=float)
    if points.ndim != 2:
        raise ValueError(f"points must have shape (m, n), got {points.shape}")
    if len(points) == 0:
        return points
    pairs = cKDTree(points).query_pairs(tol, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                       shape=(len(points), len(points)))
    _, label = connected_components(graph, directed=False)
    first = np.unique(label, return_index=True)[1]
    kept = points[first]
    return kept[np.lexsort(kept.T[::-1])]


def newton_critical_points(grad, hess, starts, iters=50, gtol=1e-10, tol=1e-7):
    r"""Critical points found by Newton's method on :math:`\nabla f = 0`,
    :math:`\theta \leftarrow \theta - H(\theta)^{-1}\nabla f(\theta)`, from every start at once.

    Newton's method is attracted by critical points of every index, which is what a census of
    saddles needs (gradient descent would find only minima). Runs that leave the finite numbers
    or end with ``‖∇f‖ > gtol`` are dropped; the rest are merged with :func:`unique_points`.
    A singular Hessian is pseudo-inverted.

    Parameters
    ----------
    grad, hess : batched callables (S, n) → (S, n) and (S, n, n) (see :func:`batched`).
    starts : array (S, n).
    iters : int, Newton steps.
    gtol : float, the gradient norm below which a run counts as converged.
    tol : float, the distance below which two critical points are the same.

    Returns
    -------
    numpy.ndarray (m, n), sorted lexicographically.
    """
    theta = np.array(starts, dtype=float)
    if theta.ndim != 2:
        raise ValueError(f"starts must have shape (S, n), got {theta.shape}")
    with np.errstate(all="ignore"):
        for _ in range(int(iters)):
            live = np.all(np.isfinite(theta), axis=1)
            if not live.any():
                break
            g, H = grad(theta[live]), hess(theta[live])
            try:
                step = np.linalg.solve(H, g[..., None])[..., 0]
            except np.linalg.LinAlgError:
                step = (np.linalg.pinv(H, hermitian=True) @ g[..., None])[..., 0]
            theta[live] -= step
        ok = np.all(np.isfinite(theta), axis=1)
        ok[ok] = np.linalg.norm(grad(theta[ok]), axis=1) <= gtol
    return unique_points(theta[ok], tol)
