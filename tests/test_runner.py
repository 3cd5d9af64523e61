import warnings

import numpy as np
import pytest

from helpers import DivergenceError, checks, data, objectives, optimizers, run, run_stochastic, tune


def test_trajectory_records_iterates_losses_and_gradient_norms():
    obj = objectives.get("booth")
    t = run(optimizers.sgd(lr=0.05), obj, steps=80)
    assert t.xs.shape == (81, 2) and t.fs.shape == (81,) and t.grad_norms.shape == (81,)
    assert t.fs[-1] == pytest.approx(obj.f(t.x))
    assert t.grad_norms[7] == pytest.approx(np.linalg.norm(obj.grad(t.xs[7])))
    assert not t.diverged and t.gap()[-1] < 1e-6 and t.distance()[-1] < 1e-3
    assert t.steps_to(1e-3) == int(np.argmax(t.gap() <= 1e-3))
    assert "η=0.05" in t.label


def test_divergence_is_flagged_with_its_step_and_no_warning_spam():
    obj = objectives.get("elongated_valley")   # L = 10: GD is stable only for lr < 0.2
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # any overflow RuntimeWarning fails the test
        t = run(optimizers.sgd(lr=0.25), obj, steps=10_000)
    assert t.diverged and t.diverged_at == t.steps < 100
    assert f"diverged at step {t.diverged_at}" in t.message and "diverged" in repr(t)
    with pytest.raises(DivergenceError, match="diverged at step") as err:
        run(optimizers.sgd(lr=0.25), obj, steps=10_000, on_divergence="raise")
    assert err.value.step == t.diverged_at
    assert not run(optimizers.sgd(lr=0.19), obj, steps=500).diverged


def test_nan_gradient_stops_the_run():
    obj = objectives.get("ackley")
    t = run(optimizers.sgd(lr=0.1), obj, x0=[0.0, 0.0], steps=5)  # cone tip: 0/0 gradient
    assert t.diverged and t.diverged_at == 1


def test_singular_hessian_is_reported():
    t = run("newton", "monkey_saddle", x0=[0.0, 0.0], steps=3)
    assert t.diverged and "singular" in t.message.lower()


def test_tolerance_stops_early():
    t = run("newton", "booth", steps=50, tol=1e-10)
    assert t.converged_at == 1 and t.steps == 1


def test_bad_arguments():
    with pytest.raises(ValueError, match="x0 must have shape"):
        run("sgd", "rosenbrock", x0=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="steps"):
        run("sgd", "rosenbrock", steps=-1)
    with pytest.raises(ValueError, match="on_divergence"):
        run("sgd", "rosenbrock", on_divergence="ignore")


def test_stochastic_runs_are_seeded_and_unbiased():
    obj = data.diabetes_least_squares()
    a = run_stochastic(optimizers.sgd(lr=0.05), obj, steps=30, batch_size=8, seed=3)
    b = run_stochastic(optimizers.sgd(lr=0.05), obj, steps=30, batch_size=8, seed=3)
    c = run_stochastic(optimizers.sgd(lr=0.05), obj, steps=30, batch_size=8, seed=4)
    checks.assert_same_trajectory(a, b, atol=0)
    assert checks.max_deviation(a, c) > 1e-3
    full = run_stochastic(optimizers.sgd(lr=0.05), obj, steps=30, batch_size=obj.n_samples)
    checks.assert_same_trajectory(full, run(optimizers.sgd(lr=0.05), obj, steps=30), atol=1e-12)
    # the minibatch gradient averages to the full gradient
    rng, th = np.random.default_rng(0), np.ones(obj.dim)
    mean = np.mean([obj.batch_grad(th, rng.choice(442, 16, replace=False))
                    for _ in range(4000)], axis=0)
    np.testing.assert_allclose(mean, obj.grad(th), atol=0.05 * np.linalg.norm(obj.grad(th)))


def test_stochastic_noise_and_errors():
    t = run_stochastic("sgd", "booth", steps=20, noise_std=1.0, seed=0)
    assert not np.allclose(t.xs, run("sgd", "booth", steps=20).xs)
    with pytest.raises(ValueError, match="batch_size"):
        run_stochastic("sgd", "booth", batch_size=4)
    with pytest.raises(ValueError, match="noise_std"):
        run_stochastic("sgd", "booth")


def test_tune_picks_the_best_stable_learning_rate():
    res = tune("sgd", "elongated_valley", steps=100, grid=[0.01, 0.1, 0.19, 0.3])
    assert res.lr == 0.19 and res.scores[0.3] == np.inf
    assert res.trajectory.hyper["lr"] == 0.19


def test_assert_same_trajectory_reports_where():
    a = np.zeros((5, 2))
    b = a.copy()
    b[3, 1] = 1e-6
    with pytest.raises(AssertionError, match="step 3, coordinate 1"):
        checks.assert_same_trajectory(a, b)
    assert checks.assert_same_trajectory(a, b, atol=1e-5) == pytest.approx(1e-6)
