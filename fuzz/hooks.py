"""Schemathesis hooks for Resolve (loaded through SCHEMATHESIS_HOOKS=hooks, PYTHONPATH=fuzz).

* `error_has_message`: every 4xx answer is JSON with a non-empty string `message` (the API's
  error contract, services/api/src/common/api-exception.filter.ts).
* `map_body` (POST /escalations): half of the raise bodies are made valid where the schema is
  looser than the API (protocol, agencies, person, category, reference), so the rest reaches the
  raise logic.
* `map_path_parameters`: half of the generated path ids are swapped for real ones (escalations,
  partnership, agencies, people seeded by fuzz/stack.ts), so the fuzzer reaches the handlers
  behind the 404s. The choice is derived from the generated value, so runs stay reproducible.
* Acting as the people of each case (RESOLVE_FUZZ_ACTORS=1, with cases seeded at every tier by
  `fuzz/stack.ts --seed-tiers true`): `before_load_schema` links the raise to every action and
  read of the case it made (OpenAPI links: the stateful phase acts on cases that exist); path ids
  are mostly swapped for seeded cases; `before_call` signs each request on a case as one of its
  people (acting at its tier or not, chosen from the generated data, so runs stay reproducible).
* `before_call`: three in four generated Idempotency-Keys are made valid (8-200 visible ASCII
  characters; the document does not say so, so most generated keys were refused before the
  action), so the rest of the request reaches the handler.
* `after_call`: with RESOLVE_FUZZ_TALLY set, one JSON line per answered request (operation,
  status, error code) for fuzz/reach.py, which reports the share that reached the engine.
"""
import json
import os
import re
import threading
import zlib

import schemathesis

_STATE = json.load(open(os.environ["RESOLVE_FUZZ_STATE"])) if os.environ.get("RESOLVE_FUZZ_STATE") else {"ids": {}}
_IDS = _STATE.get("ids", {})
_ACTORS = os.environ.get("RESOLVE_FUZZ_ACTORS") == "1"
_CASES = {c["id"]: c for c in _STATE.get("cases", [])}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_SEEDED = [c["id"] for c in _STATE.get("cases", [])]


