"""Exercise checks for 02_sota_optimizers/03_lion_and_adamx."""
from __future__ import annotations

import math

import numpy as np

from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_lion_update", "check_lion_weight_decay", "check_nadam_mu"]


def check_lion_update(lion_update):
    """Exercise: one Lion step ``lion_update(theta, g, m, eta, beta1, beta2, weight_decay)
    -> (theta, m)``, compared with :func:`helpers.optimizers.lion` (as ``optax.lion``) along
    random gradient sequences."""
    from ..optimizers import lion

    rng = np.random.default_rng(5)
    for eta, beta1, beta2, wd in ((1e-2, 0.9, 0.99, 0.0), (0.1, 0.5, 0.9, 0.3),
                                  (3e-3, 0.0, 0.999, 1.0)):
        opt = lion(lr=eta, beta1=beta1, beta2=beta2, weight_decay=wd)
        theta = rng.standard_normal(4)
        state, m = opt.init(theta), np.zeros(4)
        for t in range(1, 9):
            g = rng.standard_normal(4)
            answer = lion_update(theta.copy(), g, m.copy(), eta, beta1, beta2, wd)
            if not _attempted(answer, "lion_update"):
                return None
            mine, m = (np.asarray(a, dtype=float) for a in answer)
            theta, state = opt.update(g, state, theta)
            np.testing.assert_allclose(
                mine, theta, rtol=1e-12, atol=1e-15,
                err_msg=f"step t={t} (β1={beta1}, β2={beta2}, λ={wd}): the step is "
                        "η(sign(β1 m + (1 − β1) g) + λθ), with the OLD θ and the OLD m")
            np.testing.assert_allclose(m, state.exp_avg, rtol=1e-12, atol=1e-15,
                                       err_msg=f"step t={t}: the momentum is β2 m + (1 − β2) g")
    return _report("lion_update")


def check_lion_weight_decay(lion_weight_decay):
    """Exercise: Lion's weight decay that shrinks θ as fast per step as AdamW's (decoupled)
    ``wd_adamw`` at ``eta_adamw``, when Lion runs at ``eta_lion``; checked by running both
    optimizers on a zero gradient."""
    from ..optimizers import adamw, lion

    for eta_a, wd_a, eta_l in ((1e-3, 1e-2, 1e-4), (3e-3, 0.1, 1e-3), (1e-2, 5e-2, 1e-2)):
        answer = lion_weight_decay(eta_a, wd_a, eta_l)
        if not _attempted(answer, "lion_weight_decay"):
            return None
        theta0, zero = np.ones(2), np.zeros(2)
        a_opt = adamw(lr=eta_a, weight_decay=wd_a)
        l_opt = lion(lr=eta_l, weight_decay=float(answer))
        a_theta, _ = a_opt.update(zero, a_opt.init(theta0), theta0)
        l_theta, _ = l_opt.update(zero, l_opt.init(theta0), theta0)
        assert math.isclose(a_theta[0], l_theta[0], rel_tol=1e-12), (
            f"η_AdamW={eta_a}, λ_AdamW={wd_a}, η_Lion={eta_l}: λ={answer!r} shrinks θ to "
            f"{l_theta[0]:.8f} per step, AdamW to {a_theta[0]:.8f}; keep the product ηλ")
    return _report("lion_weight_decay")


def check_nadam_mu(nadam_mu):
    """Exercise: torch's NAdam momentum schedule μ_t, recovered from the running product
    that :func:`helpers.optimizers.nadam` keeps in its state."""
    from ..optimizers import nadam

    for beta1, psi in ((0.9, 4e-3), (0.95, 0.5), (0.8, 2.0)):
        opt = nadam(beta1=beta1, momentum_decay=psi)
        state, prev = opt.init(np.zeros(1)), 1.0
        for t in range(1, 31):
            _, state = opt.update(np.ones(1), state, np.zeros(1))
            expected, prev = state.mu_product / prev, state.mu_product
            answer = nadam_mu(t, beta1, psi)
            if not _attempted(answer, "nadam_mu"):
                return None
            assert math.isclose(float(answer), expected, rel_tol=1e-9), (
                f"t={t}, β1={beta1}, ψ={psi}: you said {float(answer):.6g}, torch's μ_t is "
                f"{expected:.6g}")
    return _report("nadam_mu")
