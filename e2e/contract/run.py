#!/usr/bin/env python3
"""The API contract test: requests generated from the server's own
/openapi.json by Schemathesis, against a running `truce demo`.

Every operation is exercised, with values drawn from the schemas and, half
of the time, from the demo's real resources (entry indices, incident ids,
tiles, days, sources, parties, rules), so that requests reach the handlers
and not only 404s. Schemathesis checks that every status, content type and
header is documented, that every response validates against its schema,
that no request gets a 5xx, and that requests the schema forbids are
refused; hooks.py adds that a schema-valid request is answered or refused
with a problem naming the parameter, and that no request changes the log.

Then it proves that it can fail: with one documented status taken out of
the document, the same test must fail.

    ~/.cache/truce/tools/python/bin/python e2e/contract/run.py \
        TRUCE_BIN [--seed N] [--max-examples N] [--workers N]

The README's test command runs it with a fixed seed; a longer run is, for
example, `--seed $RANDOM --max-examples 1000`.
"""

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Schemathesis's command, beside the Python that runs this script (the
# virtual environment `scripts/setup test` makes).
SCHEMATHESIS = str(Path(sys.executable).parent / "st")
# Checks Schemathesis offers that do not apply: the API has no
# authentication, and hooks.py replaces positive_data_acceptance with the
# contract's own rule for schema-valid requests.
EXCLUDED_CHECKS = "positive_data_acceptance,ignored_auth,object_level_authorization"
# The status the proof of failure takes out of the document, and the
# operation it then runs alone.
MUTATION = ("GET", "/v1/entries/{index}", "404", "getEntry")


