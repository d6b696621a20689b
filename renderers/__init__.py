"""Charts drawn as SVG by pure functions, and PNG as a separate blocking step.

    svg = render_svg(ChartSpec(title="CPU", kind="line", series=(SeriesData("cpu", t, v),),
                               start=t0, end=t1))
    png = await loop.run_in_executor(None, svg_to_png, svg)

render_svg never reads a clock, configuration or files, never writes to its inputs, and gives
the same bytes for the same spec. Bad input raises RenderError (a ValueError) naming the field.
"""

from .model import MAX_HEIGHT, MAX_WIDTH, MIN_SIZE, ChartSpec, RenderError, SeriesData, check_size
from .png import svg_to_png
from .svg import render_svg

__all__ = [
    "MAX_HEIGHT",
    "MAX_WIDTH",
    "MIN_SIZE",
    "ChartSpec",
    "RenderError",
    "SeriesData",
    "check_size",
    "render_svg",
    "svg_to_png",
]
