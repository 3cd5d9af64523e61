import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import helpers  # noqa: E402
from helpers import optimizers, widgets  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------ pure logic
def test_explorer_run_matches_a_plain_run():
    traj = widgets.explorer_run("rosenbrock", "momentum", 1e-3, 20, momentum=0.5)
    ref = helpers.run(optimizers.get("momentum", lr=1e-3, momentum=0.5), "rosenbrock", steps=20)
    np.testing.assert_array_equal(traj.xs, ref.xs)
    assert traj.hyper["lr"] == 1e-3 and traj.hyper["momentum"] == 0.5 and traj.steps == 20
    start = widgets.explorer_run("booth", "sgd", 0.01, 5, x0=[1.0, 2.0])
    np.testing.assert_array_equal(start.xs[0], [1.0, 2.0])


def test_explorer_runs_optimizers_without_a_learning_rate():
    assert "lr" not in optimizers.hyperparameters("trust_region")
    traj = widgets.explorer_run("himmelblau", "trust_region", 1e-3, 10)
    ref = helpers.run(optimizers.get("trust_region"), "himmelblau", steps=10)
    np.testing.assert_array_equal(traj.xs, ref.xs)


@pytest.mark.parametrize("args, message", [
    (("rosenbrock", "sgd", 0.0, 10), "lr must be a positive number"),
    (("rosenbrock", "sgd", float("nan"), 10), "lr must be a positive number"),
    (("rosenbrock", "sgd", 1e-3, 0), "steps must be a positive integer"),
    (("rosenbrock", "sgd", 1e-3, 2.5), "steps must be a positive integer"),
    (("rosenbrock", "sgdd", 1e-3, 10), r"unknown optimizer 'sgdd'; available: .*adam"),
    (("rosenbruck", "sgd", 1e-3, 10), r"unknown objective 'rosenbruck'; available: .*booth"),
])
def test_explorer_run_rejects_bad_input_clearly(args, message):
    with pytest.raises(ValueError, match=message):
        widgets.explorer_run(*args)


def test_explorer_run_rejects_unknown_hyper_parameters():
    with pytest.raises(ValueError, match="unknown hyper-parameter.*beta1"):
        widgets.explorer_run("rosenbrock", "sgd", 1e-3, 10, beta1=0.9)


def test_explorer_figure_draws_paths_and_log_losses():
    trajs = [widgets.explorer_run("beale", "adam", 0.1, 30),
             widgets.explorer_run("beale", "sgd", 1e-3, 30)]
    fig = widgets.explorer_figure("beale", trajs)
    paths, losses = fig.axes
    assert len(paths.lines) == 2 and losses.get_yscale() == "log"
    np.testing.assert_allclose(paths.lines[0].get_xydata(), trajs[0].xs)
    np.testing.assert_allclose(losses.lines[1].get_ydata(), trajs[1].gap())
    # no known minimum value: the right panel shows gradient norms instead
    saddle = widgets.explorer_figure("saddle", widgets.explorer_run("saddle", "sgd", 0.1, 10))
    assert "nabla" in saddle.axes[1].get_ylabel()


def test_plottable_objectives_are_2d_with_a_window():
    names = widgets.plottable_objectives()
    assert "rosenbrock" in names and "beale" in names
    assert all(helpers.objectives.get(n).bounds is not None for n in names)


# ------------------------------------------------------------------ the widget
def test_explorer_builds_its_controls_and_first_run():
    box = widgets.explorer("rosenbrock", optimizers=("momentum", "GD"), lr=1e-3, steps=50)
    assert isinstance(box, ipywidgets.VBox)
    c = box.controls
    assert list(c) == ["objective", "optimizer", "lr", "steps"]
    assert isinstance(c["lr"], ipywidgets.FloatLogSlider) and (c["lr"].min, c["lr"].max) == (-5, 0)
    assert c["optimizer"].options[:2] == ("momentum", "GD") and "adam" in c["optimizer"].options
    assert "rosenbrock" in c["objective"].options and c["objective"].value == "rosenbrock"
    assert box.trajectory.optimizer == "momentum" and box.trajectory.steps == 50
    assert "momentum (η=0.001) on rosenbrock: after 50 steps" in box.status.value
    assert box.status in box.children and box.output in box.children
    assert not plt.get_fignums()  # each redraw closes its figure


