r"""AdaHessian (03_curvature_aware_optimizers-1/04): Adam with the squared gradient replaced by a
Hutchinson estimate of the Hessian diagonal, :math:`z \odot Hz` for Rademacher :math:`z`,
averaged over blocks of coordinates ("spatial averaging"). :func:`row_groups` gives the
authors' averaging for an MLP: one group per row of each weight matrix."""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._core import Optimizer, _asarray, _check, _lr, register

__all__ = ["adahessian", "hutchinson_diagonal", "rademacher", "row_groups", "group_average"]


def rademacher(seed, step, n_samples, size):
    """``n_samples`` Rademacher vectors (entries ±1 with probability ½) for step ``step`` of a
    run seeded with ``seed``: drawn from ``numpy.random.default_rng([seed, step])``, so a run is
    reproducible and its update a pure function of its state."""
    rng = np.random.default_rng([int(seed), int(step)])
    return rng.integers(0, 2, size=(int(n_samples), int(size))) * 2.0 - 1.0


def hutchinson_diagonal(hvp, z):
    r"""Hutchinson's estimate of the Hessian diagonal, :math:`\frac1S\sum_s z_s \odot Hz_s`,
    from ``hvp(v) = Hv`` and the rows ``z_s`` of ``z`` (unbiased for Rademacher or Gaussian
    :math:`z`: :math:`\mathbb E[z z^\top] = I`)."""
    z = np.atleast_2d(_asarray(z))
    if len(z) == 1:
        return z[0] * hvp(z[0])
    return np.mean([zs * hvp(zs) for zs in z], axis=0)


