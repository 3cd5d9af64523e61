"""First-order methods of 01_basics: SGD (plain, heavy ball, Nesterov), AdaGrad, RMSprop,
AdaDelta, Adam/AMSGrad — each as its torch.optim counterpart."""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._core import Optimizer, _check, _coupled, _lr, alias, register

__all__ = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam"]


# ------------------------------------------------------------------ SGD family
class SGDState(NamedTuple):
    count: int
    momentum_buffer: np.ndarray | None


@register("sgd")
def sgd(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False) -> Optimizer:
    r"""Stochastic gradient descent with optional momentum, as ``torch.optim.SGD``.

    .. math::
        g_t = \nabla f(\theta_{t-1}) + \lambda\theta_{t-1},\quad
        b_t = \beta b_{t-1} + (1-\text{dampening})\, g_t\ (b_1 = g_1),\quad
        \theta_t = \theta_{t-1} - \eta\,(g_t + \beta b_t \text{ if nesterov else } b_t)

    with :math:`\beta` = ``momentum`` and :math:`\lambda` = ``weight_decay``.

    With ``momentum=0`` this is plain gradient descent :math:`\theta \leftarrow \theta - \eta g`
    (Cauchy 1847; Robbins & Monro 1951). Reference: torch.optim.SGD.
    """
    _check("sgd", lr=(lr, 0, None, False), momentum=(momentum, 0, None, False),
           dampening=(dampening, 0, 1, True), weight_decay=(weight_decay, 0, None, False))
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("sgd: invalid nesterov=True; Nesterov momentum requires momentum > 0 "
                         "and dampening = 0")

    def init(params):
        return SGDState(0, None)

    def update(grad, state, params, objective=None):
        g = _coupled(grad, params, weight_decay)
        buf = state.momentum_buffer
        step = g
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            step = g + momentum * buf if nesterov else buf
        return params - _lr(lr, state.count) * step, SGDState(state.count + 1, buf)

    hyper = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                 nesterov=nesterov)
    return Optimizer(init, update, "sgd", hyper)


@register("momentum")
def momentum(lr=1e-3, momentum=0.9, dampening=0.0, weight_decay=0.0) -> Optimizer:
    r"""Heavy-ball momentum (Polyak 1964): ``sgd(momentum=0.9)``.

    Difference from torch: torch has no default momentum (0); here it is 0.9.
    """
    opt = sgd(lr, momentum, dampening, weight_decay, nesterov=False)
    hyper = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay)
    return opt._replace(name="momentum", hyper=hyper)


@register("nesterov")
def nesterov(lr=1e-3, momentum=0.9, weight_decay=0.0) -> Optimizer:
    r"""Nesterov's accelerated gradient in torch's re-parameterized form,
    :math:`\theta \leftarrow \theta - \eta(g + \beta b)` (Nesterov 1983; Sutskever et al. 2013).

    Difference from torch: the default momentum is 0.9 instead of 0 (which torch rejects).
    """
    opt = sgd(lr, momentum, 0.0, weight_decay, nesterov=True)
    return opt._replace(name="nesterov", hyper=dict(lr=lr, momentum=momentum,
                                                     weight_decay=weight_decay))


# ------------------------------------------------------------------ adaptive
class AdagradState(NamedTuple):
    count: int
    sum: np.ndarray


@register("adagrad")
def adagrad(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
            eps=1e-10) -> Optimizer:
    r"""AdaGrad (Duchi, Hazan & Singer 2011), as ``torch.optim.Adagrad``.

    .. math::
        s_t = s_{t-1} + g_t^2,\quad
        \theta_t = \theta_{t-1} - \frac{\eta}{1 + (t-1)\,\text{lr\_decay}}\,
                   \frac{g_t}{\sqrt{s_t} + \epsilon}
    """
    _check("adagrad", lr=(lr, 0, None, False), lr_decay=(lr_decay, 0, None, False),
           weight_decay=(weight_decay, 0, None, False),
           initial_accumulator_value=(initial_accumulator_value, 0, None, False),
           eps=(eps, 0, None, False))

    def init(params):
        return AdagradState(0, np.full(np.shape(params), float(initial_accumulator_value)))

    def update(grad, state, params, objective=None):
        g = _coupled(grad, params, weight_decay)
        s = state.sum + g * g
        clr = _lr(lr, state.count) / (1 + state.count * lr_decay)
        return params - clr * (g / (np.sqrt(s) + eps)), AdagradState(state.count + 1, s)

    hyper = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                 initial_accumulator_value=initial_accumulator_value, eps=eps)
    return Optimizer(init, update, "adagrad", hyper)


class RMSpropState(NamedTuple):
    count: int
    square_avg: np.ndarray
    grad_avg: np.ndarray | None
    momentum_buffer: np.ndarray | None


