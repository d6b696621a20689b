"""Charts drawn as SVG by pure functions, and PNG as a separate blocking step.

    svg = render_svg(ChartSpec(title="CPU", kind="line", series=(SeriesData("cpu", t, v),),
                               start=t0, end=t1))
    png = await loop.run_in_executor(None, svg_to_png, svg)

render_svg never reads a clock, configuration or files, never writes to its inputs, and gives
the same bytes for the same spec. Bad input raises RenderError (a ValueError) whose `field`
names the input: "width"/"height" outside MIN_SIZE..MAX_WIDTH/MAX_HEIGHT (50..4000 px each),
"kind", "summary", "start"/"end" (not finite, or end not after start), "series" (times and
values of different lengths, or times not ascending).

What is drawn:
- line: one path per series; a NaN, or a time step over 5x the series' typical step, breaks the
  line; a run too short to see as a line gets a dot. Series denser than 2 points per pixel
  column are reduced to each column's min and max, so every peak survives.
- stacked: bands on each other in series order; a series without data at a time counts as 0
  there and its band is left out (negative values stack downwards from the running total).
- bignumber: `summary` of the first series with data in the window, with `unit` (or the
  series' unit), except for "count", which has none.
- no series, or none with a finite point in start..end: the explicit "No data" state.
Times are labelled in UTC. Text is escaped; a colour that is not "#rgb", "#rrggbb" or a CSS
colour name falls back to the palette.
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
