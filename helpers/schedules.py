r"""Learning-rate schedules: functions of the 0-based step index ``k``.

Pass one as ``lr`` to any optimizer: ``optimizers.sgd(lr=schedules.linear_decay(0.1, 500))``.
Step ``k`` uses ``lr(k)``, as torch's ``LambdaLR`` does before its ``k``-th ``step()``.
"""
from __future__ import annotations

__all__ = ["constant", "linear_decay"]


def _positive(name, value):
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")


def constant(lr):
    r""":math:`\eta_k = \eta_0`."""
    _positive("lr", lr)
    return lambda k: lr


def linear_decay(lr, tau, final_lr=0.0):
    r"""Linear decay to ``final_lr`` at step ``tau``, constant afterwards (Goodfellow et al.
    2016, §8.3.1): :math:`\eta_k = (1-\alpha)\eta_0 + \alpha\,\eta_\tau` with
    :math:`\alpha = \min(k/\tau, 1)`.

    With ``final_lr = 0`` this is :math:`\eta_k = \eta_0 (1 - k/\tau)`.
    """
    _positive("lr", lr)
    _positive("tau", tau)
    if final_lr < 0:
        raise ValueError(f"final_lr must be >= 0, got {final_lr!r}")

    def schedule(k):
        a = min(k / tau, 1.0)
        return (1 - a) * lr + a * final_lr
    return schedule
