"""A small static map (inline SVG) of the regions of a reports folder, for the batch index.

The index page carries no plotly.js, so its map is drawn here from the shipped outlines: the
provinces (national batches) or the kabupaten/kota of one province, coloured by a key number of
each report (the rate ratio of a comparison, the rate per day of an overview); a region without a
value is grey. Each region's <title> names it and its value, which a browser shows on hover.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup

from .figures import _outlines, _regency_outlines

WIDTH = 640


def _shapes(codes: Sequence[str]) -> dict[str, tuple[str, list[list[list[float]]]]]:
    """code -> (name, rings of [x, y]) for the regions of the map: all provinces, or one province's regencies."""
    if all(len(c) == 2 for c in codes):
        out = {}
        for code, (name, xs, ys) in _outlines().items():
            rings: list[list[list[float]]] = [[]]
            for x, y in zip(xs, ys, strict=True):
                if x is None or y is None:
                    rings.append([])
                else:
                    rings[-1].append([x, y])
            out[code] = (name, [r for r in rings if len(r) > 2])
        return out
    provinces = {c[:2] for c in codes}
    return {
        code: (str(shape["name"]), shape["rings"])  # type: ignore[misc]
        for code, shape in _regency_outlines().items()
        if shape["province"] in provinces
    }


def _colour(share: float) -> str:
    """A colour from light yellow to dark red (share in 0..1)."""
    low, high = (254, 240, 217), (179, 0, 0)
    r, g, b = (round(lo + (hi - lo) * share) for lo, hi in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def svg_map(values: Mapping[str, float | None], labels: Mapping[str, str], title: str) -> Markup:
    """The map of the regions in `values` (code -> value or None); `labels`: code -> text of its tooltip."""
    if not values:
        return Markup("")
    shapes = _shapes(list(values))
    drawn = {c: s for c, s in shapes.items() if s[1]}
    xs = [x for _, rings in drawn.values() for ring in rings for x, _ in ring]
    ys = [y for _, rings in drawn.values() for ring in rings for _, y in ring]
    if not xs:
        return Markup("")
    left, right, bottom, top = min(xs), max(xs), min(ys), max(ys)
    scale = WIDTH / max(right - left, 1e-9)
    height = round((top - bottom) * scale) + 2
    given = [v for v in values.values() if v is not None]
    low, high = (min(given), max(given)) if given else (0.0, 1.0)
    span = (high - low) or 1.0
    parts = [
        Markup('<svg class="aar-map" role="img" viewBox="0 0 {} {}" width="{}" aria-label="{}">').format(
            WIDTH, height, WIDTH, title
        )
    ]
    for code, (name, rings) in sorted(drawn.items()):
        value = values.get(code)
        fill = _colour((value - low) / span) if value is not None else "#e6e6e6"
        path = " ".join(
            "M" + " L".join(f"{(x - left) * scale:.1f},{(top - y) * scale:.1f}" for x, y in ring) + " Z"
            for ring in rings
        )
        tip = labels.get(code, name)
        parts.append(
            Markup('<path d="{}" fill="{}" stroke="#ffffff" stroke-width="0.6"><title>{}</title></path>').format(
                path, fill, tip
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
