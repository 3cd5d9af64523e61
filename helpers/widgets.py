"""Explorers: turn a knob, see the run redrawn.

The logic is pure and tested (:func:`explorer_run`, :func:`explorer_figure`); the UI,
:func:`explorer`, only wires widgets to it. It uses widgets and APIs that ipywidgets 7.7
(Colab) and 8.x share: Dropdown, FloatLogSlider, IntSlider, FloatSlider, HTML, Output,
HBox, VBox and ``interactive_output``. No ipympl: each change draws a fresh inline figure.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from . import objectives as _objectives
from . import optimizers as _optimizers
from . import plotting
from .optimizers._core import _resolve
from .runner import Trajectory, run

__all__ = ["explorer_run", "explorer_figure", "explorer", "plottable_objectives"]


def explorer_run(objective, optimizer, lr, steps, x0=None, **hyper) -> Trajectory:
    """Run ``optimizer`` with learning rate ``lr`` for ``steps`` steps on ``objective``.

    Raises ``ValueError`` with a readable message for an unknown objective, optimizer or
    hyper-parameter, a non-positive ``lr`` or a bad ``steps``. An optimizer without a
    learning rate (a trust region, Levenberg–Marquardt) runs without it: ``lr`` is ignored.
    """
    obj = _objectives.get(objective)
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.number)) \
            or not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    _check_steps(steps)
    if "lr" in _optimizers.hyperparameters(optimizer):
        hyper = {"lr": float(lr), **hyper}
    return run(_optimizers.get(optimizer, **hyper), obj, x0, int(steps))


def explorer_figure(objective, trajectories, labels=None):
    """Contour with the paths (left) and their loss gaps, or gradient norms (right).

    Returns
    -------
    matplotlib.figure.Figure
    """
    obj = _objectives.get(objective)
    trajectories = [trajectories] if isinstance(trajectories, Trajectory) else list(trajectories)
    fig, (pax, lax) = plt.subplots(1, 2, figsize=(10, 4))
    plotting.plot_paths(obj, trajectories, ax=pax, labels=labels, resolution=120)
    plotting.plot_losses(trajectories, ax=lax, kind=plotting._default_kind(trajectories),
                         labels=labels)
    fig.tight_layout()
    return fig


def plottable_objectives() -> list[str]:
    """Registry objectives that are 2-D and have a plotting window."""
    return [n for n in _objectives.available()
            if (o := _objectives.get(n)).dim == 2 and o.bounds is not None]


def _check_steps(steps):
    """ValueError unless ``steps`` is a positive integer (a bool is not one)."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")


def _objective_pool(objective, objectives=None):
    """``({name: Objective}, first name)`` for an objective dropdown: ``objectives`` (default
    every plottable one) with ``objective`` added if missing (an Objective passed as
    ``objective`` stands for its name). Raises ``ValueError`` now for one that is unknown,
    not 2-D or has no plotting window."""
    listed = list(objectives) if objectives is not None else plottable_objectives()
    pool = {}
    for o in listed + [objective]:
        obj = _objectives.get(o)
        plotting._window(obj)
        pool[obj.name] = obj
    return pool, _objectives.get(objective).name


def _optimizer_names(optimizers):
    """``{registry name: name as given}`` for a name or sequence of names, in order (a second
    spelling of the same optimizer is dropped); ``ValueError`` for none or an unknown one,
    listing the valid names."""
    names = [optimizers] if isinstance(optimizers, str) else list(optimizers)
    if not names:
        raise ValueError("optimizers must name at least one optimizer")
    given = {}
    for n in names:
        given.setdefault(_resolve(n)[0], n)
    return given


def _accepted(optimizer):
    """Hyper-parameter names the optimizer takes."""
    return set(_optimizers.hyperparameters(optimizer))


def _status(traj, ignored=()):
    if traj.diverged:
        text = f"<b style='color:#c00'>diverged at step {traj.diverged_at}</b>"
    elif traj.f_min is not None:
        text = f"after {traj.steps} steps f = {traj.f:.4g}, gap f − f* = {traj.f - traj.f_min:.3g}"
    else:
        text = f"after {traj.steps} steps f = {traj.f:.4g}, ‖∇f‖ = {traj.grad_norms[-1]:.3g}"
    text = f"{html.escape(traj.label)} on {traj.objective}: {text}"
    if ignored:
        text += f" <i>({', '.join(ignored)} not used by {traj.optimizer})</i>"
    return text


