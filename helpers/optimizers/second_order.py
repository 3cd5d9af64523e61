r"""Second-order methods (04_curvature_aware_optimizers-2/01): Newton's method with damping,
trust-region Newton (Cauchy point, dogleg, exact subproblem), Gauss–Newton and
Levenberg–Marquardt for sums of squares.

The subproblem solvers :func:`cauchy_point`, :func:`dogleg` and :func:`exact_subproblem`
minimize the quadratic model :math:`m(p) = g^\top p + \tfrac12 p^\top H p` over the ball
:math:`\lVert p\rVert \le \Delta` and return ``(p, hits_boundary)``; :func:`lm_step` solves
the damped Gauss–Newton equations. References: Nocedal & Wright (2006), ch. 4 and 10;
Moré & Sorensen (1983); Moré (1978); scipy.optimize (``minimize(method="dogleg" |
"trust-exact")``, ``least_squares(method="lm")``).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._core import Optimizer, _asarray, _check, _lr, _positive, register

__all__ = ["newton", "trust_region", "gauss_newton", "levenberg_marquardt", "cauchy_point",
           "dogleg", "exact_subproblem", "lm_step"]

_SUBPROBLEMS = ("cauchy", "dogleg", "exact")
_SCALINGS = ("levenberg", "marquardt")
_UPDATES = ("nielsen", "marquardt")
_MAX_DAMPING = 1e20       # past convergence rounding rejects every step: keep δ finite


def _need(opt, objective, *attrs):
    """Raise a ValueError unless ``objective`` has every attribute in ``attrs``."""
    missing = [a for a in attrs if getattr(objective, a, None) is None]
    if missing:
        raise ValueError(f"{opt}: update needs the objective's {' and '.join(missing)} "
                         f"(got {'no objective' if objective is None else repr(objective)})")


def _choice(opt, name, value, options):
    if value not in options:
        raise ValueError(f"{opt}: invalid {name}={value!r}; must be one of "
                         f"{', '.join(map(repr, options))}")


# ------------------------------------------------------------------ Newton
class NewtonState(NamedTuple):
    count: int


@register("newton")
def newton(lr=1.0, damping=0.0) -> Optimizer:
    r"""Newton's method, :math:`\theta \leftarrow \theta - \eta\, (H(\theta) + \delta I)^{-1} g`.

    Parameters
    ----------
    lr : float or schedule, η (1 is the pure Newton step)
    damping : float ≥ 0, δ added to the Hessian's diagonal (Levenberg's damping). δ = 0 is
        plain Newton: no line search, so on an indefinite Hessian it heads for a saddle or
        maximum as readily as for a minimum. δ > −λ_min(H) makes the step a descent
        direction; δ → ∞ turns it into gradient descent with step η/δ.

    Needs ``objective.hess``; a singular matrix raises ``numpy.linalg.LinAlgError``
    (``helpers.run`` reports it). No torch counterpart.
    """
    _check("newton", lr=(lr, 0, None, False), damping=(damping, 0, None, False))

    def init(params):
        return NewtonState(0)

    def update(grad, state, params, objective=None):
        if objective is None or getattr(objective, "hess", None) is None:
            raise ValueError("newton: update needs the objective (for its Hessian)")
        H = objective.hess(params)
        if damping:
            H = H + damping * np.eye(len(H))
        step = np.linalg.solve(H, _asarray(grad))
        return params - _lr(lr, state.count) * step, NewtonState(state.count + 1)

    return Optimizer(init, update, "newton", dict(lr=lr, damping=damping))


# ------------------------------------------------------------------ trust-region subproblems
def cauchy_point(g, H, radius):
    r"""The Cauchy point: the model's minimizer along :math:`-g` inside the ball,
    :math:`p_C = -\tau\,\frac{\Delta}{\lVert g\rVert} g` with :math:`\tau = 1` if
    :math:`g^\top H g \le 0`, else :math:`\min(1, \lVert g\rVert^3 / (\Delta\, g^\top H g))`
    (Nocedal & Wright 2006, eq. 4.12). Returns ``(p, hits_boundary)``."""
    g, H = _asarray(g), _asarray(H)
    gnorm = math.sqrt(float(g @ g))
    if gnorm == 0.0:
        return np.zeros_like(g), False
    curvature = float(g @ H @ g)
    tau = 1.0 if curvature <= 0 else min(1.0, gnorm**3 / (radius * curvature))
    return -tau * radius / gnorm * g, tau == 1.0


def _boundary_intersection(z, d, radius):
    """The larger t with ‖z + t d‖ = Δ (scipy's numerically stable quadratic formula)."""
    a, b, c = float(d @ d), 2.0 * float(z @ d), float(z @ z) - radius**2
    aux = b + math.copysign(math.sqrt(b * b - 4 * a * c), b)
    return max(-aux / (2 * a), -2 * c / aux)


def dogleg(g, H, radius):
    r"""Powell's dogleg: the Newton point :math:`p_B = -H^{-1}g` if it lies inside the ball,
    else the point where the path :math:`0 \to p_U \to p_B` leaves it, with
    :math:`p_U = -\frac{g^\top g}{g^\top H g} g` the minimizer along :math:`-g` (as
    ``scipy.optimize.minimize(method="dogleg")``). Returns ``(p, hits_boundary)``.

    Difference from scipy: on a Hessian that is not positive definite, where scipy stops
    with a ``LinAlgError``, this returns the Cauchy point."""
    g, H = _asarray(g), _asarray(H)
    try:
        L = np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        return cauchy_point(g, H, radius)
    p_B = -np.linalg.solve(L.T, np.linalg.solve(L, g))
    if np.linalg.norm(p_B) < radius:
        return p_B, False
    p_U = -float(g @ g) / float(g @ H @ g) * g
    norm_U = np.linalg.norm(p_U)
    if norm_U >= radius:
        return p_U * (radius / norm_U), True
    return p_U + _boundary_intersection(p_U, p_B - p_U, radius) * (p_B - p_U), True


def exact_subproblem(g, H, radius, rtol=1e-12, max_iter=200):
    r"""The exact minimizer of :math:`g^\top p + \tfrac12 p^\top H p` over
    :math:`\lVert p\rVert\le\Delta`, from the eigendecomposition :math:`H = Q\Lambda Q^\top`.

    It is characterized by (Moré & Sorensen 1983; Nocedal & Wright 2006, Thm. 4.1):
    :math:`(H + \delta I)p = -g`, :math:`H + \delta I \succeq 0`, :math:`\delta \ge 0`,
    :math:`\delta(\Delta - \lVert p\rVert) = 0`. Interior case: the Newton step. Boundary
    case: δ solves the secular equation :math:`1/\lVert p(\delta)\rVert = 1/\Delta` by
    Newton's method, :math:`\delta \leftarrow \delta + \frac{\lVert p\rVert^2}{\lVert q
    \rVert^2}\frac{\lVert p\rVert - \Delta}{\Delta}` with :math:`\lVert q\rVert^2 = p^\top
    (H+\delta I)^{-1} p` (N&W eq. 4.44), safeguarded by bisection, to ``rtol``. Hard case
    (g ⟂ the eigenvectors of λ_min and ‖p(−λ_min)‖ < Δ): :math:`p = p(-\lambda_{\min}) +
    \tau q_{\min}` on the boundary. Returns ``(p, hits_boundary)``.

    Difference from scipy's ``trust-exact``: scipy stops its Cholesky-based iteration at
    ``|‖p‖ − Δ| ≤ 0.1 Δ`` (k_easy) or the hard-case test with k_hard = 0.2; this solves
    to ``rtol``, at the cost of an eigendecomposition.
    """
    g, H = _asarray(g), _asarray(H)
    lam, Q = np.linalg.eigh((H + H.T) / 2)
    gamma = Q.T @ g
    scale = max(float(np.max(np.abs(lam))), 1e-300)
    base = lam - lam[0] if lam[0] < 0 else lam           # λ_i + δ_low, δ_low = max(0, −λ_min)
    lowest = base <= base[0] + 1e-12 * scale             # the eigenspace of λ_min

    def p_of(s):                                         # p(δ_low + s); terms with γ_i = 0 drop
        d = base + s
        return -Q @ np.divide(gamma, d, out=np.zeros_like(gamma), where=gamma != 0)

    if lam[0] > 0:
        p = p_of(0.0)
        if np.linalg.norm(p) <= radius:
            return p, False                              # the Newton step is inside
    elif np.linalg.norm(gamma[lowest]) <= 1e-12 * np.linalg.norm(g):
        keep = ~lowest                                   # drop the (tiny) λ_min components
        p = -Q[:, keep] @ (gamma[keep] / base[keep])
        slack = radius**2 - float(p @ p)
        if slack >= 0:                                   # the hard case
            if lam[0] >= -1e-12 * scale:                 # λ_min = 0: p already minimizes m
                return p, False
            return p + math.sqrt(slack) * Q[:, 0], True
    # boundary: solve 1/‖p(δ_low + s)‖ = 1/Δ for s > 0 by safeguarded Newton
    s_low, s_high = 0.0, np.linalg.norm(g) / radius
    s = 0.0 if lam[0] > 0 else np.linalg.norm(gamma[lowest]) / (2 * radius)
    for _ in range(max_iter):
        w = np.divide(gamma, base + s, out=np.zeros_like(gamma), where=gamma != 0)
        p_norm = math.sqrt(float(w @ w))
        if abs(p_norm - radius) <= rtol * radius:
            break
        if p_norm > radius:
            s_low = s
        else:
            s_high = s
        q2 = float(np.sum(w**2 / np.where(gamma != 0, base + s, 1.0)))  # pᵀ(H+δI)⁻¹p
        s = s + (p_norm / radius - 1.0) * p_norm**2 / q2
        if not s_low < s < s_high:                       # safeguard: bisect
            s = (s_low + s_high) / 2
    return p_of(s), True


_SOLVERS = {"cauchy": cauchy_point, "dogleg": dogleg, "exact": exact_subproblem}


class TrustRegionState(NamedTuple):
    count: int
    radius: float           # Δ for the next step
    theta: np.ndarray | None  # where ``f`` was evaluated
    f: float                # f(theta)
    rho: float              # the last step's actual/predicted reduction (nan before any)
    accepted: bool          # whether the last step was taken
    step: np.ndarray | None   # the last proposed step p


@register("trust_region")
def trust_region(radius=1.0, subproblem="exact", max_radius=1000.0, accept=0.15) -> Optimizer:
    r"""Trust-region Newton: minimize the model :math:`m(p) = f + g^\top p + \tfrac12
    p^\top H p` over :math:`\lVert p\rVert \le \Delta`, then judge the step by

    .. math::
        \rho = \frac{f(\theta) - f(\theta + p)}{m(0) - m(p)},\qquad
        \Delta \leftarrow \begin{cases} \Delta/4 & \rho < \tfrac14\\
        \min(2\Delta, \Delta_{\max}) & \rho > \tfrac34 \text{ and } \lVert p\rVert = \Delta\\
        \Delta & \text{otherwise}\end{cases},\qquad
        \theta \leftarrow \theta + p \text{ if } \rho > \eta_{\rm accept}

    (Nocedal & Wright 2006, Algorithm 4.1, with scipy's constants). A rejected step leaves
    θ unchanged and only shrinks Δ; it still counts as a step (as scipy's ``nit``). Δ never
    shrinks below 1e-12 (1 + ‖θ‖), where steps are lost in rounding (scipy would have
    stopped at its ``gtol`` before). Where both the predicted and the actual decrease are
    below the rounding of f (10 ε max(1, |f|)), ρ is rounding noise: the step is taken with
    ρ = 1 (a standard safeguard, cf. Conn, Gould & Toint 2000), where scipy compares the noise.

    Parameters
    ----------
    radius : float > 0, the initial radius Δ₀ (scipy: ``initial_trust_radius``)
    subproblem : "cauchy" (:func:`cauchy_point`), "dogleg" (:func:`dogleg`, as scipy's
        ``method="dogleg"``) or "exact" (:func:`exact_subproblem`, as scipy's
        ``method="trust-exact"`` but solved to 1e-12)
    max_radius : float > radius, Δ_max (scipy: ``max_trust_radius``)
    accept : float in [0, 1/4), the acceptance threshold (scipy's ``eta``; η is the learning
        rate in this curriculum, so the threshold is named ``accept``)

    The state carries Δ, ρ, whether the step was accepted and the proposed step. Needs
    ``objective.f`` and ``objective.hess``. There is no learning rate: the radius sets
    the step length. No torch counterpart; reference: scipy.optimize.minimize.
    """
    _positive("trust_region", radius=radius, max_radius=max_radius)
    _check("trust_region", accept=(accept, 0, 0.25, False))
    _choice("trust_region", "subproblem", subproblem, _SUBPROBLEMS)
    if not radius < max_radius:
        raise ValueError(f"trust_region: invalid radius={radius!r}; must be < max_radius="
                         f"{max_radius!r}")
    solve = _SOLVERS[subproblem]

    def init(params):
        return TrustRegionState(0, float(radius), None, math.nan, math.nan, False, None)

    def update(grad, state, params, objective=None):
        _need("trust_region", objective, "f", "hess")
        g, H = _asarray(grad), _asarray(objective.hess(params))
        cached = state.theta is not None and np.array_equal(state.theta, params)
        f0 = state.f if cached else float(objective.f(params))
        p, boundary = solve(g, H, state.radius)
        predicted = -float(g @ p + 0.5 * p @ H @ p)
        if not predicted > 0:                           # g = 0: nothing to gain
            return params, TrustRegionState(state.count + 1, state.radius, params, f0,
                                            math.nan, False, p)
        f1 = float(objective.f(params + p))
        noise = 10 * np.finfo(float).eps * max(1.0, abs(f0))
        rho = 1.0 if predicted <= noise and abs(f0 - f1) <= noise else (f0 - f1) / predicted
        Delta = state.radius
        if rho < 0.25:                                  # floor: shorter steps can't change f
            Delta = max(0.25 * Delta, 1e-12 * (1.0 + float(np.linalg.norm(params))))
        elif rho > 0.75 and boundary:
            Delta = min(2.0 * Delta, max_radius)
        if rho > accept:
            return params + p, TrustRegionState(state.count + 1, Delta, params + p, f1, rho,
                                                True, p)
        return params, TrustRegionState(state.count + 1, Delta, params, f0, rho, False, p)

    hyper = dict(radius=radius, subproblem=subproblem, max_radius=max_radius, accept=accept)
    return Optimizer(init, update, "trust_region", hyper)


# ------------------------------------------------------------------ least squares
def lm_step(J, r, damping, scaling="marquardt"):
    r"""The Levenberg–Marquardt step, :math:`(J^\top J + \delta D)\,p = -J^\top r` with
    :math:`D = I` (``scaling="levenberg"``, Levenberg 1944) or :math:`D =
    \operatorname{diag}(J^\top J)` (``"marquardt"``, Marquardt 1963). δ = 0 is Gauss–Newton."""
    _choice("lm_step", "scaling", scaling, _SCALINGS)
    J, r = _asarray(J), _asarray(r)
    A = J.T @ J
    D = np.eye(len(A)) if scaling == "levenberg" else np.diag(np.diag(A))
    return np.linalg.solve(A + damping * D, -J.T @ r)


class GaussNewtonState(NamedTuple):
    count: int


@register("gauss_newton")
def gauss_newton(lr=1.0) -> Optimizer:
    r"""Gauss–Newton for :math:`f = \sum_j r_j(\theta)^2`: Newton with the Hessian
    :math:`2J^\top J + 2\sum_j r_j \nabla^2 r_j` replaced by :math:`2J^\top J`,
    :math:`\theta \leftarrow \theta - \eta\,(J^\top J)^{-1} J^\top r`.

    Needs ``objective.residuals`` and ``objective.jac``; ``grad`` is not used (the step is
    computed from ``r`` and ``J``). No torch counterpart.
    """
    _check("gauss_newton", lr=(lr, 0, None, False))

    def init(params):
        return GaussNewtonState(0)

    def update(grad, state, params, objective=None):
        _need("gauss_newton", objective, "residuals", "jac")
        p = lm_step(objective.jac(params), objective.residuals(params), 0.0)
        return params + _lr(lr, state.count) * p, GaussNewtonState(state.count + 1)

    return Optimizer(init, update, "gauss_newton", dict(lr=lr))


class LMState(NamedTuple):
    count: int
    damping: float          # δ for the next step
    nu: float               # ν, the factor δ grows by after a rejection
    theta: np.ndarray | None  # where r and J were evaluated
    residuals: np.ndarray | None
    jac: np.ndarray | None
    rho: float              # gain ratio of the last step (nan before any)
    accepted: bool


@register("levenberg_marquardt")
def levenberg_marquardt(damping=1e-3, scaling="marquardt", update="nielsen") -> Optimizer:
    r"""Levenberg–Marquardt for :math:`f = \sum_j r_j(\theta)^2`.

    .. math::
        (J^\top J + \delta D)\,p = -J^\top r,\qquad
        \rho = \frac{\lVert r(\theta)\rVert^2 - \lVert r(\theta+p)\rVert^2}
                    {\lVert r\rVert^2 - \lVert r + Jp\rVert^2},\qquad
        \theta \leftarrow \theta + p \text{ if } \rho > 0

    with :math:`D = I` (Levenberg 1944) or :math:`\operatorname{diag}(J^\top J)` (Marquardt
    1963, invariant to rescaling the parameters), and the damping δ updated by

    - ``update="nielsen"`` (Nielsen 1999; Madsen, Nielsen & Tingleff 2004, Alg. 3.16):
      accepted: :math:`\delta \leftarrow \delta\max(\tfrac13, 1-(2\rho-1)^3)`, ν ← 2;
      rejected: δ ← νδ, ν ← 2ν;
    - ``update="marquardt"``: accepted: δ ← δ/10; rejected: δ ← 10δ.

    Parameters
    ----------
    damping : float > 0, the initial δ₀
    scaling : "levenberg" or "marquardt", the matrix D
    update : "nielsen" or "marquardt", the δ rule above

    A rejected step leaves θ unchanged and costs one residual evaluation; the Jacobian is
    evaluated once per accepted step (both cached in the state, as MINPACK's ``lmder``
    does). δ and ν are capped at 1e20, so a run continued past convergence, where rounding
    makes every step fail, stays finite. Needs ``objective.residuals`` and ``objective.jac``;
    ``grad`` is not used and there is no learning rate (δ sets the step). No torch
    counterpart; reference: scipy.optimize.least_squares(method="lm") (MINPACK, Moré 1978),
    which adapts a trust radius on ‖Dp‖ instead of δ.
    """
    _positive("levenberg_marquardt", damping=damping)
    _choice("levenberg_marquardt", "scaling", scaling, _SCALINGS)
    _choice("levenberg_marquardt", "update", update, _UPDATES)

    def init(params):
        return LMState(0, float(damping), 2.0, None, None, None, math.nan, False)

    def step(grad, state, params, objective=None):
        _need("levenberg_marquardt", objective, "residuals", "jac")
        if state.theta is not None and np.array_equal(state.theta, params):
            r, J = state.residuals, state.jac
        else:
            r, J = _asarray(objective.residuals(params)), _asarray(objective.jac(params))
        delta, nu = state.damping, state.nu
        p = lm_step(J, r, delta, scaling)
        Jp = J @ p
        predicted = -float(2 * r @ Jp + Jp @ Jp)
        r_new = _asarray(objective.residuals(params + p))
        actual = float((r - r_new) @ (r + r_new))        # ‖r‖² − ‖r_new‖², less cancellation
        rho = actual / predicted if predicted > 0 else -math.inf
        if rho > 0:
            params = params + p
            if update == "nielsen":
                delta = delta * max(1 / 3, 1 - (2 * rho - 1) ** 3)
            else:
                delta = delta / 10
            return params, LMState(state.count + 1, delta, 2.0, params, r_new,
                                   _asarray(objective.jac(params)), rho, True)
        delta, nu = (delta * nu, 2 * nu) if update == "nielsen" else (delta * 10, nu)
        delta, nu = min(delta, _MAX_DAMPING), min(nu, _MAX_DAMPING)
        return params, LMState(state.count + 1, delta, nu, params, r, J, rho, False)

    hyper = dict(damping=damping, scaling=scaling, update=update)
    return Optimizer(init, step, "levenberg_marquardt", hyper)
