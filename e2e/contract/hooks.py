"""Schemathesis hooks of the API contract test (run.py): realistic request
bodies, and the two checks of Truce's contract that Schemathesis lacks.

run.py writes what it learnt from the running demo to the JSON file named
by TRUCE_CONTRACT_DATA; these hooks read it.
"""

import json
import os
import urllib.request

import schemathesis

DATA = json.load(open(os.environ["TRUCE_CONTRACT_DATA"], encoding="utf-8"))


@schemathesis.hook
def before_load_schema(context, raw_schema):
    """Gives the path parameters and the submission endpoint examples that
    are really in the log (a resubmitted entry is a duplicate, answered
    200), and, for the run that proves this test can fail, takes one
    documented status out."""
    examples = {
        "index": DATA["indices"][2],
        "id": DATA["incidents"][0],
        "date": DATA["days"][0],
        "path": DATA["tiles"][0],
        "sha256": DATA["evidence"][0],
    }
    for operations in raw_schema["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter.get("name") in examples:
                    parameter["example"] = examples[parameter["name"]]
    content = raw_schema["paths"]["/v1/entries"]["post"]["requestBody"]["content"]
    note = DATA["logged_note"]
    content["text/plain"]["examples"] = {"logged": {"value": note}}
    content["application/json"]["examples"] = {
        "mixed": {"value": [note, "not a signed note"]},
    }
    mutation = os.environ.get("TRUCE_CONTRACT_MUTATION")
    if mutation:
        method, path, status = mutation.split()
        del raw_schema["paths"][path][method.lower()]["responses"][status]


def _problem(response):
    if not response.headers.get("content-type", [""])[0].startswith("application/problem+json"):
        raise AssertionError(
            f"a {response.status_code} refusal is not application/problem+json "
            f"(Content-Type {response.headers.get('content-type')})"
        )
    return json.loads(response.content)


@schemathesis.check
def refusals_of_valid_requests_name_the_parameter(ctx, response, case):
    """A request that the document allows is answered, or refused with a
    documented 4xx whose problem names the parameter it refuses (a value
    that its schema cannot exclude, such as a bounding box whose minimum is
    above its maximum). A body the document allows may be refused for what
    only the server can check: a signature, a signer, the entry's rules."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if status < 400 or status == 404:
        return None
    problem = _problem(response)
    if case.operation.method.upper() == "POST":
        if problem.get("type", "").endswith("/invalid-parameter"):
            raise AssertionError(f"a submission was refused for a parameter: {problem}")
        return None
    sent = set(case.query or {}) | set(case.path_parameters or {})
    named = problem.get("parameter")
    if status != 400 or named not in sent:
        raise AssertionError(
            f"a schema-valid request was refused with {status} without naming one of "
            f"its parameters {sorted(sent)}: {problem}"
        )
    return None


def _log_size():
    with urllib.request.urlopen(f"{DATA['url']}/healthz", timeout=10) as answer:
        return json.load(answer)["log_size"]


@schemathesis.check
def the_log_is_unchanged(ctx, response, case):
    """No request of this test carries a new, validly signed entry, so the
    log must be as it was after every submission and every refusal: a
    refused request changes nothing."""
    if case.operation.method.upper() != "POST" and response.status_code < 400:
        return None
    size = _log_size()
    if size != DATA["log_size"]:
        raise AssertionError(
            f"the log changed from {DATA['log_size']} to {size} entries after a "
            f"{response.status_code} answer"
        )
    return None
