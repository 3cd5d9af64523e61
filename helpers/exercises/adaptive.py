"""Exercise checks for 01_basics/03_adaptive_methods_adagrad_adam."""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from .. import objectives
from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_adam_update", "check_adagrad_distance", "check_half_step_gradient"]


def check_adam_update(adam_update):
    """Exercise: one Adam step ``adam_update(g, m, v, t, eta, beta1, beta2, eps) -> (delta, m, v)``
    with ``θ_t = θ_{t-1} − delta``; compared with :func:`helpers.optimizers.adam` along random
    gradient sequences (moments, bias correction, ε after the correction as in torch)."""
    from ..optimizers import adam

    rng = np.random.default_rng(3)
    for eta, beta1, beta2, eps in ((1e-2, 0.9, 0.999, 1e-8), (0.1, 0.5, 0.9, 1e-3),
                                   (0.05, 0.0, 0.99, 1e-6)):
        opt = adam(lr=eta, beta1=beta1, beta2=beta2, eps=eps)
        theta = np.zeros(3)
        state = opt.init(theta)
        m = v = np.zeros(3)
        for t in range(1, 8):
            g = rng.standard_normal(3) * np.array([1.0, 1e-3, 1e-6])
            answer = adam_update(g, m, v, t, eta, beta1, beta2, eps)
            if not _attempted(answer, "adam_update"):
                return None
            delta, m, v = (np.asarray(a, dtype=float) for a in answer)
            new_theta, state = opt.update(g, state, theta)
            np.testing.assert_allclose(
                theta - delta, new_theta, rtol=1e-9, atol=1e-15,
                err_msg=f"step t={t} (β1={beta1}, β2={beta2}, ε={eps}) differs from Adam's: "
                        "bias-correct m and v by 1 − β^t, then divide by √v̂ + ε")
            theta = new_theta
    return _report("adam_update")


def check_adagrad_distance(adagrad_distance):
    """Exercise: distance travelled by AdaGrad (ε = 0) after ``T`` steps of a constant gradient
    ``g``; checked against AdaGrad runs on the linear function ``g·θ``."""
    from ..optimizers import adagrad
    from ..runner import run

    theta = sp.Symbol("theta", real=True)
    for g, eta, T in ((2.0, 0.1, 10), (-0.003, 0.5, 37), (50.0, 1e-2, 400)):
        answer = adagrad_distance(g, eta, T)
        if not _attempted(answer, "adagrad_distance"):
            return None
        line = objectives.from_expr(sp.nsimplify(g) * theta, (theta,), name="line")
        xs = run(adagrad(lr=eta, eps=0.0), line, steps=T).xs
        measured = abs(xs[-1, 0] - xs[0, 0])
        assert math.isclose(float(answer), measured, rel_tol=1e-9), (
            f"g={g}, η={eta}, T={T}: you said {answer:.6g}, AdaGrad moved {measured:.6g}; "
            "the t-th step is η|g|/√(t g²)")
    return _report("adagrad_distance")


def check_half_step_gradient(half_step_gradient):
    """Exercise: the gradient size below which ε-inside RMSprop (steady state, v = g²) takes
    a step shorter than η/2, i.e. the root of |g|/√(g² + ε) = ½, for several ε."""
    for eps in (1e-10, 1e-7, 1e-3):
        answer = half_step_gradient(eps)
        if not _attempted(answer, "half_step_gradient"):
            return None
        g = float(answer)
        ratio = abs(g) / math.sqrt(g * g + eps)          # step / η at that gradient
        assert g > 0 and math.isclose(ratio, 0.5, rel_tol=1e-9), (
            f"ε={eps:g}: at |g| = {g:.4g} the step is {ratio:.4g} η, not η/2")
    return _report("half_step_gradient")
