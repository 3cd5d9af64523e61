import numpy as np
import pytest

from helpers import checks, data, mlp, optimizers


@pytest.fixture(scope="module")
def digits():
    return data.digits()


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_backprop_matches_finite_differences(digits, activation):
    Xtr, _, ytr, _ = digits
    net = mlp.MLP((64, 12, 7, 10), activation)
    theta = net.init(seed=3, bias=0.1)
    X, y = Xtr[:15], ytr[:15]
    fd = checks.fd_grad(lambda t: net.loss(t, X, y), theta)
    loss, g = net.loss_and_grad(theta, X, y)
    assert loss == pytest.approx(net.loss(theta, X, y))
    np.testing.assert_allclose(g, fd, atol=1e-8)


def test_per_example_gradients_are_the_rows_of_the_gradient(digits):
    Xtr, _, ytr, _ = digits
    net = mlp.MLP((64, 16, 10))
    theta = net.init(1)
    G = net.per_example_grads(theta, Xtr[:9], ytr[:9])
    assert G.shape == (9, net.size)
    np.testing.assert_allclose(G.mean(axis=0), net.grad(theta, Xtr[:9], ytr[:9]), atol=1e-15)
    np.testing.assert_allclose(G[4], net.grad(theta, Xtr[4:5], ytr[4:5]), atol=1e-15)


def test_unflatten_views_round_trip():
    net = mlp.MLP((5, 4, 3))
    theta = np.arange(net.size, dtype=float)
    (W1, b1), (W2, b2) = net.unflatten(theta)
    assert W1.shape == (4, 5) and b1.shape == (4,) and W2.shape == (3, 4) and b2.shape == (3,)
    np.testing.assert_array_equal(net.flatten(net.unflatten(theta)), theta)
    with pytest.raises(ValueError, match="theta must have shape"):
        net.unflatten(np.zeros(3))


def test_training_learns_digits_and_flags_divergence(digits):
    Xtr, Xte, ytr, yte = digits
    net = mlp.MLP((64, 32, 10))
    h = mlp.train(net, optimizers.adam(lr=1e-2), Xtr, ytr, steps=300, X_test=Xte, y_test=yte,
                  eval_every=100)
    assert list(h.eval_steps) == [0, 100, 200, 300] and len(h.batch_loss) == 300
    assert h.test_acc[-1] > 0.93 and h.train_loss[-1] < h.train_loss[0] / 5
    again = mlp.train(net, optimizers.adam(lr=1e-2), Xtr, ytr, steps=300)
    np.testing.assert_array_equal(again.theta, h.theta)           # seeded: reproducible
    bad = mlp.train(net, optimizers.sgd(lr=50.0), Xtr, ytr, steps=100)
    assert bad.diverged and "diverged at step" in bad.message and len(bad.batch_loss) < 100


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="activation"):
        mlp.MLP((4, 2), "swish")
    with pytest.raises(ValueError, match="sizes"):
        mlp.MLP((4,))
    net = mlp.MLP((64, 10))
    X, y = np.zeros((10, 64)), np.zeros(10, dtype=int)
    with pytest.raises(ValueError, match="batch_size"):
        mlp.train(net, optimizers.sgd(), X, y, steps=5, batch_size=11)


def test_dropout_masks_are_inverted_and_backprop_goes_through_them(digits):
    Xtr, _, ytr, _ = digits
    net = mlp.MLP((64, 12, 7, 10), "tanh")
    masks = net.dropout_masks(np.random.default_rng(0), 20000, 0.3)
    assert [m.shape for m in masks] == [(20000, 12), (20000, 7)]
    for m in masks:
        assert set(np.unique(m)) == {0.0, 1 / 0.7}
        assert abs((m == 0).mean() - 0.3) < 0.01 and abs(m.mean() - 1) < 0.01   # E[mask] = 1
    theta, X, y = net.init(seed=2, bias=0.1), Xtr[:15], ytr[:15]
    masks = net.dropout_masks(np.random.default_rng(1), 15, 0.5)
    loss, g = net.loss_and_grad(theta, X, y, masks)
    fd = checks.fd_grad(lambda t: net.loss_and_grad(t, X, y, masks)[0], theta)
    np.testing.assert_allclose(g, fd, atol=1e-8)
    assert abs(loss - net.loss(theta, X, y)) > 1e-3                    # a thinned network
    ones = [np.ones_like(m) for m in masks]
    np.testing.assert_allclose(net.loss_and_grad(theta, X, y, ones)[1], net.grad(theta, X, y))
    with pytest.raises(ValueError, match="dropout"):
        net.dropout_masks(np.random.default_rng(0), 3, 1.0)


