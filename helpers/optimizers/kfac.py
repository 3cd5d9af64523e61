r"""K-FAC and EKFAC: natural gradient, each layer's Fisher block a Kronecker product.

For a dense layer ``z = W̄ ā`` (``W̄ = [W | b]``, ``ā = [a; 1]``) example i's gradient is
``δ_i ā_iᵀ``, so the layer's Fisher block ``E[ā āᵀ ⊗ δ δᵀ]`` is approximated by
``A ⊗ G`` with ``A = E[ā āᵀ]`` and ``G = E[δ δᵀ]`` (Martens & Grosse 2015), whose inverse
is applied to the gradient matrix as ``G⁻¹ ∇W̄ A⁻¹``. Both factors are kept as
eigendecompositions ``A = U_A diag(a) U_Aᵀ``, ``G = U_G diag(g) U_Gᵀ`` refreshed every
``inv_every`` steps, so that every damping rule, and EKFAC's re-estimated diagonal
(George et al. 2018), is a division in the Kronecker eigenbasis:

.. math::
    \Delta = U_G \big[(U_G^\top \nabla\bar W\, U_A) \oslash D\big] U_A^\top

with ``D = g aᵀ + λ`` (exact Tikhonov on ``A ⊗ G``), ``(g + √λ/π)(a + π√λ)ᵀ`` (factored
Tikhonov with the π rule), ``g aᵀ + λ·mean(a)·mean(g)`` (damping scaled to the curvature),
or, for EKFAC, ``s + λ`` with ``s = E[(U_Gᵀ δ āᵀ U_A)^{⊙2}]`` estimated from per-example
gradients.

These need the minibatch's network: ``update``'s ``objective`` must be a
:class:`helpers.mlp.NetworkObjective` (``mlp.train`` passes one each step; for full-batch
runs pass ``model.objective(X, y)`` to :func:`helpers.run`).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._core import Optimizer, _check, _coupled, _lr, _positive, register

__all__ = ["kfac", "ekfac", "kfac_factors"]

_MODES = {"kfac": ("factored", "tikhonov", "scaled"), "ekfac": ("tikhonov", "scaled")}


class KFACState(NamedTuple):
    count: int
    A: tuple                 # running E[ā āᵀ] per layer
    G: tuple                 # running E[δ δᵀ] per layer
    eig: tuple               # per layer (a, U_A, g, U_G) at the last refresh
    scale: tuple             # EKFAC: running s per layer (K-FAC: empty)
    damping: float           # λ (adapted by the Levenberg–Marquardt rule when asked)
    momentum_buffer: np.ndarray
    rho: float               # the last reduction ratio (nan before the first adaptation)


def kfac_factors(model, theta, X, y):
    """The per-layer Kronecker factors ``(A, G)`` of one batch: ``A = āᵀā/n``, ``G = δᵀδ/n``
    with δ the per-example output gradients at labels ``y`` (model-sampled labels give the
    true Fisher's factors, data labels the empirical Fisher's)."""
    return [(a.T @ a / len(a), d.T @ d / len(d)) for a, d in model.layer_grads(theta, X, y)]


def _divisor(mode, eig, s, lam):
    """The divisor D of the eigenbasis step, and the Tikhonov magnitude the layer receives
    (what the Levenberg–Marquardt quadratic model adds as ½·magnitude·‖Δ‖²)."""
    a, _, g, _ = eig
    if mode == "factored":
        pi = math.sqrt(max(a.mean(), 1e-300) / max(g.mean(), 1e-300))
        return np.outer(g + math.sqrt(lam) / pi, a + pi * math.sqrt(lam)), lam
    base = s if s is not None else np.outer(np.maximum(g, 0), np.maximum(a, 0))   # EKFAC / K-FAC
    tik = lam * base.mean() if mode == "scaled" else lam
    return base + tik, tik


def _factory(kind, lr, damping, momentum, decay, inv_every, damping_mode, adapt_damping,
             adapt_every, fisher, weight_decay, kl_clip, seed):
    if kl_clip is not None:
        _positive(kind, kl_clip=kl_clip)
    _check(kind, lr=(lr, 0, None, False), damping=(damping, 0, None, False),
           momentum=(momentum, 0, 1, False), decay=(decay, 0, 1, False),
           weight_decay=(weight_decay, 0, None, False))
    for name, value in (("inv_every", inv_every), ("adapt_every", adapt_every)):
        if not (isinstance(value, (int, np.integer)) and value >= 1):
            raise ValueError(f"{kind}: invalid {name}={value!r}; must be an integer >= 1")
    if damping_mode not in _MODES[kind]:
        raise ValueError(f"{kind}: invalid damping_mode={damping_mode!r}; must be one of "
                         f"{', '.join(_MODES[kind])}")
    if fisher not in ("true", "empirical"):
        raise ValueError(f"{kind}: invalid fisher={fisher!r}; must be 'true' or 'empirical'")
    if adapt_damping and damping <= 0:
        raise ValueError(f"{kind}: invalid damping={damping!r}; adapt_damping needs damping > 0")
    omega = (19 / 20) ** adapt_every                  # Martens & Grosse §6.5

    def statistics(obj, theta, count):
        if getattr(obj, "model", None) is None:
            raise ValueError(f"{kind}: update needs the minibatch's NetworkObjective (mlp.train "
                             "passes it; for full batch run it on model.objective(X, y))")
        y = obj.y
        if fisher == "true":
            y = obj.model.sample_targets(theta, obj.X, np.random.default_rng([seed, count]))
        return obj.model.layer_grads(theta, obj.X, y)

    def init(params):
        return KFACState(0, (), (), (), (), float(damping), np.zeros(np.shape(params)), math.nan)

    def update(grad, state, params, objective=None):
        model, k = getattr(objective, "model", None), state.count
        stats = statistics(objective, params, k)
        w = min(1 - 1 / (k + 1), decay)               # unbiased start, then an EMA
        A = [a.T @ a / len(a) for a, _ in stats]
        G = [d.T @ d / len(d) for _, d in stats]
        if k:
            A = [w * old + (1 - w) * new for old, new in zip(state.A, A)]
            G = [w * old + (1 - w) * new for old, new in zip(state.G, G)]
        refresh = k % inv_every == 0
        eig = state.eig
        if refresh:
            eig = tuple((*np.linalg.eigh(Ai), *np.linalg.eigh(Gi)) for Ai, Gi in zip(A, G))
        scale = ()
        if kind == "ekfac":                            # s = E[(U_Gᵀ δ āᵀ U_A)²], per example
            new = [np.einsum("no,ni->oi", (d @ e[3]) ** 2, (a @ e[1]) ** 2) / len(a)
                   for (a, d), e in zip(stats, eig)]
            # the running average carries over a refresh through K-FAC's own diagonal in the
            # new basis (as the authors' code restarts it), not from one minibatch alone
            old = state.scale if not refresh else [
                np.outer(np.maximum(e[2], 0), np.maximum(e[0], 0)) for e in eig]
            scale = tuple(new if k == 0 else
                          [w * o + (1 - w) * s for o, s in zip(old, new)])
        g = _coupled(grad, params, weight_decay)
        lam = state.damping
        mats, tik = [], []
        for i, (V, e) in enumerate(zip(model.layer_matrices(g), eig)):
            _, UA, _, UG = e
            D, t = _divisor(damping_mode, e, scale[i] if scale else None, lam)
            mats.append(UG @ ((UG.T @ V @ UA) / D) @ UA.T)
            tik.append(t)
        nat, eta = model.from_layer_matrices(mats), _lr(lr, k)       # F̂_λ⁻¹ g
        step = nat
        if kl_clip is not None:      # η²·gᵀF̂⁻¹g, the step's predicted KL change, ≤ kl_clip
            step = nat * min(1.0, math.sqrt(kl_clip / max(eta**2 * (g @ nat), 1e-300)))
        buf = momentum * state.momentum_buffer + step if momentum else step
        delta = -eta * buf
        rho = state.rho
        if adapt_damping and (k + 1) % adapt_every == 0:
            # ρ = (h(θ+Δ) − h(θ)) / (M(Δ) − M(0)) at the damped model's own step Δ = −F̂_λ⁻¹g
            # (not at −η·buf: a shortened step fits any model, ρ ≈ 1 and λ only shrinks),
            # M the damped quadratic model with the exact Fisher of this minibatch and h the
            # minibatch loss plus the L2 term (Levenberg–Marquardt rule, Martens & Grosse §6.5);
            # each layer's Tikhonov term is the magnitude its divisor applied (λ, or λ times
            # the mean curvature for "scaled"; λ for "factored", as the paper's model)
            quad = -(g @ nat) + 0.5 * nat @ objective.fvp(params, nat) + 0.5 * (
                sum(t * np.sum(M * M) for t, M in zip(tik, mats)) + weight_decay * nat @ nat)
            change = objective.f(params - nat) - objective.f(params) + weight_decay * (
                0.5 * nat @ nat - params @ nat)
            rho = change / quad if quad < 0 else -1.0
            lam = lam * omega if rho > 0.75 else (lam / omega if rho < 0.25 else lam)
        return params + delta, KFACState(k + 1, tuple(A), tuple(G), eig, scale, lam, buf, rho)

    hyper = dict(lr=lr, damping=damping, momentum=momentum, decay=decay, inv_every=inv_every,
                 damping_mode=damping_mode, adapt_damping=adapt_damping, adapt_every=adapt_every,
                 fisher=fisher, weight_decay=weight_decay, kl_clip=kl_clip, seed=seed)
    return Optimizer(init, update, kind, hyper)


@register("kfac")
def kfac(lr=0.1, damping=1e-2, momentum=0.0, decay=0.95, inv_every=10, damping_mode="factored",
         adapt_damping=False, adapt_every=5, fisher="true", weight_decay=0.0, kl_clip=None,
         seed=0) -> Optimizer:
    r"""K-FAC (Martens & Grosse 2015) for an :class:`helpers.mlp.MLP`:
    :math:`\theta \leftarrow \theta - \eta\, v`, :math:`v = \mu v + \hat F_\lambda^{-1} g`, with
    :math:`\hat F_\lambda` the damped block-diagonal Kronecker-factored Fisher (module docstring).

    Parameters
    ----------
    lr : float or schedule, η (fixed; the paper's α, μ from the quadratic model are not used)
    damping : λ ≥ 0; its meaning depends on ``damping_mode``:
        ``"factored"`` (A + π√λ I) ⊗ (G + √λ/π I) with π = √((tr A/d_A)/(tr G/d_G)) (§6.3);
        ``"tikhonov"`` A ⊗ G + λI exactly (through the eigenbasis);
        ``"scaled"`` A ⊗ G + λ·(tr A/d_A)(tr G/d_G)·I, damping relative to the curvature.
    momentum : μ in [0, 1), heavy-ball on the preconditioned step (0: none)
    decay : weight of the old statistics in the running averages of A and G (at step k the
        weight is min(1 − 1/(k+1), decay), so the first steps are plain averages)
    inv_every : T, the eigendecompositions (the "inverses") are refreshed every T steps
    adapt_damping : adjust λ every ``adapt_every`` steps by the Levenberg–Marquardt rule:
        ρ > ¾ → λ·ω, ρ < ¼ → λ/ω, ω = (19/20)^adapt_every, with ρ the ratio of the actual
        minibatch loss change to that predicted by the damped exact-Fisher quadratic model,
        both taken at the damped model's own step −F̂_λ⁻¹g (before η, momentum and KL
        clipping; see Notes)
    fisher : ``"true"`` (targets sampled from the model, one per example, as the paper)
        or ``"empirical"`` (the data labels)
    weight_decay : coupled L2 λ_2 added to the gradient (and to the quadratic model)
    kl_clip : None, or a bound on the step's predicted KL divergence η²·gᵀF̂⁻¹g: a longer
        step is scaled down to it (the "KL clipping" of Ba, Grosse & Martens 2017). Late in
        training the Fisher of a confident network is tiny and unclipped steps can explode.
    seed : seeds the target sampling (step k uses ``default_rng([seed, k])``)

    Notes
    -----
    The paper uses one λ for the quadratic model and γ = √(λ + λ_2)-style factored damping
    tuned separately; here one λ serves both. The paper also rescales each step by the α
    (and μ) minimizing the exact quadratic model, so its ρ is measured at the model's
    minimizer; here η is fixed, and ρ is measured at the unscaled step −F̂_λ⁻¹g instead
    (Moré's 1978 Levenberg–Marquardt rule for K-FAC's own proposal). Measured at −η·v with
    η < 1, ρ ≈ 1 whatever λ is, so λ shrinks geometrically until the run blows up (digits
    MLP, η = 0.1: λ from 0.03 to 6·10⁻⁵ and a blow-up at step 173); measured at the model's
    step, λ settles where that step is trustworthy. With η = 1, no momentum and no clipping
    the two coincide. No library reference exists in torch.optim or optax; tests check the
    preconditioner against the dense inverse of the Kronecker product.
    """
    return _factory("kfac", lr, damping, momentum, decay, inv_every, damping_mode, adapt_damping,
                    adapt_every, fisher, weight_decay, kl_clip, seed)


@register("ekfac")
def ekfac(lr=0.1, damping=1e-2, momentum=0.0, decay=0.95, inv_every=10, damping_mode="tikhonov",
          adapt_damping=False, adapt_every=5, fisher="true", weight_decay=0.0, kl_clip=None,
          seed=0) -> Optimizer:
    r"""EKFAC (George et al. 2018): K-FAC's Kronecker eigenbasis, with the diagonal in that
    basis re-estimated from per-example gradients instead of taken as the products of the
    factors' eigenvalues: :math:`s = E[(U_G^\top \delta \bar a^\top U_A)^{\odot 2}]`, running
    averaged every step (when the basis is refreshed, the average restarts from K-FAC's
    products of eigenvalues in the new basis, as in the authors' code), and the step
    :math:`U_G[(U_G^\top \nabla\bar W U_A) \oslash (s + \lambda)]U_A^\top`.

    Parameters are those of :func:`kfac`; ``damping_mode`` is ``"tikhonov"`` (s + λ) or
    ``"scaled"`` (s + λ·mean(s)); the factored π rule has no meaning for a diagonal that is
    not a product. Among all diagonal matrices in the Kronecker eigenbasis, s is the one
    closest to the Fisher block in Frobenius norm, so EKFAC is no worse than K-FAC there.
    """
    return _factory("ekfac", lr, damping, momentum, decay, inv_every, damping_mode,
                    adapt_damping, adapt_every, fisher, weight_decay, kl_clip, seed)
