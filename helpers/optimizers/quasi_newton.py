r"""Quasi-Newton methods (04_curvature_aware_optimizers-2/02): BFGS, DFP, SR1 and L-BFGS,
with a strong-Wolfe line search.

Notation (Nocedal & Wright 2006, ch. 6–7): :math:`H_t` approximates the *inverse* Hessian
:math:`\nabla^2 f^{-1}`, :math:`s_t=\theta_{t+1}-\theta_t`, :math:`y_t=g_{t+1}-g_t`,
:math:`\rho_t=1/(y_t^\top s_t)`. Every update makes :math:`H_{t+1}` satisfy the secant
equation :math:`H_{t+1}y_t=s_t`. The step is :math:`\theta_{t+1}=\theta_t+\alpha_t d_t` with
:math:`d_t=-H_tg_t` and :math:`\alpha_t` from :func:`strong_wolfe` (or a fixed ``lr``).

Line-search optimizers need the objective: ``update(grad, state, params, objective)`` raises
``ValueError`` without one. They cache ``f`` and ``∇f`` of the accepted point in their state
(with the objective they belong to), so a run costs the initial ``f`` plus what the line
searches evaluate, as scipy counts it. :func:`counted` wraps an objective to count calls and
:func:`minimize` runs any optimizer with scipy's stopping rules and reports the counts.
"""
from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import numpy as np

from ._core import Optimizer, _asarray, _check, _positive, get, register

__all__ = ["bfgs", "dfp", "sr1", "lbfgs", "strong_wolfe"]

# ------------------------------------------------------------------ line search
class LineSearch(NamedTuple):
    """What :func:`strong_wolfe` found: the step length and f, ∇f there, with its cost."""

    alpha: float | None     # step length, None if the search failed
    f: float | None         # f(x + α d)
    g: np.ndarray | None    # ∇f(x + α d)
    nfev: int               # evaluations of objective.f made by the search
    ngev: int               # evaluations of objective.grad made by the search


def _sqrt(v):
    return math.sqrt(v) if v >= 0 else math.nan


def _cubic(f1, f2, t1, t2, d1, d2, clip=False):
    """θ and γ of the cubic through (t1, f1, d1) and (t2, f2, d2), scaled as MINPACK does
    against overflow; ``clip`` takes √max(0, ·) where the caller allows a vanishing root."""
    theta = 3 * (f1 - f2) / (t2 - t1) + d1 + d2
    s = max(abs(theta), abs(d1), abs(d2))
    q = (theta / s) ** 2 - (d1 / s) * (d2 / s)
    return theta, s * (math.sqrt(max(0.0, q)) if clip else _sqrt(q))


def _mt_step(stx, fx, dx, sty, fy, dy, stp, fp, dp, brackt, stmin, stmax):
    """One safeguarded trial step of Moré & Thuente (1994), §4 (MINPACK-2 ``dcstep``): the
    four cases by the new point's value and slope; returns the updated interval [stx, sty]
    (stx the best point so far), the next trial step and whether a minimizer is bracketed."""
    opposite = dp < 0 < dx or dx < 0 < dp
    if fp > fx:                       # 1: higher value, minimizer bracketed
        theta, gamma = _cubic(fx, fp, stx, stp, dx, dp)
        gamma = -gamma if stp < stx else gamma
        r = ((gamma - dx) + theta) / (((gamma - dx) + gamma) + dp)
        stpc = stx + r * (stp - stx)
        stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2) * (stp - stx)
        step = stpc if abs(stpc - stx) <= abs(stpq - stx) else stpc + (stpq - stpc) / 2
        brackt = True
    elif opposite:                    # 2: lower value, slopes of opposite sign: bracketed
        theta, gamma = _cubic(fx, fp, stx, stp, dx, dp)
        gamma = -gamma if stp > stx else gamma
        r = ((gamma - dp) + theta) / (((gamma - dp) + gamma) + dx)
        stpc = stp + r * (stx - stp)
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        step = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
        brackt = True
    elif abs(dp) < abs(dx):           # 3: lower value, same sign, slope shrinking
        theta, gamma = _cubic(fx, fp, stx, stp, dx, dp, clip=True)
        gamma = -gamma if stp > stx else gamma
        r = ((gamma - dp) + theta) / ((gamma + (dx - dp)) + gamma)
        if r < 0 and gamma != 0:
            stpc = stp + r * (stx - stp)
        else:
            stpc = stmax if stp > stx else stmin
        stpq = stp + (dp / (dp - dx)) * (stx - stp)
        if brackt:
            step = stpc if abs(stpc - stp) < abs(stpq - stp) else stpq
            bound = stp + 0.66 * (sty - stp)
            step = min(bound, step) if stp > stx else max(bound, step)
        else:
            step = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
            step = min(max(step, stmin), stmax)
    elif brackt:                      # 4: lower value, same sign, slope not shrinking
        theta, gamma = _cubic(fp, fy, stp, sty, dy, dp)
        gamma = -gamma if stp > sty else gamma
        r = ((gamma - dp) + theta) / (((gamma - dp) + gamma) + dy)
        step = stp + r * (sty - stp)
    else:
        step = stmax if stp > stx else stmin
    if fp > fx:
        sty, fy, dy = stp, fp, dp
    else:
        if opposite:
            sty, fy, dy = stx, fx, dx
        stx, fx, dx = stp, fp, dp
    return stx, fx, dx, sty, fy, dy, step, brackt


