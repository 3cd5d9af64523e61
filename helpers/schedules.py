r"""Learning-rate schedules: small pure functions of the 0-based step index ``k``.

Pass one as ``lr`` to any optimizer: ``optimizers.sgd(lr=schedules.cosine(0.1, 500))``.
Step ``k`` uses ``lr(k)``, as torch's optimizer does between the ``k``-th call of
``scheduler.step()`` and the next one. Each factory states its formula, the
``torch.optim.lr_scheduler`` class it reproduces (checked against recorded torch
traces in ``tests/test_schedules.py``) and every deliberate difference. Finite-horizon
schedules hold their final value after the horizon instead of cycling or raising.
"""
from __future__ import annotations

import math

__all__ = ["constant", "linear_decay", "step_decay", "exponential", "cosine", "warmup_cosine",
           "one_cycle", "inverse_sqrt"]


def _positive(name, value):
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")


def _count(name, value, low=1):
    if isinstance(value, bool) or int(value) != value or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _factor(name, value, low_inclusive=False):
    ok = (0 <= value <= 1) if low_inclusive else (0 < value <= 1)
    if not ok:
        raise ValueError(f"{name} must be in {'[' if low_inclusive else '('}0, 1], got {value!r}")


def constant(lr):
    r"""Constant learning rate, :math:`\eta_k = \eta_0`.

    torch: no scheduler (or ``LambdaLR(lambda k: 1.0)``).
    """
    _positive("lr", lr)
    return lambda k: lr


def linear_decay(lr, tau, final_lr=0.0):
    r"""Linear decay to ``final_lr`` at step ``tau``, constant afterwards (Goodfellow et al.
    2016, §8.3.1).

    .. math:: \eta_k = (1-\alpha)\,\eta_0 + \alpha\,\eta_\tau,\qquad \alpha = \min(k/\tau, 1)

    With ``final_lr = 0`` this is :math:`\eta_k = \eta_0 (1 - k/\tau)`.
    torch: ``LinearLR(start_factor=1, end_factor=final_lr/lr, total_iters=tau)``.
    """
    _positive("lr", lr)
    _positive("tau", tau)
    if final_lr < 0:
        raise ValueError(f"final_lr must be >= 0, got {final_lr!r}")

    def schedule(k):
        a = min(k / tau, 1.0)
        return (1 - a) * lr + a * final_lr
    return schedule


def step_decay(lr, step_size, gamma=0.1):
    r"""Multiply the rate by ``gamma`` every ``step_size`` steps.

    .. math:: \eta_k = \eta_0\,\gamma^{\lfloor k / s \rfloor}

    with :math:`s` = ``step_size``. torch: ``StepLR(step_size, gamma)`` (which multiplies
    recursively; the two agree to a few ulps per decay).
    """
    _positive("lr", lr)
    step_size = _count("step_size", step_size)
    _factor("gamma", gamma)
    return lambda k: lr * gamma ** (k // step_size)


def exponential(lr, gamma):
    r"""Exponential decay by ``gamma`` every step.

    .. math:: \eta_k = \eta_0\,\gamma^{k}

    torch: ``ExponentialLR(gamma)`` (recursive: :math:`\eta_k = \gamma\,\eta_{k-1}`). Here
    ``gamma`` must lie in (0, 1]; torch accepts any value.
    """
    _positive("lr", lr)
    _factor("gamma", gamma)
    return lambda k: lr * gamma ** k


def cosine(lr, T_max, eta_min=0.0):
    r"""Cosine annealing from ``lr`` to ``eta_min`` over ``T_max`` steps (Loshchilov & Hutter
    2017, one cycle of SGDR without restarts).

    .. math:: \eta_k = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})
              \bigl(1 + \cos(\pi k / T_{\max})\bigr), \quad 0 \le k \le T_{\max},

    and :math:`\eta_k = \eta_{\min}` for :math:`k \ge T_{\max}`. torch: ``CosineAnnealingLR(
    T_max, eta_min)``, which updates recursively by the ratio
    :math:`(1+\cos\frac{\pi k}{T})/(1+\cos\frac{\pi(k-1)}{T})` (equal in exact arithmetic) and,
    unlike this function, keeps following the cosine back up after ``T_max``.
    """
    _positive("lr", lr)
    T_max = _count("T_max", T_max)
    if not 0 <= eta_min <= lr:
        raise ValueError(f"eta_min must be in [0, lr={lr!r}], got {eta_min!r}")

    def schedule(k):
        if k >= T_max:
            return eta_min
        return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * k / T_max)) / 2
    return schedule


