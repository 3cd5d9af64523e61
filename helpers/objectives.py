"""Test functions, each written once as a SymPy expression.

``f``, ``grad`` and ``hess`` are lambdified from that expression, never typed
again (the pattern of :func:`scipy.optimize.rosen`, ``rosen_der``, ``rosen_hess``).
Every callable takes a point ``x`` whose first axis is the coordinate axis, so
``obj.f(np.stack([X, Y]))`` evaluates a whole plotting grid at once.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import sympy as sp

__all__ = ["Objective", "FiniteSumObjective", "from_expr", "least_squares", "get",
           "available", "register"]


@dataclass(frozen=True, eq=False)
class Objective:
    """A differentiable test function with everything a notebook needs to study it.

    Attributes
    ----------
    name, expr, symbols : the SymPy definition, the single source of truth.
    f, grad, hess : NumPy callables lambdified from ``expr``.
    x0 : default start; minima : known minimizers (polished to machine precision);
    f_min : the global minimum value (``None`` when unbounded below);
    bounds : plotting window per coordinate; log_scale : contour colours on a log scale.
    residuals, jac : for a sum of squares ``f = Σ_j r_j(x)²``, the residual vector ``r(x)``
        and its Jacobian (``None`` otherwise); they give the Gauss–Newton matrix 2JᵀJ.
    """

    name: str
    expr: sp.Expr
    symbols: tuple
    f: Callable
    grad: Callable
    hess: Callable
    x0: np.ndarray
    minima: tuple = ()
    f_min: float | None = None
    bounds: tuple | None = None
    log_scale: bool = False
    description: str = ""
    params: dict = field(default_factory=dict)
    residuals: Callable | None = None
    jac: Callable | None = None

    @property
    def dim(self) -> int:
        return len(self.x0)

    def hvp(self, x, v):
        """Hessian-vector product ``H(x) v``."""
        return self.hess(x) @ np.asarray(v, dtype=float)

    def fisher(self, x, kind="true"):
        """The metric natural gradient descent uses on a test function.

        For a sum of squares, the Gauss–Newton matrix ``2 J(x)ᵀJ(x)``: the Fisher of the
        Gaussian model whose mean is the residual vector, with ``f`` its negative
        log-likelihood. For a quadratic, its (constant) Hessian ``A``. Others raise, and so
        does ``kind="empirical"``: a test function has no per-example gradients (see
        :class:`helpers.mlp.NetworkObjective` for a model with data).
        """
        if kind != "true":
            raise ValueError(f"{self.name}: fisher kind={kind!r} needs per-example gradients "
                             "(a NetworkObjective); a test function has only its model's Fisher")
        if self.jac is not None:
            J = self.jac(x)
            return 2.0 * J.T @ J
        if "A" in self.params:
            return np.array(self.params["A"], dtype=float)
        raise ValueError(f"{self.name} has no Fisher metric: it is neither written as a sum "
                         "of squares (from_expr(..., residuals=...)) nor a quadratic")

    def fvp(self, x, v):
        """Fisher-vector product ``F(x) v``."""
        return self.fisher(x) @ np.asarray(v, dtype=float)

    def nearest_minimum(self, x):
        """The known minimizer closest to ``x`` (``None`` if there is none)."""
        if not self.minima:
            return None
        x = np.asarray(x, dtype=float)
        return min(self.minima, key=lambda m: np.linalg.norm(x - m))

    def __repr__(self):
        return f"Objective({self.name!r}, dim={self.dim})"


@dataclass(frozen=True, eq=False, repr=False)
class FiniteSumObjective(Objective):
    """``f(θ) = (1/N) Σ_i ℓ_i(θ)`` over a data set, with minibatch oracles.

    ``batch_f(θ, idx)`` and ``batch_grad(θ, idx)`` evaluate the same formula on the
    rows ``idx`` only, so a minibatch gradient is an unbiased estimate of ``grad``.
    """

    n_samples: int = 0
    batch_f: Callable | None = None
    batch_grad: Callable | None = None


def _vectorize(symbols, exprs, shape):
    """Lambdify a list of expressions into a callable returning an array of ``shape``."""
    fn = sp.lambdify(symbols, exprs, modules="numpy", cse=True)

    def call(x):
        x = np.asarray(x, dtype=float)
        if x.shape[:1] != (len(symbols),):
            raise ValueError(f"expected a point with {len(symbols)} coordinates on axis 0, "
                             f"got shape {x.shape}")
        vals = fn(*x)
        if x.ndim == 1:
            out = np.array(vals, dtype=float).reshape(shape)
            return float(out) if shape == () else out
        flat = np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in vals], x[0])[:-1]
        return np.stack(flat).reshape(shape + x.shape[1:])

    return call


def _lazy(build):
    """A callable that builds the real one on first use (large Hessians lambdify slowly)."""
    @functools.cache
    def real():
        return build()
    return lambda x: real()(x)


def _polish(grad, hess, x, iters=50):
    """Newton's method on ∇f = 0 to bring an approximate critical point to full precision."""
    x = np.array(x, dtype=float)
    for _ in range(iters):
        g = grad(x)
        if np.linalg.norm(g) < 1e-15:
            break
        x = x - np.linalg.solve(hess(x), g)
    return x


