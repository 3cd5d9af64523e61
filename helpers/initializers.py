r"""Weight initializers with torch.nn.init's formulas, for weights of shape (fan_out, fan_in).

- ``xavier_uniform``: :math:`U(-a, a)`, :math:`a = g\sqrt{6/(n_{in}+n_{out})}` (Glorot, Bengio 2010)
- ``xavier_normal``: :math:`N(0, \sigma^2)`, :math:`\sigma = g\sqrt{2/(n_{in}+n_{out})}`
- ``he_uniform``: :math:`a = \sqrt{3}\,g/\sqrt{n_{in}}` with :math:`g = \sqrt2` (He et al. 2015)
- ``he_normal``: :math:`\sigma = g/\sqrt{n_{in}}` with :math:`g = \sqrt2`
- ``lecun_normal``, ``lecun_uniform``: the same with :math:`g = 1` (LeCun et al. 1998)
- ``orthogonal``: :math:`g\,Q` from the QR of a Gaussian matrix (Saxe et al. 2014)

Each is ``init(shape, rng, gain=...) -> array``; torch's ``calculate_gain`` is :func:`gain`.
"""
from __future__ import annotations

import math

import numpy as np

SQRT2 = math.sqrt(2.0)  # He et al.'s gain for ReLU

__all__ = ["gain", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "lecun_normal",
           "lecun_uniform", "orthogonal", "get", "available"]


def gain(nonlinearity: str) -> float:
    """The recommended gain for an activation, as ``torch.nn.init.calculate_gain``."""
    gains = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0)}
    if nonlinearity not in gains:
        raise ValueError(f"unknown nonlinearity {nonlinearity!r}; choose from {', '.join(gains)}")
    return gains[nonlinearity]


def _fans(shape):
    if len(shape) != 2:
        raise ValueError(f"expected a (fan_out, fan_in) weight shape, got {shape}")
    return shape[1], shape[0]


def xavier_uniform(shape, rng, gain=1.0):
    fan_in, fan_out = _fans(shape)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=shape)


def xavier_normal(shape, rng, gain=1.0):
    fan_in, fan_out = _fans(shape)
    return rng.normal(0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), size=shape)


def he_uniform(shape, rng, gain=SQRT2):
    a = math.sqrt(3.0) * gain / math.sqrt(_fans(shape)[0])
    return rng.uniform(-a, a, size=shape)


def he_normal(shape, rng, gain=SQRT2):
    return rng.normal(0.0, gain / math.sqrt(_fans(shape)[0]), size=shape)


def lecun_normal(shape, rng, gain=1.0):
    return he_normal(shape, rng, gain)


def lecun_uniform(shape, rng, gain=1.0):
    return he_uniform(shape, rng, gain)


def orthogonal(shape, rng, gain=1.0):
    """Rows (or columns, whichever are fewer) orthonormal, sign-fixed as torch does."""
    rows, cols = shape
    A = rng.standard_normal((max(rows, cols), min(rows, cols)))
    Q, R = np.linalg.qr(A)
    Q = Q * np.sign(np.diag(R))
    return gain * (Q.T if rows < cols else Q)


_ALL = {f.__name__: f for f in (xavier_uniform, xavier_normal, he_uniform, he_normal,
                                lecun_normal, lecun_uniform, orthogonal)}


def available() -> list[str]:
    return sorted(_ALL)


def get(name):
    """An initializer by name (``"glorot_*"`` and ``"kaiming_*"`` are aliases)."""
    key = str(name).lower().replace("glorot", "xavier").replace("kaiming", "he")
    if key not in _ALL:
        raise ValueError(f"unknown initializer {name!r}; available: {', '.join(available())}")
    return _ALL[key]
