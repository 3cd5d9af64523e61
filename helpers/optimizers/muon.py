r"""Muon (02_sota_optimizers/04): momentum orthogonalized by Newton–Schulz, as ``torch.optim.Muon``;
``partition`` applies different optimizers to slices of a flat θ (as ``optax.multi_transform``)
and :meth:`helpers.mlp.MLP.blocks` names the slices and shapes of an MLP's parameters."""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._core import Optimizer, _asarray, _check, _lr, register

__all__ = ["muon", "newton_schulz", "partition"]

NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)     # Jordan et al. 2024, torch's defaults


def newton_schulz(G, ns_coefficients=NS_COEFFICIENTS, ns_steps=5, eps=1e-7):
    r"""``ns_steps`` Newton–Schulz iterations towards the polar factor :math:`UV^\top` of ``G``.

    ``X ← G/max(‖G‖_F, ε)`` (transposed if tall), then ``X ← aX + (bXXᵀ + c(XXᵀ)²)X``: each
    singular value σ goes to :math:`a\sigma + b\sigma^3 + c\sigma^5`. As torch's
    ``_zeropower_via_newtonschulz``, but in float64 (torch casts to bfloat16).
    """
    a, b, c = ns_coefficients
    X = _asarray(G)
    tall = X.shape[0] > X.shape[1]
    X = X.T if tall else X
    X = X / max(np.linalg.norm(X), eps)
    for _ in range(int(ns_steps)):
        A = X @ X.T
        X = a * X + (b * A + c * A @ A) @ X
    return X.T if tall else X


class MuonState(NamedTuple):
    count: int
    momentum_buffer: np.ndarray


def _shape_of(shape, params):
    if shape is not None:
        return tuple(int(s) for s in shape)
    p = np.shape(params)
    return p if len(p) == 2 else (1, int(np.prod(p)))


