r"""Looking at loss landscapes: colour scales, network slices, and many runs at once.

- :func:`spread` and :func:`needs_log_scale` — how wide the range of ``f − f*`` is over an
  objective's plotting window, and the rule that decides linear or logarithmic colours;
- :func:`filter_normalized_direction` — a random direction in a network's parameter space,
  rescaled row by row (one row of ``W`` = one neuron's incoming weights, a "filter") to the
  norms of the weights, as Li et al. (2018, arXiv:1712.09913) do in their code
  (github.com/tomgoldstein/loss-landscape, ``net_plotter.py``: ``normalize_direction`` with
  ``norm='filter'`` and ``normalize_directions_for_weights`` with ``ignore='biasbn'``);
- :func:`interpolate` and :func:`slice_2d` — the loss along the segment between two points
  (Goodfellow, Vinyals & Saxe 2015, arXiv:1412.6544) and on a plane through a point;
  :func:`slice_objective` makes that plane a 2-D objective, so :mod:`helpers.plotting` draws it;
- :func:`multistart` and :func:`classify` — an element-wise optimizer run from many starts at
  once (the coordinate axis first, as every objective evaluates grids), and which known
  minimum each run ended at: basins of attraction;
- :func:`clip_grad_norm` — gradient clipping by norm (Pascanu, Mikolov & Bengio 2013,
  arXiv:1211.5063) around any optimizer, with the rule of ``torch.nn.utils.clip_grad_norm_``.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from . import objectives as _objectives
from . import optimizers as _optimizers
from . import plotting as _plotting
from .optimizers._core import Optimizer

__all__ = ["spread", "needs_log_scale", "LOG_SCALE_SPREAD", "filter_normalized_direction",
           "interpolate", "slice_2d", "slice_objective", "multistart", "classify",
           "clip_grad_norm", "ClippedState"]

#: ``q90/q10`` of ``f − f*`` above which colours go on a log scale. A quadratic bowl seen
#: through a disc centred on its minimum has exactly 9 (the area below a level grows
#: linearly with the level); square, off-centre windows bring that up to ≈ 30.
LOG_SCALE_SPREAD = 50.0


def _window_values(obj, resolution, bounds):
    if isinstance(resolution, bool) or int(resolution) != resolution or resolution < 2:
        raise ValueError(f"invalid resolution={resolution!r}; must be an integer >= 2")
    Z = _plotting._grid(obj, _plotting._window(obj, bounds), int(resolution))[2]
    return Z - (obj.f_min if obj.f_min is not None else Z.min())


def spread(objective, low=0.1, high=0.9, resolution=201, bounds=None):
    """The ratio of two quantiles, ``q_high / q_low``, of ``f − f*`` over the plotting window.

    ``f*`` is the objective's ``f_min`` (the window's smallest value when it has none, as for
    the unbounded saddles); the window is sampled on a ``resolution × resolution`` grid.
    """
    obj = _objectives.get(objective)
    if not 0 <= low < high <= 1:
        raise ValueError(f"invalid low={low!r}, high={high!r}; need 0 <= low < high <= 1")
    lo, hi = np.quantile(_window_values(obj, resolution, bounds), [low, high])
    return float(hi / lo) if lo > 0 else math.inf


def needs_log_scale(objective, threshold=LOG_SCALE_SPREAD, **kw):
    """True when ``spread(objective) > threshold``: linear colour levels would put most of the
    window into the lowest few levels, and the structure near the minimum out of sight."""
    if not threshold > 0:
        raise ValueError(f"invalid threshold={threshold!r}; must be > 0")
    return spread(objective, **kw) > threshold


# ------------------------------------------------------------------ networks
def filter_normalized_direction(model, theta, rng, bias="zero", norm="filter"):
    r"""A Gaussian direction ``d`` in ``model``'s parameter space, normalized like ``theta``.

    Parameters
    ----------
    model : :class:`helpers.mlp.MLP` (anything with ``size``, ``unflatten`` and ``flatten``)
    theta : flat parameter vector the direction is normalized against
    rng : ``numpy.random.Generator`` or seed; ``d`` starts as ``rng.standard_normal(size)``
    bias : "zero" — bias directions are set to 0 (Li et al.'s ``ignore='biasbn'``, the
        setting of their figures); "copy" — a bias's direction is the bias itself (their
        code's other branch)
    norm : "filter" — each row ``d_i`` of a weight matrix becomes
        :math:`d_i\,\lVert\theta_i\rVert/(\lVert d_i\rVert + 10^{-10})` with θ_i the same row of
        ``W`` (one neuron's incoming weights; for ``nn.Linear`` these are the "filters" Li et
        al.'s loop runs over); "layer" — the whole matrix is rescaled to ``‖W‖_F``

    Because a ReLU layer can be rescaled (``W₁ → cW₁, b₁ → cb₁, W₂ → W₂/c``) without
    changing the network, and the direction rescales with it, a slice along
    filter-normalized directions is the same for every such rescaling.
    """
    if bias not in ("zero", "copy"):
        raise ValueError(f"invalid bias={bias!r}; must be 'zero' or 'copy'")
    if norm not in ("filter", "layer"):
        raise ValueError(f"invalid norm={norm!r}; must be 'filter' or 'layer'")
    rng = np.random.default_rng(rng)
    layers = model.unflatten(theta)
    raw = model.unflatten(rng.standard_normal(model.size))
    out = []
    for (W, b), (D, c) in zip(layers, raw):
        if norm == "filter":
            D = D * (np.linalg.norm(W, axis=1, keepdims=True)
                     / (np.linalg.norm(D, axis=1, keepdims=True) + 1e-10))
        else:
            D = D * (np.linalg.norm(W) / np.linalg.norm(D))
        out.append((D, np.zeros_like(c) if bias == "zero" else np.array(b, dtype=float)))
    return model.flatten(out)


def _grid(name, values):
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size < 1 or not np.all(np.isfinite(values)):
        raise ValueError(f"invalid {name}: must be a non-empty 1-D array of finite numbers")
    return values


def _point(name, value, size=None):
    value = np.asarray(value, dtype=float)
    if value.ndim != 1 or (size is not None and value.shape != (size,)):
        want = "a 1-D vector" if size is None else f"a vector of shape ({size},)"
        raise ValueError(f"invalid {name} of shape {value.shape}; must be {want}")
    return value


def interpolate(loss, theta0, theta1, alphas):
    r"""``[loss((1 − α)θ₀ + αθ₁) for α in alphas]``: the loss along the straight line from
    ``theta0`` (α = 0) to ``theta1`` (α = 1), extrapolated outside [0, 1]."""
    theta0 = _point("theta0", theta0)
    theta1 = _point("theta1", theta1, theta0.size)
    return np.array([loss((1 - a) * theta0 + a * theta1) for a in _grid("alphas", alphas)])


def slice_2d(loss, theta, d1, d2, alphas, betas):
    r"""``Z[j, i] = loss(θ + α_i d₁ + β_j d₂)``, shaped ``(len(betas), len(alphas))`` so that
    ``contour(alphas, betas, Z)`` draws it."""
    theta = _point("theta", theta)
    d1, d2 = _point("d1", d1, theta.size), _point("d2", d2, theta.size)
    alphas, betas = _grid("alphas", alphas), _grid("betas", betas)
    return np.array([[loss(theta + a * d1 + b * d2) for a in alphas] for b in betas])


def slice_objective(loss, theta, d1, d2, bounds=((-1.0, 1.0), (-1.0, 1.0)), name="slice",
                    log_scale=False):
    r"""The plane :math:`(a, b) \mapsto` ``loss(θ + a·d₁ + b·d₂)`` as a 2-D objective.

    Its ``f`` takes points with the coordinate axis first, like every objective, so
    :func:`helpers.plotting.contour` and :func:`~helpers.plotting.surface` draw it in the house
    style; ``θ`` (the origin) is marked as the minimum. The values of the last few grids are
    kept, so a contour, a surface and :func:`spread` on the same grid cost one evaluation.
    It has no gradient (``grad`` and ``hess`` raise ``ValueError``).
    """
    from .objectives import Objective

    theta = _point("theta", theta)
    d1, d2 = _point("d1", d1, theta.size), _point("d2", d2, theta.size)
    cache = {}

    def f(p):
        p = np.asarray(p, dtype=float)
        if p.shape[:1] != (2,):
            raise ValueError(f"expected points with 2 coordinates on axis 0, got shape {p.shape}")
        key = (p.shape, p.tobytes())
        if key not in cache:
            flat = p.reshape(2, -1)
            values = np.array([loss(theta + a * d1 + b * d2) for a, b in flat.T])
            if len(cache) >= 4:
                cache.pop(next(iter(cache)))
            cache[key] = values.reshape(p.shape[1:])
        out = cache[key]
        return float(out) if p.ndim == 1 else out.copy()

    def no_derivatives(x):
        raise ValueError(f"{name}: a slice of a loss has no gradient or Hessian here")

    return Objective(name, None, (), f, no_derivatives, no_derivatives, np.zeros(2),
                     (np.zeros(2),), None, tuple(tuple(map(float, b)) for b in bounds),
                     bool(log_scale), "a 2-D slice of a loss through θ")


# ------------------------------------------------------------------ many starts
def multistart(optimizer, objective, starts, steps):
    """Run an element-wise optimizer from every row of ``starts`` at once.

    ``starts`` has shape ``(N, dim)``; internally the iterate is the ``(dim, N)`` array the
    objective's lambdified gradient evaluates in one call, and ``optimizer.update`` acts on
    it entry by entry — true of SGD, momentum, Nesterov, AdaGrad, RMSprop and Adam, and of
    :func:`clip_grad_norm` around them (it clips each column). Returns the ``(N, dim)`` final
    iterates; a run that overflowed has non-finite entries (no warnings are raised).
    """
    obj = _objectives.get(objective)
    starts = np.asarray(starts, dtype=float)
    if starts.ndim != 2 or starts.shape[1] != obj.dim:
        raise ValueError(f"invalid starts of shape {starts.shape}; must be (N, {obj.dim})")
    if isinstance(steps, bool) or int(steps) != steps or steps < 0:
        raise ValueError(f"invalid steps={steps!r}; must be a non-negative integer")
    theta = starts.T.copy()
    state = optimizer.init(theta)
    with np.errstate(all="ignore"):
        for _ in range(int(steps)):
            theta, state = optimizer.update(obj.grad(theta), state, theta, obj)
    return theta.T


def classify(objective, points, tol=1e-3):
    """For each row of ``points``, the index of the listed minimum within ``tol`` (Euclidean),
    or −1 if none is (still on its way, stuck at a local minimum not listed, or diverged)."""
    obj = _objectives.get(objective)
    points = np.asarray(points, dtype=float)
    if points.ndim != 2 or points.shape[1] != obj.dim:
        raise ValueError(f"invalid points of shape {points.shape}; must be (N, {obj.dim})")
    if not tol > 0:
        raise ValueError(f"invalid tol={tol!r}; must be > 0")
    if not obj.minima:
        return np.full(len(points), -1)
    with np.errstate(invalid="ignore"):
        dist = np.linalg.norm(points[:, None, :] - np.array(obj.minima)[None], axis=2)
        dist = np.where(np.isfinite(dist), dist, np.inf)
    return np.where(dist.min(axis=1) <= tol, dist.argmin(axis=1), -1)


# ------------------------------------------------------------------ clipping
class ClippedState(NamedTuple):
    inner: object


def clip_grad_norm(optimizer, max_norm):
    r"""``optimizer`` fed with clipped gradients :math:`g\min(1, c/(\lVert g\rVert + 10^{-6}))`.

    The rule of ``torch.nn.utils.clip_grad_norm_`` (``clip_coef = max_norm / (total_norm +
    1e-6)``, clamped to 1), Pascanu, Mikolov & Bengio (2013)'s remedy for exploding gradients
    at cliffs: the step's direction is kept, its length bounded by η·``max_norm`` for SGD. The
    norm is taken over axis 0, so a ``(dim, N)`` batch of iterates (see :func:`multistart`)
    has each column clipped on its own.
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float, np.number)) \
            or not math.isfinite(max_norm) or max_norm <= 0:
        raise ValueError(f"clip_grad_norm: invalid max_norm={max_norm!r}; must be a number > 0")
    opt = _optimizers.get(optimizer)

    def init(params):
        return ClippedState(opt.init(params))

    def update(grad, state, params, objective=None):
        g = np.asarray(grad, dtype=float)
        coef = np.minimum(max_norm / (np.linalg.norm(g, axis=0) + 1e-6), 1.0)
        params, inner = opt.update(g * coef, state.inner, params, objective)
        return params, ClippedState(inner)

    return Optimizer(init, update, f"{opt.name}+clip", {**(opt.hyper or {}), "max_norm": max_norm})

