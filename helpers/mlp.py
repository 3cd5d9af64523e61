"""A small NumPy MLP with hand-written backprop, for the experiments on real data.

Parameters live in one flat vector ``theta`` so that every optimizer of
:mod:`helpers.optimizers` trains it unchanged; :meth:`MLP.unflatten` gives the
per-layer ``(W, b)`` views (``W`` of shape (fan_out, fan_in), as torch.nn.Linear).
The loss is the mean softmax cross-entropy; :meth:`MLP.per_example_grads` gives one
gradient row per example (for noise, Fisher and K-FAC statistics); :meth:`MLP.hvp`,
:meth:`MLP.gvp`, :meth:`MLP.fisher` and :meth:`MLP.layer_grads` give curvature (exact
Hessian- and Gauss–Newton-vector products by a second pass, Pearlmutter 1994). :func:`train` can
regularize with inverted dropout on the hidden layers and stop early on a validation loss.

>>> from helpers import data, mlp, optimizers
>>> Xtr, Xte, ytr, yte = data.digits()
>>> net = mlp.MLP((64, 32, 10))
>>> hist = mlp.train(net, optimizers.adam(lr=1e-2), Xtr, ytr, steps=300,
...                  X_test=Xte, y_test=yte)                                # doctest: +SKIP
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from . import initializers
from .objectives import Objective

__all__ = ["MLP", "Block", "History", "LayerStats", "NetworkObjective", "train"]

# activation σ, its derivative σ'(z, a) and second derivative σ''(z, a), with a = σ(z)
_ACT = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(float),
             lambda z, a: np.zeros_like(z)),
    "tanh": (np.tanh, lambda z, a: 1.0 - a * a, lambda z, a: -2 * a * (1.0 - a * a)),
    "sigmoid": (lambda z: 0.5 * (1 + np.tanh(z / 2)), lambda z, a: a * (1 - a),
                lambda z, a: a * (1 - a) * (1 - 2 * a)),
    "linear": (lambda z: z, lambda z, a: np.ones_like(z), lambda z, a: np.zeros_like(z)),
}


class Block(NamedTuple):
    """One parameter of an MLP inside the flat θ: ``theta[index].reshape(shape)``."""

    name: str          # "W1", "b1", "W2", ...
    index: slice
    shape: tuple
    hidden: bool       # a hidden→hidden weight matrix (neither the first nor the last layer)


def _log_softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


class MLP:
    """Fully connected network ``sizes[0] → … → sizes[-1]`` with a softmax output.

    Parameters
    ----------
    sizes : layer widths, input first, number of classes last.
    activation : "relu", "tanh", "sigmoid" or "linear" for every hidden layer.
    """

    def __init__(self, sizes=(64, 32, 10), activation="relu"):
        if len(sizes) < 2 or any(int(s) != s or s < 1 for s in sizes):
            raise ValueError(f"sizes must be >= 2 positive integers, got {sizes!r}")
        if activation not in _ACT:
            raise ValueError(f"unknown activation {activation!r}; choose from {', '.join(_ACT)}")
        self.sizes, self.activation = tuple(int(s) for s in sizes), activation
        self.shapes = [((o, i), (o,)) for i, o in zip(self.sizes[:-1], self.sizes[1:])]
        self.size = sum(o * i + o for (o, i), _ in self.shapes)

    def __repr__(self):
        return f"MLP({self.sizes}, activation={self.activation!r}, {self.size} parameters)"

    # ------------------------------------------------------------------ parameters
    def blocks(self):
        """Where each parameter lives in θ: ``[Block("W1", slice, shape, hidden), Block("b1",
        …), …]``, with ``theta[block.index].reshape(block.shape)`` the parameter."""
        out, k, n = [], 0, len(self.shapes)
        for layer, (w_shape, b_shape) in enumerate(self.shapes, start=1):
            for name, shape in ((f"W{layer}", w_shape), (f"b{layer}", b_shape)):
                size = int(np.prod(shape))
                out.append(Block(name, slice(k, k + size), shape,
                                 name[0] == "W" and 1 < layer < n))
                k += size
        return out

    def unflatten(self, theta):
        """``[(W1, b1), (W2, b2), …]`` as views into ``theta``."""
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (self.size,):
            raise ValueError(f"theta must have shape ({self.size},), got {theta.shape}")
        views = [theta[b.index].reshape(b.shape) for b in self.blocks()]
        return list(zip(views[::2], views[1::2]))

    @staticmethod
    def flatten(layers):
        return np.concatenate([np.concatenate([W.ravel(), b]) for W, b in layers])

    def init(self, seed=0, scheme=None, bias=0.0):
        """Initial ``theta``: weights from ``scheme`` (default He-normal for ReLU, Xavier-
        normal otherwise, with torch's gain for the activation), biases set to ``bias``."""
        rng = np.random.default_rng(seed)
        if scheme is None:
            scheme = "he_normal" if self.activation == "relu" else "xavier_normal"
        fn = initializers.get(scheme) if isinstance(scheme, str) else scheme
        # Xavier and orthogonal take the activation's gain; He and LeCun carry their own
        kw = {"gain": _gain(self.activation)} if fn in (initializers.xavier_uniform,
              initializers.xavier_normal, initializers.orthogonal) else {}
        layers = [(fn(ws, rng, **kw), np.full(bs, float(bias))) for ws, bs in self.shapes]
        return self.flatten(layers)

    # ------------------------------------------------------------------ forward / backward
    def forward(self, theta, X, masks=None):
        """Logits and the per-layer ``(input, pre-activation, activation)`` cache.

        ``masks`` (see :meth:`dropout_masks`) multiplies each hidden activation, so the
        cached activation is the dropped-out one that the next layer reads.
        """
        act = _ACT[self.activation][0]
        a, cache = np.asarray(X, dtype=float), []
        layers = self.unflatten(theta)
        for k, (W, b) in enumerate(layers):
            z = a @ W.T + b
            out = z if k == len(layers) - 1 else act(z)
            if masks is not None and k < len(layers) - 1:
                out = out * masks[k]
            cache.append((a, z, out))
            a = out
        return a, cache

    def dropout_masks(self, rng, n, p):
        """Inverted-dropout masks for ``n`` examples: one ``(n, width)`` array per hidden
        layer, each entry 0 with probability ``p`` and ``1/(1 − p)`` otherwise (as
        ``torch.nn.Dropout`` in training mode), so that the expected activation is unchanged
        and evaluation needs no rescaling (Srivastava et al. 2014)."""
        if not 0 <= p < 1:
            raise ValueError(f"dropout must be in [0, 1), got {p!r}")
        return [(rng.random((n, w)) >= p) / (1 - p) for w in self.sizes[1:-1]]

    def _deltas(self, theta, X, y, masks=None):
        """Softmax cross-entropy loss per example and the output errors, layer by layer."""
        logits, cache = self.forward(theta, X, masks)
        y = np.asarray(y)
        logp = _log_softmax(logits)
        losses = -logp[np.arange(len(y)), y]
        delta = np.exp(logp)
        delta[np.arange(len(y)), y] -= 1.0                # ∂ℓ_i/∂z_out for each example
        dact = _ACT[self.activation][1]
        layers = self.unflatten(theta)
        deltas = [None] * len(layers)
        for k in range(len(layers) - 1, -1, -1):
            deltas[k] = delta
            if k:
                a_prev, z_prev, out_prev = cache[k - 1]
                if masks is None:
                    delta = (delta @ layers[k][0]) * dact(z_prev, out_prev)
                else:                                    # dropped units pass no error back
                    plain = _ACT[self.activation][0](z_prev)
                    delta = (delta @ layers[k][0]) * dact(z_prev, plain) * masks[k - 1]
        return losses, deltas, cache

    def loss(self, theta, X, y):
        """Mean cross-entropy."""
        logp = _log_softmax(self.forward(theta, X)[0])
        return float(-logp[np.arange(len(y)), np.asarray(y)].mean())

    def loss_and_grad(self, theta, X, y, masks=None):
        """Mean cross-entropy and its gradient by backpropagation (through the dropout
        ``masks`` if given: the loss of the thinned network)."""
        losses, deltas, cache = self._deltas(theta, X, y, masks)
        n = len(losses)
        grads = [((d.T @ a) / n, d.sum(axis=0) / n) for d, (a, _, _) in zip(deltas, cache)]
        return float(losses.mean()), self.flatten(grads)

    def grad(self, theta, X, y):
        return self.loss_and_grad(theta, X, y)[1]

    def per_example_grads(self, theta, X, y):
        """``(n, size)`` matrix whose row i is ∇ℓ_i(θ); its mean is :meth:`grad`."""
        _, deltas, cache = self._deltas(theta, X, y)
        blocks = []
        for d, (a, _, _) in zip(deltas, cache):
            blocks += [np.einsum("no,ni->noi", d, a).reshape(len(d), -1), d]
        return np.concatenate(blocks, axis=1)

    def layer_stats(self, theta, X, y):
        """Per-layer signal statistics of one batch, for initialization studies.

        Returns
        -------
        LayerStats
            Arrays of length ``len(sizes) - 1``, one entry per linear layer k (input side
            first): ``z_std`` and ``a_std``, the standard deviations of its pre-activations
            and activations (the logits for the last layer) over batch and units;
            ``delta_std``, that of the backpropagated per-example errors ∂ℓ_i/∂z_k; and
            ``grad_std``, that of the entries of ∂f/∂W_k, the mean loss's weight gradient.
        """
        with np.errstate(all="ignore"):   # collapsed or exploded signals are the point here
            losses, deltas, cache = self._deltas(theta, X, y)
            n = len(losses)
            return LayerStats(np.array([z.std() for _, z, _ in cache]),
                              np.array([a.std() for _, _, a in cache]),
                              np.array([d.std() for d in deltas]),
                              np.array([((d.T @ a) / n).std() for d, (a, _, _) in
                                        zip(deltas, cache)]))

    # ------------------------------------------------------------------ curvature
    def objective(self, X, y, x0=None, name=None):
        """The mean cross-entropy on ``(X, y)`` as a :class:`NetworkObjective`, so that
        :func:`helpers.run` and curvature methods (Hessian, Fisher, their vector products)
        work on the network as on any test function. ``x0`` defaults to ``init(0)``."""
        X, y = np.asarray(X, dtype=float), np.asarray(y)
        x0 = self.init(0) if x0 is None else np.asarray(x0, dtype=float)
        return NetworkObjective(
            name=name or f"mlp{'-'.join(map(str, self.sizes))} on {len(y)} examples",
            expr=None, symbols=(), f=lambda t: self.loss(t, X, y),
            grad=lambda t: self.grad(t, X, y), hess=lambda t: self.hessian(t, X, y),
            x0=x0, model=self, X=X, y=y)

    def layer_matrices(self, vec):
        """Per layer, the ``(fan_out, fan_in + 1)`` matrix ``[W | b]`` of a flat vector
        (θ, a gradient or a step): the layout in which K-FAC's Kronecker factors act."""
        return [np.column_stack([W, b]) for W, b in self.unflatten(vec)]

    def from_layer_matrices(self, mats):
        """The flat vector whose :meth:`layer_matrices` are ``mats``."""
        return self.flatten([(M[:, :-1], M[:, -1]) for M in mats])

    def sample_targets(self, theta, X, rng):
        """Labels drawn from the model's own predictive distribution p(y | x, θ), one per
        row of ``X`` (what the true Fisher averages over)."""
        cum = np.exp(_log_softmax(self.forward(theta, X)[0])).cumsum(axis=1)
        return np.minimum((rng.random((len(cum), 1)) > cum).sum(axis=1), cum.shape[1] - 1)

    def layer_grads(self, theta, X, y):
        """K-FAC's statistics: per layer ``(ā, δ)`` with ``ā`` (n, fan_in + 1) the layer's
        inputs with a 1 appended and ``δ`` (n, fan_out) the per-example ∂ℓ_i/∂z, so that
        example i's gradient of ``[W | b]`` is the outer product δ_i ā_iᵀ."""
        _, deltas, cache = self._deltas(theta, X, y)
        return [(np.column_stack([a, np.ones(len(a))]), d) for d, (a, _, _) in zip(deltas, cache)]

    def _curvature_product(self, theta, X, y, v, exact):
        """``H v`` (``exact``) or the Gauss–Newton product ``G v`` of the mean loss, by one
        forward pass of directional derivatives R(·) and one backward pass (Pearlmutter 1994)."""
        layers, dirs = self.unflatten(theta), self.unflatten(v)
        logits, cache = self.forward(theta, X)
        _, d1, d2 = _ACT[self.activation]
        ra, ras, rzs = np.zeros_like(cache[0][0]), [], []
        for (W, _), (V, c), (a, z, out) in zip(layers, dirs, cache):
            ras.append(ra)                                  # R(input of this layer)
            rzs.append(ra @ W.T + a @ V.T + c)              # R(z)
            ra = rzs[-1] * d1(z, out)
        p, n = np.exp(_log_softmax(logits)), len(logits)
        rdelta = p * rzs[-1] - p * (p * rzs[-1]).sum(axis=1, keepdims=True)   # (diag p − ppᵀ) Rz
        if exact:
            delta = p.copy()
            delta[np.arange(n), np.asarray(y)] -= 1.0
        grads = [None] * len(layers)
        for k in range(len(layers) - 1, -1, -1):
            gW = rdelta.T @ cache[k][0] + (delta.T @ ras[k] if exact else 0.0)
            grads[k] = (gW / n, rdelta.sum(axis=0) / n)
            if k:
                W, V, (_, z, out) = layers[k][0], dirs[k][0], cache[k - 1]
                new = (rdelta @ W) * d1(z, out)
                if exact:                                   # the terms Gauss–Newton drops
                    back = delta @ W
                    new += (delta @ V) * d1(z, out) + back * d2(z, out) * rzs[k - 1]
                    delta = back * d1(z, out)
                rdelta = new
        return self.flatten(grads)

    def hvp(self, theta, X, y, v):
        """Exact Hessian-vector product ``∇²f(θ) v`` of the mean cross-entropy."""
        return self._curvature_product(theta, X, y, _vec(v, self.size), exact=True)

    def gvp(self, theta, X, v):
        """Generalized Gauss–Newton product ``Jᵀ(diag p − ppᵀ)J v / n``. For softmax
        cross-entropy this is also the true Fisher times ``v``; it needs no labels."""
        return self._curvature_product(theta, X, None, _vec(v, self.size), exact=False)

    def hessian(self, theta, X, y):
        """The full ``(size, size)`` Hessian, one :meth:`hvp` per column (small nets only)."""
        return np.column_stack([self.hvp(theta, X, y, e) for e in np.eye(self.size)])

    def fisher(self, theta, X, y=None, kind="true"):
        """The exact Fisher matrix on ``X`` (small nets only).

        ``kind="true"``: ``(1/n) Σ_i Σ_c p(c | x_i) g_ic g_icᵀ`` with g_ic the gradient of
        −log p(c | x_i), every class weighted by the model's probability (it equals the
        Gauss–Newton matrix); ``kind="empirical"``: ``(1/n) Σ_i g_i g_iᵀ`` at the labels ``y``.
        """
        if kind == "empirical":
            if y is None:
                raise ValueError("fisher: kind='empirical' needs the labels y")
            G = self.per_example_grads(theta, X, y)
            return G.T @ G / len(G)
        if kind != "true":
            raise ValueError(f"fisher: invalid kind={kind!r}; must be 'true' or 'empirical'")
        p, n = np.exp(_log_softmax(self.forward(theta, X)[0])), len(X)
        R = np.concatenate([np.sqrt(p[:, [c]]) * self.per_example_grads(theta, X, np.full(n, c))
                            for c in range(p.shape[1])])
        return R.T @ R / n

    def predict(self, theta, X):
        return self.forward(theta, X)[0].argmax(axis=1)

    def accuracy(self, theta, X, y):
        return float(np.mean(self.predict(theta, X) == np.asarray(y)))


def _vec(v, size):
    v = np.asarray(v, dtype=float)
    if v.shape != (size,):
        raise ValueError(f"v must have shape ({size},), got {v.shape}")
    return v


@dataclass(frozen=True, eq=False, repr=False)
class NetworkObjective(Objective):
    """An :class:`MLP`'s mean cross-entropy on a fixed data set (or minibatch) as an
    objective: ``f``, ``grad``, ``hess`` (dense, small nets), the exact ``hvp``, the
    Fisher (``fisher``, and ``fvp`` its product) and the data for methods that need
    layer statistics (K-FAC). :func:`train` hands one per minibatch to the optimizer."""

    model: MLP | None = None
    X: np.ndarray | None = None
    y: np.ndarray | None = None

    def hvp(self, x, v):
        return self.model.hvp(x, self.X, self.y, v)

    def fvp(self, x, v):
        return self.model.gvp(x, self.X, v)

    def fisher(self, x, kind="true"):
        return self.model.fisher(x, self.X, self.y, kind)


class LayerStats(NamedTuple):
    """What :meth:`MLP.layer_stats` measured, one entry per linear layer."""

    z_std: np.ndarray
    a_std: np.ndarray
    delta_std: np.ndarray
    grad_std: np.ndarray


def _gain(activation):
    return initializers.gain(activation if activation in ("relu", "tanh", "sigmoid") else "linear")


@dataclass
class History:
    """What :func:`train` recorded: minibatch losses every step, full evaluations every
    ``eval_every`` steps, and how the run ended; with a validation set also its loss at each
    evaluation, the step of its minimum and whether early stopping ended the run."""

    batch_loss: np.ndarray
    eval_steps: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    test_acc: np.ndarray
    theta: np.ndarray
    seconds: float
    diverged: bool = False
    diverged_at: int | None = None
    message: str = ""
    optimizer: str = ""
    hyper: dict = field(default_factory=dict)
    val_loss: np.ndarray | None = None
    best_step: int | None = None
    stopped_early: bool = False


def train(model, optimizer, X, y, *, steps, batch_size=64, seed=0, theta0=None, X_test=None,
          y_test=None, eval_every=50, blowup=1e3, dropout=0.0, X_val=None, y_val=None,
          patience=None):
    """Minibatch training with per-epoch reshuffling (as torch's ``DataLoader(shuffle=True)``).

    A non-finite minibatch loss, or one ``blowup`` times the first, stops the run and
    flags it ``diverged`` at that step. Each step hands the optimizer the minibatch's
    :class:`NetworkObjective` (``model.objective(X[idx], y[idx])``), so curvature methods
    can ask for its loss, Hessian- or Fisher-vector products and layer statistics.

    Regularization (both off by default, leaving the run bit-for-bit unchanged):

    - ``dropout=p`` zeroes each hidden unit of each training example with probability
      ``p`` and scales the survivors by ``1/(1 − p)`` (inverted dropout; masks drawn from
      their own generator seeded by ``seed``, so the minibatch order is the same as
      without dropout). Every evaluation uses the full network.
    - ``patience=P`` with a validation set ``X_val, y_val`` evaluates the validation loss
      every ``eval_every`` steps (in ``History.val_loss``), stops after ``P`` evaluations
      without a new minimum (``stopped_early``), and returns the best parameters in
      ``History.theta`` with their step in ``best_step`` (Prechelt 1998). The recorded
      train/test curves stay those of the iterates actually visited.
    """
    if steps < 1 or int(steps) != steps:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    n = len(X)
    if not 1 <= batch_size <= n:
        raise ValueError(f"batch_size must be in [1, {n}], got {batch_size!r}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    has_val = X_val is not None
    if patience is not None and (not has_val or int(patience) != patience or patience < 1):
        raise ValueError(f"patience must be a positive integer with X_val, y_val given, "
                         f"got patience={patience!r}")
    rng = np.random.default_rng(seed)
    drop_rng = np.random.default_rng([seed, 1]) if dropout else None
    theta = model.init(seed) if theta0 is None else np.array(theta0, dtype=float)
    state, order, pos = optimizer.init(theta), rng.permutation(n), 0
    batch, evals, vals = [], [], []
    has_test = X_test is not None
    best = [np.inf, 0, theta, 0]                     # val loss, step, θ, evaluations since

    def evaluate(t):
        evals.append((t, model.loss(theta, X, y),
                      model.loss(theta, X_test, y_test) if has_test else np.nan,
                      model.accuracy(theta, X_test, y_test) if has_test else np.nan))
        if has_val:
            vals.append(model.loss(theta, X_val, y_val))
            best[:] = [vals[-1], t, theta, 0] if vals[-1] < best[0] else best[:3] + [best[3] + 1]
            return patience is not None and best[3] >= patience
        return False

    start, message, diverged_at, stopped = time.perf_counter(), "", None, False
    evaluate(0)
    with np.errstate(all="ignore"):
        for t in range(int(steps)):
            if pos + batch_size > n:
                order, pos = rng.permutation(n), 0
            idx = order[pos:pos + batch_size]
            pos += batch_size
            masks = model.dropout_masks(drop_rng, len(idx), dropout) if dropout else None
            loss, g = model.loss_and_grad(theta, X[idx], y[idx], masks)
            if not np.isfinite(loss) or (batch and loss > blowup * batch[0]):
                diverged_at, message = t, f"diverged at step {t}: minibatch loss {loss:.3g}"
                break
            batch.append(loss)
            theta, state = optimizer.update(g, state, theta,
                                            model.objective(X[idx], y[idx], x0=theta))
            if ((t + 1) % eval_every == 0 or t + 1 == steps) and evaluate(t + 1):
                stopped = True
                message = (f"stopped early at step {t + 1}: no better validation loss in "
                           f"{patience} evaluations; best at step {best[1]}")
                break
    e = np.array(evals, dtype=float)
    return History(np.array(batch), e[:, 0].astype(int), e[:, 1], e[:, 2], e[:, 3],
                   best[2] if patience is not None else theta,
                   time.perf_counter() - start, diverged_at is not None, diverged_at, message,
                   optimizer.name, dict(optimizer.hyper or {}),
                   np.array(vals) if has_val else None,
                   best[1] if has_val else None, stopped)
