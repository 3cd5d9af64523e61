"""Reference cases for helpers/optimizers/radam.py's RAdam, and its torch call.

Lookahead has no torch.optim counterpart; its traces come from optax
(tools/optax_cases/lookahead.py).
"""
import torch

# (id, helpers optimizer, helpers hyper, objective, objective kwargs, steps, schedule)
CASES = [
    ("radam_rosenbrock", "radam", dict(lr=1e-2), "rosenbrock", {}, 200, None),
    ("radam_beta2_eps_camel", "radam", dict(lr=0.02, beta1=0.8, beta2=0.99, eps=1e-6),
     "six_hump_camel", {}, 100, None),
    ("radam_weight_decay_booth", "radam", dict(lr=0.1, weight_decay=0.1), "booth", {}, 100, None),
    ("radam_decoupled_wd_beale", "radam",
     dict(lr=0.01, weight_decay=0.05, decoupled_weight_decay=True), "beale", {}, 100, None),
    ("radam_decoupled_wd_warmup_cosine_himmelblau", "radam",
     dict(weight_decay=0.02, decoupled_weight_decay=True), "himmelblau", {}, 120,
     dict(name="warmup_cosine", kwargs=dict(lr=0.05, warmup=10, total=120))),
]


def _radam(h):
    kw = {k: v for k, v in h.items() if k not in ("beta1", "beta2")}
    return torch.optim.RAdam, dict(kw, betas=(h["beta1"], h["beta2"]))


# helpers optimizer name -> (complete helpers hyper-parameters -> (torch class, kwargs))
TORCH = {"radam": _radam}
