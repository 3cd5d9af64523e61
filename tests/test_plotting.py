import base64
import gc
import io
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402
from matplotlib.colors import LogNorm, to_rgb  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from PIL import Image  # noqa: E402

import helpers  # noqa: E402
from helpers import objectives, optimizers, plotting  # noqa: E402

# animations that a test only inspects are never rendered; matplotlib warns about that
pytestmark = pytest.mark.filterwarnings("ignore:Animation was deleted without rendering")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")
    gc.collect()  # drop this test's unrendered animations while its warning filter holds


def _run(name, lr, objective="rosenbrock", steps=30):
    return helpers.run(optimizers.get(name, lr=lr), objective, steps=steps)


@pytest.fixture(scope="module")
def paths():
    return [_run("sgd", 1e-3), _run("adam", 0.1)]


@pytest.fixture(scope="module")
def diverged():
    traj = _run("sgd", 0.5)
    assert traj.diverged
    return traj


def _contour_sets(ax):
    return [c for c in ax.collections if isinstance(c, ContourSet)]


# ------------------------------------------------------------------ contour
def test_contour_draws_filled_and_line_contours_with_stars():
    obj = objectives.get("rosenbrock")
    ax = plotting.contour("rosenbrock", resolution=40)
    sets = _contour_sets(ax)
    assert [s.filled for s in sets] == [True, False]
    assert isinstance(sets[0].norm, LogNorm)  # rosenbrock has log_scale=True
    stars = [c for c in ax.collections if c.get_gid() == "minima"]
    np.testing.assert_allclose(stars[0].get_offsets(), [obj.minima[0]])
    assert ax.get_xlim() == obj.bounds[0] and ax.get_ylim() == obj.bounds[1]
    assert ax.get_title() == "rosenbrock" and ax.get_xlabel() == "θ₁"


def test_contour_linear_colours_custom_bounds_and_no_lines():
    ax = plotting.contour("booth", resolution=30, bounds=((0, 2), (2, 4)), lines=False, levels=7)
    (filled,) = _contour_sets(ax)
    assert not isinstance(filled.norm, LogNorm)
    assert ax.get_xlim() == (0, 2) and ax.get_ylim() == (2, 4)
    assert isinstance(plotting.contour("booth", resolution=30, log=True).collections[0].norm,
                      LogNorm)


def test_contour_rejects_unknown_and_non_2d_objectives():
    with pytest.raises(ValueError, match="rosenbrock"):
        plotting.contour("no_such_function")
    with pytest.raises(ValueError, match="2-D"):
        plotting.contour(objectives.get("rosenbrock", n=3))


# ------------------------------------------------------------------ paths
def test_plot_paths_one_line_per_trajectory_with_its_data(paths):
    ax = plotting.plot_paths("rosenbrock", paths, resolution=40)
    assert len(ax.lines) == len(paths)
    for line, traj in zip(ax.lines, paths):
        np.testing.assert_allclose(np.column_stack(line.get_data()), traj.xs)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [t.label for t in paths]
    custom = plotting.plot_paths("rosenbrock", paths, labels=["a", "b"], resolution=40)
    assert [t.get_text() for t in custom.get_legend().get_texts()] == ["a", "b"]
    with pytest.raises(ValueError, match="labels"):
        plotting.plot_paths("rosenbrock", paths, labels=["only one"], resolution=40)


def test_diverged_path_stops_where_it_leaves_and_keeps_the_window(paths, diverged):
    ax = plotting.plot_paths("rosenbrock", [paths[0], diverged], resolution=40)
    assert ax.get_xlim() == (-2, 2) and ax.get_ylim() == (-1, 3)
    xs = np.column_stack(ax.lines[1].get_data())
    assert np.all(np.isfinite(xs)) and len(xs) <= len(diverged.xs)
    inside = (np.abs(xs[:, 0]) <= 2) & (xs[:, 1] >= -1) & (xs[:, 1] <= 3)
    assert inside[:-1].all() and not inside[-1]  # drawn until it leaves the window
    notes = [t.get_text() for t in ax.texts]
    assert notes == [f"diverged at step {diverged.diverged_at}"]


