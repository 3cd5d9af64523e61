"""K-FAC and EKFAC against dense linear algebra on small networks."""
import numpy as np
import pytest

from helpers import data, mlp, optimizers, run
from helpers.optimizers.kfac import kfac_factors


@pytest.fixture(scope="module")
def digits():
    return data.digits()


def _vec(M):                                   # column-major vec, as in (A ⊗ G) vec(V) = vec(G V A)
    return M.reshape(-1, order="F")


def _first_step(opt, net, X, y, theta):
    obj = net.objective(X, y, x0=theta)
    g = obj.grad(theta)
    new, state = opt.update(g, opt.init(theta), theta, obj)
    return g, theta - new, state


@pytest.mark.parametrize("mode", ["tikhonov", "scaled", "factored"])
def test_kfac_step_is_the_damped_kronecker_inverse_applied_to_the_gradient(digits, mode):
    Xtr, _, ytr, _ = digits
    net = mlp.MLP((64, 6, 10), "tanh")
    theta, X, y, lam = net.init(1), Xtr[:40], ytr[:40], 0.05
    opt = optimizers.kfac(lr=1.0, damping=lam, damping_mode=mode, fisher="empirical")
    g, step, _ = _first_step(opt, net, X, y, theta)
    for (A, G), V, S in zip(kfac_factors(net, theta, X, y), net.layer_matrices(g),
                            net.layer_matrices(step)):
        if mode == "factored":
            pi = np.sqrt((np.trace(A) / len(A)) / (np.trace(G) / len(G)))
            r = np.sqrt(lam)
            M = np.kron(A + pi * r * np.eye(len(A)), G + r / pi * np.eye(len(G)))
        else:
            d = lam * (np.trace(A) / len(A)) * (np.trace(G) / len(G)) if mode == "scaled" else lam
            M = np.kron(A, G) + d * np.eye(len(A) * len(G))
        np.testing.assert_allclose(_vec(S), np.linalg.solve(M, _vec(V)), rtol=1e-9,
                                   atol=1e-12 * np.abs(_vec(S)).max())


def test_kfac_is_exact_natural_gradient_for_one_example_of_a_linear_model(digits):
    Xtr, _, ytr, _ = digits
    net = mlp.MLP((64, 10))
    theta, X, y, lam = net.init(2), Xtr[3:4], ytr[3:4], 1e-2
    for kind in ("kfac", "ekfac"):
        opt = optimizers.get(kind, lr=1.0, damping=lam, damping_mode="tikhonov",
                             fisher="empirical")
        g, step, _ = _first_step(opt, net, X, y, theta)
        F = net.fisher(theta, X, y, kind="empirical")
        np.testing.assert_allclose(step, np.linalg.solve(F + lam * np.eye(net.size), g),
                                   rtol=1e-8, atol=1e-10)


def test_ekfac_diagonal_is_no_worse_than_kfacs_in_frobenius_norm(digits):
    Xtr, _, ytr, _ = digits
    net = mlp.MLP((64, 5, 10), "tanh")
    theta, X = net.init(3), Xtr[:60]
    y = net.sample_targets(theta, X, np.random.default_rng(0))
    opt = optimizers.ekfac(lr=1.0, fisher="empirical")
    _, _, state = _first_step(opt, net, X, y, theta)
    G = net.per_example_grads(theta, X, y)
    rows = [net.layer_matrices(r) for r in G]
    for layer, ((a, UA, g, UG), s) in enumerate(zip(state.eig, state.scale)):
        Gl = np.stack([_vec(r[layer]) for r in rows])
        F = Gl.T @ Gl / len(Gl)                       # the exact (empirical) Fisher block
        U = np.kron(UA, UG)
        k_err = np.linalg.norm(F - U @ np.diag(_vec(np.outer(g, a))) @ U.T)
        e_err = np.linalg.norm(F - U @ np.diag(_vec(s)) @ U.T)
        assert e_err <= k_err * (1 + 1e-12)
        np.testing.assert_allclose(_vec(s), np.diag(U.T @ F @ U), rtol=1e-9, atol=1e-15)


def test_running_averages_and_refresh_schedule(digits):
    Xtr, _, ytr, _ = digits
    net = mlp.MLP((64, 10))
    opt = optimizers.kfac(lr=0.1, decay=0.9, inv_every=3, fisher="empirical")
    theta, batches = net.init(0), [(Xtr[i:i + 20], ytr[i:i + 20]) for i in (0, 20, 40, 60)]
    state, seen = opt.init(theta), []
    for X, y in batches:
        obj = net.objective(X, y, x0=theta)
        seen.append(kfac_factors(net, theta, X, y)[0][0])
        eig_before = state.eig
        theta, state = opt.update(obj.grad(theta), state, theta, obj)
        if state.count in (2, 3):
            assert state.eig is eig_before            # refreshed only at k = 0 and k = 3
    # weights: k=0 → new only; k=1 → ½, ½; k=2 → ⅔, ⅓; k=3 → 0.9, 0.1
    expect = seen[0]
    for k, A in enumerate(seen[1:], start=1):
        w = min(1 - 1 / (k + 1), 0.9)
        expect = w * expect + (1 - w) * A
    np.testing.assert_allclose(state.A[0], expect, rtol=1e-12)