@schemathesis.check
def error_has_message(ctx, response, case):
    """Every 4xx has a JSON body with a non-empty string `message`."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = json.loads(response.text or "")
    except ValueError:
        raise AssertionError(f"{response.status_code} without a JSON body: {response.text[:200]!r}")
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message.strip():
        raise AssertionError(f"{response.status_code} without a message: {response.text[:200]!r}")
    return None


@schemathesis.hook
def map_path_parameters(ctx, path_parameters):
    if not path_parameters:
        return path_parameters
    for name, value in list(path_parameters.items()):
        h = zlib.crc32(repr(value).encode())
        if _ACTORS and name == "id" and _SEEDED:
            # Seven in eight requests on a case land on a seeded one, at some tier.
            if h % 8 != 0:
                path_parameters[name] = _SEEDED[(h // 8) % len(_SEEDED)]
            continue
        real = _IDS.get(name)
        if not real:
            continue
        if h % 2 == 0:
            path_parameters[name] = real[(h // 2) % len(real)]
    return path_parameters


_RAISE_VALID = {
    "protocolId": "sefton-sscp",
    "raisingAgencyId": "sefton-sscp-csc",
    "receivingAgencyId": "sefton-sscp-police",
    "receivingPersonId": "sefton-sscp-police-practitioner",
    "category": "thresholds",
}


@schemathesis.hook
def map_body(ctx, body):
    """Half of the raise bodies get a valid protocol, agencies, person, category and reference, so
    that the fuzzed free text, subject and flags reach the raise logic instead of the first 400."""
    op = getattr(ctx, "operation", None)
    if op is None or op.method.upper() != "POST" or op.path != "/escalations" or not isinstance(body, dict):
        return body
    h = zlib.crc32(repr(sorted(body.items(), key=lambda kv: kv[0])).encode())
    if h % 2 == 0:
        body = {**body, **_RAISE_VALID, "reference": f"FZ-{h % 10_000_000:07d}"}
    return body


_TALLY = os.environ.get("RESOLVE_FUZZ_TALLY")
_TALLY_LOCK = threading.Lock()


@schemathesis.hook
def after_call(ctx, case, response):
    """Records what each request got, so the run can say how many reached the engine."""
    if not _TALLY:
        return
    error = message = None
    if 400 <= response.status_code < 500:
        try:
            body = json.loads(response.text or "")
            if isinstance(body, dict):
                error, message = body.get("error"), str(body.get("message"))[:120]
        except ValueError:
            error = None
    line = json.dumps(
        {
            "method": case.operation.method.upper(),
            "path": case.operation.path,
            "status": response.status_code,
            "error": error,
            "message": message,
            # What the path's id named, so a 404 can be told apart: a seeded case (then the signer
            # could not see it), a case raised in this run, or an id the generator made up.
            "target": _target_of(case),
        }
    )
    with _TALLY_LOCK, open(_TALLY, "a") as out:
        out.write(line + "\n")


def _target_of(case):
    case_id = (case.path_parameters or {}).get("id")
    if case_id is None:
        return None
    if case_id in _CASES:
        return "seeded"
    if isinstance(case_id, str) and _UUID.match(case_id):
        return "uuid"
    return "generated"


@schemathesis.hook
def before_load_schema(ctx, raw_schema):
    """OpenAPI links from the raise to every operation on the case it made (actors mode only, so the
    committed document stays as the API describes itself)."""
    if not _ACTORS:
        return
    raise_op = raw_schema["paths"]["/escalations"]["post"]
    links = {}
    for path, methods in raw_schema["paths"].items():
        if not path.startswith("/escalations/{id}"):
            continue
        for method, op in methods.items():
            if method in ("get", "post") and "operationId" in op:
                links[op["operationId"]] = {
                    "operationId": op["operationId"],
                    "parameters": {"id": "$response.body#/id"},
                }
    response = raise_op["responses"].setdefault("201", {"description": "raised"})
    response["links"] = links


@schemathesis.hook
def before_call(ctx, case, kwargs):
    """A valid Idempotency-Key three times in four; in actors mode, a request on a case is made as
    one of that case's people."""
    key = (case.headers or {}).get("Idempotency-Key")
    if key is not None:
        h = zlib.crc32(repr(key).encode())
        if h % 4 != 0:
            case.headers = {**case.headers, "Idempotency-Key": f"fuzz-{h:08x}"}
    if not _ACTORS:
        return
    params = case.path_parameters or {}
    if _SEEDED and "id" in params and params["id"] not in _CASES:
        # map_path_parameters is not called in every phase (the coverage phase builds its cases
        # itself): the same seven-in-eight swap, here, where every request passes.
        h = zlib.crc32(repr(params["id"]).encode())
        if h % 8 != 0:
            case.path_parameters = {**params, "id": _SEEDED[(h // 8) % len(_SEEDED)]}
    tokens = _STATE.get("tokens", {})
    person = "sefton-sscp-csc-practitioner"
    seeded = _CASES.get((case.path_parameters or {}).get("id"))
    if seeded:
        h = zlib.crc32(repr((case.body, case.query, case.operation.path)).encode())
        person = seeded["people"][h % len(seeded["people"])]
    elif (case.path_parameters or {}).get("id"):
        # A case the stateful phase raised (Sefton, tier 1): its two parties, the chair, or someone else.
        people = [
            "sefton-sscp-csc-practitioner",
            "sefton-sscp-police-practitioner",
            "sefton-sscp-independent-chair",
            "sefton-sscp-police-head-of-service",
        ]
        person = people[zlib.crc32(repr(case.body).encode()) % len(people)]
    if person in tokens:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {tokens[person]}"}

