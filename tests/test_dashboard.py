import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import sympy as sp  # noqa: E402

import helpers  # noqa: E402
from helpers import dashboard, objectives, optimizers, race  # noqa: E402
from helpers.optimizers import _core  # noqa: E402

GRID = [1e-3, 1e-2, 1e-1]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------ knobs
@pytest.mark.parametrize("name", optimizers.available())
def test_every_knob_starts_at_the_factory_default_inside_a_valid_range(name):
    defaults = optimizers.hyperparameters(name)
    specs = dashboard.knobs(name)
    assert [k.name for k in specs][:1] == (["lr"] if "lr" in defaults else [specs[0].name])
    for k in specs:
        assert k.value == (1e-3 if (k.name, defaults[k.name]) == ("lr", None) else defaults[k.name])
        assert k.contains(k.value), (name, k)
        values = (list(k.options) if k.kind == "choice" else [True, False] if k.kind == "bool"
                  else [10.0**k.low, 10.0**k.high] if k.kind == "log" else [k.low, k.high])
        for v in values:  # every value a control can show builds (the other knobs at default)
            if (name, k.name, v) == ("sgd", "nesterov", True):
                continue  # needs momentum > 0: the dashboard's cross-parameter message
            optimizers.get(name, **{k.name: v})


def test_knob_kinds_match_the_widgets_they_become():
    adam = {k.name: k for k in dashboard.knobs("adam")}
    assert adam["lr"].kind == "log" and adam["eps"].kind == "log" and adam["amsgrad"].kind == "bool"
    assert adam["beta1"].kind == "float" and adam["beta2"].low >= 0.5
    lbfgs = {k.name: k for k in dashboard.knobs("lbfgs")}
    assert lbfgs["line_search_fn"].options == (None, "strong_wolfe")
    assert lbfgs["history_size"].kind == "int"
    assert "lr" not in {k.name for k in dashboard.knobs("trust_region")}
    assert {k.name for k in dashboard.knobs("muon")}.isdisjoint({"shape", "ns_coefficients"})
    assert dashboard.knobs("GD") == dashboard.knobs("sgd")            # aliases resolve
    assert {k.name: k for k in dashboard.knobs("newton")}["damping"].low == 0.0  # pure Newton
    with pytest.raises(ValueError, match="unknown optimizer 'nope'"):
        dashboard.knobs("nope")


def test_a_hyper_parameter_no_table_knows_gets_a_control_around_its_default(monkeypatch):
    def toy(lr=0.01, gain=0.3, count=4, flag=True, zero=0.0, mode="a", spec=None):
        return optimizers.get("sgd", lr=lr)

    monkeypatch.setitem(_core._FACTORIES, "toy", toy)
    k = {k.name: k for k in dashboard.knobs("toy")}
    assert set(k) == {"lr", "gain", "count", "flag", "zero"}          # mode, spec: no control
    assert k["gain"].kind == "log" and k["gain"].contains(0.3) and k["gain"].contains(3.0)
    assert k["count"].kind == "int" and k["count"].contains(8) and k["flag"].kind == "bool"
    assert k["zero"].kind == "float" and k["zero"].contains(0.0)


def test_knob_contains_rejects_values_its_control_cannot_show():
    lr = dashboard.knobs("adam")[0]
    assert lr.contains(1e-3) and not lr.contains(0.0) and not lr.contains(100.0)
    assert not lr.contains("0.1") and not lr.contains(True)


# ------------------------------------------------------------------ run
def test_fixed_settings_give_exactly_the_plain_runs():
    settings = {"momentum": {"lr": 0.01, "momentum": 0.5}, "adam": {"lr": 0.1, "beta2": 0.99}}
    entries = dashboard.run("booth", settings, x0=[3.0, -2.0], steps=30)
    for e in entries:
        plain = helpers.run(optimizers.get(e.optimizer, **settings[e.optimizer]), "booth",
                            [3.0, -2.0], 30)
        np.testing.assert_array_equal(e.trajectory.xs, plain.xs)
        assert e.lr == settings[e.optimizer]["lr"] and not dashboard.tuned(e)


def test_an_lr_left_out_takes_the_knob_default_unless_tuned():
    (fixed,) = dashboard.run("booth", ["adam"], steps=10)
    assert fixed.lr == optimizers.hyperparameters("adam")["lr"] and list(fixed.scores) == [None]
    (e,) = dashboard.run("booth", {"adam": {"lr": 123.0}}, steps=25, tune=True, grid=GRID)
    best = helpers.tune("adam", "booth", None, 25, GRID, score="log")
    assert dashboard.tuned(e) and e.lr == best.lr and set(e.scores) == set(GRID)
    np.testing.assert_array_equal(e.trajectory.xs, best.trajectory.xs)
    (la,) = dashboard.run("booth", ["lookahead"], steps=5)  # lr=None → the knob's 1e-3
    assert la.lr == 1e-3


