#!/usr/bin/env python3
"""Record reference trajectories from torch.optim into helpers/reference/torch.json.

Maintainers only: needs PyTorch (``pip install torch==2.13.0``, CPU), which nothing
else in the project imports. Each case runs torch's optimizer in float64, feeding it
the gradient of the helpers objective (so the trace tests the update rule alone),
and stores every iterate with the versions used. Run from the repository root:

    python tools/make_reference_traces.py            # rewrite the file
    python tools/make_reference_traces.py --check    # compare with the stored file
"""
from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
from _traces import case_record, parse_args, write_or_check  # noqa: E402

from helpers import objectives, optimizers  # noqa: E402

OUT = ROOT / "helpers" / "reference" / "torch.json"

# Each module of tools/reference_cases/ holds one family's CASES, tuples of
# (id, helpers optimizer, helpers hyper, objective, objective kwargs, steps, schedule),
# and TORCH, which maps a helpers optimizer name and its complete hyper-parameters to the
# torch.optim class and keyword arguments.
CASES, TORCH = [], {}
for _info in sorted(pkgutil.iter_modules([str(ROOT / "tools" / "reference_cases")]),
                    key=lambda m: m.name):
    _module = importlib.import_module(f"reference_cases.{_info.name}")
    CASES += _module.CASES
    TORCH.update(_module.TORCH)


def torch_optimizer(name, h, params):
    """The torch optimizer call that a helpers optimizer corresponds to, and its text.

    A class from another library than torch.optim names it with a dotted ``__name__``
    (``"pytorch_optimizer.Shampoo"``), which the text then keeps.
    """
    if name not in TORCH:
        raise ValueError(f"no torch counterpart for {name!r}")
    cls, kw = TORCH[name](h)
    label = cls.__name__ if "." in cls.__name__ else f"torch.optim.{cls.__name__}"
    text = f"{label}(" + ", ".join(f"{k}={v!r}" for k, v in kw.items()) + ")"
    return cls(params, foreach=False, **kw), text


def record(case_id, name, hyper, objective, obj_kwargs, steps, schedule):
    obj = objectives.get(objective, **obj_kwargs)
    if schedule:
        from helpers import schedules
        hyper = dict(hyper, lr=schedule["kwargs"]["lr"])
        fn = getattr(schedules, schedule["name"])(**schedule["kwargs"])
    full = dict(optimizers.get(name, **hyper).hyper)     # every hyper-parameter, defaults too
    shape = tuple(full.get("shape") or obj.x0.shape)     # a matrix optimizer's 2-D parameter
    p = torch.tensor(obj.x0.reshape(shape), dtype=torch.float64, requires_grad=True)
    opt, text = torch_optimizer(name, full, [p])
    sched = None
    if schedule:
        base = full["lr"]
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: fn(k) / base)
        text += f" + LambdaLR({schedule['name']}{tuple(schedule['kwargs'].values())})"
        del full["lr"]
    xs = [p.detach().numpy().ravel().copy()]
    for _ in range(steps):
        p.grad = torch.from_numpy(obj.grad(p.detach().numpy().ravel().copy()).reshape(shape))
        opt.step()
        if sched:
            sched.step()
        xs.append(p.detach().numpy().ravel().copy())
    return case_record("torch", case_id, name, full, schedule, objective, obj_kwargs, obj.x0,
                       steps, text, xs)


def main():
    args = parse_args(__doc__)
    torch.set_default_dtype(torch.float64)
    versions = {"torch": torch.__version__.split("+")[0], "numpy": np.__version__}
    write_or_check(OUT, "torch", versions, [record(*c) for c in CASES], args.check, ROOT)


if __name__ == "__main__":
    main()