def _more_thuente(phi, f0, dphi0, alpha1, c1, c2, alpha_min=1e-100, alpha_max=1e100,
                  xtol=1e-14, max_iter=100):
    """Moré & Thuente's (1994) search (MINPACK-2 ``dcsrch``, as scipy 1.17's ``DCSRCH``):
    a step satisfying the strong Wolfe conditions, or None. ``phi(α)`` returns (f, slope)."""
    brackt, stage, gtest = False, 1, c1 * dphi0
    width, width1 = alpha_max - alpha_min, 2 * (alpha_max - alpha_min)
    stx, fx, gx, sty, fy, gy = 0.0, f0, dphi0, 0.0, f0, dphi0
    stmin, stmax, stp = 0.0, 5 * alpha1, alpha1
    for _ in range(max_iter - 1):                              # MINPACK's START is one
        f, g = phi(stp)
        if not (math.isfinite(f) and math.isfinite(g)):
            return None
        ftest = f0 + stp * gtest
        if stage == 1 and f <= ftest and g >= 0:
            stage = 2
        if f <= ftest and abs(g) <= -c2 * dphi0:
            return stp
        if ((brackt and (stp <= stmin or stp >= stmax or stmax - stmin <= xtol * stmax))
                or (stp == alpha_max and f <= ftest and g <= gtest)
                or (stp == alpha_min and (f > ftest or g >= gtest))):
            return None                                        # MINPACK's warnings
        try:
            if stage == 1 and fx >= f > ftest:                 # search ψ = f − c1·α·φ'(0)
                out = _mt_step(stx, fx - stx * gtest, gx - gtest, sty, fy - sty * gtest,
                               gy - gtest, stp, f - stp * gtest, g - gtest, brackt, stmin, stmax)
                stx, fx, gx, sty, fy, gy, stp, brackt = out
                fx, fy, gx, gy = fx + stx * gtest, fy + sty * gtest, gx + gtest, gy + gtest
            else:
                stx, fx, gx, sty, fy, gy, stp, brackt = _mt_step(stx, fx, gx, sty, fy, gy, stp,
                                                                 f, g, brackt, stmin, stmax)
        except (ZeroDivisionError, OverflowError):
            return None
        if brackt:
            if abs(sty - stx) >= 0.66 * width1:                # too little progress: bisect
                stp = stx + 0.5 * (sty - stx)
            width1, width = width, abs(sty - stx)
            stmin, stmax = min(stx, sty), max(stx, sty)
        else:
            stmin, stmax = stp + 1.1 * (stp - stx), stp + 4.0 * (stp - stx)
        stp = min(max(stp, alpha_min), alpha_max)
        if not math.isfinite(stp):
            return None
        if brackt and (stp <= stmin or stp >= stmax or stmax - stmin <= xtol * stmax):
            stp = stx
    return None


def _cubic_min(a, fa, fpa, b, fb, c, fc):
    """Minimizer of the cubic through (a, fa) with slope fpa, (b, fb) and (c, fc), or None
    (the cubic's two top coefficients by one 2 × 2 product, as scipy computes them)."""
    try:
        db, dc = b - a, c - a
        denom = (db * dc) ** 2 * (db - dc)
        M = np.array([[dc**2, -(db**2)], [-(dc**3), db**3]])
        A, B = M @ np.array([fb - fa - fpa * db, fc - fa - fpa * dc]) / denom
        x = a + (-B + math.sqrt(B * B - 3 * A * fpa)) / (3 * A)
    except (ZeroDivisionError, ValueError, OverflowError, FloatingPointError):
        return None
    return float(x) if math.isfinite(x) else None


def _quad_min(a, fa, fpa, b, fb):
    """Minimizer of the parabola through (a, fa) with slope fpa and (b, fb), or None."""
    try:
        db = b - a
        x = a - fpa / (2 * ((fb - fa - fpa * db) / (db * db)))
    except (ZeroDivisionError, OverflowError):
        return None
    return x if math.isfinite(x) else None