def from_expr(expr, symbols, *, name="custom", x0=None, minima=(), f_min=None, bounds=None,
              log_scale=False, description="", polish=True, params=None,
              residuals=None) -> Objective:
    """Make an :class:`Objective` from any SymPy expression.

    ``minima`` may be approximate: with ``polish`` they are refined by Newton's method
    on the lambdified gradient; ``f_min`` defaults to the smallest value among them.
    ``residuals``: SymPy expressions r_j with ``expr = Σ r_j²`` (checked at random points),
    which give the objective ``residuals``, ``jac`` and a Gauss–Newton :meth:`~Objective.fisher`.
    """
    symbols = tuple(symbols)
    n = len(symbols)
    f = _vectorize(symbols, [expr], ())
    grad_exprs = [sp.diff(expr, s) for s in symbols]
    grad = _vectorize(symbols, grad_exprs, (n,))
    hess = _lazy(lambda: _vectorize(symbols, [sp.diff(g, s) for g in grad_exprs for s in symbols],
                                    (n, n)))
    mins = tuple(_polish(grad, hess, m) if polish else np.asarray(m, dtype=float)
                 for m in minima)
    if f_min is None and mins:
        f_min = float(min(f(m) for m in mins))
    x0 = np.zeros(n) if x0 is None else np.asarray(x0, dtype=float)
    res = jac = None
    if residuals is not None:
        residuals = list(residuals)
        res = _vectorize(symbols, residuals, (len(residuals),))
        jac = _lazy(lambda: _vectorize(symbols, [sp.diff(r, s) for r in residuals
                                                 for s in symbols], (len(residuals), n)))
        pts = np.random.default_rng(0).uniform(-2, 2, (n, 5))
        if not np.allclose((res(pts) ** 2).sum(axis=0), f(pts), rtol=1e-10, atol=1e-10):
            raise ValueError(f"{name}: the residuals' squares do not sum to the expression")
    return Objective(name, expr, symbols, f, grad, hess, x0, mins, f_min,
                     None if bounds is None else tuple(tuple(map(float, b)) for b in bounds),
                     log_scale, description, dict(params or {}), res, jac)


