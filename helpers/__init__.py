"""optimizers-ml's shared library.

- :mod:`helpers.objectives` — test functions written once in SymPy (``f``, ``grad``, ``hess``)
- :mod:`helpers.optimizers` — optax-style ``Optimizer(init, update)`` matching torch.optim
- :func:`run`, :func:`run_stochastic`, :func:`tune` — trajectories with divergence detection;
  :mod:`helpers.race` — every optimizer on one objective, tuned on one grid, in a table
- :mod:`helpers.plotting`, :mod:`helpers.widgets`, :mod:`helpers.dashboard` — figures,
  animations, explorers, the several-optimizer dashboard
- :mod:`helpers.landscape`, :mod:`helpers.geometry` — a network's loss along (filter-
  normalized) directions; critical points, their classification, condition-number maps
- :mod:`helpers.checks`, :mod:`helpers.reference` — finite differences, reference traces
- :mod:`helpers.mlp`, :mod:`helpers.initializers`, :mod:`helpers.data` — the digits MLP, its
  Hessian- and Fisher-vector products; :mod:`helpers.spectrum` — power iteration, Lanczos,
  Hutchinson, stochastic Lanczos quadrature; :mod:`helpers.manifolds` — sphere and Stiefel
- :mod:`helpers.exercises` — the notebooks' exercise checks
"""
import importlib

from . import checks, data, objectives, optimizers, schedules
from .runner import DivergenceError, Trajectory, TuneResult, run, run_stochastic, tune

_LAZY = ("plotting", "widgets", "reference", "exercises", "mlp", "initializers", "spectrum",
         "manifolds", "race", "dashboard", "landscape", "geometry")
__all__ = ["objectives", "optimizers", "schedules", "checks", "data", *_LAZY, "run",
           "run_stochastic", "tune", "Trajectory", "TuneResult", "DivergenceError",
           "plot_optimizer_path"]
__version__ = "0.1.0"


def __getattr__(name):
    # matplotlib and ipywidgets load only when a notebook asks for them
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    if name == "plot_optimizer_path":
        return importlib.import_module(".plotting", __name__).plot_optimizer_path
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")