# ------------------------------------------------------------------ surface
def test_surface_lifts_the_path_onto_log_compressed_f(paths):
    obj = objectives.get("rosenbrock")
    ax = plotting.surface("rosenbrock", paths[1], resolution=20)
    assert ax.name == "3d"
    x, y, z = ax.lines[0].get_data_3d()
    np.testing.assert_allclose(z, np.log10(obj.f(np.stack([x, y])) - obj.f_min + 1))
    assert ax.get_zlabel().startswith("log")
    flat = plotting.surface("booth", resolution=20)
    assert flat.get_zlabel() == "f" and not flat.lines
    with pytest.raises(ValueError, match="3-D Axes"):
        plotting.surface("booth", ax=plt.subplots()[1])


# ------------------------------------------------------------------ losses
def test_plot_losses_kinds_on_log_scale(paths):
    traj = paths[1]
    expected = {"loss": traj.fs, "gap": traj.gap(), "distance": traj.distance(),
                "grad_norm": traj.grad_norms}
    for kind, values in expected.items():
        ax = plotting.plot_losses(paths, kind=kind)
        assert ax.get_yscale() == "log"
        np.testing.assert_allclose(ax.lines[1].get_ydata(), np.maximum(values, plotting.FLOOR))


def test_plot_losses_clips_non_positive_gaps_and_rejects_unknown_kinds(paths):
    exact = _run("newton", 1.0, objective="quadratic", steps=3)  # gap is exactly 0
    ax = plotting.plot_losses([exact])
    y = ax.lines[0].get_ydata()
    assert y.min() == plotting.FLOOR and np.all(y > 0)
    with pytest.raises(ValueError, match="loss, gap, distance, grad_norm"):
        plotting.plot_losses(paths, kind="accuracy")


# ------------------------------------------------------------------ animation
def _frames(html):
    return [Image.open(io.BytesIO(base64.b64decode(f.replace("\\n", ""))))
            for f in re.findall(r'data:image/png;base64,([^"]+)"', html)]


def _count(img, colour):
    rgb = np.asarray(img.convert("RGB")).astype(int)
    return int((np.abs(rgb - np.array(to_rgb(colour)) * 255).sum(-1) < 30).sum())


def test_animate_paths_subsamples_steps_to_at_most_frames(paths):
    anim = plotting.animate_paths("rosenbrock", paths, frames=7)
    assert isinstance(anim, FuncAnimation)
    assert len(anim.frame_steps) <= 7 and anim.frame_steps[0] == 0
    assert anim.frame_steps[-1] == paths[0].steps
    short = plotting.animate_paths("rosenbrock", [_run("sgd", 1e-3, steps=3)], frames=60,
                                   with_losses=False)
    assert short.frame_steps == [0, 1, 2, 3] and len(short.fig.axes) == 1
    assert not plt.get_fignums()  # the figures are closed: no still image in a notebook


def test_animate_paths_default_jshtml_fits_the_budget_and_shows_growing_paths():
    trajs = [_run("sgd", 1e-3, steps=200), _run("momentum", 2e-3, steps=200),
             _run("adam", 0.1, steps=200)]
    anim = plotting.animate_paths("rosenbrock", trajs)
    html = anim.to_jshtml()
    frames = _frames(html)
    assert len(frames) == len(anim.frame_steps) == 60
    assert len(html.encode()) < 800_000
    momentum = "C2"  # second trajectory: green, drawn on the contour and on the loss panel
    first, last = _count(frames[0], momentum), _count(frames[-1], momentum)
    assert last > first + 500
    # the fast frame equals a full matplotlib render of the same state
    full = io.BytesIO()
    anim.fig.savefig(full, format="png", metadata={})  # an extra option: the normal path
    a = np.asarray(frames[-1].convert("RGB")).astype(int)
    b = np.asarray(Image.open(full).convert("RGB")).astype(int)
    assert a.shape == b.shape and np.abs(a - b).mean() < 3


def test_animate_paths_reveals_divergence_at_its_step(paths, diverged):
    anim = plotting.animate_paths("rosenbrock", [paths[0], diverged], frames=31)
    note = next(t for t in anim.fig.axes[0].texts if t.get_text().startswith("diverged"))
    anim._func(0)
    assert not note.get_visible()
    anim._func(diverged.diverged_at)
    assert note.get_visible()


