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

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from helpers import objectives, optimizers  # noqa: E402

OUT = ROOT / "helpers" / "reference" / "torch.json"

# (id, helpers optimizer, helpers hyper, objective, objective kwargs, steps, schedule)
CASES = [
    ("sgd_quadratic", "sgd", dict(lr=0.1), "ill_conditioned", dict(kappa=10.0), 60, None),
    ("sgd_rosenbrock", "sgd", dict(lr=1e-3), "rosenbrock", {}, 150, None),
    ("sgd_weight_decay_beale", "sgd", dict(lr=0.01, weight_decay=0.1), "beale", {}, 100, None),
    ("sgd_linear_decay_rosenbrock", "sgd", {}, "rosenbrock", {}, 120,
     dict(name="linear_decay", kwargs=dict(lr=2e-3, tau=100, final_lr=2e-5))),
    ("momentum_rosenbrock", "momentum", dict(lr=1e-3, momentum=0.9), "rosenbrock", {}, 150, None),
    ("momentum_dampening_wd_himmelblau", "momentum",
     dict(lr=5e-3, momentum=0.8, dampening=0.3, weight_decay=0.05), "himmelblau", {}, 100, None),
    ("nesterov_rosenbrock", "nesterov", dict(lr=1e-3, momentum=0.9), "rosenbrock", {}, 150, None),
    ("nesterov_wd_valley", "nesterov", dict(lr=0.05, momentum=0.7, weight_decay=0.01),
     "elongated_valley", {}, 100, None),
    ("adagrad_rosenbrock", "adagrad", dict(lr=0.1), "rosenbrock", {}, 150, None),
    ("adagrad_decay_wd_init_beale", "adagrad",
     dict(lr=0.2, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-8),
     "beale", {}, 100, None),
    ("rmsprop_rosenbrock", "rmsprop", dict(lr=1e-2), "rosenbrock", {}, 150, None),
    ("rmsprop_centered_himmelblau", "rmsprop", dict(lr=1e-2, centered=True), "himmelblau", {},
     100, None),
    ("rmsprop_momentum_booth", "rmsprop", dict(lr=1e-3, momentum=0.9, alpha=0.9), "booth", {},
     100, None),
    ("rmsprop_centered_momentum_wd_camel", "rmsprop",
     dict(lr=2e-3, alpha=0.95, eps=1e-6, weight_decay=0.01, momentum=0.5, centered=True),
     "six_hump_camel", {}, 100, None),
    ("adam_rosenbrock", "adam", dict(lr=1e-2), "rosenbrock", {}, 200, None),
    ("adam_weight_decay_booth", "adam", dict(lr=0.1, weight_decay=0.1), "booth", {}, 100, None),
    ("adam_betas_eps_camel", "adam", dict(lr=0.02, beta1=0.5, beta2=0.9, eps=1e-6),
     "six_hump_camel", {}, 100, None),
    ("adam_rosenbrock_10d", "adam", dict(lr=5e-3), "rosenbrock", dict(n=10), 100, None),
    ("amsgrad_rosenbrock", "adam", dict(lr=2e-2, amsgrad=True), "rosenbrock", {}, 200, None),
    ("amsgrad_wd_beale", "adam", dict(lr=0.05, amsgrad=True, weight_decay=0.01, beta2=0.99),
     "beale", {}, 100, None),
    ("adadelta_rosenbrock", "adadelta", {}, "rosenbrock", {}, 200, None),
    ("adadelta_rho_eps_wd_himmelblau", "adadelta",
     dict(lr=0.5, rho=0.95, eps=1e-4, weight_decay=0.05), "himmelblau", {}, 150, None),
]


def torch_optimizer(name, h, params):
    """The torch.optim call that a helpers optimizer corresponds to, and its text."""
    if name in ("sgd", "momentum", "nesterov"):
        cls, kw = torch.optim.SGD, dict(lr=h["lr"], momentum=h.get("momentum", 0.0),
                                        dampening=h.get("dampening", 0.0),
                                        weight_decay=h["weight_decay"], nesterov=name == "nesterov")
    elif name in ("adagrad", "rmsprop", "adadelta"):
        cls, kw = {"adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
                   "adadelta": torch.optim.Adadelta}[name], dict(h)
    elif name == "adam":
        kw = {k: v for k, v in h.items() if k not in ("beta1", "beta2")}
        cls, kw = torch.optim.Adam, dict(kw, betas=(h["beta1"], h["beta2"]))
    else:
        raise ValueError(f"no torch counterpart for {name!r}")
    text = f"torch.optim.{cls.__name__}(" + ", ".join(f"{k}={v!r}" for k, v in kw.items()) + ")"
    return cls(params, foreach=False, **kw), text


def record(case_id, name, hyper, objective, obj_kwargs, steps, schedule):
    obj = objectives.get(objective, **obj_kwargs)
    if schedule:
        from helpers import schedules
        hyper = dict(hyper, lr=schedule["kwargs"]["lr"])
        fn = getattr(schedules, schedule["name"])(**schedule["kwargs"])
    full = dict(optimizers.get(name, **hyper).hyper)     # every hyper-parameter, defaults too
    p = torch.tensor(obj.x0, dtype=torch.float64, requires_grad=True)
    opt, text = torch_optimizer(name, full, [p])
    sched = None
    if schedule:
        base = full["lr"]
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: fn(k) / base)
        text += f" + LambdaLR({schedule['name']}{tuple(schedule['kwargs'].values())})"
        del full["lr"]
    xs = [p.detach().numpy().copy()]
    for _ in range(steps):
        p.grad = torch.from_numpy(obj.grad(p.detach().numpy().copy()))
        opt.step()
        if sched:
            sched.step()
        xs.append(p.detach().numpy().copy())
    xs = np.array(xs)
    if not np.all(np.isfinite(xs)):
        raise RuntimeError(f"{case_id}: the torch run diverged; pick another case")
    return dict(id=case_id, optimizer=name, hyper=full, schedule=schedule, objective=objective,
                objective_kwargs=obj_kwargs, x0=obj.x0.tolist(), steps=steps, reference=text,
                xs=xs.tolist())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the stored file instead")
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    data = dict(library="torch",
                versions={"torch": torch.__version__.split("+")[0], "numpy": np.__version__},
                cases=[record(*c) for c in CASES])
    if args.check:
        old = json.loads(OUT.read_text())
        worst = max(np.max(np.abs(np.array(a["xs"]) - np.array(b["xs"])))
                    for a, b in zip(old["cases"], data["cases"], strict=True))
        print(f"max deviation between stored and fresh torch traces: {worst:.3g}")
        return
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    size = OUT.stat().st_size / 1e3
    print(f"wrote {len(CASES)} cases to {OUT.relative_to(ROOT)} ({size:.0f} kB)")


if __name__ == "__main__":
    main()
