r"""RAdam, Lookahead and Ranger (RAdam + Lookahead + gradient centralization).

RAdam follows ``torch.optim.RAdam`` (v2.13); Lookahead follows ``optax.lookahead`` (0.2.8),
written as a wrapper around any registered optimizer; Ranger (Wright 2019) combines them
with the gradient centralization of Yong et al. (2020).
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ._core import Optimizer, _asarray, _check, _lr, get, hyperparameters, register

__all__ = ["radam", "lookahead", "ranger", "centralize", "rho", "rectification"]


# ------------------------------------------------------------------ RAdam
def rho(t, beta2=0.999):
    r"""Length of the approximated simple moving average, :math:`\rho_t = \rho_\infty -
    2t\beta_2^t/(1-\beta_2^t)` with :math:`\rho_\infty = 2/(1-\beta_2) - 1`
    (Liu et al. 2020)."""
    rho_inf = 2 / (1 - beta2) - 1
    return rho_inf - 2 * t * beta2**t / (1 - beta2**t)


def rectification(t, beta2=0.999, threshold=5.0):
    r"""RAdam's variance rectification :math:`r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}
    {(\rho_\infty-4)(\rho_\infty-2)\rho_t}}` where :math:`\rho_t >` ``threshold``, else ``nan``
    (no adaptive step: SGD with momentum). torch uses 5; the paper 4."""
    rho_inf, rho_t = 2 / (1 - beta2) - 1, rho(t, beta2)
    if not rho_t > threshold:
        return math.nan
    return math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))


class RAdamState(NamedTuple):
    count: int
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray


@register("radam")
def radam(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
          decoupled_weight_decay=False) -> Optimizer:
    r"""Rectified Adam (Liu et al. 2020, arXiv:1908.03265), as ``torch.optim.RAdam``.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
        \rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t},\quad
        \rho_\infty = \frac{2}{1-\beta_2} - 1,

        \theta_t = \theta_{t-1} - \eta\,\frac{m_t}{1-\beta_1^t}\cdot
        \begin{cases} r_t\,\dfrac{\sqrt{1-\beta_2^t}}{\sqrt{v_t}+\epsilon}, & \rho_t > 5,\\
        1, & \text{otherwise (SGD with bias-corrected momentum)},\end{cases}

    with :math:`r_t` from :func:`rectification`. ``weight_decay`` λ is added to the gradient
    (L2), or with ``decoupled_weight_decay=True`` applied as :math:`\theta \leftarrow
    (1-\eta\lambda)\theta` before the step (AdamW-style).

    Differences from torch: ``betas=(b1, b2)`` is spelled ``beta1, beta2``. The paper's
    Algorithm 2 switches on at :math:`\rho_t > 4`; torch (and this function) at
    :math:`\rho_t > 5`, i.e. from t = 6 instead of t = 5 for β2 = 0.999.

    Parameters
    ----------
    lr : float or schedule, η
    beta1, beta2 : floats in [0, 1), decay rates of m and v
    eps : float ≥ 0, ε added to √v_t (before the √(1−β2^t) correction is multiplied in, as torch)
    weight_decay : float ≥ 0, λ
    decoupled_weight_decay : bool, multiply θ by 1 − ηλ instead of adding λθ to g
    """
    _check("radam", lr=(lr, 0, None, False), beta1=(beta1, 0, 1, False),
           beta2=(beta2, 0, 1, False), eps=(eps, 0, None, False),
           weight_decay=(weight_decay, 0, None, False))
    rho_inf = 2 / (1 - beta2) - 1

    def init(params):
        z = np.zeros(np.shape(params))
        return RAdamState(0, z, z)

    def update(grad, state, params, objective=None):
        g, t, eta = _asarray(grad), state.count + 1, _lr(lr, state.count)
        if weight_decay and decoupled_weight_decay:
            params = params * (1 - eta * weight_decay)
        elif weight_decay:
            g = g + weight_decay * params
        m = state.exp_avg + (1 - beta1) * (g - state.exp_avg)
        v = beta2 * state.exp_avg_sq + (1 - beta2) * g * g
        bc2 = 1 - beta2**t
        m_hat = m / (1 - beta1**t)
        rho_t = rho_inf - 2 * t * beta2**t / bc2
        if rho_t > 5.0:
            r_t = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            step = m_hat * eta * (math.sqrt(bc2) / (np.sqrt(v) + eps)) * r_t
        else:
            step = m_hat * eta
        return params - step, RAdamState(t, m, v)

    hyper = dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                 decoupled_weight_decay=decoupled_weight_decay)
    return Optimizer(init, update, "radam", hyper)


# ------------------------------------------------------------------ Lookahead
class LookaheadState(NamedTuple):
    count: int          # fast steps taken
    inner: Any          # the inner (fast) optimizer's state
    slow: np.ndarray    # slow weights φ; the params returned by update are the fast weights


def _lookahead(opt, k, alpha, reset_state):
    def init(params):
        return LookaheadState(0, opt.init(params), _asarray(params).copy())

    def update(grad, state, params, objective=None):
        fast, inner = opt.update(grad, state.inner, params, objective)
        slow, t = state.slow, state.count + 1
        if t % k == 0:                                  # sync: pull φ towards θ, restart θ at φ
            slow = slow + alpha * (fast - slow)
            fast = slow.copy()
            if reset_state:
                inner = opt.init(fast)
        return fast, LookaheadState(t, inner, slow)
    return init, update


def _check_lookahead(name, k, alpha):
    """Validate k (an integer ≥ 1; an integral float such as a slider's 5.0 is accepted) and α."""
    ok = isinstance(k, (int, float, np.integer, np.floating)) and not isinstance(k, bool)
    if not (ok and math.isfinite(k) and k >= 1 and float(k).is_integer()):
        raise ValueError(f"{name}: invalid k={k!r}; must be an integer >= 1")
    _check(name, alpha=(alpha, 0, 1, True))
    if alpha == 0:
        raise ValueError(f"{name}: invalid alpha=0; must be a number in (0, 1]")


@register("lookahead")
def lookahead(inner="radam", k=5, alpha=0.5, lr=None, inner_hyper=None,
              reset_state=False) -> Optimizer:
    r"""Lookahead (Zhang, Lucas, Hinton & Ba 2019, arXiv:1907.08610) around an inner optimizer,
    as ``optax.lookahead(inner, sync_period=k, slow_step_size=alpha, reset_state)``.

    The inner ("fast") optimizer updates the fast weights θ every step; every k-th step the
    slow weights φ move a fraction α towards them and the fast weights restart there:

    .. math::
        \theta_t = \mathrm{inner}(\theta_{t-1}, g_t),\qquad
        \text{if } k \mid t:\ \ \phi \leftarrow \phi + \alpha(\theta_t - \phi),\
        \ \theta_t \leftarrow \phi .

    ``update`` returns the **fast** weights (where the next gradient is taken, like optax's
    ``LookaheadParams.fast``); the slow weights are ``state.slow``. After a sync step the two
    coincide, so every k-th iterate of a trajectory is a slow iterate.

    ``inner`` is a registered name (built as ``get(inner, lr=lr, **inner_hyper)``; ``lr=None``
    takes the inner's default) or a built :class:`Optimizer` (then ``lr`` and ``inner_hyper``
    must be left out). ``hyper`` is flat in the inner's ``lr`` and nests the rest::

        get("lookahead", inner="adam", lr=1e-2, k=5, alpha=0.5, inner_hyper=dict(beta2=0.99))

    and ``get("lookahead", **opt.hyper)`` rebuilds ``opt``. ``reset_state=True`` re-initializes
    the inner state at every sync (optax's option; the paper's default keeps it).
    """
    _check_lookahead("lookahead", k, alpha)
    k = int(k)
    if isinstance(inner, Optimizer):
        if lr is not None or inner_hyper:
            raise ValueError("lookahead: give lr and inner_hyper with an inner name, "
                             "not with a built Optimizer")
        opt = inner
    else:
        if str(inner).lower() in ("lookahead", "ranger"):
            raise ValueError(f"lookahead: invalid inner={inner!r}; lookahead cannot nest")
        if "lr" not in hyperparameters(inner):
            raise ValueError(f"lookahead: invalid inner={inner!r}; it has no lr")
        if inner_hyper and "lr" in inner_hyper:
            raise ValueError("lookahead: give lr as lookahead's own hyper-parameter, "
                             "not in inner_hyper")
        extra = dict(inner_hyper or {}, **({} if lr is None else {"lr": lr}))
        opt = get(inner, **extra)
    rest = {key: v for key, v in (opt.hyper or {}).items() if key != "lr"}
    hyper = dict(inner=opt.name, lr=(opt.hyper or {}).get("lr"), k=k, alpha=alpha,
                 inner_hyper=rest, reset_state=reset_state)
    init, update = _lookahead(opt, k, alpha, reset_state)
    return Optimizer(init, update, "lookahead", hyper)


# ------------------------------------------------------------------ Ranger
def centralize(grad, shapes=None):
    r"""Gradient centralization (Yong et al. 2020, arXiv:2004.01461): for every block of the
    flat gradient whose shape has ≥ 2 axes (a weight matrix stored (fan_out, fan_in), as
    torch and :class:`helpers.mlp.MLP`), subtract from each row (output unit) its mean over the
    other axes; 1-D blocks (biases) are left alone, as in Ranger.

    ``shapes`` lists the blocks in the order they are stored in ``grad``; ``None`` means one
    flat vector, on which centralization is the identity.
    """
    g = _asarray(grad)
    if shapes is None:
        return g
    out, i = g.copy(), 0
    for shape in shapes:
        n = int(np.prod(shape))
        if len(shape) >= 2:
            block = g[i:i + n].reshape(shape[0], -1)
            out[i:i + n] = (block - block.mean(axis=1, keepdims=True)).ravel()
        i += n
    if i != g.size:
        raise ValueError(f"centralize: shapes cover {i} entries, the gradient has {g.size}")
    return out


@register("ranger")
def ranger(lr=1e-3, beta1=0.95, beta2=0.999, eps=1e-5, weight_decay=0.0, k=6, alpha=0.5,
           use_gc=True, shapes=None) -> Optimizer:
    r"""Ranger (Wright 2019): RAdam inside Lookahead, with gradient centralization.

    .. math::
        \tilde g_t = \mathrm{GC}(g_t),\qquad \theta_t = \mathrm{RAdam}(\theta_{t-1}, \tilde g_t),
        \qquad \text{every } k \text{ steps: } \phi \leftarrow \phi + \alpha(\theta_t-\phi),\
        \theta_t \leftarrow \phi

    i.e. ``lookahead(radam(..., decoupled_weight_decay=True), k, alpha)`` fed
    :func:`centralize` ``(g, shapes)`` when ``use_gc``. Defaults are Wright's (β1 = 0.95,
    ε = 1e-5, k = 6, α = 0.5). GC needs the matrix ``shapes`` of the flat parameter vector
    (e.g. ``[s for layer in MLP.shapes for s in layer]``); without them — every test function
    of :mod:`helpers.objectives` — it is the identity and Ranger is RAdam + Lookahead.

    Differences from Wright's code: the RAdam inside is torch's, which adds ε to
    :math:`\sqrt{v_t}` and then multiplies by :math:`\sqrt{1-\beta_2^t}` (Wright adds ε after
    that multiplication); weight decay is torch's decoupled one, :math:`\theta \leftarrow
    (1-\eta\lambda)\theta`, which is Wright's too. Nothing library-recorded exists to compare
    with; the tests check it equals its parts.
    """
    _check_lookahead("ranger", k, alpha)
    k = int(k)
    inner = radam(lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay=True)
    shapes = None if shapes is None else tuple(tuple(int(n) for n in s) for s in shapes)

    def gc_update(grad, state, params, objective=None):
        g = centralize(grad, shapes) if use_gc else grad
        return inner.update(g, state, params, objective)

    init, update = _lookahead(inner._replace(update=gc_update), k, alpha, False)
    hyper = dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay, k=k,
                 alpha=alpha, use_gc=use_gc, shapes=shapes)
    return Optimizer(init, update, "ranger", hyper)
