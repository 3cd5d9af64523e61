"""Reference cases for torch's Adamax and NAdam (helpers/optimizers/adam_family.py)."""
import torch

# (id, helpers optimizer, helpers hyper, objective, objective kwargs, steps, schedule)
CASES = [
    ("adamax_rosenbrock", "adamax", dict(lr=2e-2), "rosenbrock", {}, 200, None),
    ("adamax_wd_eps_beale", "adamax", dict(lr=0.05, beta1=0.8, beta2=0.99, eps=1e-3,
                                            weight_decay=0.05), "beale", {}, 120, None),
    ("adamax_rosenbrock_10d", "adamax", dict(lr=1e-2), "rosenbrock", dict(n=10), 100, None),
    ("nadam_rosenbrock", "nadam", dict(lr=1e-2), "rosenbrock", {}, 200, None),
    ("nadam_momentum_decay_camel", "nadam", dict(lr=0.02, momentum_decay=0.5, beta2=0.99),
     "six_hump_camel", {}, 120, None),
    ("nadam_l2_himmelblau", "nadam", dict(lr=0.05, weight_decay=0.05), "himmelblau", {}, 120, None),
    ("nadam_decoupled_wd_beale", "nadam",
     dict(lr=0.03, weight_decay=0.1, decoupled_weight_decay=True, momentum_decay=0.1, eps=1e-6),
     "beale", {}, 120, None),
]


def _betas(cls):
    def call(h):
        kw = {k: v for k, v in h.items() if k not in ("beta1", "beta2")}
        return cls, dict(kw, betas=(h["beta1"], h["beta2"]))
    return call


# helpers optimizer name -> (complete helpers hyper-parameters -> (torch class, kwargs))
TORCH = {"adamax": _betas(torch.optim.Adamax), "nadam": _betas(torch.optim.NAdam)}