def explorer(objective="rosenbrock", optimizers=("sgd",), lr=1e-3, steps=100, lr_range=(-5, 0),
             objectives=None, knobs=None, x0=None, **hyper):
    """An explorer: pick objective and optimizer, slide the learning rate, steps and knobs.

    Parameters
    ----------
    objective : str, the objective shown first (``x0`` applies to it; any other
        choice starts from its own default ``x0``)
    optimizers : str or sequence of str, listed first in the optimizer dropdown (the first
        is selected), followed by every other registered optimizer
    lr : float, initial learning rate, within ``10**lr_range``
    steps : int, initial number of steps (the slider goes up to ``max(500, 2 * steps)``)
    lr_range : (low, high) exponents of ten for the learning-rate slider
    objectives : sequence of names for the objective dropdown (default: every 2-D one)
    knobs : dict name -> (min, max, step) or (min, max, step, value), one FloatSlider per
        hyper-parameter, e.g. ``{"momentum": (0.0, 0.99, 0.01)}``; the value defaults to
        ``hyper[name]``, else the factory's default, else ``min``
    **hyper : fixed hyper-parameters. Knobs and hyper-parameters that the selected
        optimizer does not take are left out (its slider greys out) and named in the status.

    Returns
    -------
    ipywidgets.VBox
        Display it as a cell's last expression. ``box.controls`` maps "objective",
        "optimizer", "lr", "steps" and each knob name to its widget, ``box.status`` is the
        HTML status line, ``box.output`` the figure's Output and ``box.trajectory`` the
        latest run.
    """
    pool, obj_name = _objective_pool(objective, objectives)
    names = list(pool)
    given = _optimizer_names(optimizers)  # shown as spelled ("GD"), then every other one
    opt_names = list(given.values()) + [n for n in _optimizers.available() if n not in given]
    lo, hi = lr_range
    if not lo < hi or not 10**lo <= lr <= 10**hi:
        raise ValueError(f"need lr_range low < high and lr in [1e{lo}, 1e{hi}], got "
                         f"lr={lr!r}, lr_range={lr_range!r}")
    _check_steps(steps)
    knobs = dict(knobs or {})
    clash = sorted(set(knobs) & {"objective", "optimizer", "lr", "steps"})
    if clash:
        raise ValueError(f"knobs cannot be named {', '.join(clash)}: those are sliders already")
    initial = _knob_values(knobs, opt_names[0], hyper)
    fixed = {k: v for k, v in hyper.items() if k not in knobs}
    accepted = _accepted(opt_names[0])
    explorer_run(obj_name, opt_names[0], lr, 1, x0, **{  # bad values raise here, not later
        k: v for k, v in {**fixed, **initial}.items() if k in accepted})
    layout = {"continuous_update": False, "style": {"description_width": "initial"}}
    controls = {
        "objective": widgets.Dropdown(options=names, value=obj_name, description="objective"),
        "optimizer": widgets.Dropdown(options=opt_names, value=opt_names[0],
                                      description="optimizer"),
        "lr": widgets.FloatLogSlider(value=lr, base=10, min=lo, max=hi, step=0.05,
                                     description="lr η", readout_format=".2e", **layout),
        "steps": widgets.IntSlider(value=int(steps), min=1, max=max(500, 2 * int(steps)),
                                   description="steps", **layout)}
    for name, spec in knobs.items():
        controls[name] = widgets.FloatSlider(value=initial[name], min=spec[0], max=spec[1],
                                             step=spec[2], description=name, **layout)
    status = widgets.HTML()

    def update(objective, optimizer, lr, steps, **knob_values):
        accepted = _accepted(optimizer)
        for name in knob_values:
            controls[name].disabled = name not in accepted
        chosen = {**fixed, **knob_values}
        used = {k: v for k, v in chosen.items() if k in accepted}
        try:
            traj = explorer_run(objective, optimizer, lr, steps,
                                x0 if objective == obj_name else None, **used)
        except ValueError as err:
            status.value = f"<b style='color:#c00'>{html.escape(str(err))}</b>"
            return
        box.trajectory = traj
        status.value = _status(traj, sorted(set(chosen) - set(used)))
        fig = explorer_figure(objective, [traj])
        display(fig)
        plt.close(fig)

    box = widgets.VBox()
    box.controls, box.status, box.trajectory = controls, status, None
    box.output = widgets.interactive_output(update, controls)
    rows = [widgets.HBox([controls["objective"], controls["optimizer"]]),
            widgets.HBox([controls["lr"], controls["steps"]])]
    extra = [controls[k] for k in knobs]
    rows += [widgets.HBox(extra)] if extra else []
    box.children = tuple(rows + [status, box.output])
    return box


def _knob_values(knobs, optimizer, hyper):
    """Initial knob values: explicit, else ``hyper``, else the factory default, else min."""
    out = {}
    for name, spec in knobs.items():
        if len(spec) not in (3, 4) or not spec[0] < spec[1] or not spec[2] > 0:
            raise ValueError(f"knob {name!r}: expected (min, max, step[, value]) with "
                             f"min < max and step > 0, got {spec!r}")
        value = spec[3] if len(spec) == 4 else hyper.get(name)
        if value is None:
            default = _optimizers.hyperparameters(optimizer).get(name)
            value = default if isinstance(default, (int, float)) and not isinstance(
                default, bool) and spec[0] <= default <= spec[1] else spec[0]
        if not spec[0] <= value <= spec[1]:
            raise ValueError(f"knob {name!r}: value {value!r} outside [{spec[0]}, {spec[1]}]")
        out[name] = float(value)
    return out
