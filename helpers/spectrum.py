r"""Spectra of a symmetric matrix known only through its products ``v ↦ Hv``.

The toolkit of PyHessian (Yao et al. 2020, arXiv:1912.07145; its ``pyhessian/hessian.py``:
``eigenvalues``, ``trace``, ``density``) in NumPy, for any ``hvp`` — a network's exact
Hessian-vector product (:meth:`helpers.mlp.MLP.hvp`, Pearlmutter 1994), a test function's
:meth:`helpers.objectives.Objective.hvp`, or ``lambda v: A @ v``:

- :func:`power_iteration` — the eigenvalue of largest magnitude (λ_max of a Hessian whose
  positive end dominates) and its eigenvector, with the residual ‖Hv − λv‖ as an error bound;
- :func:`lanczos` — m steps of Lanczos (1950) with full reorthogonalization: the tridiagonal
  T = QᵀHQ, its Ritz values (extreme eigenvalues converge first) and Gauss quadrature weights;
- :func:`hutchinson_trace` — tr H ≈ mean of zᵀHz over random sign (or Gaussian) probes z
  (Hutchinson 1989);
- :func:`slq_density` — stochastic Lanczos quadrature (Ubaru, Chen & Saad 2017; Ghorbani,
  Krishnan & Xiao 2019): the spectral density as a Gaussian-smoothed mixture of Ritz values.

>>> import numpy as np
>>> from helpers import spectrum
>>> A = np.diag(np.arange(1.0, 101.0))
>>> round(spectrum.power_iteration(lambda v: A @ v, 100, iters=2000, tol=0, rng=0).eigenvalue, 6)
100.0
"""
from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np

__all__ = ["PowerResult", "LanczosResult", "TraceEstimate", "Density", "power_iteration",
           "lanczos", "hutchinson_trace", "slq_density", "smoothed_density"]


# ------------------------------------------------------------------ validation
def _count(name, value, low=1, high=None):
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not ok or value < low or (high is not None and value > high):
        upper = "" if high is None else f" and <= {high}"
        raise ValueError(f"invalid {name}={value!r}; must be an integer >= {low}{upper}")
    return int(value)


def _positive(name, value, allow_zero=False):
    ok = isinstance(value, (int, float, np.floating, np.integer)) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"invalid {name}={value!r}; must be a finite number "
                         f"{'>= 0' if allow_zero else '> 0'}")
    return float(value)


def _start(v0, n, rng, name="v0"):
    """A unit start vector: ``v0`` normalized, or a Gaussian draw from ``rng``."""
    if v0 is None:
        rng = np.random.default_rng(rng)
        v0 = rng.standard_normal(n)
    v0 = np.asarray(v0, dtype=float)
    if v0.shape != (n,) or not np.all(np.isfinite(v0)) or not np.any(v0):
        raise ValueError(f"invalid {name}: must be a finite nonzero vector of shape ({n},), "
                         f"got shape {v0.shape}")
    return v0 / np.linalg.norm(v0)


def _check_hvp(hvp, n):
    if not callable(hvp):
        raise ValueError(f"invalid hvp={hvp!r}; must be a function v -> H v")
    return _count("n", n)


def _probe(rng, n, distribution):
    if distribution == "rademacher":
        return rng.choice((-1.0, 1.0), size=n)
    return rng.standard_normal(n)


_DISTRIBUTIONS = ("rademacher", "gaussian")


# ------------------------------------------------------------------ power iteration
class PowerResult(NamedTuple):
    """What :func:`power_iteration` found.

    ``eigenvalue`` is the Rayleigh quotient vᵀHv of the unit ``eigenvector`` v; some eigenvalue
    of H lies within ``residual`` = ‖Hv − (vᵀHv)v‖ of it. ``history`` holds the Rayleigh
    quotient of every iteration (one product each)."""

    eigenvalue: float
    eigenvector: np.ndarray
    residual: float
    iterations: int
    converged: bool
    history: np.ndarray


