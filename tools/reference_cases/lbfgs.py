"""Reference cases for helpers/optimizers/quasi_newton.py: torch.optim.LBFGS, one iteration a step.

The recorder calls ``step()`` once per recorded iterate with the gradient already in
``p.grad``; torch's ``LBFGS.step`` needs a closure. :class:`LBFGS` (named as torch's, so the
stored call reads ``torch.optim.LBFGS(...)``) runs torch's own ``step`` with ``max_iter=1``
and ``line_search_fn=None`` and a closure that leaves ``p.grad`` as the recorder set it:
with those settings torch calls the closure exactly once per step (its first line) and never
reads the returned loss again (the loss-change test sits after the ``n_iter == max_iter``
exit), so each recorded step is exactly one L-BFGS iteration of torch's code. It also drops
the ``foreach`` argument, which LBFGS does not take.

The cases cover torch's first step ``min(1, 1/‖g‖₁)·lr``, the history shift (small
``history_size``), the curvature skip (``yᵀs ≤ 1e-10``: the pair is dropped and ``H_diag``
kept — tests/test_optimizers_quasi_newton.py checks that the himmelblau and six-hump cases
contain skips) and the ``tolerance_grad`` exit once converged.

torch's ``Tensor.add_(other, alpha=a)``, which L-BFGS uses for every ``θ + t·d`` and for the
two-loop updates, is a fused multiply-add on CPU (measured on torch 2.13: it always equals
the exactly rounded ``a·other + self``), while NumPy rounds ``a·other`` first. So a replay
differs from torch by about one rounding per step, which fixed-step L-BFGS amplifies on
Rosenbrock's valley (to ~1e-7 after 60 steps); the Rosenbrock cases stop at 20–30 steps,
where the deviation is still below 1e-11. The other problems agree to ≤ 1e-13 throughout.
"""
import torch

_MATRIX = dict(rows=4, cols=3, kappa=100.0)
# (id, helpers optimizer, helpers hyper, objective, objective kwargs, steps, schedule)
CASES = [
    ("lbfgs_rosenbrock", "lbfgs", dict(lr=1.0), "rosenbrock", {}, 20, None),
    ("lbfgs_rosenbrock_m3_lr05", "lbfgs", dict(lr=0.5, history_size=3), "rosenbrock", {}, 30,
     None),
    ("lbfgs_beale_m5", "lbfgs", dict(lr=0.5, history_size=5), "beale", {}, 60, None),
    ("lbfgs_himmelblau_skips", "lbfgs", dict(lr=0.5), "himmelblau", {}, 60, None),
    ("lbfgs_six_hump_camel_skips", "lbfgs", dict(lr=0.2, history_size=4), "six_hump_camel", {},
     60, None),
    ("lbfgs_rosenbrock_10d_m5", "lbfgs", dict(lr=0.5, history_size=5), "rosenbrock", dict(n=10),
     25, None),
    ("lbfgs_matrix_m3", "lbfgs", dict(lr=1.0, history_size=3, tolerance_grad=1e-5),
     "matrix_least_squares", _MATRIX, 40, None),
]


class LBFGS(torch.optim.LBFGS):
    """torch.optim.LBFGS whose ``step()`` needs no closure (see the module docstring)."""

    def __init__(self, params, foreach=None, **kw):
        super().__init__(params, **kw)

    def step(self, closure=None):
        group = self.param_groups[0]
        if group["max_iter"] != 1 or group["line_search_fn"] is not None:
            raise ValueError("the recorder replays LBFGS with max_iter=1, line_search_fn=None")
        return super().step(lambda: 0.0)      # the gradient is already in p.grad


def _lbfgs(h):
    if h["line_search_fn"] is not None:
        raise ValueError("torch traces are recorded with line_search_fn=None only")
    return LBFGS, dict(lr=h["lr"], max_iter=1, history_size=h["history_size"],
                       tolerance_grad=h["tolerance_grad"],
                       tolerance_change=h["tolerance_change"], line_search_fn=None)


# helpers optimizer name -> (complete helpers hyper-parameters -> (torch class, kwargs))
TORCH = {"lbfgs": _lbfgs}
