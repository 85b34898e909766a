#!/usr/bin/env python3
"""Writes the import fixtures of crates/cli/tests/import.rs: ACLED exports in
both layouts and a UCDP GED export, made up but in the real column layouts,
with the hard cases of real files (quoted fields with commas, quotes and line
breaks, Cyrillic place names, both ACLED date styles) and malformed rows.

Run it from this directory; the counts the test expects are printed and
listed in README.md. Deterministic: the same files every time."""

import csv
import random

ACLED = ("event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,"
         "actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,"
         "iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,"
         "source_scale,notes,fatalities,tags,timestamp").split(",")
PLACES = [("Kharkiv", "Kharkivskyi", "Харків", 49.9935, 36.2304),
          ("Zaporizhia", "Zaporizkyi", "Запоріжжя", 47.8388, 35.1396),
          ("Kherson", "Khersonskyi", "Херсон", 46.6354, 32.6169),
          ("Odesa", "Odeskyi", "Одеса, порт", 46.4825, 30.7233),
          ("Donetsk", "Pokrovskyi", "Покровськ", 48.2817, 37.1755)]
STRIKES = [("Explosions/Remote violence", "Air/drone strike", "Shahed drones hit an apartment block, \"Sonyachnyi\" district"),
           ("Explosions/Remote violence", "Shelling/artillery/missile attack", "Artillery shelling damaged houses, a school and a substation"),
           ("Explosions/Remote violence", "Shelling/artillery/missile attack", "An Iskander missile struck the port;\nfire at a grain terminal"),
           ("Battles", "Armed clash", "Clashes near the village, small arms fire"),
           ("Explosions/Remote violence", "Remote explosive/landmine/IED", "A tractor hit a landmine in a field")]
