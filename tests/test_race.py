import numpy as np
import pytest

from helpers import objectives, optimizers, race, run, tune
from helpers.runner import score_trajectory


def test_every_contender_gets_the_same_grid_start_and_budget():
    entries = race.race("booth", ["sgd", "adam", "trust_region"], steps=40, x0=[3.0, -2.0],
                        grid=[1e-3, 1e-2, 1e-1])
    sgd, adam, tr = entries
    assert set(sgd.scores) == set(adam.scores) == {1e-3, 1e-2, 1e-1}
    for e in entries:
        assert e.trajectory.steps == 40 and np.allclose(e.trajectory.xs[0], [3.0, -2.0])
    assert tr.lr is None and list(tr.scores) == [None]  # no learning rate: one default run
    best = tune("sgd", "booth", [3.0, -2.0], 40, [1e-3, 1e-2, 1e-1], score="log")
    assert sgd.lr == best.lr and np.array_equal(sgd.trajectory.xs, best.trajectory.xs)


def test_an_optimizer_that_cannot_run_says_why_and_unknown_names_raise():
    kfac, gn = race.race("rastrigin", ["kfac", "gauss_newton"], steps=5)
    assert not kfac.ran and "NetworkObjective" in kfac.skipped
    assert not gn.ran and "residuals" in gn.skipped
    assert race.applicable("adam", "rastrigin") == ""
    with pytest.raises(ValueError, match="available"):
        race.race("rastrigin", ["adamm"], steps=5)


@pytest.mark.parametrize("kwargs, message", [
    ({"grid": [0.1, -1.0]}, "grid"), ({"grid": []}, "grid"),
    ({"hyper": {"lion": {"beta1": 0.5}}}, "hyper given for"),
    ({"score": "best"}, "score must be one of")])
def test_race_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        race.race("booth", ["sgd"], steps=5, **kwargs)


def test_fixed_hyper_parameters_reach_the_optimizer_and_a_fixed_lr_is_not_tuned():
    (e,) = race.race("booth", ["momentum"], steps=20, hyper={"momentum": {"lr": 0.05,
                                                                          "momentum": 0.5}})
    assert e.lr == 0.05 and e.trajectory.hyper["momentum"] == 0.5
    plain = run(optimizers.get("momentum", lr=0.05, momentum=0.5), "booth", None, 20)
    assert np.array_equal(e.trajectory.xs, plain.xs)


def test_log_score_is_the_mean_log_gap_and_punishes_runs_that_end_above_their_start():
    t = run(optimizers.get("sgd", lr=0.05), "booth", None, 30)
    assert score_trajectory(t, "log") == pytest.approx(np.mean(np.log10(np.maximum(t.gap(),
                                                                                     1e-16))))
    worse = run(optimizers.get("nadam", lr=1.0), "rosenbrock", None, 150)
    assert not worse.diverged and worse.f > worse.fs[0]      # it ends above where it began
    assert score_trajectory(worse, "log") == np.inf == score_trajectory(worse, "mean")
    assert np.isfinite(score_trajectory(worse, "final"))


def test_results_rank_reached_runs_by_speed_then_the_rest_and_tables_render():
    entries = race.race("booth", ["sgd", "newton", "lion", "gauss_newton", "kfac"], steps=30)
    rows = race.results(entries, tol=1e-8)
    order = [r["optimizer"] for r in rows]
    assert order[-1] == "kfac" and rows[-1]["status"].startswith("not applicable")
    reached = [r["steps_to_tol"] for r in rows if r["steps_to_tol"] is not None]
    assert reached == sorted(reached) and rows[0]["steps_to_tol"] == 1  # Newton on a quadratic
    t = next(e.trajectory for e in entries if e.optimizer == "lion")
    lion = next(r for r in rows if r["optimizer"] == "lion")
    assert lion["final"] == pytest.approx(t.f - objectives.get("booth").f_min)
    text = race.format_results(rows)
    assert text.splitlines()[0].split()[:2] == ["optimizer", "η"] and "kfac" in text
    html = race.html_results(rows)
    assert html.count("<tr>") == len(rows) + 1 and "not applicable" in html


def test_a_diverged_run_is_reported_with_its_step():
    (e,) = race.race("booth", ["sgd"], steps=30, hyper={"sgd": {"lr": 2.0}})
    (row,) = race.results([e])
    assert row["status"] == f"diverged at step {e.trajectory.diverged_at}"
    assert row["steps_to_tol"] is None


def test_a_run_that_ends_above_its_start_is_flagged_not_ok():
    # GD on booth (λ_max = 18) with η just past 2/18 grows slowly, never hitting the blow-up limit
    (e,) = race.race("booth", ["sgd"], steps=20, hyper={"sgd": {"lr": 0.1112}})
    assert not e.trajectory.diverged and e.trajectory.f > e.trajectory.fs[0]
    (row,) = race.results([e])
    assert row["status"] == race.ENDED_ABOVE and np.isfinite(row["final"])


def test_long_statuses_are_cut_at_a_word_boundary():
    rows = race.results(race.race("rastrigin", ["kfac"], steps=2))
    line = race.format_results(rows, width=30).splitlines()[1]
    assert line.endswith(" …") and len(line.split("  ")[-1]) <= 32
    assert rows[0]["status"] in race.format_results(rows, width=None)