def _zoom_search(value, slope, f0, dphi0, alpha1, c1, c2, max_iter=10, max_zoom=10):
    """Nocedal & Wright's Algorithms 3.5 (bracket by doubling) and 3.6 (zoom by cubic, else
    quadratic, else bisection steps), as scipy 1.17's ``scalar_search_wolfe2``/``_zoom``."""
    def armijo(a, v):
        return v <= f0 + c1 * a * dphi0

    def zoom(a_lo, a_hi, f_lo, f_hi, s_lo):
        a_rec, f_rec = 0.0, f0
        for i in range(max_zoom + 1):
            span = a_hi - a_lo
            left, right = min(a_lo, a_hi), max(a_lo, a_hi)
            a = _cubic_min(a_lo, f_lo, s_lo, a_hi, f_hi, a_rec, f_rec) if i else None
            if a is None or not left + 0.2 * span <= a <= right - 0.2 * span:
                a = _quad_min(a_lo, f_lo, s_lo, a_hi, f_hi)
                if a is None or not left + 0.1 * span <= a <= right - 0.1 * span:
                    a = a_lo + 0.5 * span
            v = value(a)
            if not armijo(a, v) or v >= f_lo:
                a_rec, f_rec, a_hi, f_hi = a_hi, f_hi, a, v
                continue
            s = slope(a)
            if abs(s) <= -c2 * dphi0:
                return a
            if s * (a_hi - a_lo) >= 0:
                a_rec, f_rec, a_hi, f_hi = a_hi, f_hi, a_lo, f_lo
            else:
                a_rec, f_rec = a_lo, f_lo
            a_lo, f_lo, s_lo = a, v, s
        return None

    a_prev, f_prev, s_prev, a = 0.0, f0, dphi0, float(alpha1)
    v = value(a)
    for i in range(max_iter):
        if a == 0:
            return None
        if not armijo(a, v) or (i > 0 and v >= f_prev):
            return zoom(a_prev, a, f_prev, v, s_prev)
        s = slope(a)
        if abs(s) <= -c2 * dphi0:
            return a
        if s >= 0:
            return zoom(a, a_prev, v, f_prev, s)
        a_prev, f_prev, s_prev, a = a, v, s, 2 * a
        v = value(a)
    return None


def strong_wolfe(objective, x, d, f0=None, g0=None, alpha1=1.0, c1=1e-4, c2=0.9,
                 method="more_thuente") -> LineSearch:
    r"""A step length α along ``d`` satisfying the strong Wolfe conditions

    .. math::
        f(x+\alpha d)\le f(x)+c_1\alpha\,g^\top d,\qquad
        |\nabla f(x+\alpha d)^\top d|\le c_2\,|g^\top d|.

    ``method="more_thuente"``: Moré & Thuente (1994), MINPACK-2's ``dcsrch`` — safeguarded
    cubic and secant steps on an interval that is extrapolated (×1.1 … ×4) until it brackets
    an acceptable step; f and ∇f at every trial. It is the search of Liu & Nocedal's L-BFGS,
    of L-BFGS-B and of ``scipy.optimize.minimize(method="BFGS")`` (scipy 1.17, ``DCSRCH``).
    ``method="zoom"``: Nocedal & Wright (2006) Algorithms 3.5–3.6 — double the trial step
    until the interval brackets one, then zoom with cubic / quadratic / bisection steps kept
    20 % / 10 % inside it; ∇f only where sufficient decrease holds. It is
    ``scipy.optimize.line_search`` (``scalar_search_wolfe2``), scipy's BFGS fallback.

    Parameters
    ----------
    objective : an :class:`~helpers.objectives.Objective` (``f`` and ``grad`` are called)
    x, d : the point and a descent direction (``g0ᵀd < 0``)
    f0, g0 : f(x) and ∇f(x) if known (else evaluated and counted)
    alpha1 : the first trial step; c1, c2 : ``0 < c1 < c2 < 1``

    Returns
    -------
    LineSearch
        ``alpha`` None (with ``f``, ``g`` None) when no acceptable step was found.
    """
    if not 0 < c1 < c2 < 1:
        raise ValueError(f"strong_wolfe: invalid c1={c1!r}, c2={c2!r}; need 0 < c1 < c2 < 1")
    if method not in ("more_thuente", "zoom"):
        raise ValueError(f"strong_wolfe: invalid method={method!r}; must be 'more_thuente' or "
                         "'zoom'")
    x, d = _asarray(x), _asarray(d)
    count, values, grads = {"f": 0, "g": 0}, {}, {}
    if f0 is None:
        count["f"] += 1
        f0 = objective.f(x)
    if g0 is None:
        count["g"] += 1
        g0 = objective.grad(x)
    dphi0 = float(_asarray(g0) @ d)
    if not dphi0 < 0:
        raise ValueError(f"strong_wolfe: d is not a descent direction (gᵀd = {dphi0:.3g})")

    def value(a):
        count["f"] += 1
        values[a] = float(objective.f(x + a * d))
        return values[a]

    def slope(a):
        count["g"] += 1
        grads[a] = _asarray(objective.grad(x + a * d))
        return float(grads[a] @ d)

    with np.errstate(all="ignore"):
        if method == "zoom":
            alpha = _zoom_search(value, slope, float(f0), dphi0, alpha1, c1, c2)
        else:
            alpha = _more_thuente(lambda a: (value(a), slope(a)), float(f0), dphi0, alpha1,
                                  c1, c2)
    if alpha is None:
        return LineSearch(None, None, None, count["f"], count["g"])
    return LineSearch(alpha, values[alpha], grads[alpha], count["f"], count["g"])


