"""The media the README shows: small GIFs, each one actually shown.

The GIFs in ``assets/gifs/`` are written by
``05_visualizations/03_convergence_animations.ipynb`` (``plotting.save_gif``).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
GIFS = sorted((ROOT / "assets" / "gifs").glob("*.gif"))
MAX_FRAMES = 100
MAX_BYTES = 500_000


def shown_in(readme: str) -> set[str]:
    """Paths of the images a README shows, by Markdown ``![alt](path)`` or ``<img src=…>``."""
    return set(re.findall(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)", readme)) | \
        set(re.findall(r"<img\b[^>]*\bsrc=[\"']([^\"']+)[\"']", readme))


def test_shown_in_reads_markdown_and_html_images():
    readme = ('![a race](assets/gifs/a.gif) and <img src="assets/gifs/b.gif" width="49%">\n'
              "`assets/gifs/c.gif` is only named, [d](assets/gifs/d.gif) only linked")
    assert shown_in(readme) == {"assets/gifs/a.gif", "assets/gifs/b.gif"}


def test_there_are_gifs():
    assert GIFS, "assets/gifs holds no GIF: run 05_visualizations/03_convergence_animations.ipynb"


@pytest.mark.parametrize("path", GIFS, ids=lambda p: p.name)
def test_gif_is_small(path):
    size = path.stat().st_size
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        frames = gif.n_frames
    assert frames <= MAX_FRAMES, f"{path.name}: {frames} frames, over {MAX_FRAMES}"
    assert size <= MAX_BYTES, f"{path.name}: {size / 1e3:.0f} kB, over {MAX_BYTES / 1e3:.0f} kB"


@pytest.mark.parametrize("path", GIFS, ids=lambda p: p.name)
def test_gif_is_shown_in_the_readme(path):
    shown = shown_in((ROOT / "README.md").read_text(encoding="utf-8"))
    assert path.relative_to(ROOT).as_posix() in shown, \
        f"README.md does not show {path.relative_to(ROOT).as_posix()}"