def power_iteration(hvp: Callable, n: int, iters: int = 100, tol: float = 1e-6, v0=None,
                    rng=None, orthogonal_to=()) -> PowerResult:
    r"""The eigenvalue of largest magnitude of a symmetric H, by power iteration.

    .. math::
        \lambda_k = v_k^\top H v_k,\qquad v_{k+1} = \frac{H v_k}{\lVert H v_k\rVert}

    stopping when :math:`|\lambda_k-\lambda_{k-1}|\le\mathrm{tol}\,|\lambda_k|` (PyHessian's rule)
    or after ``iters`` products. The error in :math:`v` shrinks like
    :math:`|\lambda_2/\lambda_1|^k`. Warm-start it with ``v0`` = the previous eigenvector when H
    changes slowly (training). For a Hessian, the answer is λ_max only when the positive end of
    the spectrum dominates the negative one (check with :func:`lanczos`).

    Parameters
    ----------
    hvp : function v ↦ Hv for a symmetric H of size ``n`` × ``n``.
    n : int ≥ 1, the dimension.
    iters : int ≥ 1, the maximum number of products.
    tol : float ≥ 0, relative change of the Rayleigh quotient that counts as converged.
    v0 : start vector (normalized here); default a Gaussian draw from ``rng``.
    rng : seed or ``numpy.random.Generator`` for the default start.
    orthogonal_to : unit vectors to project out of every iterate (deflation, as PyHessian's
        ``top_n``): with the top k eigenvectors given, it finds the (k+1)-th.

    Reference: PyHessian's ``hessian.eigenvalues`` (which returns the last Rayleigh quotient and
    the normalized last product; here the vector is the one whose quotient is returned).
    """
    n = _check_hvp(hvp, n)
    iters = _count("iters", iters)
    tol = _positive("tol", tol, allow_zero=True)
    U = np.array([np.asarray(u, dtype=float) for u in orthogonal_to]).reshape(-1, n)

    def project(x):
        return x - U.T @ (U @ x) if len(U) else x

    v = _start(project(_start(v0, n, rng)) if len(U) else v0, n, rng)
    history, converged = [], False
    for _ in range(iters):
        w = project(np.asarray(hvp(v), dtype=float))
        lam = float(v @ w)
        history.append(lam)
        if len(history) > 1 and abs(lam - history[-2]) <= tol * abs(lam):
            converged = True
            break
        norm = np.linalg.norm(w)
        if norm == 0:                                # v lies in the null space: λ = 0 exactly
            converged = True
            break
        v_next = w / norm
        if len(history) == iters:                    # keep v, whose quotient is lam
            break
        v = v_next
    residual = float(np.linalg.norm(w - lam * v))
    return PowerResult(lam, v, residual, len(history), converged, np.array(history))


# ------------------------------------------------------------------ Lanczos
class LanczosResult(NamedTuple):
    """m steps of Lanczos: ``Q`` (n, m) orthonormal, ``T = QᵀHQ`` tridiagonal with diagonal
    ``alpha`` and off-diagonal ``beta``; ``ritz_values`` ascending with ``ritz_vectors = Q S``
    (unit columns) and ``weights`` = (first entries of T's eigenvectors S)², the Gauss
    quadrature weights of the start vector (they sum to 1)."""

    alpha: np.ndarray
    beta: np.ndarray
    Q: np.ndarray
    ritz_values: np.ndarray
    ritz_vectors: np.ndarray
    weights: np.ndarray

    @property
    def T(self):
        """The m × m tridiagonal matrix."""
        return np.diag(self.alpha) + np.diag(self.beta, 1) + np.diag(self.beta, -1)


