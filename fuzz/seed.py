#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (corpus/<target>/) from the
public test vectors (testdata/vectors) and the sample scenario, so that
each fuzzer starts from inputs that reach deep into its parser. The seeds
are committed; run this again after the vectors or the scenario change:

    python3 fuzz/seed.py
"""

import base64
import hashlib
import json
import shutil
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "testdata" / "vectors"
CORPUS = ROOT / "fuzz" / "corpus"


def load(path):
    return json.loads((VECTORS / path).read_text(encoding="utf-8"))


def strings(value):
    """Every string in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def write(target, seeds):
    out = CORPUS / target
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    unique = {s if isinstance(s, bytes) else s.encode("utf-8") for s in seeds}
    for seed in sorted(unique):
        (out / hashlib.sha256(seed).hexdigest()[:16]).write_bytes(seed)
    print(f"fuzz/corpus/{target}: {len(unique)} seeds")


def main():
    every = [s for f in sorted(VECTORS.rglob("*.json")) for s in strings(json.loads(f.read_text(encoding="utf-8")))]
    notes = [s for s in every if "\n\n\u2014 " in s]
    write("signed_note", notes)
    write("verifier_key", [s for s in every if s.count("+") >= 2 and " " not in s and "\n" not in s])
    checkpoints = [s.split("\n\n\u2014 ")[0] + "\n" if "\n\n\u2014 " in s else s for s in every]
    checkpoints = [s for s in checkpoints if s.count("\n") >= 3 and s.endswith("\n") and "\u2014" not in s]
    write("checkpoint", checkpoints)
    requests = [s for s in every if s.startswith("old ")]
    write("witness_request", requests)
    # tlog-proofs: the header, an index, proof hashes, then a signed
    # checkpoint from the vectors.
    hashes = [base64.b64encode(bytes([0x2A, i]) + bytes(30)).decode() for i in range(3)]
    signed_checkpoints = [s[s.index("\n\n") + 2:] for s in requests if "\n\n" in s]
    proofs = [
        "c2sp.org/tlog-proof@v1\nindex 0\n\n" + signed_checkpoints[0],
        "c2sp.org/tlog-proof@v1\nindex 2\n" + "\n".join(hashes[:2]) + "\n\n" + signed_checkpoints[-1],
        "c2sp.org/tlog-proof@v1\nextra AAEC\nindex 1\n" + hashes[0] + "\n\n" + signed_checkpoints[-1],
    ]
    write("tlog_proof", proofs)
    # Tiles: a level byte, a width byte (width - 1), then the hashes; and
    # the tile paths of the vectors.
    tiles = [bytes([0, w - 1]) + b"".join(hashlib.sha256(bytes([i])).digest() for i in range(w)) for w in (1, 2, 8)]
    paths = [s for s in every if s.startswith("tile/")]
    write("tile", tiles + paths)
    # Bundles: a width byte (width - 1), then each entry with its 16-bit
    # big-endian length; the entries are the scenario's.
    entries = [p.read_bytes() for p in sorted((ROOT / "scenario").rglob("*.json")) if p.parent.name != "scenario"]
    entries += [p.read_bytes() for p in sorted((ROOT / "crates/entry/tests/data/valid").glob("*.json"))]
    bundles = []
    for width in (1, 3):
        chosen = entries[:width]
        bundles.append(bytes([width - 1]) + b"".join(len(e).to_bytes(2, "big") + e for e in chosen))
    write("bundle", bundles)
    write("entry", entries)
    policy = load("signed-note/vkeys.json")["valid"]
    keys = [k["vkey"] for k in policy]
    write("policy", [
        f"log {keys[0]}\nwitness w1 {keys[1]}\nwitness w2 {keys[2]}\ngroup g 1 w1 w2\nquorum g\n",
        f"log {keys[0]} https://log.example/\nquorum none\n",
    ])
    # CSV imports: a first byte choosing the layout (even: ACLED, odd:
    # UCDP), then the file; the exports the CLI's tests import.
    imports = ROOT / "crates/cli/tests/data/import"
    csvs = [b"\x00" + (imports / name).read_bytes()[:4096] for name in ("acled.csv", "acled-old-layout.csv", "acled-edited.csv")]
    csvs.append(b"\x01" + (imports / "ucdp-ged.csv").read_bytes()[:4096])
    write("csv_import", csvs)
    # Import mapping tables: the same choice, then the TOML.
    data = ROOT / "crates/interop/data"
    write("import_mapping", [b"\x00" + (data / "acled.toml").read_bytes(), b"\x01" + (data / "ucdp.toml").read_bytes()])
    # Media: a PNG with a text chunk and a JPEG's segments with EXIF, XMP,
    # a C2PA box, a comment and a scan.
    def png_chunk(kind, data):
        body = kind + data
        return len(data).to_bytes(4, "big") + body + (zlib.crc32(body) & 0xFFFFFFFF).to_bytes(4, "big")
    raw = b"\0" + bytes(range(12))
    png = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", (4).to_bytes(4, "big") + (1).to_bytes(4, "big") + bytes([8, 2, 0, 0, 0]))
           + png_chunk(b"tEXt", b"Location\x0049.99 N") + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))
    def segment(marker, data):
        return bytes([0xFF, marker]) + (len(data) + 2).to_bytes(2, "big") + data
    tiff = b"MM\0*\0\0\0\x08\0\x01\x01\x0f\0\x02\0\0\0\x04ACM\0\0\0\0\0"
    jpeg = (b"\xff\xd8" + segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0") + segment(0xE1, b"Exif\0\0" + tiff)
            + segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x/>") + segment(0xEB, b"JP\0\x01c2pa") + segment(0xFE, b"note")
            + segment(0xDB, bytes(65)) + segment(0xC0, b"\x08\0\x01\0\x01\x01\x01\x11\0")
            + segment(0xDA, b"\x01\x01\0\0\x3f\0") + b"\x12\x34\xff\x00\x56\xff\xd0\x78" + b"\xff\xd9")
    write("media", [png, jpeg])

    # The server's configuration: the example of its documentation, and
    # files with environment variables after a line "---".
    write("config", [
        'listen = "127.0.0.1:8080"\nmax_body_bytes = 16777216\nmax_batch = 1000\nrequest_timeout_secs = 30\n'
        'client_timeout_secs = 10\nrate_per_second = 200\nrate_burst = 2000\nwitness_timeout_ms = 3000\n'
        'storage = "s3://bucket/prefix"\nindex = "postgres://truce@localhost/truce"\nread_only = false\n'
        'log_key = "env:TRUCE_LOG_PRIVATE_KEY"\n\n[[witness]]\nname = "un"\nurl = "https://witness.un.example"\n'
        'vkey = "un.example/witness+a0059f11+BAOhKRAp5aJpXhNeh9kaeP5yUZhcEeeAmLx2T5UX5ijq"\n',
        'storage = "file:/srv/truce/data/log"\nindex = "sqlite:/srv/truce/data/index.sqlite"\n'
        '---\nTRUCE_LISTEN=0.0.0.0:80\nTRUCE_MAX_BATCH=7\nTRUCE_READ_ONLY=true\nTRUCE_STORAGE=s3://b/p\n',
    ])


if __name__ == "__main__":
    main()
