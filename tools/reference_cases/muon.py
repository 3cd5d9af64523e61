"""Reference cases for helpers/optimizers/muon.py: torch.optim.Muon with Newton–Schulz in float64.

torch's ``_zeropower_via_newtonschulz`` casts the update to bfloat16 (``grad.bfloat16()``)
before iterating, which no float64 replay can match. For the recording, :class:`Muon`
(named as torch's, so the stored call reads ``torch.optim.Muon(...)``) runs torch's own
``step`` with that cast replaced by a float64 copy; nothing else of torch is changed.
It also drops the ``foreach`` argument, which Muon does not take.

``python tools/reference_cases/muon.py`` measures what the cast costs: every case run with
torch's bfloat16 Newton–Schulz against the same case in float64.
"""
import contextlib

import torch

_NS = (3.4445, -4.7750, 2.0315)
# (id, helpers optimizer, helpers hyper, objective, objective kwargs, steps, schedule)
_MATRIX = dict(rows=4, cols=3, kappa=100.0)   # one 4 × 3 problem; Muon may read θ in any shape
CASES = [
    ("muon_matrix_tall", "muon", dict(lr=0.05, shape=(4, 3)), "matrix_least_squares", _MATRIX,
     60, None),
    ("muon_matrix_wide_plain_momentum", "muon",
     dict(lr=0.03, shape=(3, 4), nesterov=False, momentum=0.9, weight_decay=0.01),
     "matrix_least_squares", _MATRIX, 60, None),
    ("muon_matrix_match_rms_adamw", "muon",
     dict(lr=0.02, shape=(6, 2), adjust_lr_fn="match_rms_adamw", weight_decay=0.0),
     "matrix_least_squares", _MATRIX, 60, None),
    ("muon_matrix_cubic_ns10_eps", "muon",
     dict(lr=0.05, shape=(2, 6), ns_coefficients=(1.5, -0.5, 0.0), ns_steps=10, eps=1e-3,
          momentum=0.8), "matrix_least_squares", _MATRIX, 60, None),
    ("muon_rosenbrock_column", "muon", dict(lr=0.02, shape=(2, 1), weight_decay=0.0),
     "rosenbrock", {}, 100, None),
]


@contextlib.contextmanager
def _float64_newton_schulz(enabled=True):
    """Make ``Tensor.bfloat16()`` a float64 copy while torch's Muon steps."""
    original = torch.Tensor.bfloat16
    if enabled:
        torch.Tensor.bfloat16 = lambda self, *a, **k: self.clone()
    try:
        yield
    finally:
        torch.Tensor.bfloat16 = original


class Muon(torch.optim.Muon):
    """torch.optim.Muon, stepping with Newton–Schulz in float64 (``bf16=False``)."""

    bf16 = False

    def __init__(self, params, foreach=None, **kw):
        super().__init__(params, **kw)

    def step(self, closure=None):
        with _float64_newton_schulz(not self.bf16):
            return super().step(closure)


def _muon(h):
    kw = {k: v for k, v in h.items() if k != "shape"}
    return Muon, dict(kw, ns_coefficients=tuple(h["ns_coefficients"]))


# helpers optimizer name -> (complete helpers hyper-parameters -> (torch class, kwargs))
TORCH = {"muon": _muon}


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import make_reference_traces as tool

    torch.set_default_dtype(torch.float64)
    for case in CASES:
        runs = []
        for bf16 in (False, True):
            tool.TORCH["muon"](tool.optimizers.muon().hyper)[0].bf16 = bf16   # the tool's Muon
            runs.append(np.array(tool.record(*case)["xs"]))
        step = np.abs(np.diff(runs[0], axis=0)).max()
        print(f"{case[0]:34s} max |θ_bf16 − θ_float64| = {np.abs(runs[1] - runs[0]).max():.2e} "
              f"(largest step {step:.2e})")
