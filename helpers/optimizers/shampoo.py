r"""Shampoo (03_curvature_aware_optimizers-1/04): AdaGrad with one preconditioner per tensor
mode, :math:`L^{-1/4} G R^{-1/4}` for a matrix, and :func:`inverse_root`, the matrix root it
needs. An MLP gets one Shampoo per parameter with :func:`helpers.optimizers.partition` over
:meth:`helpers.mlp.MLP.blocks` (each block's ``shape``)."""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._core import Optimizer, _asarray, _check, _coupled, _lr, register

__all__ = ["shampoo", "inverse_root"]


def inverse_root(M, p, eps=0.0):
    r""":math:`(M + \epsilon I)^{-1/p}` of a symmetric positive semidefinite ``M``, by the
    eigendecomposition :math:`M = Q\,\mathrm{diag}(\lambda)\,Q^\top`:
    :math:`Q\,\mathrm{diag}((\lambda_i + \epsilon)^{-1/p})\,Q^\top`.

    Eigenvalues that rounding made slightly negative are clipped to 0 first; a matrix that
    is singular after adding ε raises ``ValueError``. (pytorch_optimizer's
    ``compute_power_svd`` uses the SVD, which for such a matrix gives the same root.)
    """
    M = _asarray(M)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"inverse_root: M must be a square matrix, got shape {M.shape}")
    if not (isinstance(p, (int, float, np.number)) and math.isfinite(p) and p > 0):
        raise ValueError(f"inverse_root: invalid p={p!r}; must be a number > 0")
    w, Q = np.linalg.eigh(M)                            # reads one triangle: M is symmetric
    w = np.maximum(w, 0.0) + eps
    if w.min() <= 0:
        raise ValueError("inverse_root: M + εI is singular; pass eps > 0")
    return (Q * w ** (-1.0 / p)) @ Q.T


class ShampooState(NamedTuple):
    count: int
    statistics: tuple               # per mode i: Σ_s G_(i),s G_(i),sᵀ (ε is added in the root)
    roots: tuple                    # per mode i: (εI + statistic)^{-1/p}, every update_freq steps
    momentum_buffer: np.ndarray | None


def _mode_gram(G, i):
    """``G_(i) G_(i)ᵀ``: the Gram matrix of the mode-i unfolding of the tensor ``G``."""
    if G.ndim <= 2:                                     # the common cases, without moveaxis
        return np.outer(G, G) if G.ndim == 1 else (G @ G.T if i == 0 else G.T @ G)
    Gi = np.moveaxis(G, i, 0).reshape(G.shape[i], -1)
    return Gi @ Gi.T


def _precondition(roots, G):
    """Multiply mode i of ``G`` by ``roots[i]`` for every i (a matrix: ``P₀ G P₁``)."""
    if G.ndim <= 2:
        return roots[0] @ G if G.ndim == 1 else roots[0] @ G @ roots[1]
    for i, P in enumerate(roots):
        G = np.moveaxis(np.tensordot(P, G, axes=(1, i)), 0, i)
    return G