def test_save_gif_writes_every_frame(tmp_path, paths):
    anim = plotting.animate_paths("rosenbrock", paths, frames=5)
    path, size = plotting.save_gif(anim, tmp_path / "sub" / "paths.gif", fps=5)
    assert path.exists() and size == path.stat().st_size > 0
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == len(anim.frame_steps)


# ------------------------------------------------------------------ one-call API
def test_plot_optimizer_path_tunes_each_lr_on_the_shared_grid():
    fig, trajs = plotting.plot_optimizer_path("rosenbrock", ("GD", "Adam"), steps=30)
    expected = [helpers.tune(n, "rosenbrock", steps=30).lr for n in ("GD", "Adam")]
    assert [t.hyper["lr"] for t in trajs] == expected
    assert [t.optimizer for t in trajs] == ["sgd", "adam"] and all(t.steps == 30 for t in trajs)
    paths_ax, loss_ax = fig.axes
    assert [t.get_text() for t in paths_ax.get_legend().get_texts()] == \
        [f"GD (η={expected[0]:.3g})", f"Adam (η={expected[1]:.3g})"]
    assert loss_ax.get_yscale() == "log" and len(loss_ax.lines) == 2


def test_plot_optimizer_path_respects_explicit_lr():
    _, trajs = plotting.plot_optimizer_path("booth", ["GD", "momentum"], steps=10, lr=0.01)
    assert [t.hyper["lr"] for t in trajs] == [0.01, 0.01]
    _, trajs = plotting.plot_optimizer_path("booth", "adam", steps=10, lr={"adam": 0.2},
                                            beta1=0.5)
    assert trajs[0].hyper["lr"] == 0.2 and trajs[0].hyper["beta1"] == 0.5
    anim, trajs = plotting.plot_optimizer_path("booth", ("GD",), steps=10, lr=0.01, animate=True)
    assert isinstance(anim, FuncAnimation) and trajs[0].steps == 10


def test_plot_optimizer_path_rejects_bad_names_before_tuning(monkeypatch):
    def no_tuning(*args, **kwargs):
        raise AssertionError("tuned before validating the names")

    monkeypatch.setattr(plotting, "tune", no_tuning)
    with pytest.raises(ValueError, match=r"unknown optimizer 'Adamm'; available: .*adam"):
        plotting.plot_optimizer_path("rosenbrock", ("GD", "Adamm"))
    with pytest.raises(ValueError, match=r"unknown objective 'rosenbrok'; available: .*rosenbrock"):
        plotting.plot_optimizer_path("rosenbrok", ("GD",))
    with pytest.raises(ValueError, match="not among optimizers"):
        plotting.plot_optimizer_path("rosenbrock", ("GD",), lr={"Adam": 0.1})
    with pytest.raises(ValueError, match="unknown hyper-parameter"):
        plotting.plot_optimizer_path("rosenbrock", ("GD", "Adam"), beta1=0.5)


# ------------------------------------------------------------------ 3-D animation, trails, GIFs
def test_animate_surface_lifts_paths_onto_the_surface_and_cuts_them_at_the_window(paths, diverged):
    obj = objectives.get("rosenbrock")
    anim = plotting.animate_surface("rosenbrock", [paths[1], diverged], frames=9, resolution=20)
    ax3d, lax = anim.fig.axes
    assert ax3d.name == "3d" and lax.get_yscale() == "log" and not plt.get_fignums()
    assert (ax3d.elev, ax3d.azim) == (40, -60) and len(anim.frame_steps) <= 9
    anim._func(anim.frame_steps[-1])
    adam_line, diverged_line = (g[0] for g in anim.fig.growing[:2])
    x, y, z = adam_line.get_data_3d()
    np.testing.assert_allclose(np.column_stack([x, y]), paths[1].xs)
    np.testing.assert_allclose(z, np.log10(obj.f(np.stack([x, y])) - obj.f_min + 1))
    x, y, _ = diverged_line.get_data_3d()
    assert len(x) < len(diverged.xs) and np.all(np.abs(x) <= 2) and np.all((y >= -1) & (y <= 3))
    note = next(t for t in ax3d.texts if "diverged" in t.get_text())
    anim._func(0)
    assert not note.get_visible()
    anim._func(diverged.diverged_at)
    assert note.get_visible()


