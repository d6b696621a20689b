"""PNG is a separate step on render_svg's output, exactly the size asked for."""

from __future__ import annotations

import struct

from renderers import render_svg, svg_to_png
from tests.test_render_factories import spec, walk


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_png_is_exactly_the_requested_size() -> None:
    for width, height in ((600, 300), (50, 50), (1201, 333)):
        for kind in ("line", "stacked", "bignumber"):
            png = svg_to_png(render_svg(spec(walk(2000), walk(100, seed=2), kind=kind, width=width, height=height)))
            assert _png_size(png) == (width, height)


def test_no_data_renders_too() -> None:
    assert _png_size(svg_to_png(render_svg(spec(width=320, height=200)))) == (320, 200)
