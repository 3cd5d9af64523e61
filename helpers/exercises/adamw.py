"""Exercise checks for 02_sota_optimizers/01_adamw_and_decoupled_weight_decay."""
from __future__ import annotations

import numpy as np
import sympy as sp

from .. import objectives
from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_adamw_update", "check_torch_hyper", "check_box_limit"]


def check_adamw_update(adamw_update):
    """Exercise: one AdamW step ``adamw_update(theta, g, m, v, t, eta, beta1, beta2, eps,
    weight_decay) -> (theta, m, v)`` in torch's order (decay θ(1 − ηλ) first, moments of the
    loss gradient only); compared with :func:`helpers.optimizers.adamw` on random gradients."""
    from ..optimizers import adamw

    rng = np.random.default_rng(5)
    for eta, beta1, beta2, eps, lam in ((1e-2, 0.9, 0.999, 1e-8, 0.1), (0.1, 0.5, 0.9, 1e-3, 2.0),
                                        (0.05, 0.0, 0.99, 1e-6, 0.5)):
        opt = adamw(lr=eta, beta1=beta1, beta2=beta2, eps=eps, weight_decay=lam)
        theta = rng.standard_normal(3) * 5
        state = opt.init(theta)
        m = v = np.zeros(3)
        for t in range(1, 8):
            g = rng.standard_normal(3) * np.array([1.0, 1e-2, 1e-4])
            answer = adamw_update(theta.copy(), g, m, v, t, eta, beta1, beta2, eps, lam)
            if not _attempted(answer, "adamw_update"):
                return None
            mine, m, v = (np.asarray(a, dtype=float) for a in answer)
            theta, state = opt.update(g, state, theta)
            np.testing.assert_allclose(
                mine, theta, rtol=1e-9, atol=1e-14,
                err_msg=f"step t={t} (λ={lam}, β1={beta1}, β2={beta2}) differs from AdamW's: "
                        "shrink θ by (1 − ηλ) first, keep λθ out of m and v, then take Adam's step")
    return _report("adamw_update")


def check_torch_hyper(torch_hyper):
    """Exercise: ``torch_hyper(alpha, lambda_paper, eta_t) -> (lr, weight_decay)`` maps the
    paper's step (schedule multiplier η_t, step size α, decay λ) to ``torch.optim.AdamW``'s
    arguments at that step; checked by comparing one step of each form."""
    from ..optimizers import adamw

    rng = np.random.default_rng(11)
    for alpha, lam_p, eta_t in ((1e-3, 1e-4, 1.0), (3e-2, 0.05, 0.5), (0.1, 0.025, 0.013)):
        answer = torch_hyper(alpha, lam_p, eta_t)
        if not _attempted(answer, "torch_hyper"):
            return None
        lr, wd = (float(a) for a in answer)
        theta, g = rng.standard_normal(4), rng.standard_normal(4)
        opt = adamw(lr=lr, weight_decay=wd)
        mine = opt.update(g, opt.init(theta), theta)[0]
        u = g / (np.abs(g) + 1e-8)                         # Adam's first normalized step m̂/(√v̂+ε)
        paper = theta - eta_t * (alpha * u + lam_p * theta)
        np.testing.assert_allclose(
            mine, paper, rtol=1e-9, atol=1e-14,
            err_msg=f"α={alpha}, λ={lam_p}, η_t={eta_t}: your (lr={lr:.4g}, weight_decay={wd:.4g}) "
                    "does not reproduce the paper's step; torch multiplies the decay by lr too")
    return _report("torch_hyper")


def check_box_limit(box_limit):
    """Exercise: where full-batch AdamW ends on ``f = Σ ½ a_i (θ_i − c_i)²``:
    ``box_limit(a, c, weight_decay) -> θ∞``; compared with long AdamW runs (β2 = 0.9)."""
    from ..optimizers import adamw
    from ..runner import run

    t1, t2 = sp.symbols("theta1 theta2", real=True)
    for a, c, lam in (((1.0, 0.05), (3.0, 3.0), 0.5), ((0.2, 4.0), (-1.5, 0.4), 1.0),
                      ((2.0, 2.0), (-4.0, 0.5), 0.4)):
        answer = box_limit(np.array(a), np.array(c), lam)
        if not _attempted(answer, "box_limit"):
            return None
        expr = sum(sp.nsimplify(ai) / 2 * (ti - sp.nsimplify(ci)) ** 2
                   for ai, ci, ti in zip(a, c, (t1, t2)))
        f = objectives.from_expr(expr, (t1, t2), name="separable", polish=False)
        end = run(adamw(lr=0.02, beta2=0.9, weight_decay=lam), f, np.zeros(2), 3000).xs[-1]
        assert np.allclose(np.asarray(answer, dtype=float), end, atol=2e-3), (
            f"a={a}, c={c}, λ={lam}: you said {np.round(answer, 4)}, AdamW ended at "
            f"{np.round(end, 4)}; where can the decay −ηλθ balance a normalized step of size η?")
    return _report("box_limit")
