"""The optimizer dashboard: several optimizers, their knobs, one objective, one fair race.

The logic is pure and tested without a display: :func:`knobs` (the controls an optimizer
gets, read from its factory's signature), :func:`run` (the chosen settings raced through
:func:`helpers.race.race`: same start, budget and learning-rate grid for everyone),
:func:`summary` (the status lines) and :func:`figure` (paths and loss curves). The UI,
:func:`dashboard`, only wires widgets to them. It uses widgets and APIs that ipywidgets 7.7
(Colab) and 8.x share: Dropdown, SelectMultiple, Checkbox, Button, FloatSlider,
FloatLogSlider, IntSlider, Tab (titles through ``set_title``), HTML, Output, HBox, VBox.
No ipympl: each run draws a fresh inline figure.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from . import objectives as _objectives
from . import optimizers as _optimizers
from . import plotting
from . import race as _race
from .optimizers._core import _resolve
from .runner import _check_score
from .widgets import _check_steps, _objective_pool, _optimizer_names

__all__ = ["Knob", "knobs", "run", "summary", "label", "figure", "dashboard"]


@dataclass(frozen=True)
class Knob:
    """One control: its widget kind, range and starting value (the factory's default).

    ``kind`` is "log" (a log slider; ``low`` and ``high`` are exponents of ten), "float",
    "int", "bool" or "choice" (one of ``options``).
    """

    name: str
    kind: str
    value: object
    low: float | None = None
    high: float | None = None
    step: float | None = None
    options: tuple = ()

    def contains(self, value) -> bool:
        """Whether the control can show ``value``."""
        if self.kind == "bool":
            return isinstance(value, (bool, np.bool_))
        if self.kind == "choice":
            return value in self.options
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            return False
        if self.kind == "log":
            return value > 0 and 10.0**self.low <= value <= 10.0**self.high
        return self.low <= value <= self.high


_FRACTION = ("float", 0.0, 0.99, 0.01)
_SPECS = {  # name -> (kind, low, high, step); ranges inside what the factories accept
    "lr": ("log", -5, 1, 0.05), "eps": ("log", -12, -1, 0.5), "damping": ("log", -6, 2, 0.1),
    "momentum": _FRACTION, "beta1": _FRACTION, "rho": _FRACTION, "decay": _FRACTION,
    "beta2": ("float", 0.5, 0.9999, 0.0001), "alpha": ("float", 0.0, 1.0, 0.01),
    "dampening": ("float", 0.0, 1.0, 0.01), "weight_decay": ("float", 0.0, 0.5, 0.001),
    "lr_decay": ("float", 0.0, 0.1, 0.001), "initial_accumulator_value": ("float", 0.0, 1.0, 0.01),
    "momentum_decay": ("float", 0.0, 0.01, 0.0005), "hessian_power": ("float", 0.0, 1.0, 0.05),
    "radius": ("log", -3, 2, 0.1), "max_radius": ("log", 1, 4, 0.1),
    "accept": ("float", 0.0, 0.24, 0.01), "c1": ("log", -6, -1, 0.5),
    "c2": ("float", 0.1, 0.99, 0.01), "tolerance_grad": ("log", -12, -3, 0.5),
    "tolerance_change": ("log", -14, -3, 0.5), "cg_tol": ("log", -14, -2, 0.5),
    "k": ("int", 1, 20, 1), "history_size": ("int", 1, 100, 1), "ns_steps": ("int", 0, 10, 1),
    "update_freq": ("int", 1, 20, 1), "inv_every": ("int", 1, 50, 1),
    "adapt_every": ("int", 1, 50, 1), "cg_max_iter": ("int", 1, 200, 1),
    "n_samples": ("int", 1, 10, 1), "seed": ("int", 0, 99, 1),
}
_OVERRIDES = {  # (optimizer, name) -> spec where one optimizer needs another range
    ("newton", "damping"): ("float", 0.0, 10.0, 0.01),  # 0 = pure Newton
    ("nesterov", "momentum"): ("float", 0.01, 0.99, 0.01),  # Nesterov needs momentum > 0
    ("lookahead", "alpha"): ("float", 0.05, 1.0, 0.05),  # alpha = 0 would never sync
    ("ranger", "alpha"): ("float", 0.05, 1.0, 0.05),
}
_CHOICES = {
    "subproblem": ("cauchy", "dogleg", "exact"), "scaling": ("levenberg", "marquardt"),
    "update": ("nielsen", "marquardt"), "fisher": ("true", "empirical"),
    "solver": ("dense", "cg"), "line_search_fn": (None, "strong_wolfe"),
    "damping_mode": ("factored", "tikhonov", "scaled"),
}
_CHOICE_OVERRIDES = {("ekfac", "damping_mode"): ("tikhonov", "scaled")}
# structural settings, not knobs: they stay at the factory's default
_FIXED = {"shape", "shapes", "inner_hyper", "adjust_lr_fn", "ns_coefficients", "root",
          "spatial_average", "kl_clip", "beta1_decay"}


def _inner_options():
    return tuple(n for n in _optimizers.available()
                 if "lr" in _optimizers.hyperparameters(n) and n not in ("lookahead", "ranger"))


def _fallback(name, default):
    """A control for a hyper-parameter no table knows, around its default."""
    if isinstance(default, bool):
        return Knob(name, "bool", default)
    if isinstance(default, int):
        return Knob(name, "int", default, min(0, default), max(10, 2 * default), 1)
    if isinstance(default, float) and math.isfinite(default):
        if default > 0:
            e = math.floor(math.log10(default))
            return Knob(name, "log", default, e - 2, e + 2, 0.1)
        if default == 0:
            return Knob(name, "float", default, 0.0, 1.0, 0.01)
    return None


def knobs(optimizer) -> list[Knob]:
    """The controls of ``optimizer``, in its factory's order (``lr`` first where it has one).

    Every numeric hyper-parameter gets a slider with a range inside what the factory
    accepts, every flag a checkbox, every string option a dropdown; each starts at the
    factory's default (a learning rate of ``None``, lookahead's "the inner's default",
    starts at 1e-3). Structural settings (matrix shapes, nested hyper-parameters) are left
    at their defaults and get no control.
    """
    key = _resolve(optimizer)[0]
    out = []
    for name, default in _optimizers.hyperparameters(optimizer).items():
        if name in _FIXED:
            continue
        if name == "inner":
            out.append(Knob(name, "choice", default, options=_inner_options()))
        elif name in _CHOICES:
            out.append(Knob(name, "choice", default,
                            options=_CHOICE_OVERRIDES.get((key, name), _CHOICES[name])))
        elif isinstance(default, bool):
            out.append(Knob(name, "bool", default))
        elif (key, name) in _OVERRIDES or name in _SPECS:
            kind, low, high, step = _OVERRIDES.get((key, name), _SPECS.get(name))
            value = 1e-3 if name == "lr" and default is None else default
            out.append(Knob(name, kind, value, low, high, step))
        elif (knob := _fallback(name, default)) is not None:
            out.append(knob)
    return sorted(out, key=lambda k: k.name != "lr")


def _has_lr(optimizer):
    return "lr" in _optimizers.hyperparameters(optimizer)


def _settings(settings):
    if isinstance(settings, str):
        return {settings: {}}
    if isinstance(settings, dict):
        return {name: dict(values or {}) for name, values in settings.items()}
    return {name: {} for name in settings}


def _tuned(tune, names):
    if tune is True:
        return set(names)
    if tune is False or tune is None:
        return set()
    tune = {tune} if isinstance(tune, str) else set(tune)
    if tune - set(names):
        raise ValueError(f"tune names {sorted(tune - set(names))}, which are not among the "
                         f"optimizers {list(names)}")
    return tune


def _start(obj, x0):
    x = np.array(obj.x0 if x0 is None else x0, dtype=float)
    if x.shape != obj.x0.shape or not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be {obj.x0.size} finite numbers for {obj.name}, got {x0!r}")
    return x


def run(objective, settings, x0=None, steps=100, tune=False, grid=None, score="log"):
    """Race the optimizers of ``settings`` on ``objective``: one :class:`~helpers.race.Entry` each.

    Parameters
    ----------
    objective : Objective or registry name
    settings : dict name -> dict of hyper-parameters (or a sequence of names: defaults)
    x0 : the common start (default the objective's ``x0``)
    steps : int ≥ 1, the common budget
    tune : True (every optimizer), False, or names whose ``lr`` is tuned on ``grid`` (their
        ``lr`` setting is ignored); the others run with their ``lr``, else the knob default
    grid, score : the tuning grid (default :data:`helpers.race.GRID`) and score (default
        "log", the mean log10 gap) of :func:`helpers.race.race`

    Raises ``ValueError`` naming the culprit: an unknown objective, optimizer or
    hyper-parameter, an invalid value (the factory's message, e.g. "adam: invalid
    beta1=1.5 …"), a bad start or budget. An optimizer that cannot run on the objective
    is not an error: its entry's ``skipped`` says why.
    """
    obj = _objectives.get(objective)
    settings = _settings(settings)
    if not settings:
        raise ValueError("optimizers: choose at least one optimizer")
    _check_steps(steps)
    x = _start(obj, x0)
    tuned = _tuned(tune, settings)
    _check_score(score)
    hyper = {}
    for name, values in settings.items():
        if name in tuned:
            values.pop("lr", None)
        elif _has_lr(name) and values.get("lr") is None:
            values["lr"] = next(k.value for k in knobs(name) if k.name == "lr")
        _optimizers.get(name, **values)  # an invalid value raises here, naming it
        hyper[name] = values
    return _race.race(obj, list(settings), int(steps), x, grid, score, hyper)


def tuned(entry) -> bool:
    """Whether the entry's learning rate was tuned on a grid (else fixed or absent)."""
    return entry.ran and None not in entry.scores


def label(entry) -> str:
    """``"adam (η=0.1, tuned)"``, ``"sgd (η=0.001)"`` or ``"trust_region (adaptive)"``."""
    if entry.lr is None:
        return f"{entry.optimizer} (adaptive)"
    return f"{entry.optimizer} (η={entry.lr:.3g}{', tuned' if tuned(entry) else ''})"


def summary(entries, tol=1e-6) -> list[str]:
    """One line per entry, best first (the ranking of :func:`helpers.race.results`)."""
    by_name = {e.optimizer: e for e in entries}
    lines = []
    for row in _race.results(entries, tol):
        e = by_name[row["optimizer"]]
        if not e.ran:
            lines.append(f"{e.optimizer} cannot run on {_objective_name(entries)}: {e.skipped}")
            continue
        t = e.trajectory
        if t.diverged:
            lines.append(f"{label(e)}: diverged at step {t.diverged_at}")
            continue
        what = "f − f*" if t.f_min is not None else "f"
        line = f"{label(e)}: {what} = {row['final']:.3g} after {t.steps} steps"
        line += (f", ≤ {tol:g} from step {row['steps_to_tol']}" if row["steps_to_tol"] is not None
                 else f", never ≤ {tol:g}")
        lines.append(line + ("; it ended above its start" if row["status"] == _race.ENDED_ABOVE
                             else ""))
    return lines


def _objective_name(entries):
    return next((e.trajectory.objective for e in entries if e.ran), "this objective")


def figure(objective, entries, tol=None):
    """Paths on the contour (left) and loss curves (right) of the entries that ran.

    The right panel shows f − f* (gradient norms when f* is unknown), with ``tol`` as a
    dotted line. Returns the matplotlib Figure (not shown, not closed).
    """
    obj = _objectives.get(objective)
    ran = [e for e in entries if e.ran]
    trajs, labels = [e.trajectory for e in ran], [label(e) for e in ran]
    fig, (pax, lax) = plt.subplots(1, 2, figsize=(11, 4))
    plotting.plot_paths(obj, trajs, ax=pax, labels=labels, resolution=120)
    kind = plotting._default_kind(trajs) if trajs else "gap"
    plotting.plot_losses(trajs, ax=lax, kind=kind, labels=labels)
    if tol is not None and kind == "gap":
        lax.axhline(tol, ls=":", c="gray", lw=1)
    skipped = [e.optimizer for e in entries if not e.ran]
    lax.set_title("cannot run here: " + ", ".join(skipped) if skipped else
                  "f − f*" if kind == "gap" else "‖∇f‖ (f* unknown)", fontsize=9)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ the widget
_STYLE = {"description_width": "initial"}


def _decimals(step):
    return max(0, -math.floor(math.log10(step) + 1e-9))


def _widget(knob, value):
    common = dict(description=knob.name, style=_STYLE)
    if knob.kind == "bool":
        return widgets.Checkbox(value=bool(value), indent=False, **common)
    if knob.kind == "choice":
        return widgets.Dropdown(options=[(str(o), i) for i, o in enumerate(knob.options)],
                                value=knob.options.index(value), **common)
    common["continuous_update"] = False
    if knob.kind == "log":
        return widgets.FloatLogSlider(value=value, base=10, min=knob.low, max=knob.high,
                                      step=knob.step, readout_format=".2e", **common)
    if knob.kind == "int":
        return widgets.IntSlider(value=int(value), min=knob.low, max=knob.high,
                                 step=knob.step, **common)
    return widgets.FloatSlider(value=value, min=knob.low, max=knob.high, step=knob.step,
                               readout_format=f".{_decimals(knob.step)}f", **common)


def _set_window(slider, low, high, value):
    """Move a slider to a new range and value, whatever the old range was."""
    if low > slider.max:
        slider.max, slider.min = high, low
    else:
        slider.min, slider.max = low, high
    slider.step = (high - low) / 200
    slider.value = value


def _validate_ui(objective, optimizers, objectives, steps, tol, hyper):
    pool, first = _objective_pool(objective, objectives)
    names = list(_optimizer_names(optimizers))  # registry names: the list's options
    _check_steps(steps)
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 1e-12 <= tol <= 1:
        raise ValueError(f"tol must be a number in [1e-12, 1], got {tol!r}")
    for name, values in (hyper or {}).items():
        key = _resolve(name)[0]
        spec = {k.name: k for k in knobs(key)}
        for param, value in values.items():
            if param in spec and not spec[param].contains(value):
                raise ValueError(f"{key}: {param}={value!r} is outside the dashboard's "
                                 f"control for it ({_describe(spec[param])})")
    return pool, first, names


def _describe(knob):
    if knob.kind == "log":
        return f"[1e{knob.low}, 1e{knob.high}]"
    if knob.kind == "choice":
        return "one of " + ", ".join(map(repr, knob.options))
    return "True or False" if knob.kind == "bool" else f"[{knob.low}, {knob.high}]"


def dashboard(objective="rosenbrock", optimizers=("sgd", "momentum", "adam"), steps=200,
              x0=None, tune=True, grid=None, score="log", tol=1e-6, objectives=None,
              hyper=None, auto=False):
    """The dashboard: pick an objective, several optimizers, their knobs, start and budget.

    Parameters
    ----------
    objective : Objective or name shown first (every 2-D objective with a window is listed)
    optimizers : names selected at start (every registered optimizer can be picked)
    steps, x0 : the common budget and start (default the objective's ``x0``; choosing an
        objective moves the start to that objective's ``x0``)
    tune : True, False or names whose learning rate starts as "tuned on the grid" (with
        True, so does that of every optimizer picked later)
    grid, score : the tuning grid (default :data:`helpers.race.GRID`) and score
    tol : the tolerance of the table's "steps to tol"
    objectives : names (or Objectives) for the objective dropdown
    hyper : dict name -> dict, starting values of an optimizer's knobs; values of settings
        that get no control (e.g. Muon's ``shape``) are passed to every run as they are
    auto : redraw on every change (else only when Run is clicked); a checkbox in the app

    Returns
    -------
    ipywidgets.VBox
        Display it as a cell's last expression. It runs once at start. ``box.controls`` maps
        "objective", "optimizers", "steps", "x", "y", "score", "tol", "auto" and "run" (the
        Button) to widgets; ``box.knobs[name]`` maps an optimizer's hyper-parameters (and
        "tune") to its widgets; ``box.settings()`` returns the ``(settings, tune)`` the next run
        uses; ``box.entries``, ``box.rows``, ``box.figure`` hold the latest run (its entries,
        :func:`helpers.race.results` rows and closed figure); ``box.status``, ``box.table`` and
        ``box.output`` are the status line, the results table and the figure's Output;
        ``box.tabs`` holds one tab of knobs per selected optimizer.
    """
    pool, first, names = _validate_ui(objective, optimizers, objectives, steps, tol, hyper)
    hyper = {_resolve(k)[0]: dict(v) for k, v in (hyper or {}).items()}
    start = _start(pool[first], x0)
    tuned0 = _tuned(tune, names)
    run(pool[first], {n: hyper.get(n, {}) for n in names}, start, 1, tuned0, grid, score)
    (x_lo, x_hi), (y_lo, y_hi) = plotting._window(pool[first])
    sliders = dict(continuous_update=False, style=_STYLE)
    controls = {
        "objective": widgets.Dropdown(options=list(pool), value=first, description="objective",
                                      style=_STYLE),
        "steps": widgets.IntSlider(value=int(steps), min=1, max=max(1000, int(steps)),
                                   description="steps", **sliders),
        "x": widgets.FloatSlider(value=start[0], min=x_lo, max=x_hi, step=(x_hi - x_lo) / 200,
                                 description="start θ₁", **sliders),
        "y": widgets.FloatSlider(value=start[1], min=y_lo, max=y_hi, step=(y_hi - y_lo) / 200,
                                 description="start θ₂", **sliders),
        "optimizers": widgets.SelectMultiple(options=_optimizers.available(), value=tuple(names),
                                             rows=8, description="optimizers", style=_STYLE),
        "score": widgets.Dropdown(options=["log", "final", "mean"], value=score,
                                  description="tuning score", style=_STYLE),
        "tol": widgets.FloatLogSlider(value=tol, base=10, min=-12, max=0, step=1,
                                      description="table tol", readout_format=".0e", **sliders),
        "auto": widgets.Checkbox(value=bool(auto), description="redraw on change", indent=False),
        "run": widgets.Button(description="Run", icon="play", button_style="primary"),
    }
    box = widgets.VBox()
    box.controls, box.knobs, box.entries, box.rows, box.figure = controls, {}, [], [], None
    box.status, box.table, box.output = widgets.HTML(), widgets.HTML(), widgets.Output()
    tabs = widgets.Tab()
    state = {"busy": False}
    knob_specs = {}

    def panel(name):
        if name not in box.knobs:
            specs = {k.name: k for k in knobs(name)}
            preset = hyper.get(name, {})
            ws = {p: _widget(k, preset.get(p, k.value)) for p, k in specs.items()}
            if "lr" in ws:
                ws["tune"] = widgets.Checkbox(value=tune is True or name in tuned0, indent=False,
                                              description="tune η on the grid")
                ws["lr"].disabled = ws["tune"].value
            for w in ws.values():
                w.observe(changed, names="value")
            box.knobs[name], knob_specs[name] = ws, specs
        ws = list(box.knobs[name].values())
        ws = ws[-1:] + ws[:-1] if "tune" in box.knobs[name] else ws
        return widgets.HBox(ws or [widgets.HTML("<i>no hyper-parameters</i>")],
                            layout=widgets.Layout(flex_flow="row wrap"))

    def settings():
        chosen, tune_names = {}, set()
        for name in controls["optimizers"].value:
            ws, specs = box.knobs[name], knob_specs[name]
            fixed = {p: v for p, v in hyper.get(name, {}).items() if p not in specs}
            chosen[name] = {**fixed, **{p: specs[p].options[w.value] if specs[p].kind == "choice"
                                        else w.value for p, w in ws.items() if p != "tune"}}
            if "tune" in ws and ws["tune"].value:
                tune_names.add(name)
        return chosen, tune_names

    def redraw(_=None):
        controls["run"].disabled = True
        box.status.value = "<i>running…</i>"
        try:
            chosen, tune_names = settings()
            x = (controls["x"].value, controls["y"].value)
            entries = run(pool[controls["objective"].value], chosen, x, controls["steps"].value,
                          tune_names, grid, controls["score"].value)
            rows = _race.results(entries, controls["tol"].value)
            fig = figure(pool[controls["objective"].value], entries, controls["tol"].value)
        except Exception as err:  # a message in the app, never a traceback
            kind = "" if isinstance(err, ValueError) else f"{type(err).__name__}: "
            box.status.value = f"<b style='color:#c00'>{html.escape(kind + str(err))}</b>"
            return
        finally:
            controls["run"].disabled = False
        box.entries, box.rows, box.figure = entries, rows, fig
        box.table.value = _race.html_results(rows)
        box.status.value = _status_html(entries, controls, grid)
        box.output.clear_output(wait=True)
        with box.output:
            display(fig)
        plt.close(fig)

    def changed(change):
        owner = change["owner"]
        for ws in box.knobs.values():
            if owner is ws.get("tune"):
                ws["lr"].disabled = owner.value
        if controls["auto"].value and not state["busy"]:
            redraw()

    def new_objective(change):
        state["busy"] = True
        try:
            obj = pool[change["new"]]
            (xl, xh), (yl, yh) = plotting._window(obj)
            _set_window(controls["x"], xl, xh, float(obj.x0[0]))
            _set_window(controls["y"], yl, yh, float(obj.x0[1]))
        finally:
            state["busy"] = False
        changed(change)

    def new_selection(change):
        picked = list(controls["optimizers"].value)
        old = [tabs.get_title(i) for i in range(len(tabs.children))]
        tabs.children = tuple(panel(n) for n in picked)
        for i, n in enumerate(picked):
            tabs.set_title(i, n)
        added = [i for i, n in enumerate(picked) if n not in old]
        tabs.selected_index = (added[-1] if added else 0) if picked else None
        changed(change)

    box.settings = settings
    controls["objective"].observe(new_objective, names="value")
    controls["optimizers"].observe(new_selection, names="value")
    for key in ("steps", "x", "y", "score", "tol"):
        controls[key].observe(changed, names="value")
    controls["run"].on_click(redraw)
    state["busy"] = True
    new_selection({"owner": controls["optimizers"], "new": tuple(names)})
    state["busy"] = False
    box.children = (
        widgets.HBox([controls["objective"], controls["steps"]]),
        widgets.HBox([controls["x"], controls["y"]]),
        widgets.HBox([controls["optimizers"], tabs]),
        widgets.HBox([controls["score"], controls["tol"], controls["auto"], controls["run"]]),
        box.status, box.output, box.table)
    box.tabs = tabs
    redraw()
    return box


def _status_html(entries, controls, grid):
    grid = _race.GRID if grid is None else np.asarray(grid, dtype=float)
    head = (f"{controls['objective'].value}, {controls['steps'].value} steps from "
            f"({controls['x'].value:.3g}, {controls['y'].value:.3g}); tuned η from {grid.size} "
            f"values {grid.min():.0e}…{grid.max():.0e} by the '{controls['score'].value}' score")
    lines = []
    for line in summary(entries, controls["tol"].value):
        bad = any(w in line for w in ("diverged", "cannot run", _race.ENDED_ABOVE))
        lines.append(f"<span style='color:#c00'>{html.escape(line)}</span>" if bad
                     else html.escape(line))
    return f"<b>{html.escape(head)}</b><br>" + "<br>".join(lines)