def _search(objective, x, d, f, g, alpha1, c1, c2):
    """Moré–Thuente, then the zoom search if it fails (scipy's ``_line_search_wolfe12``)."""
    first = strong_wolfe(objective, x, d, f, g, alpha1, c1, c2)
    if first.alpha is not None:
        return first
    second = strong_wolfe(objective, x, d, f, g, alpha1, c1, c2, method="zoom")
    return second._replace(nfev=first.nfev + second.nfev, ngev=first.ngev + second.ngev)


# ------------------------------------------------------------------ the updates
def bfgs_update(H, s, y):
    r"""BFGS's inverse update :math:`(I-\rho sy^\top)H(I-\rho ys^\top)+\rho ss^\top`,
    :math:`\rho = 1/y^\top s` (Broyden, Fletcher, Goldfarb, Shanno 1970)."""
    H, s, y = _asarray(H), _asarray(s), _asarray(y)
    rho = 1.0 / (y @ s)
    V = np.eye(len(s)) - np.outer(s, y) * rho
    return V @ (H @ V.T) + np.outer(rho * s, s)          # scipy's order of operations


def dfp_update(H, s, y):
    r"""DFP's inverse update :math:`H - \frac{Hyy^\top H}{y^\top Hy} + \frac{ss^\top}{y^\top s}`
    (Davidon 1959; Fletcher & Powell 1963): BFGS's update of B with s ↔ y, B ↔ H."""
    H, s, y = _asarray(H), _asarray(s), _asarray(y)
    Hy = H @ y
    return H - np.outer(Hy, Hy) / (y @ Hy) + np.outer(s, s) / (y @ s)


def sr1_update(H, s, y):
    r"""The symmetric rank-one inverse update
    :math:`H + \frac{(s-Hy)(s-Hy)^\top}{(s-Hy)^\top y}` (Davidon 1959; Broyden 1967)."""
    H, s, y = _asarray(H), _asarray(s), _asarray(y)
    v = s - H @ y
    return H + np.outer(v, v) / (v @ y)


def two_loop(v, S, Y, gamma):
    r""":math:`H v` for the L-BFGS matrix of the pairs ``S``, ``Y`` (oldest first) and
    :math:`H_0=\gamma I` — Nocedal's (1980) two-loop recursion, in O(mn) operations, with the
    arithmetic in the order of ``torch.optim.LBFGS``."""
    q = _asarray(v).copy()
    rho = [1.0 / (y @ s) for s, y in zip(S, Y)]
    alpha = [0.0] * len(S)
    for i in range(len(S) - 1, -1, -1):
        alpha[i] = (S[i] @ q) * rho[i]
        q = q - alpha[i] * Y[i]
    r = q * gamma
    for i in range(len(S)):
        beta = (Y[i] @ r) * rho[i]
        r = r + (alpha[i] - beta) * S[i]
    return r


# ------------------------------------------------------------------ shared machinery
def _check_family(name, lr, line_search_fn, c1, c2, tolerance_grad, tolerance_change):
    if callable(lr):
        raise ValueError(f"{name}: invalid lr={lr!r}; a quasi-Newton step takes no schedule, "
                         "must be a number in (0, ∞)")
    _positive(name, lr=lr)
    _check(name, c1=(c1, 0, 1, False), c2=(c2, 0, 1, False),
           tolerance_grad=(tolerance_grad, 0, None, False),
           tolerance_change=(tolerance_change, 0, None, False))
    if not c1 > 0:
        raise ValueError(f"{name}: invalid c1={c1!r}; need 0 < c1 < c2 < 1")
    if not c1 < c2:
        raise ValueError(f"{name}: invalid c2={c2!r}; need 0 < c1 < c2 < 1 (c1={c1!r})")
    if line_search_fn not in (None, "strong_wolfe"):
        raise ValueError(f"{name}: invalid line_search_fn={line_search_fn!r}; must be None or "
                         "'strong_wolfe'")


