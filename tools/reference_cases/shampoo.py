"""Reference cases for helpers/optimizers/shampoo.py and helpers/optimizers/adahessian.py.

torch.optim has neither method; the traces come from the two community libraries installed
in the maintainer venv:

- Shampoo: ``pytorch_optimizer.Shampoo`` (pytorch_optimizer 4.1.0, kozistr), the paper's
  Algorithm 1/2: statistics of the raw gradient, roots −1/(2·order) by SVD. (torch_optimizer
  0.3.0's ``Shampoo`` is not a reference for it: exponent −1/order, and each mode's statistic
  is built from the gradient already preconditioned in the earlier modes.) Its ``matrix_eps``
  is our ``eps``; it takes no ``update_freq`` other than 1 (see the docstring of
  ``helpers.optimizers.shampoo``) and no ``root``.
- AdaHessian: ``torch_optimizer.Adahessian`` (torch_optimizer 0.3.0, jettify; a copy of the
  authors' ``image_classification/optim_adahessian.py``) for one Rademacher sample, and
  ``pytorch_optimizer.AdaHessian`` for ``n_samples > 1`` (only it averages several).

AdaHessian asks autograd for ``Hz`` (``torch.autograd.grad(grads, params, grad_outputs=z)``),
so the gradient it receives must carry a graph. As the recorder feeds torch the *helpers*
gradient (testing the update rule alone), :class:`_HelpersCurvature` feeds it the helpers
Hessian too: before each step it replaces ``p.grad`` by ``g + H(p)(p − p.detach())``, a tensor
whose value is the helpers gradient and whose derivative is the helpers Hessian. The cases use
objectives with a diagonal Hessian, where ``|z ⊙ Hz| = |diag H|`` for every Rademacher ``z``, so
torch's random ``z`` and ours (NumPy) give the same trajectory.

``python tools/reference_cases/shampoo.py`` audits that substitution: it re-records every
AdaHessian case with the loss itself written in torch (SymPy → torch) and ``create_graph=True``
backward, as a user would, and prints the largest difference.
"""
import sys
from pathlib import Path

import torch
import torch_optimizer
from pytorch_optimizer import AdaHessian, Shampoo

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))     # the repository, for helpers
from helpers import objectives, optimizers  # noqa: E402

# (id, helpers optimizer, helpers hyper, objective, objective kwargs, steps, schedule)
_MATRIX = dict(rows=3, cols=2, kappa=100.0)      # one 3 × 2 problem, read as 3 × 2 and as 2 × 3
_DIAGONAL = dict(A=((0.5, 0.0, 0.0), (0.0, 4.0, 0.0), (0.0, 0.0, 50.0)), b=(1.0, -2.0, 3.0))
CASES = [
    ("shampoo_matrix", "shampoo", dict(lr=0.05, shape=(3, 2)), "matrix_least_squares", _MATRIX,
     60, None),
    ("shampoo_matrix_wide_momentum_wd", "shampoo",
     dict(lr=0.03, shape=(2, 3), momentum=0.5, weight_decay=0.01, eps=1e-4),
     "matrix_least_squares", _MATRIX, 60, None),
    ("shampoo_vector_full_matrix_adagrad", "shampoo", dict(lr=0.3), "rosenbrock", {}, 100, None),
    ("shampoo_column_beale", "shampoo", dict(lr=0.1, shape=(2, 1), eps=1e-3), "beale", {}, 80,
     None),
    ("adahessian_valley", "adahessian", dict(lr=0.15), "elongated_valley", {}, 80, None),
    ("adahessian_power_wd_quadratic", "adahessian",
     dict(lr=0.3, beta1=0.8, beta2=0.99, hessian_power=0.5, weight_decay=0.01, eps=1e-3),
     "quadratic", _DIAGONAL, 80, None),
    ("adahessian_styblinski_tang", "adahessian", dict(lr=0.05, eps=1e-2),
     "styblinski_tang", {}, 80, None),
    ("adahessian_two_samples_valley", "adahessian",
     dict(lr=0.2, n_samples=2, hessian_power=0.75, beta2=0.9), "elongated_valley", {}, 80, None),
]


