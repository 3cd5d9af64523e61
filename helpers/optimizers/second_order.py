"""Second-order methods: Newton's method (more in 04_curvature_aware_optimizers-2)."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._core import Optimizer, _asarray, _check, _lr, register

__all__ = ["newton"]

# ------------------------------------------------------------------ second order
class NewtonState(NamedTuple):
    count: int


@register("newton")
def newton(lr=1.0) -> Optimizer:
    r"""Newton's method, :math:`\theta \leftarrow \theta - \eta\, H(\theta)^{-1} g`.

    Plain: no damping, no line search, so on an indefinite Hessian it heads for the
    saddle or maximum just as readily as for a minimum. Needs ``objective.hess``;
    a singular Hessian raises ``numpy.linalg.LinAlgError`` (``helpers.run`` reports it).
    """
    _check("newton", lr=(lr, 0, None, False))

    def init(params):
        return NewtonState(0)

    def update(grad, state, params, objective=None):
        if objective is None or getattr(objective, "hess", None) is None:
            raise ValueError("newton: update needs the objective (for its Hessian)")
        step = np.linalg.solve(objective.hess(params), _asarray(grad))
        return params - _lr(lr, state.count) * step, NewtonState(state.count + 1)

    return Optimizer(init, update, "newton", dict(lr=lr))