def _needs_objective(name, objective):
    if objective is None or getattr(objective, "f", None) is None:
        raise ValueError(f"{name}: line_search_fn='strong_wolfe' needs the objective (its f and "
                         "grad) as update's 4th argument; or use line_search_fn=None")


def _cached(cache, objective, params):
    """``(f(θ), ∇f(θ))`` from a state's cache ``(objective, θ, f, g)`` of the last line search
    when it belongs to this objective and θ, else evaluated."""
    if cache and cache[0] is objective and np.array_equal(cache[1], params):
        return cache[2], cache[3]
    return float(objective.f(params)), _asarray(objective.grad(params))


def _value_at(cache, objective, params):
    """f(θ) from the cache (see :func:`_cached`), else evaluated."""
    if cache and cache[0] is objective and np.array_equal(cache[1], params):
        return cache[2]
    return float(objective.f(params))


def _torch_first_step(g, lr):
    """torch.optim.LBFGS's first step length, ``min(1, 1/‖g‖₁)·η``."""
    return min(1.0, 1.0 / float(np.abs(g).sum())) * lr


# ------------------------------------------------------------------ BFGS, DFP, SR1
class QuasiNewtonState(NamedTuple):
    count: int                  # iterations taken
    H: np.ndarray               # H_t, the inverse-Hessian approximation
    s: np.ndarray | None        # the last step θ_t − θ_{t−1}
    g: np.ndarray | None        # the gradient where that step started, g_{t−1}
    f_prev: float | None        # f(θ_{t−1}), for the first trial step of the next search
    cache: tuple                # (objective, θ_t, f(θ_t), ∇f(θ_t)) of the last search, or ()
    skipped: int                # curvature pairs not used (see each rule)


def _dense(name, rule, usable, lr, line_search_fn, c1, c2, tolerance_grad):
    def init(params):
        return QuasiNewtonState(0, np.eye(np.size(params)), None, None, None, (), 0)

    def update(grad, state, params, objective=None):
        g, params = _asarray(grad), _asarray(params)
        if line_search_fn is not None:
            _needs_objective(name, objective)
        if np.abs(g).max() <= tolerance_grad:                  # first-order optimal: stay
            return params, state
        H, skipped = state.H, state.skipped
        if state.s is not None:
            y = g - state.g
            if usable(H, state.s, y):
                H = rule(H, state.s, y)
            else:
                skipped += 1
        d = -H @ g
        if not g @ d < 0:                                      # H indefinite (SR1): restart
            H, d = np.eye(g.size), -g
        if line_search_fn is None:
            alpha = _torch_first_step(g, lr) if state.count == 0 else lr
            return params + alpha * d, QuasiNewtonState(state.count + 1, H, alpha * d, g, None,
                                                         (), skipped)
        f = _value_at(state.cache, objective, params)
        f_prev = f + np.linalg.norm(g) / 2 if state.f_prev is None else state.f_prev
        alpha1 = min(lr, 1.01 * 2 * (f - f_prev) / float(g @ d))   # scipy: N&W (3.60)
        ls = _search(objective, params, d, f, g, lr if alpha1 < 0 else alpha1, c1, c2)
        if ls.alpha is None:                                   # no step found: forget H
            return params, QuasiNewtonState(state.count, np.eye(g.size), None, None, None,
                                            state.cache, skipped)
        s = ls.alpha * d
        new = params + s
        return new, QuasiNewtonState(state.count + 1, H, s, g, f, (objective, new, ls.f, ls.g),
                                     skipped)

    hyper = dict(lr=lr, line_search_fn=line_search_fn, c1=c1, c2=c2,
                 tolerance_grad=tolerance_grad)
    return Optimizer(init, update, name, hyper)


def _positive_curvature(H, s, y):
    return y @ s > 1e-10 * np.linalg.norm(s) * np.linalg.norm(y)


_DENSE_DOC = """

    Parameters
    ----------
    lr : float > 0, η: caps the first trial step of each line search, or the fixed step
    line_search_fn : "strong_wolfe" (default) or None (fixed steps η — the first one
        min(1, 1/‖g‖₁)·η, as torch's LBFGS — and no objective needed)
    c1, c2 : the Wolfe constants, 0 < c1 < c2 < 1
    tolerance_grad : θ stays where ``max|g| ≤ tolerance_grad`` (torch's LBFGS test)
"""