def lanczos(hvp: Callable, n: int, m: int, v0=None, rng=None,
            reorthogonalize: bool = True) -> LanczosResult:
    r"""m steps of the Lanczos iteration on a symmetric H from the unit vector :math:`q_1`.

    .. math::
        \beta_j q_{j+1} = H q_j - \alpha_j q_j - \beta_{j-1} q_{j-1},\qquad
        \alpha_j = q_j^\top H q_j,\quad \beta_j = \lVert\cdot\rVert

    (the three-term recurrence: :math:`Q^\top H Q` is symmetric and upper Hessenberg, hence
    tridiagonal). In floating point the :math:`q_j` lose orthogonality once a Ritz value
    converges, producing spurious copies ("ghosts"); with ``reorthogonalize`` each new vector is
    orthogonalized against all previous ones, twice (classical Gram–Schmidt, "twice is enough"),
    as PyHessian's ``density`` does once. Cost: m products and :math:`O(nm^2)`.

    If :math:`\beta_j` vanishes, the Krylov space is invariant and its Ritz values are exact
    eigenvalues: the iteration stops there and returns fewer than m steps (PyHessian restarts
    with a random vector instead, which breaks the quadrature interpretation).

    Parameters
    ----------
    hvp : function v ↦ Hv for a symmetric H of size ``n`` × ``n``.
    n : int ≥ 1, the dimension.
    m : int in [1, n], the number of steps (the size of T).
    v0 : start vector (normalized here); default a Gaussian draw from ``rng``.
    rng : seed or ``numpy.random.Generator`` for the default start.
    reorthogonalize : bool, full reorthogonalization (default) or the plain recurrence.
    """
    n = _check_hvp(hvp, n)
    m = _count("m", m, high=n)
    Q = np.zeros((n, m))
    Q[:, 0] = _start(v0, n, rng)
    alpha, beta = np.zeros(m), np.zeros(max(m - 1, 0))
    size = m
    for j in range(m):
        w = np.asarray(hvp(Q[:, j]), dtype=float)
        alpha[j] = Q[:, j] @ w
        w = w - alpha[j] * Q[:, j] - (beta[j - 1] * Q[:, j - 1] if j else 0.0)
        if reorthogonalize:
            for _ in range(2):
                w = w - Q[:, :j + 1] @ (Q[:, :j + 1].T @ w)
        if j == m - 1:
            break
        beta[j] = np.linalg.norm(w)
        if beta[j] <= 1e-12 * max(1.0, np.abs(alpha[:j + 1]).max()):   # invariant subspace
            size = j + 1
            break
        Q[:, j + 1] = w / beta[j]
    alpha, beta, Q = alpha[:size], beta[:size - 1], Q[:, :size]
    T = np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)
    theta, S = np.linalg.eigh(T)
    return LanczosResult(alpha, beta, Q, theta, Q @ S, S[0] ** 2)


# ------------------------------------------------------------------ Hutchinson
class TraceEstimate(NamedTuple):
    """``trace`` = the mean of ``samples`` (each zᵀHz) and its standard error."""

    trace: float
    stderr: float
    samples: np.ndarray


def hutchinson_trace(hvp: Callable, n: int, samples: int, rng=None,
                     distribution: str = "rademacher") -> TraceEstimate:
    r"""Hutchinson's estimator of tr H: the mean of :math:`z^\top H z` over random probes z.

    Any z with :math:`\mathbb E[zz^\top]=I` makes each :math:`z^\top Hz` unbiased. Random signs
    (``"rademacher"``, Hutchinson 1989, PyHessian's ``trace``) have variance
    :math:`2\sum_{i\ne j}H_{ij}^2`; Gaussian probes :math:`2\lVert H\rVert_F^2`, which adds the
    diagonal. One product per sample.

    Parameters
    ----------
    hvp : function v ↦ Hv for a symmetric H of size ``n`` × ``n``.
    n : int ≥ 1, the dimension.
    samples : int ≥ 1, the number of probes.
    rng : seed or ``numpy.random.Generator``.
    distribution : ``"rademacher"`` or ``"gaussian"``.
    """
    n = _check_hvp(hvp, n)
    samples = _count("samples", samples)
    if distribution not in _DISTRIBUTIONS:
        raise ValueError(f"invalid distribution={distribution!r}; must be one of {_DISTRIBUTIONS}")
    rng = np.random.default_rng(rng)
    values = np.empty(samples)
    for k in range(samples):
        z = _probe(rng, n, distribution)
        values[k] = z @ np.asarray(hvp(z), dtype=float)
    stderr = float(values.std(ddof=1) / np.sqrt(samples)) if samples > 1 else math.inf
    return TraceEstimate(float(values.mean()), stderr, values)