def test_tune_picks_names_and_optimizers_without_lr_run_once():
    entries = dashboard.run("himmelblau", ["sgd", "adam", "trust_region"], steps=20,
                            tune=["adam", "trust_region"], grid=GRID)
    sgd, adam, tr = entries
    assert not dashboard.tuned(sgd) and dashboard.tuned(adam) and tr.lr is None
    assert dashboard.label(tr) == "trust_region (adaptive)"
    assert dashboard.label(adam) == f"adam (η={adam.lr:.3g}, tuned)"
    assert dashboard.label(sgd) == "sgd (η=0.001)"


@pytest.mark.parametrize("args, kwargs, message", [
    (("nope", ["sgd"]), {}, "unknown objective 'nope'"),
    (("booth", ["sgdd"]), {}, "unknown optimizer 'sgdd'"),
    (("booth", {"sgd": {"beta1": 0.9}}), {}, "unknown hyper-parameter.*beta1"),
    (("booth", {"adam": {"beta1": 1.5}}), {}, r"adam: invalid beta1=1\.5"),
    (("booth", {"adam": {"lr": -1.0}}), {}, r"adam: invalid lr=-1\.0"),
    (("booth", {"sgd": {"nesterov": True}}), {}, "invalid nesterov=True.*momentum > 0"),
    (("booth", {"trust_region": {"radius": 5.0, "max_radius": 2.0}}), {}, "invalid radius"),
    (("booth", {}), {}, "choose at least one optimizer"),
    (("booth", ["sgd"]), {"steps": 0}, "steps must be a positive integer"),
    (("booth", ["sgd"]), {"steps": 2.5}, "steps must be a positive integer"),
    (("booth", ["sgd"]), {"x0": [1.0, 2.0, 3.0]}, "x0 must be 2 finite numbers"),
    (("booth", ["sgd"]), {"x0": [np.nan, 0.0]}, "x0 must be 2 finite numbers"),
    (("booth", ["sgd"]), {"tune": ["adam"]}, r"tune names \['adam'\]"),
    (("booth", ["sgd"]), {"score": "best"}, "score must be one of"),
    (("booth", ["sgd"]), {"tune": True, "grid": [0.1, -1.0]}, "grid"),
])
def test_run_rejects_bad_input_naming_the_culprit(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        dashboard.run(*args, **kwargs)


def test_an_optimizer_that_cannot_run_is_an_entry_with_its_reason():
    entries = dashboard.run("rosenbrock", ["kfac", "sgd"], steps=5)
    kfac = entries[0]
    assert not kfac.ran and "NetworkObjective" in kfac.skipped
    lines = dashboard.summary(entries)
    assert lines[-1].startswith("kfac cannot run on rosenbrock: kfac: update needs")


def test_summary_ranks_like_the_table_and_reports_divergence_with_its_step():
    entries = dashboard.run("elongated_valley", {"sgd": {"lr": 0.25}, "momentum": {"lr": 0.05},
                                                 "newton": {}}, steps=60)
    rows = race.results(entries, tol=1e-6)
    lines = dashboard.summary(entries, tol=1e-6)
    assert [line.split(" ")[0] for line in lines] == [r["optimizer"] for r in rows]
    sgd = entries[0].trajectory
    assert sgd.diverged and lines[-1] == f"sgd (η=0.25): diverged at step {sgd.diverged_at}"
    assert lines[0] == "newton (η=1): f − f* = 0 after 60 steps, ≤ 1e-06 from step 1"
    assert dashboard.summary(entries, tol=1e-300)[1].endswith("never ≤ 1e-300")


def test_figure_draws_paths_and_curves_of_the_entries_that_ran():
    entries = dashboard.run("beale", ["adam", "sgd", "kfac"], steps=30, tune=["adam"], grid=GRID)
    fig = dashboard.figure("beale", entries, tol=1e-4)
    paths, losses = fig.axes
    assert len(paths.get_legend().get_texts()) == 2 and losses.get_yscale() == "log"
    np.testing.assert_allclose(paths.lines[0].get_xydata(), entries[0].trajectory.xs)
    np.testing.assert_allclose(losses.lines[1].get_ydata(), entries[1].trajectory.gap())
    assert losses.lines[-1].get_ydata()[0] == 1e-4                 # the tol line
    assert "kfac" in losses.get_title()
    saddle = dashboard.figure("saddle", dashboard.run("saddle", ["sgd"], steps=5))
    assert "nabla" in saddle.axes[1].get_ylabel()                  # f* unknown: gradient norms
    empty = dashboard.figure("rosenbrock", dashboard.run("rosenbrock", ["kfac"], steps=3))
    assert not empty.axes[0].lines


# ------------------------------------------------------------------ the widget
def small(**kw):
    return dashboard.dashboard(**{"steps": 30, "grid": GRID, **kw})


def test_the_app_builds_its_controls_runs_once_and_closes_its_figure():
    box = small(optimizers=("sgd", "adam"), tune=["adam"])
    c = box.controls
    assert set(c) == {"objective", "steps", "x", "y", "optimizers", "score", "tol", "auto", "run"}
    assert isinstance(c["run"], ipywidgets.Button) and isinstance(c["optimizers"],
                                                                  ipywidgets.SelectMultiple)
    assert c["optimizers"].value == ("sgd", "adam") and "kfac" in c["optimizers"].options
    assert "rosenbrock" in c["objective"].options and "rosenbrock" in c["objective"].value
    assert [box.tabs.get_title(i) for i in range(2)] == ["sgd", "adam"]
    adam = box.knobs["adam"]
    assert isinstance(adam["lr"], ipywidgets.FloatLogSlider) and adam["lr"].disabled
    assert isinstance(adam["amsgrad"], ipywidgets.Checkbox) and adam["tune"].value
    assert not box.knobs["sgd"]["tune"].value and not box.knobs["sgd"]["lr"].disabled
    assert [e.optimizer for e in box.entries] == ["sgd", "adam"]
    assert box.table.value.count("<tr>") == 3 and "sgd (η=0.001)" in box.status.value
    assert (c["x"].value, c["y"].value) == tuple(objectives.get("rosenbrock").x0)
    assert box.figure is not None and not plt.get_fignums()


def test_clicking_run_uses_the_widgets_values_and_equals_plain_runs():
    box = small(optimizers=("sgd",), tune=False)
    before = box.status.value
    c = box.controls
    c["objective"].value = "booth"
    c["optimizers"].value = ("sgd", "momentum", "rmsprop")
    k = box.knobs
    k["momentum"]["lr"].value, k["momentum"]["momentum"].value = 0.01, 0.8
    k["rmsprop"]["centered"].value = True
    k["rmsprop"]["tune"].value = True
    c["x"].value, c["y"].value, c["steps"].value = 2.0, -3.0, 40
    assert box.status.value == before                  # auto is off: nothing ran yet
    c["run"].click()
    settings, tuned = box.settings()
    assert tuned == {"rmsprop"} and settings["momentum"]["momentum"] == 0.8
    for e in box.entries:
        hyper = dict(settings[e.optimizer], lr=e.lr)
        plain = helpers.run(optimizers.get(e.optimizer, **hyper), "booth", [2.0, -3.0], 40)
        np.testing.assert_array_equal(e.trajectory.xs, plain.xs)
    assert dashboard.tuned(box.entries[2]) and box.entries[2].trajectory.hyper["centered"]
    order = [r["optimizer"] for r in box.rows]
    assert order == [r["optimizer"] for r in race.results(box.entries, c["tol"].value)]
    cells = [row.split("</td>")[0].split("<td>")[-1] for row in box.table.value.split("<tr>")[2:]]
    assert cells == order and box.status.value != before
    assert not plt.get_fignums()


def test_changing_the_objective_moves_the_start_and_auto_redraws():
    custom = objectives.from_expr((sp.Symbol("x") - 25) ** 2 + (sp.Symbol("y") - 25) ** 2,
                                  sp.symbols("x y"), name="far", x0=[21.0, 29.0],
                                  minima=[(25.0, 25.0)], bounds=((20, 30), (20, 30)))
    box = small(optimizers=("adam",), objectives=["booth", "rosenbrock", "six_hump_camel", custom],
                auto=True)
    c = box.controls
    for name in ("booth", "far", "six_hump_camel", "rosenbrock", "far", "booth"):
        c["objective"].value = name
        obj = custom if name == "far" else objectives.get(name)
        assert (c["x"].value, c["y"].value) == tuple(obj.x0)
        assert (c["y"].min, c["y"].max) == tuple(obj.bounds[1])
        assert box.entries[0].trajectory.objective == obj.name
        np.testing.assert_array_equal(box.entries[0].trajectory.xs[0], obj.x0)
    c["steps"].value = 7
    assert box.entries[0].trajectory.steps == 7                 # every change reruns
    c["auto"].value = False
    c["steps"].value = 9
    assert box.entries[0].trajectory.steps == 7


def test_a_bad_setting_is_a_message_naming_it_and_keeps_the_last_results():
    box = small(optimizers=("sgd",), tune=False)
    entries = box.entries
    box.knobs["sgd"]["nesterov"].value = True                   # momentum is 0
    box.controls["run"].click()
    assert "sgd: invalid nesterov=True" in box.status.value
    assert "momentum &gt; 0" in box.status.value
    assert box.entries is entries and "Traceback" not in box.status.value
    box.controls["optimizers"].value = ()
    box.controls["run"].click()
    assert "choose at least one optimizer" in box.status.value


def test_divergence_and_optimizers_that_cannot_run_are_reported():
    box = small(objective="elongated_valley", optimizers=("sgd", "kfac"), tune=False,
                hyper={"sgd": {"lr": 0.5}})
    sgd = box.entries[0].trajectory
    assert sgd.diverged and f"sgd (η=0.5): diverged at step {sgd.diverged_at}" in box.status.value
    assert "kfac cannot run on elongated_valley" in box.status.value
    assert "not applicable" in box.table.value


def test_an_unexpected_error_is_shown_not_raised(monkeypatch):
    box = small(optimizers=("sgd",))

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(dashboard, "run", broken)
    box.controls["run"].click()
    assert "RuntimeError: boom" in box.status.value and not box.controls["run"].disabled


def test_knob_values_survive_deselecting_an_optimizer():
    box = small(optimizers=("sgd", "adam"))
    box.knobs["adam"]["beta1"].value = 0.5
    box.controls["optimizers"].value = ("sgd",)
    assert len(box.tabs.children) == 1
    box.controls["optimizers"].value = ("sgd", "nadam", "adam")
    assert box.knobs["adam"]["beta1"].value == 0.5
    assert box.knobs["nadam"]["tune"].value                    # tune=True: every newcomer too
    assert box.tabs.selected_index == 2                         # the last one added is shown
    assert [box.tabs.get_title(i) for i in range(3)] == ["sgd", "nadam", "adam"]
    box.knobs["adam"]["tune"].value = False
    assert not box.knobs["adam"]["lr"].disabled


def test_settings_without_a_control_pass_through_as_given():
    box = small(optimizers=("muon",), tune=False, hyper={"muon": {"shape": (1, 2), "lr": 0.01}})
    settings, _ = box.settings()
    assert settings["muon"]["shape"] == (1, 2) and settings["muon"]["lr"] == 0.01
    assert box.entries[0].trajectory.hyper["shape"] == (1, 2)


def test_choice_knobs_pass_their_option_values():
    box = small(optimizers=("lbfgs", "trust_region"), tune=False)
    box.knobs["lbfgs"]["line_search_fn"].value = 1
    box.knobs["trust_region"]["subproblem"].value = 1
    settings, _ = box.settings()
    assert settings["lbfgs"]["line_search_fn"] == "strong_wolfe"
    assert settings["trust_region"]["subproblem"] == "dogleg"
    box.controls["run"].click()
    assert box.entries[1].trajectory.hyper["subproblem"] == "dogleg"


@pytest.mark.parametrize("kwargs, message", [
    (dict(objective="nope"), "unknown objective 'nope'"),
    (dict(objective=objectives.get("rosenbrock", n=3)), "2-D"),
    (dict(optimizers=("sgd", "nope")), "unknown optimizer 'nope'"),
    (dict(optimizers=()), "at least one optimizer"),
    (dict(steps=0), "steps must be a positive integer"),
    (dict(tol=0.0), "tol must be"),
    (dict(x0=[1.0]), "x0 must be 2 finite numbers"),
    (dict(hyper={"adam": {"beta1": 0.999}}, optimizers=("adam",)), "beta1=0.999 is outside"),
    (dict(hyper={"adam": {"beta1": 1.5}}, optimizers=("adam",)), "beta1=1.5 is outside"),
    (dict(hyper={"sgd": {"nesterov": True}}, optimizers=("sgd",)), "invalid nesterov"),
    (dict(score="best"), "score must be one of"),
    (dict(tune=["adam"], optimizers=("sgd",)), "tune names"),
])
def test_the_app_rejects_bad_arguments_up_front(kwargs, message):
    with pytest.raises(ValueError, match=message):
        small(**kwargs)


def test_summary_says_when_a_run_ended_above_its_start():
    # booth's λ_max is 18: η = 0.1112 is just past 2/18, so the loss grows without blowing up
    entries = dashboard.run("booth", {"sgd": {"lr": 0.1112}}, steps=20)
    (line,) = dashboard.summary(entries)
    assert line.endswith("it ended above its start") and "diverged" not in line