@register("bfgs")
def bfgs(lr=1.0, line_search_fn="strong_wolfe", c1=1e-4, c2=0.9,
         tolerance_grad=1e-7) -> Optimizer:
    r"""BFGS (Broyden 1970; Fletcher 1970; Goldfarb 1970; Shanno 1970), inverse form, as
    ``scipy.optimize.minimize(method="BFGS")`` (scipy 1.17, ``_minimize_bfgs``).

    .. math::
        d_t = -H_t g_t,\quad \theta_{t+1} = \theta_t + \alpha_t d_t,\quad
        H_{t+1} = (I-\rho_t s_ty_t^\top)H_t(I-\rho_t y_ts_t^\top) + \rho_t s_ts_t^\top

    with :math:`H_0=I`, :math:`\rho_t = 1/y_t^\top s_t` and :math:`\alpha_t` from
    :func:`strong_wolfe` (Moré–Thuente, the zoom search if it fails), whose first trial is
    scipy's :math:`\min(\eta,\,2.02\,(f_t-f_{t-1})/g_t^\top d_t)` (Nocedal & Wright (3.60),
    with :math:`f_{-1}=f_0+\lVert g_0\rVert/2`: a first step of length ≈ 1.01). A pair with
    :math:`y^\top s \le 10^{-10}\lVert s\rVert\lVert y\rVert` (impossible after a Wolfe step)
    is skipped. torch has no BFGS.
    {params}
    Difference from scipy: a search that finds no step resets H to I and leaves θ (scipy stops
    with a warning). Otherwise iterates and evaluation counts are scipy's — the update is
    written in scipy's order of operations (identical iterates on Rosenbrock in 2-D and 50-D).
    """
    _check_family("bfgs", lr, line_search_fn, c1, c2, tolerance_grad, 0.0)
    return _dense("bfgs", bfgs_update, _positive_curvature, lr, line_search_fn, c1, c2,
                  tolerance_grad)


@register("dfp")
def dfp(lr=1.0, line_search_fn="strong_wolfe", c1=1e-4, c2=0.9,
        tolerance_grad=1e-7) -> Optimizer:
    r"""DFP (Davidon 1959; Fletcher & Powell 1963), the first quasi-Newton method.

    .. math::
        H_{t+1} = H_t - \frac{H_ty_ty_t^\top H_t}{y_t^\top H_ty_t}
                  + \frac{s_ts_t^\top}{y_t^\top s_t}

    — BFGS's update of the Hessian approximation :math:`B` with :math:`s\leftrightarrow y`,
    :math:`B\leftrightarrow H`. Everything else (line search, steps, skipping) as
    :func:`bfgs`. Less robust than BFGS with inexact line searches (Nocedal & Wright §6.1).
    {params}"""
    _check_family("dfp", lr, line_search_fn, c1, c2, tolerance_grad, 0.0)
    return _dense("dfp", dfp_update, _positive_curvature, lr, line_search_fn, c1, c2,
                  tolerance_grad)


def _sr1_usable(H, s, y, r=1e-8):
    v = s - H @ y
    return bool(np.any(v)) and abs(v @ y) >= r * np.linalg.norm(v) * np.linalg.norm(y)


@register("sr1")
def sr1(lr=1.0, line_search_fn="strong_wolfe", c1=1e-4, c2=0.9,
        tolerance_grad=1e-7) -> Optimizer:
    r"""Symmetric rank-one quasi-Newton (Davidon 1959; Broyden 1967; Conn, Gould & Toint 1991).

    .. math::
        H_{t+1} = H_t + \frac{(s_t-H_ty_t)(s_t-H_ty_t)^\top}{(s_t-H_ty_t)^\top y_t}

    The only symmetric rank-one change that satisfies the secant equation; it may make H
    indefinite and its denominator may vanish, so a pair is skipped unless
    :math:`|(s-Hy)^\top y| \ge 10^{-8}\lVert s-Hy\rVert\lVert y\rVert` (the inverse form of
    Nocedal & Wright (6.26)). When :math:`-H_tg_t` is not a descent direction, H is reset to I
    (a steepest descent step). Otherwise as :func:`bfgs`.
    {params}"""
    _check_family("sr1", lr, line_search_fn, c1, c2, tolerance_grad, 0.0)
    return _dense("sr1", sr1_update, _sr1_usable, lr, line_search_fn, c1, c2, tolerance_grad)


for _factory in (bfgs, dfp, sr1):
    _factory.__doc__ = _factory.__doc__.replace("    {params}",
                                                "\n" + _DENSE_DOC.strip("\n") + "\n")


# ------------------------------------------------------------------ L-BFGS
_EPS = float(np.finfo(float).eps)


class LBFGSState(NamedTuple):
    count: int                  # iterations taken (torch: state["n_iter"])
    d: np.ndarray | None        # the last direction; the last step was s = t·d
    t: float                    # the last step length
    S: tuple                    # s_i, oldest first (torch: old_stps), at most history_size
    Y: tuple                    # y_i (torch: old_dirs)
    gamma: float                # H_0 = γI, γ = sᵀy/yᵀy of the newest pair (torch: H_diag)
    g: np.ndarray | None        # the gradient where the last step started (prev_flat_grad)
    cache: tuple                # (objective, θ_t, f(θ_t), ∇f(θ_t)) of the last search, or ()
    skipped: int                # pairs not stored (yᵀs too small, see lbfgs)


