"""Reference cases for helpers/optimizers/adamw.py (torch.optim.AdamW, decoupled weight decay).

Adam with L2 ``weight_decay`` (coupled) has its cases in basics.py; these record the decoupled
decay θ ← θ(1 − ηλ) applied before the Adam step, with AMSGrad and under a schedule (where the
decay is multiplied by the scheduled rate too).
"""
import torch

# (id, helpers optimizer, helpers hyper, objective, objective kwargs, steps, schedule)
CASES = [
    ("adamw_rosenbrock", "adamw", dict(lr=1e-2), "rosenbrock", {}, 200, None),
    ("adamw_strong_decay_booth", "adamw", dict(lr=0.1, weight_decay=0.5), "booth", {}, 100, None),
    ("adamw_betas_eps_camel", "adamw",
     dict(lr=0.02, beta1=0.5, beta2=0.9, eps=1e-6, weight_decay=0.2), "six_hump_camel", {}, 100,
     None),
    ("adamw_rosenbrock_10d", "adamw", dict(lr=5e-3, weight_decay=0.1), "rosenbrock", dict(n=10),
     100, None),
    ("adamw_amsgrad_beale", "adamw", dict(lr=0.05, amsgrad=True, weight_decay=0.3, beta2=0.99),
     "beale", {}, 100, None),
    ("adamw_amsgrad_rosenbrock", "adamw", dict(lr=2e-2, amsgrad=True, weight_decay=0.05),
     "rosenbrock", {}, 200, None),
    ("adamw_cosine_himmelblau", "adamw", dict(weight_decay=0.4), "himmelblau", {}, 120,
     dict(name="cosine", kwargs=dict(lr=0.1, T_max=100, eta_min=0.005))),
]


def _adamw(h):
    kw = {k: v for k, v in h.items() if k not in ("beta1", "beta2")}
    return torch.optim.AdamW, dict(kw, betas=(h["beta1"], h["beta2"]))


# helpers optimizer name -> (complete helpers hyper-parameters -> (torch class, kwargs))
TORCH = {"adamw": _adamw}