def test_train_with_dropout_is_seeded_and_off_by_default(digits):
    Xtr, Xte, ytr, yte = digits
    net, opt = mlp.MLP((64, 32, 10)), optimizers.adam(lr=1e-2)
    plain = mlp.train(net, opt, Xtr, ytr, steps=60, eval_every=30)
    zero = mlp.train(net, opt, Xtr, ytr, steps=60, eval_every=30, dropout=0.0)
    np.testing.assert_array_equal(plain.theta, zero.theta)
    h = mlp.train(net, opt, Xtr, ytr, steps=300, dropout=0.2, X_test=Xte, y_test=yte,
                  eval_every=100)
    again = mlp.train(net, opt, Xtr, ytr, steps=300, dropout=0.2, eval_every=100)
    np.testing.assert_array_equal(h.theta, again.theta)
    assert not np.array_equal(h.theta, mlp.train(net, opt, Xtr, ytr, steps=300).theta)
    assert h.test_acc[-1] > 0.9
    # minibatch losses are those of thinned networks: above the full network's loss at the end
    assert np.mean(h.batch_loss[-50:]) > h.train_loss[-1]
    with pytest.raises(ValueError, match="dropout"):
        mlp.train(net, opt, Xtr, ytr, steps=5, dropout=-0.1)


def test_early_stopping_returns_the_best_validation_parameters(digits):
    Xtr, Xte, ytr, yte = digits
    Xfit, yfit, Xval, yval = Xtr[:150], ytr[:150], Xtr[150:], ytr[150:]   # small: it overfits
    net, opt = mlp.MLP((64, 64, 10)), optimizers.adam(lr=1e-2)
    full = mlp.train(net, opt, Xfit, yfit, steps=1500, eval_every=25, X_val=Xval, y_val=yval)
    assert not full.stopped_early and len(full.val_loss) == len(full.eval_steps)
    assert full.best_step == full.eval_steps[np.argmin(full.val_loss)] < 1500
    np.testing.assert_allclose(net.loss(full.theta, Xval, yval), full.val_loss[-1])  # last θ
    h = mlp.train(net, opt, Xfit, yfit, steps=1500, eval_every=25, X_val=Xval, y_val=yval,
                  patience=4)
    assert h.stopped_early and "stopped early" in h.message
    assert h.eval_steps[-1] == h.best_step + 4 * 25 < 1500
    np.testing.assert_allclose(net.loss(h.theta, Xval, yval), h.val_loss.min())
    np.testing.assert_array_equal(h.val_loss, full.val_loss[:len(h.val_loss)])   # same run, cut
    with pytest.raises(ValueError, match="patience"):
        mlp.train(net, opt, Xfit, yfit, steps=5, patience=3)
    with pytest.raises(ValueError, match="patience"):
        mlp.train(net, opt, Xfit, yfit, steps=5, patience=0, X_val=Xval, y_val=yval)


def test_mlp_blocks_match_unflatten():
    net = mlp.MLP((64, 32, 16, 10))
    theta = net.init(0)
    blocks = net.blocks()
    assert [b.name for b in blocks] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [b.name for b in blocks if b.hidden] == ["W2"]
    for (W, bias), (bw, bb) in zip(net.unflatten(theta), zip(blocks[::2], blocks[1::2])):
        np.testing.assert_array_equal(theta[bw.index].reshape(bw.shape), W)
        np.testing.assert_array_equal(theta[bb.index], bias)
    assert blocks[-1].index.stop == net.size