def test_animate_surface_frames_grow_and_match_a_full_render(paths):
    anim = plotting.animate_surface("rosenbrock", paths, frames=6, resolution=20)
    frames = _frames(anim.to_jshtml())
    assert len(frames) == len(anim.frame_steps)
    adam = "C2"
    assert _count(frames[-1], adam) > _count(frames[0], adam) + 50
    full = io.BytesIO()
    anim.fig.savefig(full, format="png", metadata={})  # matplotlib's own full render
    a = np.asarray(frames[-1].convert("RGB")).astype(int)
    b = np.asarray(Image.open(full).convert("RGB")).astype(int)
    assert a.shape == b.shape and np.abs(a - b).mean() < 5  # a 96-colour surface


def test_growing_trails_give_the_same_frame_in_any_order(paths):
    anim = plotting.animate_paths("rosenbrock", paths, frames=12)
    fig, steps = anim.fig, anim.frame_steps
    for k in steps:                      # in order: each frame adds only its new segments
        anim._func(k)
        in_order = fig._render()
    anim._func(steps[0])
    fig._render()
    anim._func(steps[-1])                # one jump: the trail is drawn whole
    jumped = fig._render()
    anim._func(steps[3])                 # backwards: redrawn from the background
    back = fig._render()
    for k in steps[:4]:
        anim._func(k)
        forward = fig._render()
    # segment by segment or whole, only where paths cross may the later one differ
    assert np.abs(in_order.astype(int) - jumped).mean() < 0.05
    assert np.abs(back.astype(int) - forward).mean() < 0.05


def test_frames_use_one_exact_palette_holding_every_path_colour(paths):
    anim = plotting.animate_paths("rosenbrock", paths, frames=5)
    anim._func(anim.frame_steps[-1])
    img = anim.fig.quantized()
    assert img.mode == "P" and len(img.getpalette()) // 3 <= anim.fig.palette
    rgb = {tuple(c) for c in np.asarray(img.convert("RGB")).reshape(-1, 3)}
    for colour in ("C1", "C2", "w", "k"):
        assert tuple(np.round(np.array(to_rgb(colour)) * 255).astype(int)) in rgb
    # a colour in the palette maps to itself, whatever pixels come before it
    quantize = plotting._Quantizer([(255, 255, 255), (250, 250, 250), (0, 0, 0)])
    frame = np.array([[[253, 253, 253], [255, 255, 255], [1, 2, 3]]], dtype=np.uint8)
    assert np.asarray(quantize(frame)).tolist() == [[0, 0, 2]]


def test_save_gif_is_small_deterministic_and_holds_the_last_frame(tmp_path):
    trajs = [_run("sgd", 1e-3, steps=60), _run("adam", 0.1, steps=60), _run("bfgs", 1.0, steps=60)]
    anim = plotting.animate_paths("rosenbrock", trajs, frames=40)
    path, size = plotting.save_gif(anim, tmp_path / "a.gif", fps=10, hold=1.5)
    again, _ = plotting.save_gif(anim, tmp_path / "b.gif", fps=10, hold=1.5)
    assert path.read_bytes() == again.read_bytes()
    assert size < 60_000  # only what changed is stored: ~1 kB a frame
    with Image.open(path) as gif:
        assert gif.n_frames == 40 and gif.info["loop"] == 0
        durations = []
        for i in range(gif.n_frames):
            gif.seek(i)
            durations.append(gif.info["duration"])
    assert durations[0] == 100 and durations[-1] == 1600


def test_save_gif_takes_any_animation(tmp_path):
    fig, ax = plt.subplots(figsize=(2, 2), dpi=50)
    (line,) = ax.plot([], [])
    ax.set(xlim=(0, 3), ylim=(0, 3))
    anim = FuncAnimation(fig, lambda k: line.set_data(range(k + 1), range(k + 1)), frames=3)
    path, _ = plotting.save_gif(anim, tmp_path / "plain.gif", fps=5)
    with Image.open(path) as gif:
        assert gif.n_frames == 3 and gif.size == (100, 100)


def test_a_full_256_colour_palette_is_built_from_many_colours():
    # the median cut then fills palette indices up to 255; their count must not wrap in uint8
    rgb = np.random.default_rng(0).integers(0, 256, (20000, 3))
    palette = plotting._palette_of(rgb, 256)
    assert palette.shape == (256, 3) and len({tuple(c) for c in palette}) == 256