def start_demo(truce, directory):
    """Starts `truce demo` on a free loopback port; returns (process, url)."""
    process = subprocess.Popen(
        [truce, "demo", "--listen", "127.0.0.1:0", "--data", str(directory / "demo")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    found = {}
    ready = threading.Event()

    def read():
        for line in process.stdout:
            match = re.search(r"http://127\.0\.0\.1:\d+", line)
            if match and "url" not in found:
                found["url"] = match.group(0)
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(120) or "url" not in found:
        process.kill()
        sys.exit("truce demo did not start")
    return process, found["url"]


def get(url, accept="application/json"):
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=30) as answer:
        body = answer.read().decode("utf-8")
    return json.loads(body) if accept.endswith("json") else body


def tile_index(n):
    """A tile index in the tlog-tiles path form: 1234067 is x001/x234/067."""
    groups = f"{n:03d}"
    groups = "0" * (-len(groups) % 3) + groups
    parts = [groups[i : i + 3] for i in range(0, len(groups), 3)]
    return "/".join([f"x{p}" for p in parts[:-1]] + [parts[-1]])


def tile_paths(size):
    """The paths, under tile/, of every tile and entry bundle of a tree."""
    paths = []
    level, hashes = 0, size
    while hashes > 0:
        full, partial = divmod(hashes, 256)
        names = [str(level)] + (["entries"] if level == 0 else [])
        for name in names:
            paths += [f"{name}/{tile_index(n)}" for n in range(full)]
            if partial:
                paths.append(f"{name}/{tile_index(full)}.p/{partial}")
        level, hashes = level + 1, hashes // 256
    return paths


def add_evidence(truce, url, directory):
    """Logs a photo as evidence in the demo's log, by a monitor the
    operator registers, and uploads it: the evidence routes then have a
    file to answer for. Returns its SHA-256."""
    def run(*args):
        return subprocess.run([truce, *args], cwd=directory, check=True, capture_output=True, text=True).stdout

    vkey = run("key", "generate", "--name", "contract.example/camera", "--out", "camera.key").strip()
    source = {
        "type": "truce.source/v1", "source": "camera", "action": "register", "key": vkey,
        "name": "A field camera", "role": "monitor", "organisation": "Mission", "reliability": "B",
    }
    (directory / "camera.json").write_text(json.dumps(source), encoding="utf-8")
    run("submit", "--url", url, "--key", str(directory / "demo/keys/operator.key"), "camera.json")
    photo = bytes([0xFF, 0xD8, 0xFF, 0xE0]) + bytes(i * 7 % 251 for i in range(20000))
    (directory / "photo.jpg").write_bytes(photo)
    run("evidence", "add", "--url", url, "--key", "camera.key", "--custodian", "Team 1", "photo.jpg")
    return hashlib.sha256(photo).hexdigest()


def learn(url, evidence):
    """What the test needs to know of the demo's log."""
    log = get(f"{url}/v1/log")
    incidents = get(f"{url}/v1/incidents?limit=1000")["incidents"]
    verdicts = get(f"{url}/v1/verdicts")["verdicts"]
    sources = [s["source"] for s in get(f"{url}/v1/sources")["sources"]]
    report = get(f"{url}/v1/reports?limit=1")["reports"][0]["index"]
    return {
        "url": url,
        "log_size": log["size"],
        "logged_note": get(f"{url}/v1/entries/{report}/note", accept="text/plain"),
        "indices": sorted({0, 1, report, log["size"] - 1, log["size"]}),
        "incidents": [i["id"] for i in incidents],
        "days": sorted({i["time"]["from"][:10] for i in incidents}),
        "tiles": tile_paths(log["size"]),
        "sources": sources,
        "parties": sorted({v["party"] for v in verdicts if v.get("party")}),
        "rules": sorted({v["rule"] for v in verdicts}),
        "evidence": [evidence],
    }


def config(data):
    """A Schemathesis configuration that draws path and query parameters
    from the demo's resources half of the time."""
    dictionaries = {
        "indices": data["indices"],
        "cursors": [str(i) for i in data["indices"]],
        "incidents": data["incidents"],
        "days": data["days"],
        "tiles": data["tiles"],
        "sources": data["sources"],
        "parties": data["parties"],
        "rules": data["rules"],
        "evidence": data["evidence"],
    }
    bindings = {
        "path.index": "indices",
        "query.size": "indices",
        "path.id": "incidents",
        "path.date": "days",
        "path.path": "tiles",
        "query.source": "sources",
        "query.party": "parties",
        "query.rule": "rules",
        "path.sha256": "evidence",
    }
    # A warning (an operation that only ever answered 404, a dictionary
    # that fits no parameter, a reference that does not resolve) means the
    # test reaches less than it says: it fails.
    lines = ["[warnings]", "fail-on = true", "", "[parameters]"]
    lines += [f'"{k}" = {{ dictionary = "{v}", probability = 0.5 }}' for k, v in bindings.items()]
    for name, values in dictionaries.items():
        lines += ["", f"[dictionaries.{name}]", f"values = {json.dumps(values)}"]
    # `cursor` is a log index for reports and agreements, an incident's id
    # for incidents.
    for operation, dictionary in [
        ("listReports", "cursors"),
        ("listAgreements", "cursors"),
        ("listIncidents", "incidents"),
    ]:
        lines += [
            "",
            "[[operations]]",
            f'include-operation-id = "{operation}"',
            f'parameters = {{ "query.cursor" = {{ dictionary = "{dictionary}", probability = 0.5 }} }}',
        ]
    return "\n".join(lines) + "\n"


def schemathesis(url, directory, seed, max_examples, workers, extra=(), mutation=None):
    """Runs Schemathesis; returns (exit code, output)."""
    env = dict(os.environ, TRUCE_CONTRACT_DATA=str(directory / "data.json"))
    env["SCHEMATHESIS_HOOKS"] = str(HERE / "hooks.py")
    env.pop("TRUCE_CONTRACT_MUTATION", None)
    if mutation:
        env["TRUCE_CONTRACT_MUTATION"] = mutation
    command = [
        SCHEMATHESIS,
        "--config-file",
        str(directory / "schemathesis.toml"),
        "run",
        f"{url}/openapi.json",
        "--checks",
        "all",
        "--exclude-checks",
        EXCLUDED_CHECKS,
        "--seed",
        str(seed),
        "--max-examples",
        str(max_examples),
        "--workers",
        str(workers),
        "--output-truncate",
        "true",
        *extra,
    ]
    run = subprocess.run(command, env=env, text=True, capture_output=True, cwd=directory)
    return run.returncode, run.stdout + run.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("truce", help="the truce binary")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--max-examples", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="truce-contract-") as tmp:
        directory = Path(tmp)
        demo, url = start_demo(args.truce, directory)
        try:
            data = learn(url, add_evidence(args.truce, url, directory))
            (directory / "data.json").write_text(json.dumps(data), encoding="utf-8")
            (directory / "schemathesis.toml").write_text(config(data), encoding="utf-8")
            started = time.monotonic()
            code, output = schemathesis(
                url, directory, args.seed, args.max_examples, args.workers
            )
            print(output)
            print(f"contract: {time.monotonic() - started:.0f} s, seed {args.seed}")
            if code != 0:
                sys.exit("contract: the API and its document disagree (above)")
            size = get(f"{url}/healthz")["log_size"]
            if size != data["log_size"]:
                sys.exit(f"contract: the log changed from {data['log_size']} to {size} entries")

            method, path, status, operation = MUTATION
            code, output = schemathesis(
                url,
                directory,
                args.seed,
                20,
                1,
                extra=["--include-operation-id", operation],
                mutation=f"{method} {path} {status}",
            )
            if code == 0 or "Undocumented status code" not in output:
                print(output)
                sys.exit(
                    f"contract: with {status} taken out of {method} {path}, the test still "
                    "passed: it cannot fail"
                )
            print(f"contract: with {status} taken out of {method} {path}, the test fails, as it must")
        finally:
            demo.terminate()
            demo.wait(30)


if __name__ == "__main__":
    main()
