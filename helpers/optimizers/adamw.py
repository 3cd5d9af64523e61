"""AdamW: Adam with decoupled weight decay (02_sota_optimizers/01), as ``torch.optim.AdamW``."""
from __future__ import annotations

from ._core import Optimizer, register
from .basics import _adam

__all__ = ["adamw"]


@register("adamw")
def adamw(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2,
          amsgrad=False) -> Optimizer:
    r"""AdamW (Loshchilov & Hutter 2019, arXiv:1711.05101), as ``torch.optim.AdamW``.

    The weight decay shrinks the parameters directly, *before* the Adam step and outside
    the moment estimates (which see the loss gradient only):

    .. math::
        \theta' = \theta_{t-1}(1 - \eta_k\lambda),\quad
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
        \theta_t = \theta' - \frac{\eta_k}{1-\beta_1^t}\,
                   \frac{m_t}{\sqrt{\hat v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    with :math:`g_t = \nabla f(\theta_{t-1})` (taken before the decay), :math:`\hat v_t = v_t`,
    or :math:`\max(\hat v_{t-1}, v_t)` for AMSGrad, and :math:`\eta_k` the (scheduled)
    learning rate of step :math:`k = t-1`. This is torch's order (``param.mul_(1 - lr *
    weight_decay)`` in ``torch/optim/adam.py`` with ``decoupled_weight_decay=True``).

    The paper writes :math:`\theta_t = \theta_{t-1} - \eta_t(\alpha\,\hat m_t/(\sqrt{\hat v_t}
    + \epsilon) + \lambda_{\text{paper}}\theta_{t-1})` with a schedule multiplier
    :math:`\eta_t` and a separate step size :math:`\alpha`; torch's ``lr`` is
    :math:`\eta_t\alpha`, so :math:`\lambda = \lambda_{\text{paper}}/\alpha`.

    Parameters
    ----------
    lr : float or schedule, η (torch's default 1e-3)
    beta1, beta2 : floats in [0, 1), decay rates of the first and second moment estimates
    eps : float ≥ 0, ε added to the bias-corrected :math:`\sqrt{\hat v_t}`
    weight_decay : float ≥ 0, decoupled decay λ: each step multiplies θ by 1 − ηλ
        (torch's default 1e-2, where Adam's L2 default is 0)
    amsgrad : bool, divide by the running maximum of :math:`v_t` (Reddi et al. 2018)

    Differences from torch: ``betas=(b1, b2)`` is spelled ``beta1, beta2``.
    """
    return _adam("adamw", lr, beta1, beta2, eps, weight_decay, amsgrad, decoupled=True)