def least_squares(X, y, *, l2=0.0, name="least_squares", description="") -> FiniteSumObjective:
    """``f(θ) = ‖Xθ − y‖² / (2N) + (l2/2)‖θ‖²``, differentiated by SymPy's matrix calculus.

    The minimizer is the ridge solution, computed with ``numpy.linalg.lstsq``.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    if X.ndim != 2 or X.shape[0] != y.shape[0]:
        raise ValueError(f"X must be (N, d) and y (N,); got {X.shape} and {y.shape}")
    if l2 < 0:
        raise ValueError(f"l2 must be >= 0, got {l2}")
    N, d = X.shape
    Nsym = sp.Symbol("N", integer=True, positive=True)
    Xs, ys = sp.MatrixSymbol("X", Nsym, d), sp.MatrixSymbol("y", Nsym, 1)
    th = sp.MatrixSymbol("theta", d, 1)
    lam = sp.Symbol("lambda", nonnegative=True)
    r = Xs * th - ys
    expr = (r.T * r) / (2 * Nsym) + lam / 2 * th.T * th
    args = (th, Xs, ys, Nsym, lam)
    f_raw = sp.lambdify(args, expr, "numpy")
    g_raw = sp.lambdify(args, sp.diff(expr, th), "numpy")
    h_raw = sp.lambdify(args, sp.diff(sp.diff(expr, th), th), "numpy")

    Y = y.reshape(-1, 1)

    def on_rows(fn):
        def call(theta, rows=None):
            Xb, Yb = (X, Y) if rows is None else (X[rows], Y[rows])
            return fn(np.reshape(theta, (d, 1)), Xb, Yb, len(Yb), l2)
        return call

    f_all, g_all, h_all = on_rows(f_raw), on_rows(g_raw), on_rows(h_raw)
    A = X.T @ X / N + l2 * np.eye(d)
    theta_star = np.linalg.solve(A, X.T @ y / N)
    return FiniteSumObjective(
        name=name, expr=expr, symbols=(th,),
        f=lambda t: float(f_all(t).item()), grad=lambda t: g_all(t).reshape(d),
        hess=lambda t: h_all(t).reshape(d, d),
        x0=np.zeros(d), minima=(theta_star,), f_min=float(f_all(theta_star).item()),
        description=description or f"least squares, N={N}, d={d}, l2={l2}",
        params={"l2": l2, "N": N, "d": d}, n_samples=N,
        batch_f=lambda t, idx: float(f_all(t, idx).item()),
        batch_grad=lambda t, idx: g_all(t, idx).reshape(d))


# --------------------------------------------------------------------------- the zoo
_REGISTRY: dict[str, Callable[..., Objective]] = {}


def register(name: str):
    """Decorator: add an objective factory to the registry under ``name``."""
    def deco(factory):
        _REGISTRY[name] = functools.lru_cache(maxsize=32)(factory)
        return factory
    return deco


def _normalize(name: str) -> str:
    return str(name).strip().lower().replace("-", "_").replace(" ", "_")


def available() -> list[str]:
    """Names accepted by :func:`get`."""
    return sorted(_REGISTRY)


def get(name, **kwargs) -> Objective:
    """Look up a test function by name, e.g. ``get("rosenbrock", n=10)``."""
    if isinstance(name, Objective):
        return name
    key = _normalize(name)
    if key not in _REGISTRY:
        raise ValueError(f"unknown objective {name!r}; available: {', '.join(available())}")
    try:
        return _REGISTRY[key](**{k: _hashable(v) for k, v in kwargs.items()})
    except TypeError as err:
        raise ValueError(f"objective {key!r}: {err}") from None


def _hashable(v):
    if isinstance(v, np.ndarray) or isinstance(v, list):
        return tuple(map(_hashable, v))
    return v


x, y = sp.symbols("x y", real=True)
XY = (x, y)


@register("quadratic")
def quadratic(A=((1.0, 0.0), (0.0, 10.0)), b=None, x0=None):
    """``½ θᵀAθ − bᵀθ`` for a symmetric positive-definite ``A`` (any dimension)."""
    A = np.asarray(A, dtype=float)
    n = A.shape[0]
    if A.shape != (n, n) or not np.allclose(A, A.T):
        raise ValueError(f"A must be a symmetric square matrix, got shape {A.shape}")
    b = np.zeros(n) if b is None else np.asarray(b, dtype=float)
    th = XY if n == 2 else sp.symbols(f"theta1:{n + 1}", real=True)
    v = sp.Matrix(th)
    expr = (v.T * sp.Matrix(A) * v / 2)[0] - (sp.Matrix(b).T * v)[0]
    eig = np.linalg.eigvalsh(A)
    kappa = eig[-1] / eig[0] if eig[0] > 0 else np.inf
    return from_expr(expr, th, name="quadratic", polish=False,
                     x0=x0 if x0 is not None else np.r_[-4.0, 2.0, np.ones(n - 2)][:n],
                     minima=[np.linalg.solve(A, b)] if eig[0] > 0 else [],
                     bounds=((-5, 5), (-3, 3)) if n == 2 else None,
                     description=f"quadratic, eigenvalues {eig.min():.3g}…{eig.max():.3g}, "
                                 f"κ={kappa:.3g}",
                     params={"A": A, "b": b, "L": eig[-1], "mu": eig[0], "kappa": kappa})


def rotated_quadratic_matrix(kappa, angle=0.0, n=2, mu=1.0, seed=0):
    """``A = Q diag(λ) Qᵀ`` with eigenvalues log-spaced from ``mu`` to ``kappa·mu``.

    In 2-D ``Q`` is the rotation by ``angle`` degrees; in n-D a random orthogonal matrix.
    """
    if kappa < 1:
        raise ValueError(f"kappa must be >= 1, got {kappa}")
    if mu <= 0:
        raise ValueError(f"mu must be > 0, got {mu}")
    lam = mu * np.geomspace(1.0, kappa, n)
    if n == 2:
        c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
        Q = np.array([[c, -s], [s, c]])
    else:
        Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    return Q @ np.diag(lam) @ Q.T


@register("ill_conditioned")
def ill_conditioned(kappa=10.0, angle=30.0, n=2, mu=1.0, seed=0):
    """A quadratic built by condition number and rotation (see :func:`rotated_quadratic_matrix`)."""
    A = rotated_quadratic_matrix(kappa, angle, n, mu, seed)
    obj = quadratic(A=_hashable(A))
    return Objective(**{**obj.__dict__, "name": "ill_conditioned"})


def _zoo(name, expr, **kw):
    register(name)(lambda: from_expr(expr, XY, name=name, **kw))


_zoo("elongated_valley", x**2 / 20 + 5 * y**2, x0=(-9, 1.5), minima=[(0, 0)],
     residuals=[x / sp.sqrt(20), sp.sqrt(5) * y],
     bounds=((-10, 10), (-2.5, 2.5)), polish=False,
     description="a long narrow quadratic valley, κ = 100 (L = 10, μ = 0.1)")
_BEALE = [sp.Rational(3, 2) - x + x * y, sp.Rational(9, 4) - x + x * y**2,
          sp.Rational(21, 8) - x + x * y**3]
_zoo("beale", _BEALE[0]**2 + _BEALE[1]**2 + _BEALE[2]**2, residuals=_BEALE, x0=(1, 1.5),
     minima=[(3, 0.5)], bounds=((-4.5, 4.5), (-4.5, 4.5)), log_scale=True,
     description="flat plateaus and sharp ridges; global minimum at (3, 0.5)")
_zoo("himmelblau", (x**2 + y - 11)**2 + (x + y**2 - 7)**2, x0=(0, 0),
     residuals=[x**2 + y - 11, x + y**2 - 7],
     minima=[(3, 2), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)],
     bounds=((-5, 5), (-5, 5)), log_scale=True, description="four equal minima")
_zoo("booth", (x + 2 * y - 7)**2 + (2 * x + y - 5)**2, x0=(-8, -8), minima=[(1, 3)],
     residuals=[x + 2 * y - 7, 2 * x + y - 5],
     bounds=((-10, 10), (-10, 10)), description="a gently tilted quadratic bowl")
_zoo("rastrigin", 20 + x**2 - 10 * sp.cos(2 * sp.pi * x) + y**2 - 10 * sp.cos(2 * sp.pi * y),
     x0=(2.2, 2.3), minima=[(0, 0)], bounds=((-5.12, 5.12), (-5.12, 5.12)),
     description="a quadratic bowl covered in regularly spaced local minima")
_zoo("ackley", -20 * sp.exp(-sp.sqrt((x**2 + y**2) / 2) / 5)
     - sp.exp((sp.cos(2 * sp.pi * x) + sp.cos(2 * sp.pi * y)) / 2) + sp.E + 20,
     x0=(2.5, 2.0), minima=[(0, 0)], bounds=((-5, 5), (-5, 5)), polish=False,
     description="many local minima around a cone; not differentiable at its minimum (0, 0)")
_zoo("styblinski_tang", (x**4 - 16 * x**2 + 5 * x + y**4 - 16 * y**2 + 5 * y) / 2,
     x0=(4.5, 4.5), minima=[(-2.903534, -2.903534)], bounds=((-5, 5), (-5, 5)),
     description="one global and three local minima")
_zoo("six_hump_camel", (4 - sp.Rational(21, 10) * x**2 + x**4 / 3) * x**2 + x * y
     + (-4 + 4 * y**2) * y**2, x0=(-1.5, -0.5),
     minima=[(0.0898, -0.7126), (-0.0898, 0.7126)], bounds=((-2, 2), (-1.1, 1.1)),
     description="six local minima, two of them global")
_zoo("saddle", x**2 - y**2, x0=(-1.5, 1e-3), bounds=((-2, 2), (-2, 2)),
     description="a saddle point at the origin; unbounded below")
_zoo("monkey_saddle", x**3 - 3 * x * y**2, x0=(-1.5, 0.5), bounds=((-2, 2), (-2, 2)),
     description="a degenerate saddle (zero Hessian) at the origin; unbounded below")
_zoo("cliff", y**2 / 2 + (x - 2)**2 / 10 + 4 * (1 + sp.tanh(5 * (x - 3))), x0=(-4, 1.5),
     minima=[(2, 0)], bounds=((-6, 6), (-3, 3)),
     description="a gentle slope that ends at a steep wall of height 8 at x = 3")


@register("rosenbrock")
def rosenbrock(n=2, a=1.0, b=100.0):
    """``Σ b(θ_{i+1} − θ_i²)² + (a − θ_i)²`` — 2-D by default, any ``n ≥ 2``."""
    if int(n) != n or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n}")
    n = int(n)
    th = XY if n == 2 else sp.symbols(f"theta1:{n + 1}", real=True)
    a_, b_ = sp.nsimplify(a), sp.nsimplify(b)
    expr = sum(b_ * (th[i + 1] - th[i]**2)**2 + (a_ - th[i])**2 for i in range(n - 1))
    res = [r for i in range(n - 1) for r in (sp.sqrt(b_) * (th[i + 1] - th[i]**2), a_ - th[i])]
    x0 = np.tile([-1.2, 1.0], n)[:n] if n > 2 else (-1.5, 2.0)
    mins = [(a, a**2)] if n == 2 else ([np.ones(n)] if a == 1 else [])
    return from_expr(expr, th, name="rosenbrock", x0=x0, minima=mins, residuals=res,
                     bounds=((-2, 2), (-1, 3)) if n == 2 else None, log_scale=True,
                     description=f"Rosenbrock's banana valley in {n}-D",
                     params={"n": n, "a": a, "b": b})


@register("matrix_least_squares")
def matrix_least_squares(rows=1, cols=2, kappa=10.0, seed=0):
    """``½‖A W B − C‖_F²`` over a ``rows × cols`` matrix ``W``, flattened row by row into θ.

    ``A`` (rows × rows) and ``B`` (cols × cols) are random with singular values log-spaced
    from 1 to κ^(1/4), so the Hessian ``AᵀA ⊗ BBᵀ`` has condition number up to κ;
    ``C = A W* B`` for a random ``W*``, the unique minimizer (f* = 0). Start: ``W = 0``.
    A matrix problem for matrix optimizers (Muon); 2-D (a 1 × 2 matrix) by default.
    """
    rows, cols = int(rows), int(cols)
    if rows < 1 or cols < 1:
        raise ValueError(f"rows and cols must be >= 1, got {rows}, {cols}")
    if kappa < 1:
        raise ValueError(f"kappa must be >= 1, got {kappa}")
    rng = np.random.default_rng(seed)

    def factor(n):
        U, _ = np.linalg.qr(rng.standard_normal((n, n)))
        V, _ = np.linalg.qr(rng.standard_normal((n, n)))
        return U @ np.diag(np.geomspace(1.0, kappa ** 0.25, n)) @ V.T

    A, B, W_star = factor(rows), factor(cols), rng.standard_normal((rows, cols))
    C = A @ W_star @ B
    # vec(A W B) = (A ⊗ Bᵀ) vec(W) row by row, so f = ½ wᵀHw − qᵀw + ½‖C‖² with H = KᵀK:
    # written as an expanded polynomial, which SymPy differentiates and lambdifies quickly
    K = np.kron(A, B.T)
    H, q, n = K.T @ K, K.T @ C.ravel(), rows * cols
    th = sp.symbols(f"w1:{n + 1}", real=True)
    expr = sp.Add(*[sp.Float(H[i, j] / 2) * th[i] * th[j] for i in range(n) for j in range(n)],
                  *[-sp.Float(q[i]) * th[i] for i in range(n)], sp.Float(C.ravel() @ C.ravel() / 2))
    w = W_star.ravel()
    return from_expr(expr, th, name="matrix_least_squares", x0=np.zeros(rows * cols),
                     minima=[w], f_min=0.0, polish=False,
                     bounds=tuple((v - 3.0, v + 3.0) for v in np.r_[w, 0.0][:max(2, w.size)]),
                     description=f"matrix least squares ½‖AWB − C‖², W of shape "
                                 f"{rows} × {cols}, κ ≤ {kappa:g}",
                     params={"A": A, "B": B, "C": C, "W_star": W_star, "shape": (rows, cols),
                             "kappa": kappa})
