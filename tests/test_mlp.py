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