@register("rmsprop")
def rmsprop(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
            centered=False) -> Optimizer:
    r"""RMSprop (Hinton 2012), plain, centered (Graves 2013) or with momentum, as torch.

    .. math::
        v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\quad
        \bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t \ \text{(centered)},\quad
        d_t = \sqrt{v_t - \bar g_t^2} + \epsilon,\quad
        b_t = \beta b_{t-1} + g_t / d_t,\quad \theta_t = \theta_{t-1} - \eta b_t

    Without momentum :math:`\theta_t = \theta_{t-1} - \eta g_t / d_t`; :math:`\beta` is
    ``momentum``.

    ε sits outside the square root, as in torch (TensorFlow puts it inside).
    """
    _check("rmsprop", lr=(lr, 0, None, False), alpha=(alpha, 0, 1, True), eps=(eps, 0, None, False),
           weight_decay=(weight_decay, 0, None, False), momentum=(momentum, 0, None, False))

    def init(params):
        z = np.zeros(np.shape(params))
        return RMSpropState(0, z, z if centered else None, z if momentum > 0 else None)

    def update(grad, state, params, objective=None):
        g = _coupled(grad, params, weight_decay)
        v = alpha * state.square_avg + (1 - alpha) * g * g
        gbar = state.grad_avg
        if centered:
            gbar = gbar + (1 - alpha) * (g - gbar)
            d = np.sqrt(v - gbar * gbar) + eps
        else:
            d = np.sqrt(v) + eps
        buf = state.momentum_buffer
        if momentum > 0:
            buf = momentum * buf + g / d
            step = buf
        else:
            step = g / d
        return params - _lr(lr, state.count) * step, RMSpropState(state.count + 1, v, gbar, buf)

    hyper = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                 centered=centered)
    return Optimizer(init, update, "rmsprop", hyper)


class AdadeltaState(NamedTuple):
    count: int
    square_avg: np.ndarray
    acc_delta: np.ndarray


@register("adadelta")
def adadelta(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0) -> Optimizer:
    r"""AdaDelta (Zeiler 2012, arXiv:1212.5701), as ``torch.optim.Adadelta``.

    .. math::
        v_t = \rho v_{t-1} + (1-\rho) g_t^2,\quad
        \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t,\quad
        u_t = \rho u_{t-1} + (1-\rho) \Delta_t^2,\quad
        \theta_t = \theta_{t-1} - \eta \Delta_t

    with :math:`v` = ``square_avg``, :math:`u` = ``acc_delta`` and L2 ``weight_decay``
    :math:`\lambda` added to the gradient. The ratio of two RMS values gives the step the
    units of θ, so Zeiler's rule has no learning rate (``lr=1``); ε sits inside both
    square roots. Reference: torch.optim.Adadelta.

    Parameters
    ----------
    lr : float or schedule, η, a multiplier on Zeiler's unit-correct step (1 in the paper)
    rho : float in [0, 1], decay rate ρ of both running averages
    eps : float ≥ 0, ε inside the square roots; it also sets the size of the first steps
    weight_decay : float ≥ 0, L2 penalty λ added to the gradient (coupled)
    """
    _check("adadelta", lr=(lr, 0, None, False), rho=(rho, 0, 1, True), eps=(eps, 0, None, False),
           weight_decay=(weight_decay, 0, None, False))

    def init(params):
        z = np.zeros(np.shape(params))
        return AdadeltaState(0, z, z)

    def update(grad, state, params, objective=None):
        g = _coupled(grad, params, weight_decay)
        v = rho * state.square_avg + (1 - rho) * g * g
        delta = np.sqrt(state.acc_delta + eps) / np.sqrt(v + eps) * g
        u = rho * state.acc_delta + (1 - rho) * delta * delta
        return (params - _lr(lr, state.count) * delta,
                AdadeltaState(state.count + 1, v, u))

    return Optimizer(init, update, "adadelta",
                     dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))


class AdamState(NamedTuple):
    count: int
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray
    max_exp_avg_sq: np.ndarray | None


@register("adam")
def adam(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
         amsgrad=False) -> Optimizer:
    r"""Adam (Kingma & Ba 2015, arXiv:1412.6980) and AMSGrad (Reddi et al. 2018), as torch.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
        \theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\,
                   \frac{m_t}{\sqrt{\hat v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    with :math:`\hat v_t = v_t`, or :math:`\max(\hat v_{t-1}, v_t)` for AMSGrad; L2
    ``weight_decay`` λ is added to the gradient (coupled). Differences from torch:
    ``betas=(b1, b2)`` is spelled ``beta1, beta2``; torch's ``decoupled_weight_decay=True``
    is :func:`helpers.optimizers.adamw`.
    """
    return _adam("adam", lr, beta1, beta2, eps, weight_decay, amsgrad, decoupled=False)


def _adam(name, lr, beta1, beta2, eps, weight_decay, amsgrad, decoupled):
    """Adam's update; ``decoupled`` multiplies θ by 1 − ηλ before the step instead of adding
    λθ to the gradient (torch's ``decoupled_weight_decay``, i.e. AdamW)."""
    _check(name, lr=(lr, 0, None, False), beta1=(beta1, 0, 1, False),
           beta2=(beta2, 0, 1, False), eps=(eps, 0, None, False),
           weight_decay=(weight_decay, 0, None, False))

    def init(params):
        z = np.zeros(np.shape(params))
        return AdamState(0, z, z, z if amsgrad else None)

    def update(grad, state, params, objective=None):
        eta, t = _lr(lr, state.count), state.count + 1
        if decoupled:
            g = np.asarray(grad, dtype=float)
            params = params * (1 - eta * weight_decay) if weight_decay else params
        else:
            g = _coupled(grad, params, weight_decay)
        m = state.exp_avg + (1 - beta1) * (g - state.exp_avg)
        v = beta2 * state.exp_avg_sq + (1 - beta2) * g * g
        vmax = np.maximum(state.max_exp_avg_sq, v) if amsgrad else None
        denom = np.sqrt(vmax if amsgrad else v) / math.sqrt(1 - beta2**t) + eps
        step_size = eta / (1 - beta1**t)
        return params - step_size * (m / denom), AdamState(t, m, v, vmax)

    hyper = dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                 amsgrad=amsgrad)
    return Optimizer(init, update, name, hyper)


alias("gd", "sgd")
alias("heavy_ball", "momentum")
alias("nag", "nesterov")
alias("amsgrad", "adam", amsgrad=True)