def _key(hyper):
    return repr(sorted(hyper.items()))


# each AdaHessian case's objective, found from its (unique) complete hyper-parameters
_OBJECTIVE = {_key(optimizers.get(name, **hyper).hyper): (objective, kwargs)
              for _, name, hyper, objective, kwargs, *_ in CASES if name == "adahessian"}
assert len(_OBJECTIVE) == sum(c[1] == "adahessian" for c in CASES), "AdaHessian hypers must differ"


class _HelpersCurvature:
    """Mixin: before each step, give ``p.grad`` the helpers Hessian as its derivative."""

    objective = None

    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                x = p.detach().numpy().ravel().copy()
                H = torch.from_numpy(self.objective.hess(x))
                with torch.enable_grad():
                    p.grad = p.grad.detach() + (H @ (p - p.detach()).reshape(-1)).reshape(p.shape)
        return super().step(closure)


def _bind(cls, h, library):
    """``cls`` fed the helpers Hessian of the case's objective, named ``library.Class`` so the
    stored call (which the recorder prefixes with ``torch.optim.``) names its library."""
    name, kwargs = _OBJECTIVE[_key(h)]
    return type(f"{library}.{cls.__name__}", (_HelpersCurvature, cls),
                {"objective": objectives.get(name, **kwargs)})


class Adahessian(torch_optimizer.Adahessian):
    """torch_optimizer.Adahessian; drops the recorder's ``foreach``, which it does not take."""

    def __init__(self, params, foreach=None, **kw):
        super().__init__(params, **kw)


def _adahessian(h):
    if h["spatial_average"] != 1:
        raise ValueError("the libraries average spatially only over conv kernels")
    common = dict(lr=h["lr"], betas=(h["beta1"], h["beta2"]), eps=h["eps"],
                  weight_decay=h["weight_decay"], hessian_power=h["hessian_power"])
    if h["n_samples"] == 1:
        return _bind(Adahessian, h, "torch_optimizer"), common
    return _bind(AdaHessian, h, "pytorch_optimizer"), dict(common, num_samples=h["n_samples"],
                                      hessian_distribution="rademacher", weight_decouple=True)


def _shampoo(h):
    if h["update_freq"] != 1 or h["root"] is not None:
        raise ValueError("pytorch_optimizer.Shampoo: update_freq 1 and the paper's root only")
    return _PYTORCH_OPTIMIZER_SHAMPOO, dict(lr=h["lr"], momentum=h["momentum"],
                                            weight_decay=h["weight_decay"], matrix_eps=h["eps"])


_PYTORCH_OPTIMIZER_SHAMPOO = type("pytorch_optimizer.Shampoo", (Shampoo,), {})

# helpers optimizer name -> (complete helpers hyper-parameters -> (torch class, kwargs))
TORCH = {"shampoo": _shampoo, "adahessian": _adahessian}


if __name__ == "__main__":
    import warnings

    import numpy as np
    import sympy as sp

    warnings.filterwarnings("ignore", message="Using backward\\(\\) with create_graph=True")

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import make_reference_traces as tool

    torch.set_default_dtype(torch.float64)
    for case in CASES:
        if case[1] != "adahessian":
            continue
        _, _, hyper, objective, kwargs, steps, _ = case
        obj = objectives.get(objective, **kwargs)
        f = sp.lambdify(obj.symbols, obj.expr, modules=[{"cos": torch.cos}, "math"])
        cls, kw = TORCH["adahessian"](optimizers.get("adahessian", **hyper).hyper)
        p = torch.tensor(obj.x0, requires_grad=True)
        opt = cls.__mro__[2]([p], **kw)                       # the library class itself
        xs = [p.detach().numpy().copy()]
        for _ in range(steps):
            opt.zero_grad()
            f(*p).backward(create_graph=True)                 # autograd's own Hessian
            opt.step()
            xs.append(p.detach().numpy().copy())
        recorded = np.array(tool.record(*case)["xs"])
        worst = np.abs(np.array(xs) - recorded).max()
        print(f"{case[0]:34s} max |θ_autograd − θ_recorded| = {worst:.2e}")
