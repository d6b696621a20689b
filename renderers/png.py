"""SVG to PNG through cairosvg: a separate, blocking step.

cairosvg holds the CPU for tens of milliseconds, so servers call this from an executor
(`await loop.run_in_executor(None, svg_to_png, svg)`), never on the event loop.
"""

from __future__ import annotations

import cairosvg  # type: ignore[import-untyped]


def svg_to_png(svg: str) -> bytes:
    """PNG bytes of an SVG from render_svg; the image is exactly its width x height pixels."""
    png: bytes = cairosvg.svg2png(bytestring=svg.encode("utf-8"), unsafe=False)
    return png
