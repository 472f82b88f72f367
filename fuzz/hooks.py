"""Schemathesis hooks for Resolve (loaded through SCHEMATHESIS_HOOKS=hooks, PYTHONPATH=fuzz).

* `error_has_message`: every 4xx answer is JSON with a non-empty string `message` (the API's
  error contract, services/api/src/common/api-exception.filter.ts).
* `map_body` (POST /escalations): half of the raise bodies are made valid where the schema is
  looser than the API (protocol, agencies, person, category, reference), so the rest reaches the
  raise logic.
* `map_path_parameters`: half of the generated path ids are swapped for real ones (escalations,
  partnership, agencies, people seeded by fuzz/stack.ts), so the fuzzer reaches the handlers
  behind the 404s. The choice is derived from the generated value, so runs stay reproducible.
"""
import json
import os
import zlib

import schemathesis

_STATE = json.load(open(os.environ["RESOLVE_FUZZ_STATE"])) if os.environ.get("RESOLVE_FUZZ_STATE") else {"ids": {}}
_IDS = _STATE.get("ids", {})


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
        real = _IDS.get(name)
        if not real:
            continue
        h = zlib.crc32(repr(value).encode())
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
