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
