"""Reference cases for the optimizers of helpers/optimizers/basics.py, and their torch calls."""
import torch

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


def _sgd(name):
    def call(h):
        return torch.optim.SGD, dict(lr=h["lr"], momentum=h.get("momentum", 0.0),
                                     dampening=h.get("dampening", 0.0),
                                     weight_decay=h["weight_decay"], nesterov=name == "nesterov")
    return call


def _adam(h):
    kw = {k: v for k, v in h.items() if k not in ("beta1", "beta2")}
    return torch.optim.Adam, dict(kw, betas=(h["beta1"], h["beta2"]))


# helpers optimizer name -> (complete helpers hyper-parameters -> (torch class, kwargs))
TORCH = {
    "sgd": _sgd("sgd"), "momentum": _sgd("momentum"), "nesterov": _sgd("nesterov"),
    "adagrad": lambda h: (torch.optim.Adagrad, dict(h)),
    "rmsprop": lambda h: (torch.optim.RMSprop, dict(h)),
    "adadelta": lambda h: (torch.optim.Adadelta, dict(h)),
    "adam": _adam,
}