def warmup_cosine(lr, warmup, total, start_factor=0.1, eta_min=0.0):
    r"""Linear warm-up for ``warmup`` steps (Goyal et al. 2017), then cosine annealing to
    ``eta_min`` at step ``total``.

    .. math::
        \eta_k = \begin{cases}
        \eta_0\bigl(s + (1-s)\,k/W\bigr), & k < W,\\
        \eta_{\min} + \tfrac12(\eta_0-\eta_{\min})\bigl(1+\cos\frac{\pi (k-W)}{T-W}\bigr),
        & W \le k \le T,\end{cases}

    with :math:`s` = ``start_factor``, :math:`W` = ``warmup``, :math:`T` = ``total``, and
    :math:`\eta_{\min}` after ``total``. torch: ``SequentialLR([LinearLR(start_factor=s,
    end_factor=1, total_iters=W), CosineAnnealingLR(T_max=T-W, eta_min)], milestones=[W])``.
    ``warmup=0`` is plain :func:`cosine`.
    """
    _positive("lr", lr)
    warmup = _count("warmup", warmup, low=0)
    total = _count("total", total)
    if total <= warmup:
        raise ValueError(f"total must be > warmup={warmup}, got {total!r}")
    _factor("start_factor", start_factor)
    decay = cosine(lr, total - warmup, eta_min)

    def schedule(k):
        if k < warmup:
            return lr * (start_factor + (1 - start_factor) * k / warmup)
        return decay(k - warmup)
    return schedule


def one_cycle(max_lr, total_steps, pct_start=0.3, anneal_strategy="cos", div_factor=25.0,
              final_div_factor=1e4):
    r"""The 1cycle policy (Smith & Topin 2019) exactly as ``torch.optim.lr_scheduler.OneCycleLR``
    with ``three_phase=False``: up from :math:`\eta_{\text{init}}` to ``max_lr``, then down to
    :math:`\eta_{\text{final}}`, both with the same annealing curve.

    torch's conventions, followed to the bit:
    :math:`\eta_{\text{init}} = \eta_{\max}/\text{div\_factor}`,
    :math:`\eta_{\text{final}} = \eta_{\text{init}}/\text{final\_div\_factor}`, and the peak
    sits at the (float) step :math:`P = \text{pct\_start}\cdot T - 1`:

    .. math::
        \eta_k = \begin{cases}
        a\bigl(\eta_{\text{init}}, \eta_{\max}, k/P\bigr), & k \le P,\\
        a\bigl(\eta_{\max}, \eta_{\text{final}}, (k-P)/(T-1-P)\bigr), & P < k \le T-1,
        \end{cases}

    where :math:`a(u, v, p) = v + \tfrac12(u-v)(1+\cos\pi p)` for ``anneal_strategy="cos"``
    and :math:`a(u, v, p) = (v-u)p + u` for ``"linear"``. After step ``T - 1`` the rate stays
    at :math:`\eta_{\text{final}}` (torch raises after ``total_steps`` scheduler steps).
    Evaluated in torch's order of operations, so the linear anneal's last value is
    ``(min_lr - max_lr) * 1 + max_lr`` (``min_lr`` to rounding), as torch's is.
    Momentum cycling (torch's ``cycle_momentum``) is not part of a learning-rate schedule.
    """
    _positive("max_lr", max_lr)
    total_steps = _count("total_steps", total_steps, low=2)
    if not (0 < pct_start < 1 and pct_start * total_steps > 1):
        raise ValueError(f"pct_start must be in (0, 1) with pct_start * total_steps > 1, "
                         f"got {pct_start!r}")
    if anneal_strategy not in ("cos", "linear"):
        raise ValueError(f"anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
    _positive("div_factor", div_factor)
    _positive("final_div_factor", final_div_factor)
    initial_lr = max_lr / div_factor
    min_lr = initial_lr / final_div_factor
    peak = float(pct_start * total_steps) - 1      # torch's end_step of phase 1
    end = total_steps - 1

    def anneal(start, stop, pct):
        if anneal_strategy == "cos":
            return stop + (start - stop) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (stop - start) * pct + start

    def schedule(k):
        if k <= peak:
            return anneal(initial_lr, max_lr, k / peak)
        return anneal(max_lr, min_lr, min((k - peak) / (end - peak), 1.0))
    return schedule


def inverse_sqrt(lr, warmup=1):
    r"""Linear warm-up to ``lr`` at step ``warmup - 1``, then decay like :math:`1/\sqrt{k}`
    (Vaswani et al. 2017, normalised so that the peak is ``lr``).

    .. math:: \eta_k = \eta_0 \min\Bigl(\frac{k+1}{W},\ \sqrt{\frac{W}{k+1}}\Bigr)

    With the default ``warmup=1`` this is :math:`\eta_k = \eta_0/\sqrt{k+1}`. The paper's
    rate :math:`d^{-1/2}\min(s^{-1/2}, s\,W^{-3/2})` at step :math:`s = k+1` is this with
    :math:`\eta_0 = (dW)^{-1/2}`. torch has no class for it: ``LambdaLR(lambda k: min((k + 1)
    ** -0.5, (k + 1) * W ** -1.5) * W ** 0.5)``.
    """
    _positive("lr", lr)
    warmup = _count("warmup", warmup)
    return lambda k: lr * min((k + 1) / warmup, math.sqrt(warmup / (k + 1)))
