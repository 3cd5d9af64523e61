import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import sympy as sp  # noqa: E402

import helpers  # noqa: E402
from helpers import landscape, mlp, objectives, optimizers, plotting, widgets  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def small_net():
    rng = np.random.default_rng(0)
    net = mlp.MLP((6, 5, 4, 3), "relu")
    X, y = rng.standard_normal((40, 6)), rng.integers(0, 3, 40)
    return net, net.init(1, bias=0.1), X, y


# ------------------------------------------------------------------ colour scale
def test_spread_is_a_quantile_ratio_over_the_window():
    obj = objectives.get("booth")
    (x0, x1), (y0, y1) = obj.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, 51), np.linspace(y0, y1, 51))
    q = np.quantile(obj.f(np.stack([X, Y])) - obj.f_min, [0.25, 0.75])
    assert landscape.spread(obj, low=0.25, high=0.75, resolution=51) == q[1] / q[0]


def test_a_quadratic_in_a_disc_has_spread_nine():
    x, y = sp.symbols("x y", real=True)
    bowl = objectives.from_expr(x**2 + 3 * y**2, (x, y), minima=[(0, 0)], bounds=((-1, 1), (-1, 1)))
    # the window is a square, not an ellipse: the spread is above 9 but far below the rule's 50
    assert 9 < landscape.spread(bowl) < 20 and not landscape.needs_log_scale(bowl)
    quartic = objectives.from_expr(x**4 + y**4, (x, y), minima=[(0, 0)], polish=False,
                                   bounds=((-1, 1), (-1, 1)))
    assert landscape.spread(quartic) > 60 and landscape.needs_log_scale(quartic)


def test_the_rule_picks_beale_and_rosenbrock_among_the_zoo():
    wide = {n for n in widgets.plottable_objectives() if landscape.needs_log_scale(n)}
    assert wide == {"beale", "rosenbrock"}


def test_spread_validates_its_arguments():
    with pytest.raises(ValueError, match="low"):
        landscape.spread("booth", low=0.9, high=0.1)
    with pytest.raises(ValueError, match="resolution"):
        landscape.spread("booth", resolution=1)
    with pytest.raises(ValueError, match="2-D"):
        landscape.spread(objectives.get("rosenbrock", n=3))
    with pytest.raises(ValueError, match="threshold"):
        landscape.needs_log_scale("booth", threshold=0)


# ------------------------------------------------------------------ filter normalization
def test_filter_normalized_rows_match_the_weights_rows(small_net):
    net, theta, _, _ = small_net
    d = landscape.filter_normalized_direction(net, theta, rng=3)
    for (W, _), (D, c) in zip(net.unflatten(theta), net.unflatten(d)):
        np.testing.assert_allclose(np.linalg.norm(D, axis=1), np.linalg.norm(W, axis=1), rtol=1e-9)
        assert not c.any()
    np.testing.assert_array_equal(d, landscape.filter_normalized_direction(net, theta, rng=3))
    assert not np.array_equal(d, landscape.filter_normalized_direction(net, theta, rng=4))


def test_bias_copy_and_layer_norm_follow_li_et_al(small_net):
    net, theta, _, _ = small_net
    d = landscape.filter_normalized_direction(net, theta, rng=0, bias="copy", norm="layer")
    for (W, b), (D, c) in zip(net.unflatten(theta), net.unflatten(d)):
        np.testing.assert_array_equal(c, b)                 # their 'else' branch: d.copy_(w)
        assert np.isclose(np.linalg.norm(D), np.linalg.norm(W), rtol=1e-12)
    # a layer-normalized direction has the right layer norm but not the right row norms
    W, _ = net.unflatten(theta)[0]
    D, _ = net.unflatten(d)[0]
    assert not np.allclose(np.linalg.norm(D, axis=1), np.linalg.norm(W, axis=1), rtol=1e-3)


