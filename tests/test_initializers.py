"""helpers.initializers against torch.nn.init's formulas, and MLP.layer_stats, the
per-layer signal statistics that the initialization notebook studies."""
import functools
import math

import numpy as np
import pytest

from helpers import data, initializers, mlp


@pytest.mark.parametrize("name, var", [
    ("xavier_uniform", lambda fi, fo: 2 / (fi + fo)),
    ("xavier_normal", lambda fi, fo: 2 / (fi + fo)),
    ("he_uniform", lambda fi, fo: 2 / fi), ("he_normal", lambda fi, fo: 2 / fi),
    ("lecun_normal", lambda fi, fo: 1 / fi), ("lecun_uniform", lambda fi, fo: 1 / fi),
])
def test_initializer_variances_follow_torch_formulas(name, var):
    W = initializers.get(name)((300, 500), np.random.default_rng(0))
    assert W.var() == pytest.approx(var(500, 300), rel=0.02)
    assert abs(W.mean()) < 0.01 * math.sqrt(var(500, 300))


@pytest.mark.parametrize("shape", [(20, 50), (50, 20), (30, 30)])
def test_orthogonal_initializer(shape):
    W = initializers.orthogonal(shape, np.random.default_rng(1), gain=2.0)
    small = min(shape)
    G = W @ W.T if shape[0] == small else W.T @ W
    np.testing.assert_allclose(G, 4.0 * np.eye(small), atol=1e-12)


def test_initializer_names_and_gains():
    assert initializers.get("glorot_uniform") is initializers.xavier_uniform
    assert initializers.get("kaiming_normal") is initializers.he_normal
    assert initializers.gain("tanh") == pytest.approx(5 / 3)
    with pytest.raises(ValueError, match="available"):
        initializers.get("uniform_random")
    with pytest.raises(ValueError, match="nonlinearity"):
        initializers.gain("swish")


@pytest.mark.parametrize("name", ["xavier_uniform", "he_uniform", "lecun_uniform"])
def test_uniform_bounds_are_sqrt3_sigma(name):
    W = initializers.get(name)((200, 400), np.random.default_rng(2), gain=1.7)
    sigma = 1.7 * math.sqrt(2 / 600 if name.startswith("xavier") else 1 / 400)
    assert np.abs(W).max() <= math.sqrt(3) * sigma
    assert np.abs(W).max() > math.sqrt(3) * sigma * (1 - 1e-3)


def test_mlp_init_uses_the_activation_gain():
    net = mlp.MLP((300, 300, 10), "tanh")
    W1 = net.unflatten(net.init(0))[0][0]                     # Xavier-normal, gain 5/3
    assert W1.var() == pytest.approx((5 / 3) ** 2 * 2 / 600, rel=0.02)


@pytest.fixture(scope="module")
def batch():
    Xtr, _, ytr, _ = data.digits()
    return Xtr[:64] - Xtr[:64].mean(axis=0), ytr[:64]


def test_layer_stats_match_forward_and_backprop(batch):
    X, y = batch
    net = mlp.MLP((64, 20, 15, 10), "tanh")
    theta = net.init(1, bias=0.05)
    st = net.layer_stats(theta, X, y)
    assert all(len(v) == 3 for v in st)
    _, cache = net.forward(theta, X)
    np.testing.assert_allclose(st.z_std, [z.std() for _, z, _ in cache])
    np.testing.assert_allclose(st.a_std, [a.std() for _, _, a in cache])
    grads = net.unflatten(net.grad(theta, X, y))
    np.testing.assert_allclose(st.grad_std, [W.std() for W, _ in grads], rtol=1e-12)
    logits = cache[-1][2]
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1                               # ∂ℓ/∂logits
    assert st.delta_std[-1] == pytest.approx(p.std())


def test_layer_stats_show_he_preserving_and_half_he_collapsing(batch):
    X, y = batch
    net = mlp.MLP((64,) + (128,) * 20 + (10,), "relu")
    he = net.layer_stats(net.init(0, "he_normal"), X, y).a_std[:20] ** 2
    half_he = functools.partial(initializers.he_normal, gain=0.5 * math.sqrt(2))
    small = net.layer_stats(net.init(0, half_he), X, y).a_std[:20] ** 2
    assert he.max() / he.min() < 8 and small[-1] / small[0] < 1e-9