@register("muon")
def muon(lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True, ns_coefficients=NS_COEFFICIENTS,
         eps=1e-7, ns_steps=5, adjust_lr_fn=None, shape=None) -> Optimizer:
    r"""Muon (Jordan et al. 2024), as ``torch.optim.Muon`` for one 2-D parameter.

    .. math::
        B_t = \beta B_{t-1} + (1-\beta) G_t\ (B_0 = 0),\quad
        \tilde B_t = (1-\beta) G_t + \beta B_t \ \text{(nesterov) or } B_t,\quad
        O_t = \mathrm{NS}^{(a,b,c)}_{k}(\tilde B_t),\quad
        \theta_t = (1 - \eta\lambda)\,\theta_{t-1} - \eta\, s\, O_t

    with :math:`G_t` the gradient reshaped to the parameter's matrix ``shape`` = (A, B),
    :math:`\beta` = ``momentum``, :math:`\lambda` = ``weight_decay`` (decoupled, with the
    unscaled η), :math:`k` = ``ns_steps`` and the shape scale
    :math:`s=\sqrt{\max(1, A/B)}` (``adjust_lr_fn=None`` or ``"original"``) or
    :math:`s=0.2\sqrt{\max(A, B)}` (``"match_rms_adamw"``, Liu et al. 2025), as torch's
    ``_adjust_lr``. See :func:`newton_schulz`. Reference: torch.optim.Muon (torch 2.13).

    Parameters
    ----------
    lr : float or schedule, η
    weight_decay : float ≥ 0, decoupled decay λ: each step multiplies θ by 1 − ηλ
    momentum : float in [0, 1), β of the exponential moving average :math:`B_t`
    nesterov : bool, orthogonalize :math:`(1-\beta)G_t + \beta B_t` instead of :math:`B_t`
    ns_coefficients : (a, b, c), the odd polynomial :math:`a\sigma + b\sigma^3 + c\sigma^5`
    eps : float ≥ 0, floor of the Frobenius norm that normalizes the input of Newton–Schulz
    ns_steps : int in [0, 100), number of Newton–Schulz iterations k
    adjust_lr_fn : None, "original" or "match_rms_adamw", the shape scale s above
    shape : (A, B), the parameter's matrix shape; θ and g are flat vectors of A·B entries.
        ``None``: a 2-D θ keeps its shape, a flat θ of d entries is read as a 1 × d matrix
        (its update is then ≈ g/‖g‖: normalized momentum).

    Differences from torch: Newton–Schulz runs in float64, where torch casts to bfloat16
    (torch's result differs by the bfloat16 rounding, ≈ 1e-2 relative); ``momentum`` must be
    < 1 (torch accepts any value ≥ 0); θ is a flat vector with its ``shape`` a hyper-parameter.
    """
    _check("muon", lr=(lr, 0, None, False), weight_decay=(weight_decay, 0, None, False),
           momentum=(momentum, 0, 1, False), eps=(eps, 0, None, False),
           ns_steps=(ns_steps, 0, 100, False))
    if int(ns_steps) != ns_steps:
        raise ValueError(f"muon: invalid ns_steps={ns_steps!r}; must be an integer in [0, 100)")
    if adjust_lr_fn not in (None, "original", "match_rms_adamw"):
        raise ValueError(f"muon: invalid adjust_lr_fn={adjust_lr_fn!r}; must be None, "
                         "'original' or 'match_rms_adamw'")
    coefficients = tuple(float(x) for x in ns_coefficients)
    if len(coefficients) != 3 or not all(map(math.isfinite, coefficients)):
        raise ValueError(f"muon: invalid ns_coefficients={ns_coefficients!r}; must be three "
                         "finite numbers (a, b, c)")
    if shape is not None and (len(shape) != 2 or min(int(s) for s in shape) < 1):
        raise ValueError(f"muon: invalid shape={shape!r}; must be (rows, cols) of a matrix")

    def scale(A, B):
        if adjust_lr_fn == "match_rms_adamw":
            return 0.2 * math.sqrt(max(A, B))
        return math.sqrt(max(1, A / B))

    def init(params):
        return MuonState(0, np.zeros(np.shape(params)))

    def update(grad, state, params, objective=None):
        A, B = _shape_of(shape, params)
        if A * B != np.size(params):
            raise ValueError(f"muon: shape {(A, B)} does not fit {np.size(params)} parameters")
        g = _asarray(grad)
        buf = state.momentum_buffer + (1 - momentum) * (g - state.momentum_buffer)
        step = g + momentum * (buf - g) if nesterov else buf
        ortho = newton_schulz(step.reshape(A, B), coefficients, ns_steps, eps).reshape(np.shape(g))
        eta = _lr(lr, state.count)
        params = params * (1 - eta * weight_decay) if weight_decay else params
        return params - eta * scale(A, B) * ortho, MuonState(state.count + 1, buf)

    hyper = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                 ns_coefficients=coefficients, eps=eps, ns_steps=int(ns_steps),
                 adjust_lr_fn=adjust_lr_fn, shape=None if shape is None else tuple(map(int, shape)))
    return Optimizer(init, update, "muon", hyper)


# ------------------------------------------------------------------ combinator
class PartitionState(NamedTuple):
    count: int
    inner: tuple


def partition(parts, name="partition") -> Optimizer:
    """Apply a different optimizer to each part of a flat θ, as ``optax.multi_transform``
    (or torch's one optimizer per parameter group).

    Parameters
    ----------
    parts : sequence of ``(index, optimizer)``; ``index`` is a slice or an integer array into
        θ. Every coordinate must belong to exactly one part (checked by ``init``).
    name : the optimizer's name.

    Each optimizer sees only its own coordinates of θ and g, with its own state and step
    counter; the result is the concatenation, so ``partition([(slice(None), opt)])`` is ``opt``.
    """
    parts = [(ix, opt) for ix, opt in parts]
    if not parts:
        raise ValueError("partition: invalid parts=[]; give at least one (index, optimizer)")

    def init(params):
        n = np.size(params)
        covered = np.zeros(n, dtype=int)
        for ix, _ in parts:
            np.add.at(covered, np.arange(n)[ix], 1)
        if not np.all(covered == 1):
            raise ValueError(f"partition: invalid parts; {np.sum(covered == 0)} coordinates in "
                             f"no part, {np.sum(covered > 1)} in several")
        return PartitionState(0, tuple(opt.init(params[ix]) for ix, opt in parts))

    def update(grad, state, params, objective=None):
        g, new, inner = _asarray(grad), np.array(params, dtype=float), []
        for (ix, opt), s in zip(parts, state.inner):
            new[ix], s = opt.update(g[ix], s, params[ix], None)
            inner.append(s)
        return new, PartitionState(state.count + 1, tuple(inner))

    hyper = dict(parts=[(opt.name, dict(opt.hyper or {})) for _, opt in parts])
    return Optimizer(init, update, name, hyper)