def test_levenberg_marquardt_rule_moves_the_damping(digits):
    Xtr, _, ytr, _ = digits
    net = mlp.MLP((64, 10))
    obj = net.objective(Xtr[:200], ytr[:200])
    small = run(optimizers.kfac(lr=1.0, damping=1e-3, adapt_damping=True, adapt_every=1),
                obj, steps=1)
    assert not small.diverged
    # a nearly undamped model step on a hidden layer predicts a decrease the loss does not
    # show (here the loss rises): ρ < ¼, λ grows
    deep = mlp.MLP((64, 16, 10)).objective(Xtr[:200], ytr[:200])
    opt = optimizers.kfac(lr=1.0, damping=1e-4, adapt_damping=True, adapt_every=1)
    theta = deep.x0
    _, state = opt.update(deep.grad(theta), opt.init(theta), theta, deep)
    assert state.rho < 0.25 and state.damping == pytest.approx(1e-4 / 0.95)
    # a well-damped step on softmax regression: ρ above ¾ and λ shrinks
    opt = optimizers.kfac(lr=0.5, damping=1.0, adapt_damping=True, adapt_every=1)
    theta = obj.x0
    _, state = opt.update(obj.grad(theta), opt.init(theta), theta, obj)
    assert state.rho > 0.75 and state.damping == pytest.approx(0.95)


def test_lm_ratio_is_measured_at_the_models_own_step(digits):
    """ρ compares h = f + ½λ₂‖θ‖² with the damped exact-Fisher model at Δ = −F̂_λ⁻¹g,
    whatever η, momentum and clipping then do with Δ."""
    Xtr, _, ytr, _ = digits
    net = mlp.MLP((64, 8, 10), "tanh")
    obj = net.objective(Xtr[:100], ytr[:100], x0=net.init(4))
    theta, lam, wd = obj.x0, 0.05, 0.1
    unit = optimizers.kfac(lr=1.0, damping=lam, weight_decay=wd, adapt_damping=True,
                           adapt_every=1)
    new, state = unit.update(obj.grad(theta), unit.init(theta), theta, obj)
    D = new - theta                                   # η = 1, no momentum: the model's step
    g = obj.grad(theta) + wd * theta
    h = lambda t: obj.f(t) + 0.5 * wd * t @ t       # noqa: E731
    M = g @ D + 0.5 * D @ obj.fvp(theta, D) + 0.5 * (lam + wd) * D @ D
    assert M < 0 and state.rho == pytest.approx((h(theta + D) - h(theta)) / M, rel=1e-10)
    for kw in (dict(lr=0.1), dict(lr=0.3, momentum=0.9), dict(lr=2.0, kl_clip=1e-4)):
        other = optimizers.kfac(damping=lam, weight_decay=wd, adapt_damping=True,
                                adapt_every=1, **kw)
        _, s = other.update(obj.grad(theta), other.init(theta), theta, obj)
        assert s.rho == pytest.approx(state.rho, rel=1e-12) and s.damping == state.damping


def test_lm_damping_settles_instead_of_running_away(digits):
    """With η < 1, ρ measured at the shortened step is ≈ 1 whatever λ is, so λ shrank at
    28 of 34 moves (0.03 → 6·10⁻⁵) until the run blew up at step 173; measured at
    the model's own step, λ stays in the band where that step is trustworthy."""
    Xtr, _, ytr, _ = digits
    net, lams = mlp.MLP((64, 32, 10)), []
    opt = optimizers.kfac(lr=0.1, damping=0.03, adapt_damping=True)

    def update(grad, state, params, objective):
        params, state = opt.update(grad, state, params, objective)
        lams.append(state.damping)
        return params, state

    recorded = optimizers.Optimizer(opt.init, update, opt.name, opt.hyper)
    h = mlp.train(net, recorded, Xtr, ytr, steps=250, batch_size=128, seed=1, eval_every=50)
    assert not h.diverged and h.train_loss[-1] < 0.05
    assert 3e-3 < min(lams) and max(lams) < 0.2


def test_kfac_trains_the_digits_mlp_faster_per_step_than_sgd(digits):
    Xtr, Xte, ytr, yte = digits
    net = mlp.MLP((64, 32, 10))
    k = mlp.train(net, optimizers.kfac(lr=0.2, damping=0.03), Xtr, ytr, steps=60, batch_size=128)
    s = mlp.train(net, optimizers.sgd(lr=0.2), Xtr, ytr, steps=60, batch_size=128)
    assert not k.diverged and k.train_loss[-1] < 0.5 * s.train_loss[-1]