@register("shampoo")
def shampoo(lr=1e-3, momentum=0.0, weight_decay=0.0, eps=1e-6, update_freq=1, root=None,
            shape=None) -> Optimizer:
    r"""Shampoo (Gupta, Koren & Singer 2018, Algorithm 1; its order-k form, Algorithm 2).

    For a matrix parameter :math:`W` (``shape`` = (m, n)) with gradient :math:`G_t`:

    .. math::
        L_t = L_{t-1} + G_tG_t^\top,\quad R_t = R_{t-1} + G_t^\top G_t\quad
        (L_0 = \epsilon I_m,\ R_0 = \epsilon I_n),\qquad
        W_t = W_{t-1} - \eta\, L_t^{-1/4}\, G_t\, R_t^{-1/4}.

    An order-k tensor keeps one statistic per mode, :math:`H^{(i)}_t = H^{(i)}_{t-1} +
    G_{(i)}G_{(i)}^\top` (the mode-i unfolding), and multiplies mode i of :math:`G_t` by
    :math:`(H^{(i)}_t)^{-1/p}` with the root :math:`p = 2k` (``root``): 4 for a matrix, 2 for a
    vector, where Shampoo is full-matrix AdaGrad
    :math:`(\epsilon I + \sum_s g_sg_s^\top)^{-1/2}g_t`.
    Reference followed: ``pytorch_optimizer.Shampoo`` (4.1.0), whose traces this matches.

    The state keeps the sums :math:`\sum_s G_sG_s^\top` and adds εI inside :func:`inverse_root`,
    which clips rounding-negative eigenvalues of the sum to 0 first: the same matrices as the
    paper's, but a root cannot blow up when ε is below the rounding error of a large sum.

    Parameters
    ----------
    lr : float or schedule, η
    momentum : float in [0, 1), β. As both community implementations (pytorch_optimizer,
        torch_optimizer), the gradient is first mixed with the previous *preconditioned*
        update, :math:`\tilde G_t = (1-\beta)G_t + \beta U_{t-1}` (:math:`U_0 = G_1`), and the
        statistics accumulate :math:`\tilde G_t`. 0 (default) is the paper's algorithm.
    weight_decay : float ≥ 0, λ: L2 decay :math:`\tilde G_t + \lambda W` before the statistics
    eps : float > 0, ε: the statistics start at εI (:math:`L_0, R_0`), so every root exists
    update_freq : int ≥ 1, recompute the inverse roots at steps 0, k, 2k, … only (between
        them the last roots are reused; the statistics are updated every step). The roots of
        step 0 have seen one gradient, so with a small ε reusing them for k steps is risky —
        the reason Anil et al. (2020) precondition only after a warm-up.
    root : None or float > 0, p of :math:`H^{-1/p}`; ``None`` is the paper's 2 × order, the
        only root for which the update does not change when the gradients are scaled
        (order k: :math:`G \to cG` scales the update by :math:`c^{1-2k/p}`); others need a
        separate step-size rule (e.g. the grafting of Anil et al. 2020).
    shape : tuple of ints, the parameter's tensor shape; θ and g are flat with prod(shape)
        entries. ``None``: θ's own shape (a flat θ is a vector, order 1).

    Differences from pytorch_optimizer 4.1.0: ``update_freq = k`` computes the roots at
    steps 0, k, 2k, … (as torch_optimizer); pytorch_optimizer's ``preconditioning_compute_steps``
    first computes them at step k, stepping with zero roots before. Roots by ``eigh``, not the
    SVD. torch_optimizer 0.3.0's ``Shampoo`` differs in substance: exponent −1/order instead of
    −1/(2·order), and it accumulates each mode's statistic from the gradient already
    preconditioned in the earlier modes.
    """
    _check("shampoo", lr=(lr, 0, None, False), momentum=(momentum, 0, 1, False),
           weight_decay=(weight_decay, 0, None, False), eps=(eps, 0, None, False),
           update_freq=(update_freq, 1, None, False))
    if not eps > 0:
        raise ValueError(f"shampoo: invalid eps={eps!r}; must be > 0 (the statistics start at εI)")
    if int(update_freq) != update_freq:
        raise ValueError(f"shampoo: invalid update_freq={update_freq!r}; must be an integer ≥ 1")
    if root is not None:
        _check("shampoo", root=(root, 0, None, False))
        if not root > 0:
            raise ValueError(f"shampoo: invalid root={root!r}; must be > 0 or None")
    if shape is not None and (len(shape) < 1 or min(int(s) for s in shape) < 1):
        raise ValueError(f"shampoo: invalid shape={shape!r}; must be a tuple of positive sizes")
    update_freq = int(update_freq)

    def dims(params):
        d = tuple(int(s) for s in shape) if shape is not None else np.shape(params)
        if int(np.prod(d)) != np.size(params):
            raise ValueError(f"shampoo: shape {d} does not fit {np.size(params)} parameters")
        return d

    def init(params):
        d = dims(params)
        stats = tuple(np.zeros((n, n)) for n in d)
        return ShampooState(0, stats, tuple(np.zeros((n, n)) for n in d), None)

    def update(grad, state, params, objective=None):
        d = dims(params)
        p = root if root is not None else 2 * len(d)
        g = _asarray(grad)
        buf = state.momentum_buffer
        if momentum:
            buf = g if buf is None else buf
            g = g + momentum * (buf - g)                    # (1 − β) G_t + β U_{t−1}
        G = _coupled(g, params, weight_decay).reshape(d)
        stats = tuple(H + _mode_gram(G, i) for i, H in enumerate(state.statistics))
        roots = state.roots
        if state.count % update_freq == 0:
            roots = tuple(inverse_root(H, p, eps) for H in stats)
        U = _precondition(roots, G).reshape(np.shape(params))
        new = params - _lr(lr, state.count) * U
        return new, ShampooState(state.count + 1, stats, roots, U if momentum else None)

    hyper = dict(lr=lr, momentum=momentum, weight_decay=weight_decay, eps=eps,
                 update_freq=update_freq, root=root,
                 shape=None if shape is None else tuple(int(s) for s in shape))
    return Optimizer(init, update, "shampoo", hyper)
