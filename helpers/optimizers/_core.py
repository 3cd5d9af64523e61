"""The optimizer type, hyper-parameter validation and the registry.

Every module of :mod:`helpers.optimizers` builds on these; nothing here knows any method.
"""
from __future__ import annotations

import inspect
import math
from typing import Any, Callable, NamedTuple

import numpy as np

__all__ = ["Optimizer", "get", "available", "register", "alias", "hyperparameters"]

class Optimizer(NamedTuple):
    """``init(params) -> state``; ``update(grad, state, params, objective) -> (params, state)``."""

    init: Callable[[np.ndarray], Any]
    update: Callable[..., tuple]
    name: str = ""
    hyper: dict | None = None


# ------------------------------------------------------------------ validation
def _check(opt, **values):
    """Raise ``ValueError`` naming the first hyper-parameter outside its range.

    Each value comes as ``(value, low, high, high_inclusive)``: ``low`` is inclusive.
    """
    for name, (value, low, high, high_incl) in values.items():
        if name == "lr" and callable(value):
            continue
        ok = isinstance(value, (int, float, np.floating)) and math.isfinite(value)
        ok = ok and value >= low and (high is None or value < high or (high_incl and value == high))
        if not ok:
            upper = "∞)" if high is None else f"{high}{']' if high_incl else ')'}"
            raise ValueError(f"{opt}: invalid {name}={value!r}; must be a number in [{low}, {upper}"
                             + (" or a schedule k -> lr_k" if name == "lr" else ""))


def _positive(opt, **values):
    """As :func:`_check` with the range (0, ∞): a value that must be strictly positive."""
    for name, value in values.items():
        _check(opt, **{name: (value, 0, None, False)})
        if value <= 0:
            raise ValueError(f"{opt}: invalid {name}={value!r}; must be a number in (0, ∞)")


def _lr(lr, k):
    return float(lr(k)) if callable(lr) else lr


def _asarray(x):
    return np.asarray(x, dtype=float)


def _coupled(grad, params, weight_decay):
    """``g + λθ``: L2 weight decay folded into the gradient, as torch's ``weight_decay``."""
    g = _asarray(grad)
    return g + weight_decay * params if weight_decay else g


# ------------------------------------------------------------------ registry
_FACTORIES: dict[str, Callable[..., Optimizer]] = {}
_ALIASES: dict[str, str] = {}
_ALIAS_DEFAULTS: dict[str, dict] = {}


def register(name: str, factory: Callable[..., Optimizer] | None = None):
    """Add a factory to the registry under ``name`` (usable as a decorator)."""
    def deco(fn):
        _FACTORIES[name] = fn
        return fn
    return deco(factory) if factory is not None else deco


def alias(name: str, target: str, **defaults):
    """Let ``get(name)`` build ``target``, with ``defaults`` (e.g. ``amsgrad=True``)."""
    _ALIASES[name] = target
    if defaults:
        _ALIAS_DEFAULTS[name] = defaults



def available() -> list[str]:
    """Registered optimizer names (aliases such as ``"GD"`` → ``"sgd"`` also work)."""
    return sorted(_FACTORIES)


def _resolve(name):
    """Registry key and alias defaults for a (case-insensitive) name or alias."""
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    defaults = _ALIAS_DEFAULTS.get(key, {})
    key = _ALIASES.get(key, key)
    if key not in _FACTORIES:
        raise ValueError(f"unknown optimizer {name!r}; available: {', '.join(available())} "
                         f"(aliases: {', '.join(sorted(_ALIASES))})")
    return key, defaults


def hyperparameters(name) -> dict:
    """The hyper-parameters an optimizer takes, with their defaults (an alias's included),
    e.g. ``hyperparameters("amsgrad")["amsgrad"] is True``."""
    key, defaults = _resolve(name)
    params = inspect.signature(_FACTORIES[key]).parameters
    return {k: defaults.get(k, p.default) for k, p in params.items()}


def get(name, **hyper) -> Optimizer:
    """Build an optimizer by name, e.g. ``get("adam", lr=1e-2)``; names are case-insensitive."""
    if isinstance(name, Optimizer):
        if hyper:
            raise ValueError("hyper-parameters go with a name, not with a built Optimizer")
        return name
    key, defaults = _resolve(name)
    accepted = hyperparameters(key)
    unknown = sorted(set(hyper) - set(accepted))
    if unknown:
        raise ValueError(f"{key}: unknown hyper-parameter(s) {', '.join(unknown)}; "
                         f"accepted: {', '.join(accepted)}")
    return _FACTORIES[key](**{**defaults, **hyper})