def _group_sizes(groups, size):
    if isinstance(groups, (int, np.integer)):
        if size % groups:
            raise ValueError(f"spatial_average={groups} does not divide {size} parameters")
        return np.full(size // groups, int(groups))
    sizes = np.asarray(groups, dtype=int)
    if sizes.sum() != size:
        raise ValueError(f"spatial_average groups cover {sizes.sum()} of {size} parameters")
    return sizes


def group_average(D, groups):
    """Replace each entry of ``D`` by the mean of its group: ``groups`` is a block size (every
    ``groups`` consecutive entries) or a sequence of consecutive group sizes summing to D's size.
    As the authors' ``spatial_average_block_size`` (``hv_abs.view(-1, b).mean(1)``, repeated)."""
    D = _asarray(D)
    if isinstance(groups, (int, np.integer)) and groups == 1:
        return D
    sizes = _group_sizes(groups, D.size)
    if np.all(sizes == 1):
        return D
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return np.repeat(np.add.reduceat(D, starts) / sizes, sizes)


def row_groups(blocks):
    """Group sizes for :func:`group_average` over an MLP's flat θ (``MLP.blocks()``): one group
    per row of each weight matrix (its fan-in entries, as the authors' default for 2-D tensors,
    ``mean(hv_abs, dim=[1])``), and one group per bias entry."""
    sizes = []
    for b in blocks:
        rows = b.shape[0]
        cols = 1 if len(b.shape) == 1 else int(np.prod(b.shape[1:]))
        sizes += [cols] * rows
    return tuple(sizes)


class AdaHessianState(NamedTuple):
    count: int
    exp_avg: np.ndarray
    exp_hessian_diag_sq: np.ndarray


@register("adahessian")
def adahessian(lr=0.15, beta1=0.9, beta2=0.999, eps=1e-4, weight_decay=0.0, hessian_power=1.0,
               spatial_average=1, n_samples=1, seed=0) -> Optimizer:
    r"""AdaHessian (Yao, Gholami, Shen, Mustafa, Keutzer & Mahoney 2021, arXiv:2006.00719).

    .. math::
        D_t = \mathrm{avg}\bigl(|z_t \odot H_t z_t|\bigr),\quad
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) D_t^2,

        \theta_t = \theta_{t-1} - \eta\Bigl(\frac{m_t/(1-\beta_1^t)}
        {\bigl(\sqrt{v_t/(1-\beta_2^t)}\bigr)^{k} + \epsilon} + \lambda\theta_{t-1}\Bigr)

    with :math:`z_t` Rademacher (:func:`rademacher`), :math:`H_tz_t` from ``objective.hvp``
    (so ``update`` needs the objective), avg the spatial averaging over groups of coordinates
    and :math:`k` = ``hessian_power``. With :math:`k = 0` it is SGD with bias-corrected EMA
    momentum; with :math:`k = 1`, :math:`\beta_1 = 0` and an exact diagonal it is diagonal Newton.
    Reference followed: the authors' code (github.com/amirgholami/adahessian,
    ``image_classification/optim_adahessian.py``; the same update as ``torch_optimizer.Adahessian``
    0.3.0, whose default ``hessian_power`` is 0.5), with the spatial averaging of its
    ``instruction/adahessian.py``.

    Parameters
    ----------
    lr : float or schedule, η (the authors' default 0.15)
    beta1, beta2 : floats in [0, 1), decay rates of m and v
    eps : float ≥ 0, ε added to the denominator after the power
    weight_decay : float ≥ 0, λ, decoupled as in the authors' code (added to the update,
        not to the gradient): :math:`\theta \leftarrow (1-\eta\lambda)\theta - \eta\,\cdots`
    hessian_power : float in [0, 1], k
    spatial_average : int ≥ 1 or sequence of group sizes (see :func:`group_average`); 1: none
    n_samples : int ≥ 1, Rademacher vectors per step, averaged before the absolute value
        (as pytorch_optimizer's ``num_samples``; the authors use 1)
    seed : int, seed of the Rademacher stream

    Differences from the authors' code: ``betas`` is spelled ``beta1, beta2``; θ is flat, so
    spatial averaging is given as group sizes (:func:`row_groups` for an MLP's rows, the
    authors' default for matrices); z comes from NumPy, not ``torch.randint_like``.
    """
    _check("adahessian", lr=(lr, 0, None, False), beta1=(beta1, 0, 1, False),
           beta2=(beta2, 0, 1, False), eps=(eps, 0, None, False),
           weight_decay=(weight_decay, 0, None, False), hessian_power=(hessian_power, 0, 1, True),
           n_samples=(n_samples, 1, None, False))
    if int(n_samples) != n_samples:
        raise ValueError(f"adahessian: invalid n_samples={n_samples!r}; must be an integer ≥ 1")
    if isinstance(spatial_average, (int, np.integer)):
        ok = spatial_average >= 1
        groups = int(spatial_average)
    else:
        groups = tuple(int(s) for s in spatial_average)
        ok = len(groups) > 0 and min(groups) >= 1 and all(
            s == g for s, g in zip(spatial_average, groups))
    if not ok:
        raise ValueError(f"adahessian: invalid spatial_average={spatial_average!r}; must be a "
                         "block size ≥ 1 or a sequence of positive group sizes")
    if int(seed) != seed:
        raise ValueError(f"adahessian: invalid seed={seed!r}; must be an integer")

    def init(params):
        z = np.zeros(np.shape(params))
        return AdaHessianState(0, z, z)

    def update(grad, state, params, objective=None):
        if objective is None or getattr(objective, "hvp", None) is None:
            raise ValueError("adahessian: update needs the objective (for Hessian-vector "
                             "products objective.hvp)")
        x = _asarray(params)
        z = rademacher(seed, state.count, n_samples, x.size).reshape((-1,) + x.shape)
        D = group_average(np.abs(hutchinson_diagonal(lambda v: objective.hvp(x, v), z)).ravel(),
                            groups).reshape(x.shape)
        t = state.count + 1
        m = beta1 * state.exp_avg + (1 - beta1) * _asarray(grad)
        v = beta2 * state.exp_hessian_diag_sq + (1 - beta2) * D * D
        denom = (np.sqrt(v) ** hessian_power) / math.sqrt(1 - beta2**t) ** hessian_power + eps
        eta = _lr(lr, state.count)
        new = x - eta * (m / (1 - beta1**t) / denom + weight_decay * x)
        return new, AdaHessianState(t, m, v)

    hyper = dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                 hessian_power=hessian_power, spatial_average=groups, n_samples=int(n_samples),
                 seed=int(seed))
    return Optimizer(init, update, "adahessian", hyper)
