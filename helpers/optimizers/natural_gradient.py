r"""Natural gradient descent (03_curvature_aware_optimizers-1/01): the gradient preconditioned
by the model's Fisher information, :math:`\theta \leftarrow \theta - \eta(F+\delta I)^{-1}g`.

The Fisher comes from the objective: ``objective.fisher(θ)`` — the Gauss–Newton matrix
2JᵀJ of a sum of squares in the zoo (the Fisher of a Gaussian model of the residuals), the
matrix A of a quadratic, and for a :class:`helpers.mlp.NetworkObjective` the exact true or
empirical Fisher of its (mini)batch — or, with ``solver="cg"``, only its products
``objective.fvp(θ, v)`` (conjugate gradients, as in Hessian-free optimization).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._core import Optimizer, _asarray, _check, _lr, alias, register

__all__ = ["natural_gradient", "conjugate_gradient"]


def conjugate_gradient(matvec, b, damping=0.0, max_iter=100, tol=1e-10):
    r"""Solve :math:`(A + \delta I)x = b` for a symmetric positive (semi)definite ``A`` given
    only ``matvec(v) = A v`` (Hestenes & Stiefel 1952), from :math:`x_0 = 0`.

    Stops when :math:`\lVert r_k\rVert \le` ``tol`` :math:`\lVert b\rVert` or after ``max_iter``
    products. Returns ``(x, iterations)``.
    """
    b = _asarray(b)
    x, r = np.zeros_like(b), b.copy()
    p, rr = r.copy(), float(r @ r)
    stop = (tol * math.sqrt(rr)) ** 2
    for k in range(int(max_iter)):
        if rr <= stop:
            return x, k
        Ap = _asarray(matvec(p)) + damping * p
        pAp = float(p @ Ap)
        if not pAp > 0:            # a direction of zero (or negative) curvature: stop here
            return x, k
        alpha = rr / pAp
        x, r = x + alpha * p, r - alpha * Ap
        rr, rr_old = float(r @ r), rr
        p = r + (rr / rr_old) * p
    return x, int(max_iter)


class NaturalGradientState(NamedTuple):
    count: int
    cg_iterations: int | None       # CG products used by the last step (solver="cg")


def _fisher_of(objective, params, fisher):
    if objective is None or not callable(getattr(objective, "fisher", None)):
        raise ValueError("natural_gradient: update needs the objective, for its Fisher matrix "
                         "(objective.fisher(θ)); pass it as update(grad, state, params, objective)")
    try:
        F = objective.fisher(params, kind=fisher)
    except ValueError as err:
        raise ValueError(f"natural_gradient: {err}") from None
    return np.asarray(F, dtype=float)


@register("natural_gradient")
def natural_gradient(lr=1.0, damping=1.0, fisher="true", solver="dense", cg_max_iter=100,
                     cg_tol=1e-10) -> Optimizer:
    r"""Natural gradient descent (Amari 1998) with Tikhonov damping.

    .. math::
        \theta_t = \theta_{t-1} - \eta\,\bigl(F(\theta_{t-1}) + \delta I\bigr)^{-1} g_t

    with :math:`g_t` the (minibatch) gradient, :math:`\delta` = ``damping`` and :math:`F` the
    objective's Fisher information at :math:`\theta_{t-1}` (``objective.fisher``): for a
    sum of squares :math:`f=\sum_j r_j^2` the Gauss–Newton matrix :math:`2J^\top J` (the
    Fisher of the model :math:`y\sim\mathcal N(r(\theta), \tfrac12 I)` whose negative
    log-likelihood is :math:`f`), for a quadratic its matrix :math:`A`, and for a network
    the exact Fisher of the (mini)batch. :math:`\eta=1,\ \delta\to0` is the Gauss–Newton step
    (on softmax regression, where the Fisher equals the Hessian, Newton's step);
    :math:`\delta\to\infty` is gradient descent with step :math:`\eta/\delta`.
    References: Amari (1998), *Natural gradient works efficiently in learning*; Martens (2020),
    arXiv:1412.1193 (Fisher = generalized Gauss–Newton, Tikhonov damping); Martens (2010),
    Hessian-free optimization (``solver="cg"``).

    Parameters
    ----------
    lr : float or schedule, η
    damping : float ≥ 0, δ added to the Fisher's diagonal (0: the plain natural gradient;
        a singular Fisher then stops ``helpers.run`` with numpy's LinAlgError)
    fisher : "true" or "empirical", for objectives that offer both (a NetworkObjective):
        the true Fisher averages over labels drawn from the model, the empirical Fisher
        :math:`\frac1n\sum_i g_ig_i^\top` uses the data's labels (Kunstner et al. 2019).
        Test functions have only the model's Fisher; "empirical" raises there.
    solver : "dense" (``numpy.linalg.solve`` with ``objective.fisher``) or "cg" (conjugate
        gradients with ``objective.fvp``, never forming F; true Fisher only)
    cg_max_iter : int ≥ 1, most Fisher-vector products per step (solver="cg")
    cg_tol : float ≥ 0, CG stops when the residual is ``cg_tol`` times ‖g‖ (solver="cg")

    Defaults: ``damping=1`` (not a tiny value) because the same defaults must be safe on the
    zoo and in minibatch training, where a nearly undamped Fisher of 64 examples amplifies the
    gradient noise in its flat directions and diverges at the first step (digits MLPs, batch 16
    to 128); with δ = 1 every zoo function converges and those runs do not diverge. Pass
    ``damping=1e-3`` (or 0) for the near-pure natural gradient on a full-batch objective.

    No torch.optim counterpart exists; the step is checked against an exact solve with the
    full Fisher (numpy.linalg) and against the damped Gauss–Newton step computed by a
    least-squares solve from J and r (tests/test_optimizers_natural_gradient.py).
    """
    _check("natural_gradient", lr=(lr, 0, None, False), damping=(damping, 0, None, False),
           cg_max_iter=(cg_max_iter, 1, None, False), cg_tol=(cg_tol, 0, None, False))
    if fisher not in ("true", "empirical"):
        raise ValueError(f"natural_gradient: invalid fisher={fisher!r}; must be 'true' or "
                         "'empirical'")
    if solver not in ("dense", "cg"):
        raise ValueError(f"natural_gradient: invalid solver={solver!r}; must be 'dense' or 'cg'")
    if int(cg_max_iter) != cg_max_iter:
        raise ValueError(f"natural_gradient: invalid cg_max_iter={cg_max_iter!r}; must be an "
                         "integer ≥ 1")
    if solver == "cg" and fisher == "empirical":
        raise ValueError("natural_gradient: invalid solver='cg' with fisher='empirical'; CG "
                         "uses objective.fvp, the true Fisher (use solver='dense')")

    def init(params):
        return NaturalGradientState(0, None)

    def update(grad, state, params, objective=None):
        g = _asarray(grad)
        if solver == "cg":
            if objective is None or not callable(getattr(objective, "fvp", None)):
                raise ValueError("natural_gradient: solver='cg' needs the objective, for its "
                                 "Fisher-vector products (objective.fvp(θ, v))")
            try:
                step, used = conjugate_gradient(lambda v: objective.fvp(params, v), g, damping,
                                                cg_max_iter, cg_tol)
            except ValueError as err:
                raise ValueError(f"natural_gradient: {err}") from None
        else:
            F = _fisher_of(objective, params, fisher)
            step, used = np.linalg.solve(F + damping * np.eye(len(F)), g), None
        eta = _lr(lr, state.count)
        return params - eta * step.reshape(np.shape(params)), \
            NaturalGradientState(state.count + 1, used)

    hyper = dict(lr=lr, damping=damping, fisher=fisher, solver=solver,
                 cg_max_iter=int(cg_max_iter), cg_tol=cg_tol)
    return Optimizer(init, update, "natural_gradient", hyper)


alias("ngd", "natural_gradient")