def test_filter_normalized_slices_ignore_relu_rescaling(small_net):
    net, theta, X, y = small_net
    layers = net.unflatten(theta)
    c = 7.0
    (W1, b1), (W2, b2) = layers[0], layers[1]
    theta_c = net.flatten([(c * W1, c * b1), (W2 / c, b2), *layers[2:]])
    loss = lambda t: net.loss(t, X, y)                      # noqa: E731
    assert abs(loss(theta_c) - loss(theta)) < 1e-12
    grid = np.linspace(-1, 1, 5)
    plane = [landscape.slice_2d(loss, t, *(landscape.filter_normalized_direction(net, t, rng=s)
                                           for s in (1, 2)), grid, grid) for t in (theta, theta_c)]
    np.testing.assert_allclose(plane[0], plane[1], rtol=0, atol=1e-10)
    raw = np.random.default_rng(5).standard_normal((2, net.size))
    raw_planes = [landscape.slice_2d(loss, t, *raw, grid, grid) for t in (theta, theta_c)]
    assert np.abs(raw_planes[0] - raw_planes[1]).max() > 0.1


def test_filter_normalized_direction_validates(small_net):
    net, theta, _, _ = small_net
    with pytest.raises(ValueError, match="bias"):
        landscape.filter_normalized_direction(net, theta, rng=0, bias="keep")
    with pytest.raises(ValueError, match="norm"):
        landscape.filter_normalized_direction(net, theta, rng=0, norm="weight")
    with pytest.raises(ValueError, match="theta"):
        landscape.filter_normalized_direction(net, theta[:-1], rng=0)


# ------------------------------------------------------------------ slices
def test_interpolate_and_slice_2d_evaluate_the_right_points():
    loss = lambda t: float(t @ np.arange(1.0, 4.0))        # noqa: E731  a linear loss
    theta0, theta1 = np.zeros(3), np.ones(3)
    alphas = np.array([-0.5, 0.0, 0.5, 1.0, 1.5])
    np.testing.assert_allclose(landscape.interpolate(loss, theta0, theta1, alphas), 6 * alphas)
    d1, d2 = np.eye(3)[0], np.eye(3)[2]
    Z = landscape.slice_2d(loss, theta1, d1, d2, [0.0, 1.0], [-1.0, 0.0, 2.0])
    assert Z.shape == (3, 2)
    assert Z[2, 1] == loss(theta1 + 1.0 * d1 + 2.0 * d2) == 6 + 1 + 6


def test_slice_functions_validate():
    loss = lambda t: float(t.sum())                        # noqa: E731
    with pytest.raises(ValueError, match="theta1"):
        landscape.interpolate(loss, np.zeros(3), np.zeros(4), [0.0])
    with pytest.raises(ValueError, match="alphas"):
        landscape.interpolate(loss, np.zeros(3), np.zeros(3), [])
    with pytest.raises(ValueError, match="d2"):
        landscape.slice_2d(loss, np.zeros(3), np.zeros(3), np.zeros(2), [0.0], [0.0])
    with pytest.raises(ValueError, match="betas"):
        landscape.slice_2d(loss, np.zeros(3), np.zeros(3), np.zeros(3), [0.0], [np.nan])


def test_slice_objective_is_drawn_by_plotting_and_evaluated_once_per_grid():
    calls = []

    def loss(t):
        calls.append(1)
        return float(t @ t)

    theta, d1, d2 = np.array([1.0, 0.0, 0.0]), np.eye(3)[1], np.eye(3)[2]
    plane = landscape.slice_objective(loss, theta, d1, d2, bounds=((-2, 2), (-1, 1)))
    assert plane.f(np.array([0.5, -1.0])) == 1 + 0.25 + 1
    grid = np.stack(np.meshgrid(np.linspace(-2, 2, 7), np.linspace(-1, 1, 7)))
    np.testing.assert_allclose(plane.f(grid), landscape.slice_2d(loss, theta, d1, d2,
                                                                 np.linspace(-2, 2, 7),
                                                                 np.linspace(-1, 1, 7)))
    calls.clear()
    plotting.contour(plane, resolution=9)
    plotting.surface(plane, resolution=9)
    landscape.spread(plane, resolution=9)
    assert len(calls) == 81                                  # one evaluation of the 9 × 9 grid
    with pytest.raises(ValueError, match="gradient"):
        plane.grad(np.zeros(2))


