"""Adam's relatives of 02_sota_optimizers/03: AdaMax and NAdam (as torch.optim), AdamX
(Tran & Phong 2019, no library has it) and Lion (as optax.lion)."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._core import Optimizer, _asarray, _check, _coupled, _lr, register

__all__ = ["adamax", "nadam", "adamx", "lion"]


class AdamaxState(NamedTuple):
    count: int
    exp_avg: np.ndarray
    exp_inf: np.ndarray


@register("adamax")
def adamax(lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0) -> Optimizer:
    r"""AdaMax (Kingma & Ba 2015, arXiv:1412.6980, §7.1), as ``torch.optim.Adamax``.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        u_t = \max(\beta_2 u_{t-1},\ |g_t| + \epsilon),\quad
        \theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\,\frac{m_t}{u_t}

    :math:`u_t` is the :math:`p\to\infty` limit of Adam's :math:`L^p` moving average; it needs
    no bias correction. As in torch, ε sits *inside* the maximum (the paper has none), and L2
    ``weight_decay`` λ is added to the gradient. Difference from torch: ``betas=(b1, b2)`` is
    spelled ``beta1, beta2``.
    """
    _check("adamax", lr=(lr, 0, None, False), beta1=(beta1, 0, 1, False),
           beta2=(beta2, 0, 1, False), eps=(eps, 0, None, False),
           weight_decay=(weight_decay, 0, None, False))

    def init(params):
        z = np.zeros(np.shape(params))
        return AdamaxState(0, z, z)

    def update(grad, state, params, objective=None):
        g = _coupled(grad, params, weight_decay)
        t = state.count + 1
        m = state.exp_avg + (1 - beta1) * (g - state.exp_avg)
        u = np.maximum(beta2 * state.exp_inf, np.abs(g) + eps)
        clr = _lr(lr, state.count) / (1 - beta1**t)
        return params - clr * (m / u), AdamaxState(t, m, u)

    hyper = dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay)
    return Optimizer(init, update, "adamax", hyper)


class NAdamState(NamedTuple):
    count: int
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray
    mu_product: float


@register("nadam")
def nadam(lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
          decoupled_weight_decay=False) -> Optimizer:
    r"""NAdam (Dozat 2016): Adam with a Nesterov look-ahead, as ``torch.optim.NAdam``.

    .. math::
        \mu_t = \beta_1\big(1 - \tfrac12\,0.96^{t\psi}\big),\quad
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,

        \theta_t = \theta_{t-1} - \eta\,
            \frac{\frac{1-\mu_t}{1-\prod_{i\le t}\mu_i}\,g_t
                  + \frac{\mu_{t+1}}{1-\prod_{i\le t+1}\mu_i}\,m_t}
                 {\sqrt{v_t/(1-\beta_2^t)}+\epsilon}

    with ψ = ``momentum_decay``. ``weight_decay`` λ is L2 (added to :math:`g_t`) or, with
    ``decoupled_weight_decay=True``, applied as :math:`\theta \leftarrow (1-\eta\lambda)\theta`
    first (NAdamW). Difference from torch: ``betas=(b1, b2)`` is spelled ``beta1, beta2``.
    """
    _check("nadam", lr=(lr, 0, None, False), beta1=(beta1, 0, 1, False),
           beta2=(beta2, 0, 1, False), eps=(eps, 0, None, False),
           weight_decay=(weight_decay, 0, None, False),
           momentum_decay=(momentum_decay, 0, None, False))

    def mu_at(t):
        return beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))

    def init(params):
        z = np.zeros(np.shape(params))
        return NAdamState(0, z, z, 1.0)

    def update(grad, state, params, objective=None):
        eta, t = _lr(lr, state.count), state.count + 1
        g = _asarray(grad)
        if weight_decay and decoupled_weight_decay:
            params = params * (1 - eta * weight_decay)
        elif weight_decay:
            g = g + weight_decay * params
        mu, mu_next = mu_at(t), mu_at(t + 1)
        mu_product = state.mu_product * mu
        m = state.exp_avg + (1 - beta1) * (g - state.exp_avg)
        v = beta2 * state.exp_avg_sq + (1 - beta2) * g * g
        denom = np.sqrt(v / (1 - beta2**t)) + eps
        params = params - eta * (1 - mu) / (1 - mu_product) * (g / denom)
        params = params - eta * mu_next / (1 - mu_product * mu_next) * (m / denom)
        return params, NAdamState(t, m, v, mu_product)

    hyper = dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                 momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay)
    return Optimizer(init, update, "nadam", hyper)


class AdamXState(NamedTuple):
    count: int
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray
    max_exp_avg_sq: np.ndarray


@register("adamx")
def adamx(lr=1e-3, beta1=0.9, beta2=0.999, beta1_decay=1 - 1e-8, eps=1e-8,
          weight_decay=0.0) -> Optimizer:
    r"""AdamX (Tran & Phong 2019, IEEE Access 7, Algorithm 2; arXiv:1904.03590).

    .. math::
        \beta_{1,t} = \beta_1\nu^{t-1},\quad
        m_t = \beta_{1,t} m_{t-1} + (1-\beta_{1,t}) g_t,\quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,

        \hat v_1 = v_1,\quad
        \hat v_t = \max\!\Big(\frac{(1-\beta_{1,t})^2}{(1-\beta_{1,t-1})^2}\,\hat v_{t-1},\
                   v_t\Big),
        \quad \theta_t = \theta_{t-1} - \eta_k\,\frac{m_t}{\sqrt{\hat v_t}+\epsilon}

    with ν = ``beta1_decay`` (the paper's λ, renamed because λ is weight decay here). The
    factor :math:`(1-\beta_{1,t})^2/(1-\beta_{1,t-1})^2 \ge 1` keeps
    :math:`\sqrt{\hat v_t}/(\eta_k(1-\beta_{1,t}))` non-decreasing, which the regret proof
    needs and AMSGrad's :math:`\max(\hat v_{t-1}, v_t)` does not give. No library has it.
    As in the paper (and Reddi et al.'s AMSGrad) there is no bias correction; the paper's
    :math:`\eta_t=\alpha/\sqrt t` is a schedule ``lr=lambda k: alpha / sqrt(k + 1)``, not a default.
    Deliberate additions: ``eps`` (the paper has none; ``eps=0`` is the paper exactly) and
    L2 ``weight_decay`` λ added to the gradient. The default ν = 1 − 10⁻⁸ is Kingma & Ba's
    (Theorem 4.1); with ν = 1 or β1 = 0 AdamX is Reddi's AMSGrad.
    """
    _check("adamx", lr=(lr, 0, None, False), beta1=(beta1, 0, 1, False),
           beta2=(beta2, 0, 1, False), beta1_decay=(beta1_decay, 0, 1, True),
           eps=(eps, 0, None, False), weight_decay=(weight_decay, 0, None, False))

    def init(params):
        z = np.zeros(np.shape(params))
        return AdamXState(0, z, z, z)

    def update(grad, state, params, objective=None):
        g = _coupled(grad, params, weight_decay)
        t = state.count + 1
        beta1_t = beta1 * beta1_decay ** (t - 1)
        m = beta1_t * state.exp_avg + (1 - beta1_t) * g
        v = beta2 * state.exp_avg_sq + (1 - beta2) * g * g
        if t == 1:
            v_hat = v
        else:
            beta1_prev = beta1 * beta1_decay ** (t - 2)
            v_hat = np.maximum((1 - beta1_t) ** 2 / (1 - beta1_prev) ** 2 * state.max_exp_avg_sq, v)
        step = _lr(lr, state.count) * m / (np.sqrt(v_hat) + eps)
        return params - step, AdamXState(t, m, v, v_hat)

    hyper = dict(lr=lr, beta1=beta1, beta2=beta2, beta1_decay=beta1_decay, eps=eps,
                 weight_decay=weight_decay)
    return Optimizer(init, update, "adamx", hyper)


class LionState(NamedTuple):
    count: int
    exp_avg: np.ndarray


@register("lion")
def lion(lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=1e-3) -> Optimizer:
    r"""Lion (Chen et al. 2023, arXiv:2302.06675), as ``optax.lion``.

    .. math::
        c_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        \theta_t = \theta_{t-1}
                   - \eta\,\big(\operatorname{sign}(c_t) + \lambda\theta_{t-1}\big),\quad
        m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t

    Every coordinate moves by exactly η (plus the decoupled decay ηλθ; sign(0) = 0), and the
    only state is :math:`m`. optax spells β1, β2 as ``b1, b2`` and ``learning_rate`` has no
    default there; ``lr=1e-4`` is the paper's and lion-pytorch's suggestion (3–10× smaller than
    AdamW's), ``weight_decay=1e-3`` is optax's default. Like optax, λ is multiplied by η.
    """
    _check("lion", lr=(lr, 0, None, False), beta1=(beta1, 0, 1, True),
           beta2=(beta2, 0, 1, True), weight_decay=(weight_decay, 0, None, False))

    def init(params):
        return LionState(0, np.zeros(np.shape(params)))

    def update(grad, state, params, objective=None):
        g = _asarray(grad)
        c = (1.0 - beta1) * g + beta1 * state.exp_avg
        step = _lr(lr, state.count) * (np.sign(c) + weight_decay * params)
        m = (1.0 - beta2) * g + beta2 * state.exp_avg
        return params - step, LionState(state.count + 1, m)

    hyper = dict(lr=lr, beta1=beta1, beta2=beta2, weight_decay=weight_decay)
    return Optimizer(init, update, "lion", hyper)