ACTORS = ["Military Forces of Russia (2000-)", "Military Forces of Ukraine (2019-)", "Unidentified Armed Group (Ukraine)"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def acled_rows(count, prefix, rng, numeric_iso):
    rows = []
    for i in range(count):
        admin1, admin2, place, lat, lon = PLACES[i % len(PLACES)]
        day, month = 1 + i % 28, 1 + (i // 28) % 12
        if i % 2:
            date = f"{day} {MONTHS[month - 1]} 2024"
        else:
            date = f"2024-{month:02d}-{day:02d}"
        event_type, sub, notes = STRIKES[i % len(STRIKES)]
        row = dict.fromkeys(ACLED, "")
        row.update({
            "event_id_cnty": f"{prefix}{10000 + i}", "event_date": date, "year": "2024",
            "time_precision": str(1 + (i % 7 == 3) + (i % 11 == 5)),
            "disorder_type": "Political violence", "event_type": event_type, "sub_event_type": sub,
            "actor1": ACTORS[i % 3], "inter1": "8", "iso": "804" if numeric_iso else "UKR",
            "region": "Europe", "country": "Ukraine", "admin1": admin1, "admin2": admin2,
            "location": place, "latitude": f"{lat + rng.uniform(-0.05, 0.05):.4f}",
            "longitude": f"{lon + rng.uniform(-0.05, 0.05):.4f}", "geo_precision": str(1 + i % 3),
            "source": "Suspilne; Ukrinform" if i % 4 else "", "source_scale": "National",
            "notes": f"On {date}, {notes}. Report {i}, with a comma.",
            "fatalities": str(i % 4), "timestamp": str(1700000000 + i),
        })
        rows.append(row)
    return rows


def out_of_scope(row, i):
    row.update({"disorder_type": "Demonstrations", "event_type": "Protests",
                "sub_event_type": "Peaceful protest", "notes": f"A protest in the city, {i}."})


# The malformed rows: (column, how).
BREAKS = [("event_date", "2024-02-30"), ("latitude", "95.5"), ("geo_precision", "9"),
          ("fatalities", "-1"), ("event_id_cnty", "UKR 1"), ("time_precision", "4"),
          ("longitude", "east")]


def write_acled(path, rows, columns):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


def main():
    rng = random.Random(20261206)
    rows = acled_rows(300, "UKR", rng, numeric_iso=False)
    for i in range(13):
        out_of_scope(rows[20 * i + 7], i)
    for i, (column, value) in enumerate(BREAKS):
        rows[40 * i + 11][column] = value
    write_acled("acled.csv", rows, ACLED)
    # A row with a field too many, written by hand after the others.
    with open("acled.csv", "a", encoding="utf-8") as f:
        f.write("UKR99999,2024-03-01,2024,1,extra" + "," * 30 + "\r\n")
    print("acled.csv: 301 rows, 280 reports, 13 out of scope, 8 refused")

    # The same export a month later: rows 0-4 corrected (more fatalities),
    # rows 290-292 gone, two new events.
    edited = [dict(r) for r in rows]
    for r in edited[0:5]:
        r["fatalities"] = str(int(r["fatalities"]) + 10)
    del edited[290:293]
    edited += acled_rows(2, "UKR2", random.Random(7), numeric_iso=False)
    for r in edited:
        if r["event_id_cnty"].startswith("UKR2"):
            r["event_id_cnty"] = "UKR9" + r["event_id_cnty"][4:]
    write_acled("acled-edited.csv", edited, ACLED)
    print("acled-edited.csv: 2 new, 5 corrected, 3 gone")

    old = acled_rows(200, "UKO", random.Random(11), numeric_iso=True)
    write_acled("acled-old-layout.csv", old, [c for c in ACLED if c != "tags"])
    print("acled-old-layout.csv: 200 rows, 200 reports")

    ged = ("id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,conflict_new_id,"
           "conflict_name,dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,side_a_new_id,side_a,"
           "side_b_dset_id,side_b_new_id,side_b,number_of_sources,source_article,source_office,"
           "source_date,source_headline,source_original,where_prec,where_coordinates,"
           "where_description,adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,country,"
           "country_id,region,event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,"
           "deaths_civilians,deaths_unknown,best,high,low,gwnoa,gwnob").split(",")
    rng = random.Random(5)
    with open("ucdp-ged.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=ged, lineterminator="\n")
        writer.writeheader()
        for i in range(200):
            admin1, admin2, place, lat, lon = PLACES[i % len(PLACES)]
            one_sided = i % 2 == 0
            civilians, military = (i % 5, 0) if one_sided else (0, i % 6)
            best = civilians + military
            row = dict.fromkeys(ged, "")
            row.update({
                "id": str(500000 + i), "relid": f"UKR-2024-{i}", "year": "2024",
                "type_of_violence": "3" if one_sided else "1",
                "side_a": "Government of Russia (Soviet Union)",
                "side_b": "Civilians" if one_sided else "Government of Ukraine",
                "source_office": "Ukrinform", "source_headline":
                    "Russian shelling of " + place + ", houses damaged" if one_sided else "Fighting near " + place,
                "where_prec": str(1 + i % 4), "where_coordinates": place + " town",
                "adm_1": admin1 + " oblast", "adm_2": admin2 + " raion",
                "latitude": f"{lat + rng.uniform(-0.05, 0.05):.4f}",
                "longitude": f"{lon + rng.uniform(-0.05, 0.05):.4f}",
                "date_start": f"2024-{1 + i % 12:02d}-{1 + i % 27:02d} 00:00:00.000",
                "date_end": f"2024-{1 + i % 12:02d}-{2 + i % 27:02d} 00:00:00.000",
                "deaths_a": "0", "deaths_b": str(military), "deaths_civilians": str(civilians),
                "deaths_unknown": "0", "best": str(best), "high": str(best + 2), "low": str(best),
            })
            if i in (13, 77):
                row["best"] = str(best + 1)  # the deaths by side do not add up
            if i == 150:
                row["date_end"] = "2024-01-01"  # before date_start
            writer.writerow(row)
    print("ucdp-ged.csv: 200 rows, 197 reports, 3 refused")


main()