# ------------------------------------------------------------------ many starts
@pytest.mark.parametrize("name,hyper", [("sgd", {"lr": 0.01}), ("momentum", {"lr": 0.005}),
                                        ("adam", {"lr": 0.05})])
def test_multistart_equals_one_run_per_start(name, hyper):
    obj = objectives.get("six_hump_camel")
    starts = np.random.default_rng(0).uniform(-1.5, 1.5, (6, 2))
    ends = landscape.multistart(optimizers.get(name, **hyper), obj, starts, 50)
    for start, end in zip(starts, ends):
        traj = helpers.run(optimizers.get(name, **hyper), obj, x0=start, steps=50)
        np.testing.assert_allclose(end, traj.x, rtol=0, atol=1e-12)


def test_multistart_survives_overflow_and_validates():
    obj = objectives.get("rosenbrock")
    with np.errstate(all="raise"):                           # it must not warn or raise
        starts = np.array([[1.0, 1.0], [-2.0, 3.0]])
        ends = landscape.multistart(optimizers.sgd(lr=0.1), obj, starts, 30)
    assert np.allclose(ends[0], 1.0) and not np.all(np.isfinite(ends[1]))
    with pytest.raises(ValueError, match="starts"):
        landscape.multistart(optimizers.sgd(), obj, np.zeros((3, 3)), 5)
    with pytest.raises(ValueError, match="steps"):
        landscape.multistart(optimizers.sgd(), obj, np.zeros((3, 2)), -1)


def test_classify_names_the_minimum_or_minus_one():
    obj = objectives.get("himmelblau")
    pts = np.array([m + 1e-4 for m in obj.minima] + [[0.0, 0.0], [np.nan, 1.0], [np.inf, 0.0]])
    np.testing.assert_array_equal(landscape.classify(obj, pts, tol=1e-3), [0, 1, 2, 3, -1, -1, -1])
    assert (landscape.classify("saddle", np.zeros((2, 2))) == -1).all()   # nothing is listed
    with pytest.raises(ValueError, match="tol"):
        landscape.classify(obj, pts, tol=0)
    with pytest.raises(ValueError, match="points"):
        landscape.classify(obj, np.zeros(2))


# ------------------------------------------------------------------ clipping
def test_clip_grad_norm_follows_torchs_rule():
    inner = optimizers.sgd(lr=0.5)
    opt = landscape.clip_grad_norm(inner, max_norm=2.0)
    theta, g = np.array([1.0, -1.0]), np.array([30.0, 40.0])     # ‖g‖ = 50
    new, _ = opt.update(g, opt.init(theta), theta, None)
    np.testing.assert_allclose(new, theta - 0.5 * g * 2.0 / (50 + 1e-6), rtol=1e-15)
    small = np.array([0.3, 0.4])                                   # ‖g‖ = 0.5 < 2: unchanged
    np.testing.assert_array_equal(opt.update(small, opt.init(theta), theta, None)[0],
                                  inner.update(small, inner.init(theta), theta, None)[0])
    assert opt.name == "sgd+clip" and opt.hyper["max_norm"] == 2.0 and opt.hyper["lr"] == 0.5


def test_clip_grad_norm_clips_each_column_and_wraps_stateful_optimizers():
    opt = landscape.clip_grad_norm(optimizers.momentum(lr=0.1), max_norm=1.0)
    theta = np.zeros((2, 3))
    g = np.array([[3.0, 0.1, 0.0], [4.0, 0.0, 10.0]])
    state = opt.init(theta)
    new, state = opt.update(g, state, theta, None)
    steps = np.linalg.norm(new - theta, axis=0)
    np.testing.assert_allclose(steps, [0.1 / (1 + 2e-7), 0.01, 0.1 / (1 + 1e-7)], rtol=1e-6)
    traj = helpers.run(landscape.clip_grad_norm("adam", 0.5), "cliff", steps=20)
    assert not traj.diverged and traj.optimizer == "adam+clip"


def test_clip_grad_norm_validates():
    for bad in (0, -1.0, np.inf, True, "1"):
        with pytest.raises(ValueError, match="max_norm"):
            landscape.clip_grad_norm(optimizers.sgd(), bad)