def test_changing_a_slider_reruns_and_updates_the_status():
    box = widgets.explorer("rosenbrock", lr=1e-3, steps=40)
    before = box.status.value
    box.controls["lr"].value = 1.0
    assert box.status.value != before and "diverged at step" in box.status.value
    assert box.trajectory.diverged and box.trajectory.hyper["lr"] == 1.0
    box.controls["steps"].value = 7
    box.controls["lr"].value = 1e-4
    assert box.trajectory.steps == 7 and "after 7 steps" in box.status.value
    box.controls["objective"].value = "booth"
    assert box.trajectory.objective == "booth"
    np.testing.assert_array_equal(box.trajectory.xs[0], helpers.objectives.get("booth").x0)
    assert not plt.get_fignums()


def test_knobs_become_sliders_passed_as_hyper_parameters():
    box = widgets.explorer("elongated_valley", optimizers="sgd", lr=1e-2, steps=30,
                           knobs={"momentum": (0.0, 0.99, 0.01)}, weight_decay=0.1)
    knob = box.controls["momentum"]
    assert isinstance(knob, ipywidgets.FloatSlider) and knob.value == 0.0
    assert knob in box.children[2].children
    knob.value = 0.9
    assert box.trajectory.hyper["momentum"] == 0.9
    assert box.trajectory.hyper["weight_decay"] == 0.1  # fixed hyper-parameters pass too
    box.controls["optimizer"].value = "adam"  # takes neither: left out and said so
    assert knob.disabled and box.trajectory.optimizer == "adam"
    assert "momentum, weight_decay not used by adam" not in box.status.value
    assert "momentum not used by adam" in box.status.value
    box.controls["optimizer"].value = "nesterov"
    assert not knob.disabled and box.trajectory.hyper["momentum"] == 0.9


def test_knob_defaults_come_from_hyper_or_the_factory():
    box = widgets.explorer(optimizers="adam", lr=1e-2, steps=5,
                           knobs={"beta1": (0.0, 0.99, 0.01), "beta2": (0.9, 0.9999, 1e-4)},
                           beta2=0.95)
    assert box.controls["beta1"].value == 0.9  # adam's default
    assert box.controls["beta2"].value == 0.95  # given as a hyper-parameter
    assert box.trajectory.hyper["beta2"] == 0.95


@pytest.mark.parametrize("kwargs, message", [
    (dict(objective="nope"), "unknown objective 'nope'"),
    (dict(objective=helpers.objectives.get("rosenbrock", n=3)), "2-D"),
    (dict(optimizers=("sgd", "nope")), "unknown optimizer 'nope'"),
    (dict(lr=10.0), "lr in"),
    (dict(lr_range=(0, -5)), "low < high"),
    (dict(steps=0), "steps must be a positive integer"),
    (dict(knobs={"momentum": (0.0, 0.99)}), "expected \\(min, max, step"),
    (dict(knobs={"lr": (0.0, 1.0, 0.1)}), "cannot be named lr"),
    (dict(knobs={"momentum": (0.0, 0.99, 0.01, 2.0)}), "outside"),
    (dict(momentum=-1.0), "invalid momentum"),
])
def test_explorer_rejects_bad_arguments_up_front(kwargs, message):
    with pytest.raises(ValueError, match=message):
        widgets.explorer(**{"steps": 5, **kwargs})


def test_an_optimizer_is_listed_once_however_it_is_spelled():
    box = widgets.explorer("rosenbrock", optimizers=("GD", "sgd", "adam"), lr=1e-3, steps=5)
    options = box.controls["optimizer"].options
    assert options[:2] == ("GD", "adam") and "sgd" not in options
    assert len(options) == len(optimizers.available())
