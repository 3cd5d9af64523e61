"""Figures of optimization: contours and surfaces with paths, loss curves, animations.

Every function takes an :class:`~helpers.objectives.Objective` or a registry name and
returns matplotlib objects (it never calls ``plt.show()``), so a notebook cell ends with
``plt.show()`` and a test can inspect the artists. One colormap throughout: viridis.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import animation
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm, to_rgba
from matplotlib.figure import Figure
from PIL import Image

from . import objectives as _objectives
from . import optimizers as _optimizers
from .runner import run, tune

__all__ = ["contour", "plot_paths", "surface", "plot_losses", "animate_paths", "save_gif",
           "plot_optimizer_path", "KINDS"]

CMAP = "viridis"
KINDS = ("loss", "gap", "distance", "grad_norm")
FLOOR = 1e-16  # non-positive values are drawn at this floor on log axes
_YLABELS = {"loss": r"$f(\theta_t)$", "gap": r"$f(\theta_t) - f^*$",
            "distance": r"$\|\theta_t - \theta^*\|$", "grad_norm": r"$\|\nabla f(\theta_t)\|$"}


def _window(obj, bounds=None):
    """The plotting window ``((xmin, xmax), (ymin, ymax))`` of a 2-D objective."""
    if obj.dim != 2:
        raise ValueError(f"{obj.name} is {obj.dim}-D; these plots need a 2-D objective")
    bounds = obj.bounds if bounds is None else bounds
    if bounds is None:
        raise ValueError(f"{obj.name} has no plotting window; pass bounds=((x0, x1), (y0, y1))")
    return tuple(tuple(map(float, b)) for b in bounds)


def _grid(obj, bounds, resolution):
    (x0, x1), (y0, y1) = bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    return X, Y, obj.f(np.stack([X, Y]))


def _fix_limits(ax, bounds):
    ax.set_xlim(*bounds[0])
    ax.set_ylim(*bounds[1])
    ax.set_autoscale_on(False)


def contour(objective, ax=None, levels=20, resolution=200, bounds=None, log=None, lines=True):
    """Filled contours of ``f`` with thin contour lines and the known minima as stars.

    Parameters
    ----------
    objective : Objective or str
    ax : matplotlib Axes, optional (default: a new figure)
    levels : int or sequence, filled contour levels (lines are drawn on every other one);
        with ``log`` they are values of ``f - f*``
    resolution : int, grid points per axis
    bounds : ``((xmin, xmax), (ymin, ymax))``, default ``objective.bounds``
    log : bool, colours on a log scale of ``f - f*`` (default ``objective.log_scale``)
    lines : bool, draw thin contour lines over the filled contours

    Returns
    -------
    matplotlib.axes.Axes
    """
    obj = _objectives.get(objective)
    bounds = _window(obj, bounds)
    ax = plt.subplots(figsize=(5, 4))[1] if ax is None else ax
    X, Y, Z = _grid(obj, bounds, resolution)
    log = obj.log_scale if log is None else log
    if log:
        D = Z - (obj.f_min if obj.f_min is not None else Z.min())
        hi = max(float(D.max()), 1e-12)
        lo = max(float(D.min()), hi * 1e-6)
        Z, norm = np.clip(D, lo, hi), LogNorm(lo, hi)
        levels = np.geomspace(lo, hi, levels) if np.ndim(levels) == 0 else levels
    else:
        norm = None
    filled = ax.contourf(X, Y, Z, levels=levels, cmap=CMAP, norm=norm)
    if lines:  # on every other level: half the lines, half the PNG bytes they cost
        ax.contour(X, Y, Z, levels=filled.levels[::2], colors="k", linewidths=0.4, alpha=0.4)
    inside = [m for m in obj.minima if _inside(m, bounds)]
    if inside:
        ax.scatter(*np.array(inside).T, marker="*", s=180, c="w", edgecolors="k", zorder=5,
                   gid="minima")
    ax.set(xlabel="θ₁", ylabel="θ₂", title=obj.name)
    _fix_limits(ax, bounds)
    return ax


def _inside(p, bounds):
    p = np.asarray(p, dtype=float)
    return bool(np.all(np.isfinite(p)) and bounds[0][0] <= p[0] <= bounds[0][1]
                and bounds[1][0] <= p[1] <= bounds[1][1])


def _visible(traj, bounds):
    """Points of a path to draw; a diverged path stops just after its final exit."""
    xs = np.asarray(traj.xs, dtype=float)
    finite = np.all(np.isfinite(xs), axis=1)
    xs = xs[: np.argmin(finite)] if not finite.all() else xs
    if not traj.diverged or len(xs) == 0:
        return xs
    inside = np.array([_inside(p, bounds) for p in xs])
    if not inside.any():
        return xs[:1]
    last = int(np.flatnonzero(inside)[-1])
    xs = xs[: last + 2].copy()
    if len(xs) > last + 1:  # pull a far-away exit point in, along the same direction
        span = np.hypot(bounds[0][1] - bounds[0][0], bounds[1][1] - bounds[1][0])
        step = xs[-1] - xs[-2]
        xs[-1] = xs[-2] + step * min(1.0, 2 * span / max(np.linalg.norm(step), 1e-300))
    return xs


def _labels(trajectories, labels):
    labels = [t.label for t in trajectories] if labels is None else list(labels)
    if len(labels) != len(trajectories):
        raise ValueError(f"got {len(labels)} labels for {len(trajectories)} trajectories")
    return labels


def _divergence_note(ax, traj, xs, bounds, color, **kw):
    """Annotate "diverged at step k" at the last point of the path inside the window."""
    seen = [p for p in xs if _inside(p, bounds)] or [xs[0]]
    return ax.annotate(f"diverged at step {traj.diverged_at}", seen[-1], xytext=(6, 6),
                       textcoords="offset points", color=color, fontsize=8,
                       bbox=dict(boxstyle="round", fc="w", alpha=0.8), **kw)


def plot_paths(objective, trajectories, ax=None, labels=None, **contour_kw):
    """Contour plot with each trajectory's path (one ``Line2D`` per trajectory).

    The start is a circle, the end a cross; a diverged path is drawn until it leaves
    the window for good and annotated "diverged at step k". The axes keep the window.

    Returns
    -------
    matplotlib.axes.Axes
    """
    obj = _objectives.get(objective)
    trajectories = list(trajectories)
    labels = _labels(trajectories, labels)
    ax = contour(obj, ax=ax, **contour_kw)
    bounds = (ax.get_xlim(), ax.get_ylim())
    for i, (traj, label) in enumerate(zip(trajectories, labels)):
        xs = _visible(traj, bounds)
        color = f"C{(i + 1) % 10}"
        ax.plot(xs[:, 0], xs[:, 1], "-", marker=".", ms=3, lw=1.5, color=color, label=label)
        ax.scatter(*xs[0], marker="o", s=40, c=color, edgecolors="k", zorder=6)
        if traj.diverged:
            _divergence_note(ax, traj, xs, bounds, color)
        else:
            ax.scatter(*xs[-1], marker="X", s=60, c=color, edgecolors="k", zorder=6)
    if trajectories:
        ax.legend(loc="best", fontsize=8)
    return ax


def surface(objective, trajectory=None, ax=None, resolution=80, bounds=None):
    """3-D surface of ``f`` (z = ``log10(f - f* + 1)`` when ``log_scale``), path lifted onto it.

    Returns
    -------
    mpl_toolkits.mplot3d.axes3d.Axes3D
    """
    obj = _objectives.get(objective)
    bounds = _window(obj, bounds)
    if ax is None:
        ax = plt.figure(figsize=(6, 5)).add_subplot(projection="3d")
    elif ax.name != "3d":
        raise ValueError("surface needs a 3-D Axes: fig.add_subplot(projection='3d')")
    X, Y, Z = _grid(obj, bounds, resolution)
    base = obj.f_min if obj.f_min is not None else float(Z.min())

    def lift(z):
        return np.log10(np.maximum(z - base, 0) + 1) if obj.log_scale else z

    ax.computed_zorder = False  # draw the path over the surface, not hidden behind it
    ax.plot_surface(X, Y, lift(Z), cmap=CMAP, rcount=resolution, ccount=resolution,
                    edgecolor="none", zorder=1)
    if trajectory is not None:
        xs = np.asarray(trajectory.xs, dtype=float)
        inside = np.array([_inside(p, bounds) for p in xs])
        xs = xs[: np.argmin(inside)] if not inside.all() else xs
        if len(xs):
            ax.plot(xs[:, 0], xs[:, 1], lift(obj.f(xs.T)), ".-", color="r", ms=3, lw=1.5,
                    zorder=10, label=trajectory.label)
    ax.set(xlabel="θ₁", ylabel="θ₂", title=obj.name,
           zlabel="log₁₀(f − f* + 1)" if obj.log_scale else "f")
    return ax


def _series(traj, kind):
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose from {', '.join(KINDS)}")
    y = {"loss": lambda: traj.fs, "gap": traj.gap, "distance": traj.distance,
         "grad_norm": lambda: traj.grad_norms}[kind]()
    y = np.asarray(y, dtype=float)
    return np.where(np.isfinite(y), np.maximum(y, FLOOR), np.nan)


def _default_kind(trajectories):
    return "gap" if all(t.f_min is not None for t in trajectories) else "grad_norm"


def plot_losses(trajectories, ax=None, kind="gap", labels=None):
    """Loss curves on a log y-scale; ``kind`` is one of "loss", "gap", "distance", "grad_norm".

    "gap" is ``f(θ_t) - f*``; values ≤ 0 are drawn at ``FLOOR`` so the log scale works.

    Returns
    -------
    matplotlib.axes.Axes
    """
    trajectories = list(trajectories)
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose from {', '.join(KINDS)}")
    labels = _labels(trajectories, labels)
    ax = plt.subplots(figsize=(5, 4))[1] if ax is None else ax
    for i, (traj, label) in enumerate(zip(trajectories, labels)):
        ax.plot(_series(traj, kind), color=f"C{(i + 1) % 10}", lw=1.5, label=label)
    ax.set_yscale("log")
    ax.set(xlabel="step t", ylabel=_YLABELS[kind])
    ax.grid(True, which="major", alpha=0.3)
    if trajectories:
        ax.legend(fontsize=8)
    return ax


class FrameFigure(Figure):
    """A Figure that renders animation frames fast and saves them small.

    The artists in ``fig.animated`` are drawn over a cached background (matplotlib's
    blitting recipe), so a frame costs a few lines, not a redraw of every tick label;
    PNG frames are mapped to a fixed palette of the ``palette`` most frequent colours of
    the frame shown when :meth:`freeze_palette` was called, which makes ``to_jshtml``
    about 3× smaller. Only the ``savefig`` calls animation writers make (``format``
    "png" or "rgba" at the figure's dpi) take this path; any other is matplotlib's own.
    The static artists must not change once a frame has been saved.
    """

    palette = 32
    animated = ()
    _agg = _background = _palette = None

    def savefig(self, fname, *args, **kwargs):
        fmt, dpi, face = kwargs.get("format"), kwargs.get("dpi"), kwargs.get("facecolor")
        if args or set(kwargs) - {"format", "dpi", "facecolor", "transparent"} \
                or fmt not in ("png", "rgba") or dpi not in (None, "figure", self.dpi) \
                or kwargs.get("transparent") or (face is not None and not np.allclose(
                    to_rgba(face), to_rgba(self.get_facecolor()))):
            return super().savefig(fname, *args, **kwargs)
        rgba = self._render()
        if fmt == "rgba":
            if hasattr(fname, "write"):
                fname.write(rgba.tobytes())
            else:
                Path(fname).write_bytes(rgba.tobytes())
            return
        img = Image.fromarray(rgba[..., :3])
        if self.palette:
            if self._palette is None:
                self.freeze_palette(rgba)
            img = img.quantize(palette=self._palette, dither=Image.Dither.NONE)
        img.save(fname, format="png")

    def freeze_palette(self, rgba=None):
        """Fix the PNG palette to the most frequent colours of the current frame."""
        rgb = (self._render() if rgba is None else rgba)[..., :3].reshape(-1, 3)
        colours, counts = np.unique(rgb, axis=0, return_counts=True)
        self._palette = Image.new("P", (1, 1))
        self._palette.putpalette(colours[np.argsort(-counts)[:self.palette]].ravel().tolist())

    def _render(self):
        if self._agg is None:
            shown = self.canvas
            self._agg = FigureCanvasAgg(self)  # a private canvas, which keeps its text caches
            self.set_canvas(shown)
        if self._background is None:
            hidden = [a for a in self.animated if a.get_visible()]
            for a in hidden:
                a.set_visible(False)
            try:
                self._agg.draw()
            finally:
                for a in hidden:
                    a.set_visible(True)
            self._background = self._agg.copy_from_bbox(self.bbox)
        else:
            self._agg.restore_region(self._background)
        renderer = self._agg.get_renderer()
        for artist in sorted(self.animated, key=lambda a: a.get_zorder()):
            artist.draw(renderer)
        return np.array(self._agg.buffer_rgba())


def animate_paths(objective, trajectories, frames=60, interval=80, labels=None,
                  with_losses=True, figsize=(8, 3.5), dpi=72):
    """Paths growing step by step on the contour, with loss gaps growing beside them.

    Steps are subsampled to at most ``frames`` frames (``anim.frame_steps`` lists the step
    each frame shows). The figure (``anim.fig``, a :class:`FrameFigure`) is already closed
    in pyplot, so a notebook shows only the animation: ``HTML(anim.to_jshtml())``, or
    :func:`save_gif`. Default size: 60 frames of three paths make ~0.75 MB of jshtml.

    Returns
    -------
    matplotlib.animation.FuncAnimation
    """
    obj = _objectives.get(objective)
    trajectories = list(trajectories)
    labels = _labels(trajectories, labels)
    if int(frames) != frames or frames < 1:
        raise ValueError(f"frames must be a positive integer, got {frames!r}")
    fig, axes = plt.subplots(1, 2 if with_losses else 1, figsize=figsize, dpi=dpi, squeeze=False,
                             FigureClass=FrameFigure)
    ax = contour(obj, ax=axes[0, 0], levels=15, resolution=120, lines=False)
    bounds = (ax.get_xlim(), ax.get_ylim())
    paths = [_visible(t, bounds) for t in trajectories]
    T = max([t.steps for t in trajectories] + [1])
    colors = [f"C{(i + 1) % 10}" for i in range(len(trajectories))]
    # aliased lines: a frame's PNG is half the size, which keeps 60 frames under 1 MB
    lines, heads, notes, curves, series = [], [], [], [], []
    for traj, xs, c, label in zip(trajectories, paths, colors, labels):
        ax.scatter(*xs[0], marker="o", s=40, c=c, edgecolors="k", zorder=6)
        lines.append(ax.plot([], [], "-", marker=".", ms=3, lw=1.5, color=c, label=label,
                             antialiased=False)[0])
        heads.append(ax.plot([], [], "o", ms=5, color=c, mec="k", zorder=7)[0])
        if traj.diverged:
            notes.append(_divergence_note(ax, traj, xs, bounds, c, visible=False))
    legend_ax = ax
    if with_losses:
        legend_ax = lax = axes[0, 1]
        kind = _default_kind(trajectories)
        series = [_series(t, kind) for t in trajectories]
        curves = [lax.plot([], [], color=c, lw=1.5, label=lab, antialiased=False)[0]
                  for c, lab in zip(colors, labels)]
        finite = np.concatenate([y[np.isfinite(y)] for y in series] + [np.ones(1)])
        lax.set(yscale="log", xlim=(0, T), ylim=(finite.min() / 2, finite.max() * 2),
                xlabel="step t", ylabel=_YLABELS[kind])
        lax.minorticks_off()
    legend = legend_ax.legend(loc="upper right", fontsize=8, framealpha=0.8) \
        if trajectories else None
    steps = [int(k) for k in np.unique(np.linspace(0, T, min(int(frames), T + 1)).round())]
    fig.tight_layout()

    def draw(k):
        for xs, line, head in zip(paths, lines, heads):
            line.set_data(xs[: k + 1, 0], xs[: k + 1, 1])
            head.set_data(xs[min(k, len(xs) - 1), :, None])
        for traj, note in zip([t for t in trajectories if t.diverged], notes):
            note.set_visible(k >= traj.diverged_at)
        for curve, y in zip(curves, series):
            curve.set_data(np.arange(min(k + 1, len(y))), y[: k + 1])
        return lines + heads + notes + curves

    stars = [c for c in ax.collections if c.get_gid() == "minima"]  # keep the target on top
    fig.animated = [*lines, *heads, *notes, *curves, *stars] + ([legend] if legend else [])
    for artist in fig.animated:
        artist.set_animated(True)
    draw(steps[-1])
    fig.freeze_palette()  # from the last frame, where every path colour is on show
    draw(steps[0])
    plt.close(fig)  # no still image in the notebook; a plain canvas makes draw_idle free
    FigureCanvasBase(fig)
    anim = animation.FuncAnimation(fig, draw, frames=steps, interval=interval, blit=False,
                                   repeat=False)
    anim.frame_steps, anim.fig = steps, fig
    return anim


def save_gif(anim, path, fps=12):
    """Save an animation as a GIF with Pillow; returns ``(path, size_in_bytes)``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    anim.save(str(path), writer=animation.PillowWriter(fps=fps))
    return path, path.stat().st_size


def plot_optimizer_path(loss_fn="rosenbrock", optimizers=("GD", "Adam"), steps=200, x0=None,
                        lr=None, ax=None, animate=False, **hyper):
    """One call: run each optimizer on ``loss_fn`` and draw paths plus loss gaps.

    Parameters
    ----------
    loss_fn : Objective or str, a 2-D objective with a plotting window
    optimizers : str or sequence of optimizer names (any registry spelling, e.g. "GD")
    steps : int, iterations per run
    x0 : start point (default the objective's ``x0``)
    lr : None, float or dict name -> float. ``None`` (or a name missing from the dict)
        tunes that optimizer's lr with :func:`helpers.tune` on the same default grid
        for every contender; a float is used for all.
    ax : Axes for the paths, or a pair (paths, losses); default a new 1×2 figure.
    animate : return ``animate_paths(...)`` instead of a static figure.
    **hyper : other hyper-parameters, passed to every optimizer.

    Returns
    -------
    (fig or anim, list of Trajectory) — in the order of ``optimizers``; legend labels
    read "<name as passed> (η=<lr>)".
    """
    obj = _objectives.get(loss_fn)
    _window(obj)
    names = [optimizers] if isinstance(optimizers, str) else list(optimizers)
    lrs = lr if isinstance(lr, dict) else {n: lr for n in names}
    extra = sorted(set(lrs) - set(names))
    if extra:
        raise ValueError(f"lr given for {extra}, which are not among optimizers {names}")
    for n in names:  # fail on a bad name or hyper-parameter before any tuning work
        _optimizers.get(n, lr=lrs.get(n) if lrs.get(n) is not None else 1e-3, **hyper)
    trajs, labels = [], []
    for n in names:
        if lrs.get(n) is None:
            traj = tune(n, obj, x0, steps, **hyper).trajectory
        else:
            traj = run(_optimizers.get(n, lr=float(lrs[n]), **hyper), obj, x0, steps)
        trajs.append(traj)
        labels.append(f"{n} (η={traj.hyper['lr']:.3g})")
    if animate:
        return animate_paths(obj, trajs, labels=labels), trajs
    if ax is None:
        fig, (pax, lax) = plt.subplots(1, 2, figsize=(11, 4.5))
    else:
        pax, lax = ax if isinstance(ax, (tuple, list, np.ndarray)) else (ax, None)
        fig = pax.figure
    plot_paths(obj, trajs, ax=pax, labels=labels)
    if lax is not None:
        plot_losses(trajs, ax=lax, kind=_default_kind(trajs), labels=labels)
    fig.tight_layout()
    return fig, trajs
