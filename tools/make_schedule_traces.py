#!/usr/bin/env python3
"""Record torch.optim.lr_scheduler learning-rate sequences into
helpers/reference/torch_lr_scheduler.json.

Maintainers only: needs PyTorch (``pip install torch==2.13.0``, CPU). Each case builds an
SGD optimizer on one dummy float64 parameter, attaches torch's scheduler, and records the
learning rate every optimizer step uses: ``lr_k`` is ``param_groups[0]["lr"]`` before the
``k``-th ``optimizer.step()`` (then ``scheduler.step()``), for ``k = 0 … steps-1``. The
torch calls are written here from torch's documentation, independently of
``helpers.schedules``; the file also stores the torch and NumPy versions. Run from the
repository root:

    python tools/make_schedule_traces.py            # rewrite the file
    python tools/make_schedule_traces.py --check    # compare with the stored file
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import torch
from torch.optim import lr_scheduler as S

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "helpers" / "reference" / "torch_lr_scheduler.json"
sys.path.insert(0, str(ROOT / "tools"))
from _traces import parse_args, write_or_check  # noqa: E402


def _inverse_sqrt(W):
    # Vaswani et al. (2017), normalised to peak 1 at step s = W: min(s^-1/2, s W^-3/2) W^1/2
    return lambda k: min((k + 1) ** -0.5, (k + 1) * W ** -1.5) * W ** 0.5


def _warmup_cosine(opt, W, T, s, eta_min):
    return S.SequentialLR(opt, [S.LinearLR(opt, start_factor=s, end_factor=1.0, total_iters=W),
                                S.CosineAnnealingLR(opt, T_max=T - W, eta_min=eta_min)],
                          milestones=[W])


# (id, helpers schedule name or exercise name, its kwargs, lr, steps, torch scheduler | None,
#  the torch call as text)
CASES = [
    ("constant", "constant", dict(lr=0.1), 0.1, 50, None, "no scheduler"),
    ("linear_decay_to_zero", "linear_decay", dict(lr=0.1, tau=100), 0.1, 130,
     lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=100),
     "LinearLR(start_factor=1.0, end_factor=0.0, total_iters=100)"),
    ("linear_decay_final", "linear_decay", dict(lr=0.2, tau=60, final_lr=0.002), 0.2, 80,
     lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.01, total_iters=60),
     "LinearLR(start_factor=1.0, end_factor=0.01, total_iters=60)"),
    ("step_30_0.1", "step_decay", dict(lr=0.1, step_size=30, gamma=0.1), 0.1, 200,
     lambda o: S.StepLR(o, step_size=30, gamma=0.1), "StepLR(step_size=30, gamma=0.1)"),
    ("step_7_0.5", "step_decay", dict(lr=0.05, step_size=7, gamma=0.5), 0.05, 150,
     lambda o: S.StepLR(o, step_size=7, gamma=0.5), "StepLR(step_size=7, gamma=0.5)"),
    ("exponential_0.95", "exponential", dict(lr=0.1, gamma=0.95), 0.1, 300,
     lambda o: S.ExponentialLR(o, gamma=0.95), "ExponentialLR(gamma=0.95)"),
    ("exponential_0.999", "exponential", dict(lr=0.3, gamma=0.999), 0.3, 1000,
     lambda o: S.ExponentialLR(o, gamma=0.999), "ExponentialLR(gamma=0.999)"),
    ("cosine_100", "cosine", dict(lr=0.1, T_max=100), 0.1, 101,
     lambda o: S.CosineAnnealingLR(o, T_max=100), "CosineAnnealingLR(T_max=100)"),
    ("cosine_1000_eta_min", "cosine", dict(lr=0.5, T_max=1000, eta_min=1e-3), 0.5, 1001,
     lambda o: S.CosineAnnealingLR(o, T_max=1000, eta_min=1e-3),
     "CosineAnnealingLR(T_max=1000, eta_min=0.001)"),
    ("warmup_cosine_10_100", "warmup_cosine", dict(lr=0.1, warmup=10, total=100), 0.1, 101,
     lambda o: _warmup_cosine(o, 10, 100, 0.1, 0.0),
     "SequentialLR([LinearLR(start_factor=0.1, total_iters=10), CosineAnnealingLR(T_max=90)], "
     "milestones=[10])"),
    ("warmup_cosine_50_500_eta_min", "warmup_cosine",
     dict(lr=0.4, warmup=50, total=500, start_factor=0.01, eta_min=1e-4), 0.4, 501,
     lambda o: _warmup_cosine(o, 50, 500, 0.01, 1e-4),
     "SequentialLR([LinearLR(start_factor=0.01, total_iters=50), "
     "CosineAnnealingLR(T_max=450, eta_min=0.0001)], milestones=[50])"),
    ("one_cycle_cos", "one_cycle", dict(max_lr=0.5, total_steps=100), 0.5, 100,
     lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=100, cycle_momentum=False),
     "OneCycleLR(max_lr=0.5, total_steps=100)"),
    ("one_cycle_linear", "one_cycle",
     dict(max_lr=1.0, total_steps=300, pct_start=0.25, anneal_strategy="linear"), 1.0, 300,
     lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=300, pct_start=0.25,
                            anneal_strategy="linear", cycle_momentum=False),
     "OneCycleLR(max_lr=1.0, total_steps=300, pct_start=0.25, anneal_strategy='linear')"),
    ("one_cycle_cos_odd", "one_cycle",
     dict(max_lr=0.3, total_steps=77, pct_start=0.33, div_factor=10.0, final_div_factor=100.0),
     0.3, 77,
     lambda o: S.OneCycleLR(o, max_lr=0.3, total_steps=77, pct_start=0.33, div_factor=10.0,
                            final_div_factor=100.0, cycle_momentum=False),
     "OneCycleLR(max_lr=0.3, total_steps=77, pct_start=0.33, div_factor=10.0, "
     "final_div_factor=100.0)"),
    ("inverse_sqrt", "inverse_sqrt", dict(lr=0.1), 0.1, 500,
     lambda o: S.LambdaLR(o, _inverse_sqrt(1)), "LambdaLR(lambda k: (k + 1) ** -0.5)"),
    ("inverse_sqrt_warmup", "inverse_sqrt", dict(lr=0.2, warmup=40), 0.2, 400,
     lambda o: S.LambdaLR(o, _inverse_sqrt(40)),
     "LambdaLR(lambda k: min((k + 1) ** -0.5, (k + 1) * 40 ** -1.5) * 40 ** 0.5)"),
    # the exercise of 01_basics/04: SGDR's warm restarts (no helpers function on purpose)
    ("sgdr_exercise", "sgdr", dict(lr=0.1, T_0=10, T_mult=2, eta_min=1e-3), 0.1, 150,
     lambda o: S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=1e-3),
     "CosineAnnealingWarmRestarts(T_0=10, T_mult=2, eta_min=0.001)"),
]


def record(case_id, name, kwargs, lr, steps, make, text):
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    sched = make(opt) if make else None
    lrs = []
    for _ in range(steps):
        lrs.append(float(opt.param_groups[0]["lr"]))
        opt.step()                  # no gradient: nothing moves, but the order is torch's
        if sched:
            sched.step()
    if not all(math.isfinite(v) and v >= 0 for v in lrs):
        raise RuntimeError(f"{case_id}: a non-finite or negative learning rate")
    return dict(id=case_id, schedule=name, kwargs=kwargs, steps=steps,
                reference=f"torch.optim.SGD(lr={lr!r}) + torch.optim.lr_scheduler.{text}"
                if make else f"torch.optim.SGD(lr={lr!r}), {text}", lrs=lrs)


def main():
    args = parse_args(__doc__)
    versions = {"torch": torch.__version__.split("+")[0], "numpy": np.__version__}
    worst = write_or_check(OUT, "torch", versions, [record(*c) for c in CASES], args.check, ROOT,
                           values="lrs", kind="lr_scheduler")
    sys.exit(1 if worst else 0)

if __name__ == "__main__":
    main()