@register("lbfgs")
def lbfgs(lr=1.0, history_size=100, line_search_fn=None, c1=1e-4, c2=0.9,
          tolerance_grad=1e-7, tolerance_change=1e-9) -> Optimizer:
    r"""L-BFGS (Nocedal 1980; Liu & Nocedal 1989), one iteration per step, as
    ``torch.optim.LBFGS(max_iter=1)`` (torch 2.13, ``torch/optim/lbfgs.py``).

    .. math::
        d_t = -H_t g_t,\quad \theta_{t+1} = \theta_t + \alpha_t d_t

    with :math:`H_t g_t` from :func:`two_loop` over the last m pairs and
    :math:`H_t^{(0)}=\gamma I`, :math:`\gamma = s^\top y/y^\top y` of the newest pair. As
    torch: the first step is :math:`d_0=-g_0` with :math:`\alpha_0=\min(1,1/\lVert g_0
    \rVert_1)\,\eta`; later :math:`\alpha_t=\eta` (``line_search_fn=None``) or the line
    search's first trial; a pair with :math:`y^\top s \le 10^{-10}` is not stored (γ keeps its
    value); θ stays where ``max|g| ≤ tolerance_grad`` or :math:`g^\top d >` −``tolerance_change``.
    With ``line_search_fn="strong_wolfe"`` the pair test is L-BFGS-B's relative one,
    :math:`y^\top s > \epsilon_{\text{mach}}\,y^\top y`: a Wolfe step always has
    :math:`y^\top s>0`, and torch's absolute threshold would drop every pair once the steps are
    small (on a 650-parameter softmax regression it triples the iterations to
    ``max|g| ≤ 1e-9``).

    Parameters
    ----------
    lr : float > 0, η
    history_size : int ≥ 1, m: pairs kept (memory 2·m·d numbers instead of BFGS's d²)
    line_search_fn : None (torch's default: fixed steps, no objective needed) or
        "strong_wolfe" (needs the objective)
    c1, c2 : the Wolfe constants; tolerance_grad, tolerance_change : torch's tests above

    Differences from torch: ``update`` is one torch ``step()`` with ``max_iter=1`` (torch's
    ``max_iter``, ``max_eval`` and loss-change test belong to its inner loop). With
    ``line_search_fn="strong_wolfe"`` the search is :func:`strong_wolfe` (Moré–Thuente, as
    L-BFGS-B and Liu & Nocedal's code; zoom if it fails), not torch's port of minFunc's, and a
    search that finds no step clears the memory. With ``line_search_fn=None`` the iterates
    are torch's.
    """
    _check_family("lbfgs", lr, line_search_fn, c1, c2, tolerance_grad, tolerance_change)
    if isinstance(history_size, bool) or not isinstance(history_size, (int, np.integer)) \
            or history_size < 1:
        raise ValueError(f"lbfgs: invalid history_size={history_size!r}; must be an integer "
                         "≥ 1")
    m = int(history_size)

    def init(params):
        return LBFGSState(0, None, 0.0, (), (), 1.0, None, (), 0)

    def update(grad, state, params, objective=None):
        g, params = _asarray(grad), _asarray(params)
        if line_search_fn is not None:
            _needs_objective("lbfgs", objective)
        if np.abs(g).max() <= tolerance_grad:
            return params, state
        S, Y, gamma, skipped = state.S, state.Y, state.gamma, state.skipped
        if state.count == 0:
            d = -g
        else:
            y, s = g - state.g, state.d * state.t
            if y @ s > (1e-10 if line_search_fn is None else _EPS * (y @ y)):
                S, Y, gamma = (S + (s,))[-m:], (Y + (y,))[-m:], (y @ s) / (y @ y)
            else:
                skipped += 1
            d = two_loop(-g, S, Y, gamma)
        t = _torch_first_step(g, lr) if state.count == 0 else lr
        new_state = LBFGSState(state.count + 1, d, t, S, Y, gamma, g, (), skipped)
        if g @ d > -tolerance_change:                          # no descent left: stay
            return params, new_state
        if line_search_fn is None:
            return params + t * d, new_state
        ls = _search(objective, params, d, _value_at(state.cache, objective, params), g, t,
                     c1, c2)
        if ls.alpha is None:
            return params, LBFGSState(0, None, 0.0, (), (), 1.0, None, state.cache, skipped)
        new = params + ls.alpha * d
        return new, new_state._replace(t=ls.alpha, cache=(objective, new, ls.f, ls.g))

    hyper = dict(lr=lr, history_size=m, line_search_fn=line_search_fn, c1=c1, c2=c2,
                 tolerance_grad=tolerance_grad, tolerance_change=tolerance_change)
    return Optimizer(init, update, "lbfgs", hyper)


