r"""Optimizers as pairs of pure functions, in the style of optax.

Each factory returns ``Optimizer(init, update, name, hyper)``::

    state = opt.init(params)
    params, state = opt.update(grad, state, params, objective)

State is a ``NamedTuple`` that travels visibly; ``objective`` is passed so that
curvature methods can ask for ``objective.hess``. Hyper-parameter names and defaults
follow ``torch.optim`` (v2.13) where torch has the method; each deliberate difference
is stated in the factory's docstring. ``lr`` may be a number or a schedule
``k -> lr_k`` of the 0-based step index ``k`` (see :mod:`helpers.schedules`).

One module per family (``basics``, ``second_order``, …); each registers its factories
with :func:`register`, and every public module of this package is imported here, so
``optimizers.get(name)`` and ``optimizers.<factory>`` see them all.
"""
import importlib
import pkgutil

from ._core import Optimizer, alias, available, get, hyperparameters, register

__all__ = ["Optimizer", "get", "available", "register", "alias", "hyperparameters"]

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if not _info.name.startswith("_"):
        _module = importlib.import_module(f"{__name__}.{_info.name}")
        for _name in _module.__all__:
            globals()[_name] = getattr(_module, _name)
        __all__ += list(_module.__all__)