# ------------------------------------------------------------------ curvature products
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_hessian_vector_product_matches_finite_differences_of_the_gradient(digits, activation):
    Xtr, _, ytr, _ = digits
    net = mlp.MLP((64, 6, 5, 10), activation)
    theta, X, y = net.init(2, bias=0.1), Xtr[:20], ytr[:20]
    v = np.random.default_rng(0).standard_normal(net.size)
    h = 1e-5
    fd = (net.grad(theta + h * v, X, y) - net.grad(theta - h * v, X, y)) / (2 * h)
    np.testing.assert_allclose(net.hvp(theta, X, y, v), fd, atol=1e-7 * np.abs(fd).max())
    H = net.hessian(theta, X, y)
    np.testing.assert_allclose(H, H.T, atol=1e-14)
    np.testing.assert_allclose(H @ v, net.hvp(theta, X, y, v), atol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_true_fisher_is_the_gauss_newton_matrix_and_psd(digits, activation):
    Xtr, _, ytr, _ = digits
    net = mlp.MLP((64, 5, 10), activation)
    theta, X, y = net.init(4), Xtr[:25], ytr[:25]
    F = net.fisher(theta, X)
    G = np.column_stack([net.gvp(theta, X, e) for e in np.eye(net.size)])
    np.testing.assert_allclose(F, G, atol=1e-14 * np.abs(F).max() * net.size)
    assert np.linalg.eigvalsh(F).min() > -1e-12
    # the empirical Fisher is a different matrix at the same point
    Fe = net.fisher(theta, X, y, kind="empirical")
    Gi = net.per_example_grads(theta, X, y)
    np.testing.assert_allclose(Fe, Gi.T @ Gi / len(Gi), atol=1e-15)
    assert np.linalg.norm(Fe - F) > 0.1 * np.linalg.norm(F)
    # the true Fisher is the mean over model-sampled labels of g gᵀ
    rng = np.random.default_rng(0)
    Fs = np.mean([net.fisher(theta, X, net.sample_targets(theta, X, rng), kind="empirical")
                  for _ in range(400)], axis=0)
    assert np.linalg.norm(Fs - F) < 0.1 * np.linalg.norm(F)


def test_layer_grads_rebuild_the_per_example_gradients(digits):
    Xtr, _, ytr, _ = digits
    net = mlp.MLP((64, 7, 10))
    theta, X, y = net.init(5), Xtr[:11], ytr[:11]
    stats = net.layer_grads(theta, X, y)
    assert [a.shape for a, _ in stats] == [(11, 65), (11, 8)]
    rebuilt = [net.from_layer_matrices([np.outer(d[i], a[i]) for a, d in stats])
               for i in range(11)]
    np.testing.assert_allclose(rebuilt, net.per_example_grads(theta, X, y), atol=1e-15)
    v = np.arange(net.size, dtype=float)
    np.testing.assert_array_equal(net.from_layer_matrices(net.layer_matrices(v)), v)


def test_sample_targets_follow_the_model_distribution(digits):
    Xtr, _, _, _ = digits
    net = mlp.MLP((64, 10))
    theta = net.init(0) * 3
    x = np.repeat(Xtr[:1], 20000, axis=0)
    counts = np.bincount(net.sample_targets(theta, x, np.random.default_rng(1)), minlength=10)
    logits = net.forward(theta, Xtr[:1])[0][0]
    p = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    np.testing.assert_allclose(counts / 20000, p, atol=0.015)


def test_network_objective_runs_like_a_test_function(digits):
    from helpers import run
    Xtr, _, ytr, _ = digits
    net = mlp.MLP((64, 10))
    obj = net.objective(Xtr[:200], ytr[:200])
    assert obj.dim == net.size and obj.f(obj.x0) == pytest.approx(net.loss(obj.x0, Xtr[:200],
                                                                          ytr[:200]))
    v = np.ones(net.size)
    np.testing.assert_allclose(obj.fvp(obj.x0, v), obj.fisher(obj.x0) @ v, atol=1e-12)
    traj = run(optimizers.sgd(lr=0.5), obj, steps=30)
    assert traj.fs[-1] < 0.5 * traj.fs[0] and not traj.diverged
    with pytest.raises(ValueError, match="v must have shape"):
        net.hvp(obj.x0, Xtr[:5], ytr[:5], np.ones(3))
    with pytest.raises(ValueError, match="kind"):
        net.fisher(obj.x0, Xtr[:5], kind="exact")


def test_train_hands_the_minibatch_objective_to_the_optimizer(digits):
    Xtr, _, ytr, _ = digits
    net, seen = mlp.MLP((64, 10)), []
    base = optimizers.sgd(lr=0.1)

    def update(g, state, theta, objective):
        seen.append(objective)
        return base.update(g, state, theta, objective)

    mlp.train(net, optimizers.Optimizer(base.init, update, "spy"), Xtr, ytr, steps=3,
              batch_size=32)
    assert [len(o.y) for o in seen] == [32, 32, 32]
    o = seen[-1]
    np.testing.assert_allclose(o.grad(o.x0), net.grad(o.x0, o.X, o.y))