def test_kl_clip_bounds_the_predicted_kl_of_each_step(digits):
    Xtr, _, ytr, _ = digits
    net = mlp.MLP((64, 10))
    obj = net.objective(Xtr[:100], ytr[:100])
    theta, g = obj.x0, obj.grad(obj.x0)
    free = optimizers.kfac(lr=1.0, damping=1e-3, fisher="empirical")
    step = theta - free.update(g, free.init(theta), theta, obj)[0]
    assert g @ step > 0.01                            # the unclipped predicted KL
    clipped = optimizers.kfac(lr=1.0, damping=1e-3, fisher="empirical", kl_clip=0.01)
    small = theta - clipped.update(g, clipped.init(theta), theta, obj)[0]
    np.testing.assert_allclose(small, step * np.sqrt(0.01 / (g @ step)), rtol=1e-12,
                               atol=1e-12 * np.abs(step).max())
    h = mlp.train(mlp.MLP((64, 32, 10)), optimizers.ekfac(lr=0.3, damping=0.03, kl_clip=1e-3),
                  Xtr, ytr, steps=300, batch_size=128, eval_every=100)
    assert not h.diverged and h.train_loss[-1] < 0.02


def test_validation_and_missing_network():
    for kw, name in [(dict(lr=-1), "lr"), (dict(damping=-1), "damping"),
                     (dict(momentum=1.0), "momentum"), (dict(decay=1.0), "decay"),
                     (dict(inv_every=0), "inv_every"), (dict(adapt_every=1.5), "adapt_every"),
                     (dict(damping_mode="pi"), "damping_mode"), (dict(fisher="exact"), "fisher"),
                     (dict(adapt_damping=True, damping=0.0), "damping"),
                     (dict(kl_clip=0.0), "kl_clip"), (dict(kl_clip=-1.0), "kl_clip")]:
        with pytest.raises(ValueError, match=f"invalid {name}="):
            optimizers.kfac(**kw)
    with pytest.raises(ValueError, match="damping_mode"):
        optimizers.ekfac(damping_mode="factored")
    opt = optimizers.kfac()
    with pytest.raises(ValueError, match="NetworkObjective"):
        run(opt, "rosenbrock", steps=2)
    assert {"kfac", "ekfac"} <= set(optimizers.available())


@pytest.mark.parametrize("kind, mode", [("kfac", "scaled"), ("ekfac", "scaled"),
                                        ("kfac", "tikhonov"), ("ekfac", "tikhonov")])
def test_levenberg_marquardt_model_uses_the_damping_the_step_applied(digits, kind, mode):
    Xtr, _, ytr, _ = digits
    net = mlp.MLP((64, 10))
    obj = net.objective(Xtr[:100], ytr[:100])
    opt = optimizers.get(kind, lr=1.0, damping=0.1, damping_mode=mode, adapt_damping=True,
                         adapt_every=1, fisher="empirical")
    theta, g = obj.x0, obj.grad(obj.x0)
    new, state = opt.update(g, opt.init(theta), theta, obj)
    nat = theta - new
    # rebuild each layer's applied Tikhonov magnitude from the eigenbasis
    tik = []
    for e, s in zip(state.eig, state.scale or [None] * len(state.eig)):
        base = s if s is not None else np.outer(np.maximum(e[2], 0), np.maximum(e[0], 0))
        tik.append(0.1 * base.mean() if mode == "scaled" else 0.1)
    damp = sum(t * np.sum(M * M) for t, M in zip(tik, net.layer_matrices(nat)))
    quad = -(g @ nat) + 0.5 * nat @ obj.fvp(theta, nat) + 0.5 * damp
    expect = (obj.f(theta - nat) - obj.f(theta)) / quad
    assert state.rho == pytest.approx(expect, rel=1e-10)
    assert 0 < state.rho < 2                           # a model that predicts, not ρ = −1


def test_ekfac_restarts_its_running_diagonal_from_kfacs_products(digits):
    Xtr, _, ytr, _ = digits
    net = mlp.MLP((64, 10))
    opt = optimizers.ekfac(lr=0.1, decay=0.9, inv_every=2, fisher="empirical")
    theta = net.init(0)
    state = opt.init(theta)
    for i in range(3):
        X, y = Xtr[20 * i:20 * i + 20], ytr[20 * i:20 * i + 20]
        obj, before = net.objective(X, y, x0=theta), theta
        theta, state = opt.update(obj.grad(theta), state, theta, obj)
    # step k = 2 refreshed the basis: s = w·(K-FAC's products) + (1 − w)·this batch's s
    a, UA, g, UG = state.eig[0]
    (ab, d), = net.layer_grads(before, X, y)
    batch = np.einsum("no,ni->oi", (d @ UG) ** 2, (ab @ UA) ** 2) / len(ab)
    w = min(1 - 1 / 3, 0.9)
    expect = w * np.outer(np.maximum(g, 0), np.maximum(a, 0)) + (1 - w) * batch
    np.testing.assert_allclose(state.scale[0], expect, rtol=1e-12, atol=1e-18)
