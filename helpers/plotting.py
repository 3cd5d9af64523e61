"""Figures of optimization: contours and surfaces with paths, loss curves, animations.

Every function takes an :class:`~helpers.objectives.Objective` or a registry name and
returns matplotlib objects (it never calls ``plt.show()``), so a notebook cell ends with
``plt.show()`` and a test can inspect the artists. One colormap throughout: viridis.
"""
from __future__ import annotations

import io
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import animation
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm, to_rgba
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox
from PIL import Image

from . import objectives as _objectives
from . import optimizers as _optimizers
from .runner import run, tune

__all__ = ["contour", "plot_paths", "surface", "plot_losses", "animate_paths", "animate_surface",
           "save_gif", "plot_optimizer_path", "FrameFigure", "KINDS"]

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
    blitting recipe), so a frame costs a few lines, not a redraw of every tick label.
    ``fig.growing`` holds ``(line, points)`` pairs of lines that only grow (paths, loss
    curves): at frame ``fig.step = k`` a line shows ``points[:k + 1]``, and when frames
    advance only the new segments are drawn over the previous frame's trail. The artists
    in ``fig.overlays`` (a legend) are static but must stay on top: they are rendered
    once and their pixels pasted over every frame. PNG frames are mapped to a
    fixed palette of the ``palette`` most frequent colours of the frame shown when
    :meth:`freeze_palette` was called, which makes ``to_jshtml`` about 3× smaller and
    GIFs (:func:`save_gif`) cheap where frames agree. Only the ``savefig`` calls
    animation writers make (``format`` "png" or "rgba" at the figure's dpi) take this
    path; any other is matplotlib's own. The static artists must not change once a frame
    has been saved.
    """

    palette = 32
    required = ()  # colours the palette must hold exactly (the paths' colours)
    animated = ()
    growing = ()
    overlays = ()
    step = 0
    _agg = _background = _palette = _overlay_pixels = _trail = _trail_step = None

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
        self.quantized(rgba).save(fname, format="png")

    def quantized(self, rgba=None):
        """The current frame (or ``rgba``) as a palette image in the frozen palette."""
        rgba = self._render() if rgba is None else rgba
        if not self.palette:
            return Image.fromarray(np.ascontiguousarray(rgba[..., :3]))
        if self._palette is None:
            self.freeze_palette(rgba)
        return self._palette(rgba)

    def freeze_palette(self, rgba=None):
        """Fix the palette to the most frequent colours of the current frame."""
        rgb = (self._render() if rgba is None else rgba)[..., :3].reshape(-1, 3)
        self._palette = _Quantizer(_palette_of(rgb, self.palette, self.required))

    def _render(self):
        if self._agg is None:
            shown = self.canvas
            self._agg = FigureCanvasAgg(self)  # a private canvas, which keeps its text caches
            self.set_canvas(shown)
        if self._background is None:
            self._cache_background()
        else:
            self._agg.restore_region(self._background)
        renderer = self._agg.get_renderer()
        if self.growing:
            self._draw_trail(renderer)
        for artist in sorted(self.animated, key=lambda a: a.get_zorder()):
            artist.draw(renderer)
        for pixels in self._overlay_pixels:
            self._agg.restore_region(pixels)
        return np.array(self._agg.buffer_rgba())

    def _draw_trail(self, renderer):
        """Draw the growing lines at ``self.step``: from the background, or only the
        segments added since the trail cached at an earlier step."""
        k, start = self.step, None
        if self._trail is not None and self._trail_step <= k:
            self._agg.restore_region(self._trail)
            start = self._trail_step
        for line, points in self.growing:
            new = points[: k + 1] if start is None else points[start: k + 1]
            if len(new) > (0 if start is None else 1) and line.get_visible():
                _set_points(line, new)
                line.draw(renderer)
                _set_points(line, points[: k + 1])
        self._trail, self._trail_step = self._agg.copy_from_bbox(self.bbox), k

    def _cache_background(self):
        dynamic = [a for a in (*self.animated, *(g[0] for g in self.growing), *self.overlays)
                   if a.get_visible()]
        for a in dynamic:
            a.set_visible(False)
        try:
            self._agg.draw()
        finally:
            for a in dynamic:
                a.set_visible(True)
        self._background = self._agg.copy_from_bbox(self.bbox)
        renderer, self._overlay_pixels = self._agg.get_renderer(), []
        for overlay in (a for a in self.overlays if a.get_visible()):
            overlay.draw(renderer)
            box = overlay.get_window_extent(renderer).padded(1)
            box = Bbox.intersection(box, self.bbox)
            if box is not None:
                self._overlay_pixels.append(self._agg.copy_from_bbox(box))
        self._agg.restore_region(self._background)


def _set_points(line, points):
    """Set a 2-D or 3-D line's data from an ``(n, 2)`` or ``(n, 3)`` array."""
    if points.shape[1] == 3:
        line.set_data_3d(*points.T)
    else:
        line.set_data(points[:, 0], points[:, 1])


def _palette_of(rgb, size, required=()):
    """An ``(m, 3)`` palette, m ≤ ``size``: the ``required`` colours, then the most frequent
    colours of the ``(n, 3)`` pixels ``rgb`` (flat areas, aliased lines: exact), up to half
    of ``size``, then a median cut of the remaining pixels (shaded surfaces, anti-aliasing)."""
    keys = rgb.astype(np.int64) @ np.array([1 << 16, 1 << 8, 1])
    must = np.array([np.round(np.array(to_rgba(c)[:3]) * 255) for c in required] or
                    np.empty((0, 3)), dtype=np.int64)
    picked = list(dict.fromkeys((must @ np.array([1 << 16, 1 << 8, 1])).tolist()))
    values, counts = np.unique(keys, return_counts=True)
    for v in values[np.lexsort((values, -counts))]:  # by frequency, ties by colour
        if len(picked) >= max(size // 2, len(must)):
            break
        if v not in picked:
            picked.append(int(v))
    rest = rgb[~np.isin(keys, picked)]
    extra = np.empty((0, 3), dtype=np.int64)
    if len(rest) and size > len(picked):
        cut = Image.fromarray(np.ascontiguousarray(rest.reshape(1, -1, 3), dtype=np.uint8))
        cut = cut.quantize(colors=size - len(picked), method=Image.Quantize.MEDIANCUT,
                           dither=Image.Dither.NONE)
        used = np.unique(np.asarray(cut))
        extra = np.array(cut.getpalette()[: 3 * (int(used.max()) + 1)]).reshape(-1, 3)[used]
    picked = np.array(picked, dtype=np.int64)
    return np.concatenate([np.column_stack([picked >> 16, (picked >> 8) & 255, picked & 255]),
                           extra]).astype(np.int64)[:size]


class _Quantizer:
    """Map RGB(A) frames to the nearest colour of a fixed palette (≤ 255 colours), exactly:
    unlike Pillow's bucketed cache, a colour's index never depends on which pixels came
    first, so equal pixels in two frames get equal indices. Colours seen once are kept in
    a lookup table over all 2²⁴ colours."""

    def __init__(self, colours):
        self.colours = np.asarray(colours, dtype=np.int64)[:255]
        self.flat = self.colours.astype(np.uint8).ravel().tolist()
        self.lut = np.full(1 << 24, 255, dtype=np.uint8)

    def __call__(self, rgba):
        h, w = rgba.shape[:2]
        rgb = rgba[..., :3].reshape(-1, 3).astype(np.uint32)
        keys = (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
        index = self.lut[keys]
        unknown = index == 255
        if unknown.any():
            new = np.unique(keys[unknown])
            cols = np.column_stack([new >> 16, (new >> 8) & 255, new & 255]).astype(np.int64)
            d = ((cols[:, None, :] - self.colours[None, :, :]) ** 2).sum(axis=-1)
            self.lut[new] = d.argmin(axis=1)
            index = self.lut[keys]
        img = Image.frombytes("L", (w, h), index.tobytes())
        img.putpalette(self.flat)
        return img


def _within(xs, bounds):
    """The iterates up to the first one outside the window (the 3-D axes do not clip)."""
    xs = np.asarray(xs, dtype=float)
    inside = np.array([_inside(p, bounds) for p in xs])
    return xs if inside.all() else xs[: np.argmin(inside)]


def _contour_panel(fig, cell, obj, trajectories, labels, colors):
    ax = contour(obj, ax=fig.add_subplot(cell), levels=15, resolution=120, lines=False)
    bounds = (ax.get_xlim(), ax.get_ylim())
    paths = [_visible(t, bounds) for t in trajectories]
    # aliased lines: a frame's PNG is half the size, which keeps 60 frames under 1 MB
    lines, heads, notes = [], [], []
    for traj, xs, c, label in zip(trajectories, paths, colors, labels):
        ax.scatter(*xs[0], marker="o", s=40, c=c, edgecolors="k", zorder=6)
        lines.append(ax.plot([], [], "-", marker=".", ms=3, lw=1.5, color=c, label=label,
                             antialiased=False)[0])
        heads.append(ax.plot([], [], "o", ms=5, color=c, mec="k", zorder=7)[0])
        notes.append(_divergence_note(ax, traj, xs, bounds, c, visible=False)
                     if traj.diverged else None)
    stars = [c for c in ax.collections if c.get_gid() == "minima"]  # keep the target on top
    return ax, paths, lines, heads, notes, stars


def _surface_panel(fig, cell, obj, trajectories, labels, colors, view, resolution):
    ax = surface(obj, ax=fig.add_subplot(cell, projection="3d"), resolution=resolution)
    ax.view_init(*view)  # a fixed camera: the surface is part of the cached background
    if obj.log_scale:  # the height in the title: a z label turns unreadable at many angles
        ax.set(zlabel="", title=f"{obj.name}: height log₁₀(f − f* + 1)")
    ax.set(xlim=ax.get_xlim(), ylim=ax.get_ylim(), zlim=ax.get_zlim())
    ax.set_autoscale_on(False)
    bounds = _window(obj)
    base = obj.f_min if obj.f_min is not None else float(_grid(obj, bounds, resolution)[2].min())

    def lift(p):  # the height surface() draws: log10(f − f* + 1) on a log scale, else f
        z = obj.f(np.asarray(p, dtype=float).T)
        return np.log10(np.maximum(z - base, 0) + 1) if obj.log_scale else z

    paths = [np.column_stack([xs, lift(xs)]) if len(xs) else np.empty((0, 3))
             for xs in (_within(t.xs, bounds) for t in trajectories)]
    lines, heads, notes = [], [], []
    for i, (traj, xyz, c, label) in enumerate(zip(trajectories, paths, colors, labels)):
        if len(xyz):
            ax.scatter(*xyz[0], marker="o", s=30, c=c, edgecolors="k", depthshade=False)
        lines.append(ax.plot([], [], [], "-", lw=1.8, color=c, label=label, antialiased=False)[0])
        heads.append(ax.plot([], [], [], "o", ms=5, color=c, mec="k")[0])
        notes.append(ax.text2D(0.0, 0.95 - 0.07 * i, f"{label}: diverged at step "
                               f"{traj.diverged_at}", transform=ax.transAxes, color=c,
                               fontsize=8, visible=False) if traj.diverged else None)
    minima = np.array([m for m in obj.minima if _inside(m, bounds)]).reshape(-1, 2)
    stars = [ax.plot(*minima.T, lift(minima), "*", ms=13, mfc="w", mec="k", ls="none")[0]] \
        if len(minima) else []
    return ax, paths, lines, heads, notes, stars


def _legend_share(n):
    """The share of the loss axis to keep free above the curves for a legend of n entries
    (two columns from four entries on)."""
    rows = n if n <= 3 else -(-n // 2)
    share = 0.05 + 0.06 * rows
    return share / (1 - share)


def _animate(obj, trajectories, frames, interval, labels, with_losses, figsize, dpi, panel,
             palette=32, width_ratios=(1, 1)):
    """The shared machinery of :func:`animate_paths` and :func:`animate_surface`."""
    trajectories = list(trajectories)
    labels = _labels(trajectories, labels)
    if int(frames) != frames or frames < 1:
        raise ValueError(f"frames must be a positive integer, got {frames!r}")
    fig = plt.figure(figsize=figsize, dpi=dpi, FigureClass=FrameFigure)
    cells = fig.add_gridspec(1, 2, width_ratios=width_ratios) if with_losses else \
        fig.add_gridspec(1, 1)
    colors = [f"C{(i + 1) % 10}" for i in range(len(trajectories))]
    ax, paths, lines, heads, notes, stars = panel(fig, cells[0], obj, trajectories, labels, colors)
    T = max([t.steps for t in trajectories] + [1])
    curves, series, legend_ax = [], [], ax
    if with_losses:
        legend_ax = lax = fig.add_subplot(cells[1])
        kind = _default_kind(trajectories)
        series = [_series(t, kind) for t in trajectories]
        curves = [lax.plot([], [], color=c, lw=1.5, label=lab, antialiased=False)[0]
                  for c, lab in zip(colors, labels)]
        finite = np.concatenate([y[np.isfinite(y)] for y in series] + [np.ones(1)])
        lo, hi = np.log10(finite.min() / 2), np.log10(finite.max() * 2)
        top = hi + (hi - lo) * _legend_share(len(trajectories))  # headroom: no curve under it
        lax.set(yscale="log", xlim=(0, T), ylim=(10 ** lo, 10 ** top), xlabel="step t",
                ylabel=_YLABELS[kind])
        lax.minorticks_off()
    legend = legend_ax.legend(loc="upper right", fontsize=7, framealpha=0.8,
                              ncol=2 if len(trajectories) > 3 else 1) if trajectories else None
    steps = [int(k) for k in np.unique(np.linspace(0, T, min(int(frames), T + 1)).round())]
    notes = [(t.diverged_at, n) for t, n in zip(trajectories, notes) if n is not None]
    three_d = ax.name == "3d"

    growing = [(line, xs) for line, xs in zip(lines, paths) if len(xs)] + \
        [(curve, np.column_stack([np.arange(len(y)), y])) for curve, y in zip(curves, series)]

    def draw(k):
        fig.step = k
        for line, points in growing:
            _set_points(line, points[: k + 1])
        for xs, head in zip(paths, heads):
            if len(xs):
                _set_points(head, xs[min(k, len(xs) - 1)][None])
        for diverged_at, note in notes:
            note.set_visible(k >= diverged_at)
        return lines + heads + [n for _, n in notes] + curves

    if three_d:  # tight_layout does not know 3-D axes: leave the 3-D panel its full cell
        fig.subplots_adjust(left=0.0, right=0.98, bottom=0.13, top=0.93, wspace=0.2)
    else:
        fig.tight_layout()
    fig.animated = [*heads, *[n for _, n in notes], *stars]
    fig.growing = growing
    fig.overlays = [legend] if legend else []
    fig.palette, fig.required = palette, ["w", "k", *colors]
    for artist in [*fig.animated, *lines, *curves]:
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
    return _animate(obj, trajectories, frames, interval, labels, with_losses, figsize, dpi,
                    _contour_panel)


def animate_surface(objective, trajectories, frames=60, interval=80, labels=None,
                    with_losses=True, figsize=(9, 3.8), dpi=72, view=(40, -60), resolution=50,
                    palette=96):
    """Like :func:`animate_paths`, but the paths climb down the 3-D surface of :func:`surface`.

    Each path is lifted onto the drawn surface (``z = log10(f − f* + 1)`` for objectives
    with ``log_scale``, else ``f``) and drawn over it; a path is cut where it first leaves
    the window, and a diverged run is named in the panel's corner from its step on. The
    camera is fixed at ``view = (elevation, azimuth)`` in degrees, so the surface is drawn
    once and every frame only adds the paths. The shaded surface needs more colours than
    contours: ``palette`` (≤ 256) of them, the paths' own colours always among them.

    Returns
    -------
    matplotlib.animation.FuncAnimation
    """
    obj = _objectives.get(objective)
    _window(obj)

    def panel(*args):
        return _surface_panel(*args, view=view, resolution=resolution)

    return _animate(obj, trajectories, frames, interval, labels, with_losses, figsize, dpi,
                    panel, palette=palette, width_ratios=(1.25, 1))


class _GifWriter(animation.AbstractMovieWriter):
    """Frames in one fixed palette, no dithering, written by Pillow with ``optimize``:
    consecutive frames share their colours exactly, so a GIF encodes only the rectangle
    that changed, with the unchanged pixels inside it transparent."""

    def __init__(self, fps, hold):
        super().__init__(fps=fps)
        self.hold = hold

    def setup(self, fig, outfile, dpi=None):
        super().setup(fig, outfile, dpi=dpi)
        self._frames, self._palette = [], None

    def grab_frame(self, **savefig_kwargs):
        if isinstance(self.fig, FrameFigure) and self.dpi in (None, "figure", self.fig.dpi):
            self._frames.append(self.fig.quantized())
            return
        buffer = io.BytesIO()  # any other figure: a full render, quantized the same way
        self.fig.savefig(buffer, format="rgba", dpi=self.dpi)
        w, h = self.fig.canvas.get_width_height(physical=True)
        rgb = np.frombuffer(buffer.getbuffer(), np.uint8).reshape(h, w, 4)[..., :3]
        if self._palette is None:
            self._palette = _Quantizer(_palette_of(rgb.reshape(-1, 3), 255))
        self._frames.append(self._palette(rgb))

    def finish(self):
        duration = [round(1000 / self.fps)] * len(self._frames)
        duration[-1] += round(1000 * self.hold)
        self._frames[0].save(self.outfile, format="GIF", save_all=True,
                             append_images=self._frames[1:], duration=duration, loop=0,
                             optimize=True)


def save_gif(anim, path, fps=12, hold=1.0):
    """Save an animation as a small GIF; returns ``(path, size_in_bytes)``.

    Every frame is mapped, without dithering, to one palette (a :class:`FrameFigure`'s
    frozen one, else the 256 most frequent colours of the first frame), and the last
    frame is held ``hold`` seconds longer. The bytes depend only on the frames, so saving
    the same animation twice gives the same file. Pillow merges identical consecutive
    frames into one (their durations add up).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    anim.save(str(path), writer=_GifWriter(fps, hold))
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