# ------------------------------------------------------------------ SLQ
def smoothed_density(nodes, weights, grid, sigma):
    r"""The density :math:`\sum_k w_k\,\mathcal N(x;\theta_k,\sigma^2)` on ``grid``, averaged
    over the rows of ``nodes`` and ``weights`` (one row per probe; 1-D arrays are one probe).
    With the exact eigenvalues as nodes and weights 1/n it is the smoothed true density."""
    sigma = _positive("sigma", sigma)
    nodes, weights = np.atleast_2d(nodes), np.atleast_2d(weights)
    if nodes.shape != weights.shape:
        raise ValueError(f"nodes and weights differ in shape: {nodes.shape} vs {weights.shape}")
    x = np.asarray(grid, dtype=float)[:, None, None]
    kernel = np.exp(-0.5 * ((x - nodes) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
    return (kernel * weights).sum(axis=2).mean(axis=1)


class Density(NamedTuple):
    """Stochastic Lanczos quadrature: per probe, the Ritz ``nodes`` and ``weights`` (rows),
    and their Gaussian-smoothed mixture ``density`` on ``grid`` (it integrates to ≈ 1; n times
    it counts eigenvalues per unit)."""

    nodes: np.ndarray
    weights: np.ndarray
    grid: np.ndarray
    density: np.ndarray
    sigma: float

    def expect(self, fn):
        """The quadrature estimate of tr f(H) / n: the mean over probes of Σ_k w_k f(θ_k)."""
        return float(np.mean(np.sum(self.weights * fn(self.nodes), axis=1)))


def slq_density(hvp: Callable, n: int, m: int = 80, probes: int = 1, rng=None, grid=200,
                sigma=None) -> Density:
    r"""The spectral density of a symmetric H by stochastic Lanczos quadrature.

    For a unit probe :math:`v=z/\lVert z\rVert` with random signs,
    :math:`v^\top f(H)v=\sum_i (u_i^\top v)^2 f(\lambda_i)` has expectation
    :math:`\operatorname{tr} f(H)/n`, and m Lanczos steps from v turn it into an m-node Gauss
    quadrature :math:`\sum_k w_k f(\theta_k)`, exact for polynomials of degree ≤ 2m − 1
    (Golub & Meurant). With :math:`f` a Gaussian of width σ this gives the smoothed density
    :math:`\frac1n\sum_i\mathcal N(x;\lambda_i,\sigma^2)`, averaged over ``probes``.

    Parameters
    ----------
    hvp : function v ↦ Hv for a symmetric H of size ``n`` × ``n``.
    n : int ≥ 1, the dimension.
    m : int in [1, n], Lanczos steps per probe (each fully reorthogonalized).
    probes : int ≥ 1, independent Rademacher start vectors.
    rng : seed or ``numpy.random.Generator``.
    grid : int ≥ 2 (that many points spanning the Ritz values, padded by 5 % and 3σ) or an
        array of points.
    sigma : float > 0, the smoothing width; default 1 % of the Ritz values' range.

    Reference: PyHessian's ``hessian.density`` and ``density_plot.density_generate`` (which
    normalizes the density numerically on its grid and uses σ = 10⁻⁵·max(1, range)); here the
    density is the mixture itself, so it integrates to 1 when the grid covers it.
    """
    n = _check_hvp(hvp, n)
    m = _count("m", m, high=n)
    probes = _count("probes", probes)
    rng = np.random.default_rng(rng)
    runs = [lanczos(hvp, n, m, v0=_probe(rng, n, "rademacher")) for _ in range(probes)]
    size = max(len(r.ritz_values) for r in runs)          # a breakdown gives fewer nodes:
    nodes = np.array([np.pad(r.ritz_values, (0, size - len(r.ritz_values)), mode="edge")
                      for r in runs])                     # pad with zero-weight copies
    weights = np.array([np.pad(r.weights, (0, size - len(r.weights))) for r in runs])
    lo, hi = nodes.min(), nodes.max()
    sigma = _positive("sigma", sigma) if sigma is not None else max(0.01 * (hi - lo), 1e-12)
    if np.ndim(grid) == 0:
        points = _count("grid", grid, low=2)
        pad = 0.05 * (hi - lo) + 3 * sigma
        grid = np.linspace(lo - pad, hi + pad, points)
    grid = np.asarray(grid, dtype=float)
    return Density(nodes, weights, grid, smoothed_density(nodes, weights, grid, sigma), sigma)
