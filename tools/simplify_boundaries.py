"""Write the outlines the report maps draw: `src/aar/refdata/regency_outlines.json` (kabupaten/kota)
and `src/aar/refdata/province_outlines.json` (provinces; `python tools/simplify_boundaries.py provinces`).

From ../shared/reference/regencies.geojson (514 kabupaten/kota, MIT, cahyadsn/wilayah_boundaries;
provenance in src/aar/refdata/SOURCES.md): outer rings only, islets below `--min-size` degrees
dropped (but never a region's largest part), points closer than `--tolerance` degrees to the
last kept one dropped, coordinates rounded to 3 decimals (about 100 m). Run once when the source
changes: `python tools/simplify_boundaries.py`.

The province outlines come from the shipped `src/aar/refdata/provinces.geojson` (tolerance 0.02,
islets below 0.08 degrees dropped), each as [name, xs, ys]: the rings' coordinates joined by
null, as plotly draws a filled scatter. A test recomputes them from that file (`province_outlines`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def simplify(ring: list[list[float]], tolerance: float) -> list[list[float]]:
    kept = [ring[0]]
    for x, y in ring[1:-1]:
        if abs(x - kept[-1][0]) + abs(y - kept[-1][1]) >= tolerance:
            kept.append([x, y])
    kept.append(ring[-1])
    return [[round(x, 3), round(y, 3)] for x, y in kept]


def outer_rings(feature: dict, min_size: float) -> list[list[list[float]]]:
    """A feature's outer rings, islets below `min_size` degrees (width plus height) dropped, never its largest part."""
    polygons = feature["geometry"]["coordinates"]
    if feature["geometry"]["type"] == "Polygon":
        polygons = [polygons]
    rings = [poly[0] for poly in polygons]
    sizes = [max(p[0] for p in r) - min(p[0] for p in r) + max(p[1] for p in r) - min(p[1] for p in r) for r in rings]
    largest = max(range(len(rings)), key=sizes.__getitem__)
    return [r for i, r in enumerate(rings) if sizes[i] >= min_size or i == largest]


def province_outlines(features: list[dict], tolerance: float = 0.02, min_size: float = 0.08) -> dict[str, list[object]]:
    """Province code -> [name, xs, ys]: simplified outer rings joined by None, islets below `min_size` dropped."""
    out: dict[str, list[object]] = {}
    for feature in features:
        xs: list[float | None] = []
        ys: list[float | None] = []
        for ring in outer_rings(feature, min_size):
            for x, y in simplify(ring, tolerance):
                xs.append(x)
                ys.append(y)
            xs.append(None)
            ys.append(None)
        out[feature["properties"]["code"]] = [feature["properties"]["name"], xs, ys]
    return out


def write_provinces() -> None:
    source = ROOT / "src" / "aar" / "refdata" / "provinces.geojson"
    out = ROOT / "src" / "aar" / "refdata" / "province_outlines.json"
    outlines = province_outlines(json.loads(source.read_text(encoding="utf-8"))["features"])
    text = json.dumps(outlines, separators=(",", ":"), ensure_ascii=False)
    out.write_text(text + "\n", encoding="utf-8")
    points = sum(len(xs) - xs.count(None) for _, xs, _ in outlines.values())  # type: ignore[union-attr,attr-defined]
    print(f"{len(outlines)} provinces, {points:,} points, {len(text.encode()):,} bytes -> {out}")


def main() -> None:
    import sys

    if sys.argv[1:] == ["provinces"]:
        write_provinces()
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=ROOT.parent / "shared" / "reference" / "regencies.geojson")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "aar" / "refdata" / "regency_outlines.json")
    parser.add_argument("--tolerance", type=float, default=0.01)
    parser.add_argument("--min-size", type=float, default=0.02)
    args = parser.parse_args()
    features = json.loads(args.source.read_text(encoding="utf-8"))["features"]
    out = {}
    points = 0
    for feature in features:
        kept = [simplify(r, args.tolerance) for r in outer_rings(feature, args.min_size)]
        kept = [r for r in kept if len(r) >= 4]
        points += sum(len(r) for r in kept)
        props = feature["properties"]
        out[props["code"]] = {"name": props["name"], "province": props["province_code"], "rings": kept}
    text = json.dumps(out, separators=(",", ":"), ensure_ascii=False)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"{len(out)} kabupaten/kota, {points:,} points, {len(text.encode()):,} bytes -> {args.out}")


if __name__ == "__main__":
    main()