# ------------------------------------------------------------------ counting and scipy's loop
class Counter:
    """Calls of ``f`` and ``grad`` through a :func:`counted` objective."""

    def __init__(self):
        self.nfev = 0
        self.ngev = 0

    def __repr__(self):
        return f"Counter(nfev={self.nfev}, ngev={self.ngev})"


def counted(objective):
    """``(objective′, counter)``: the same objective whose ``f`` and ``grad`` count their calls
    in ``counter.nfev`` and ``counter.ngev`` (every other attribute is shared)."""
    from .. import objectives

    obj, counter = objectives.get(objective), Counter()

    def f(x):
        counter.nfev += 1
        return obj.f(x)

    def grad(x):
        counter.ngev += 1
        return obj.grad(x)

    return dataclasses.replace(obj, f=f, grad=grad), counter


class MinimizeResult(NamedTuple):
    """What :func:`minimize` did, in scipy's vocabulary (``nit``, ``nfev``, ``njev``)."""

    x: np.ndarray
    fun: float
    nit: int                    # iterations (updates that moved θ)
    nfev: int                   # evaluations of f, the start's included
    njev: int                   # evaluations of ∇f, the start's included
    success: bool
    message: str
    xs: np.ndarray              # every iterate
    fs: np.ndarray              # f at every iterate (from the line searches' caches)
    nfevs: np.ndarray           # evaluations of f made up to each iterate
    njevs: np.ndarray           # evaluations of ∇f made up to each iterate


def minimize(optimizer, objective, x0=None, *, gtol=1e-5, ftol=0.0, max_iter=None,
             max_grad_evals=None) -> MinimizeResult:
    r"""Run ``optimizer`` from ``x0`` until ``max|∇f| ≤ gtol`` (scipy's BFGS and L-BFGS-B
    ``gtol``/``pgtol``) or, with ``ftol > 0``, until :math:`(f_t-f_{t+1})/\max(|f_t|,|f_{t+1}|,1)
    \le` ``ftol`` (L-BFGS-B's test; its default is 2.2e-9), counting every evaluation.

    The objective is wrapped by :func:`counted`: ``f`` and ``∇f`` at ``x0`` are one each, then
    the optimizer's own calls. A quasi-Newton state carries the line search's f and ∇f at the
    new point back to this loop (the start's are put into it), so nothing is evaluated twice;
    for other optimizers f and ∇f are evaluated (and counted) at every iterate.
    ``max_iter`` defaults to 200·d (scipy's BFGS); ``max_grad_evals`` stops the run once that
    many gradients were computed.
    """
    from .. import objectives

    opt, (obj, counter) = get(optimizer), counted(objectives.get(objective))
    x = _asarray(obj.x0 if x0 is None else x0).copy()
    f, g = float(obj.f(x)), _asarray(obj.grad(x))
    state = opt.init(x)
    if "cache" in getattr(state, "_fields", ()):
        state = state._replace(cache=(obj, x, f, g))
    xs, fs, counts = [x], [f], [(counter.nfev, counter.ngev)]
    max_iter = 200 * x.size if max_iter is None else int(max_iter)
    message, success = f"reached max_iter={max_iter}", False
    with np.errstate(all="ignore"):
        for _ in range(max_iter):
            if np.abs(g).max() <= gtol:
                message, success = "max|∇f| ≤ gtol", True
                break
            if max_grad_evals is not None and counter.ngev >= max_grad_evals:
                message = f"used max_grad_evals={max_grad_evals}"
                break
            new, state = opt.update(g, state, x, obj)
            if np.array_equal(new, x):
                message = "θ did not move (no acceptable step, or the optimizer's own tolerances)"
                break
            f_new, g = _cached(getattr(state, "cache", ()), obj, new)
            if not (math.isfinite(f_new) and np.all(np.isfinite(new))):
                message = f"diverged at iteration {len(xs)}: f = {f_new:.3g}"
                break
            xs.append(new)
            fs.append(f_new)
            counts.append((counter.nfev, counter.ngev))
            reduced = (f - f_new) <= ftol * max(abs(f), abs(f_new), 1.0)
            x, f = new, f_new
            if ftol and reduced:
                message, success = "relative reduction of f ≤ ftol", True
                break
    counts = np.array(counts)
    return MinimizeResult(x, f, len(xs) - 1, counter.nfev, counter.ngev, success, message,
                          np.array(xs), np.array(fs), counts[:, 0], counts[:, 1])
