"""How deep the fuzzer got: the share of generated requests that reached the engine.

    python3 fuzz/reach.py fuzz/results/*.tally.jsonl

A request reached the engine when it acted on a case (POST /escalations/{id}/<action>) and was
answered 2xx (the engine accepted it) or 409 `action-refused` (the engine refused it with its
reason); a validation 400, a 404 or a 403 stopped it before. Also printed: the share of every
request answered 2xx or 409, and the answers per action operation.
"""
import collections
import json
import sys


def is_action(method, path):
    return method == "POST" and path.startswith("/escalations/{id}/")


def main(paths):
    rows = []
    for path in paths:
        with open(path) as f:
            rows += [json.loads(line) for line in f if line.strip()]
    actions = [r for r in rows if is_action(r["method"], r["path"])]
    reached = [r for r in actions if 200 <= r["status"] < 300 or r["error"] == "action-refused"]
    accepted = [r for r in actions if 200 <= r["status"] < 300]
    anywhere = [r for r in rows if 200 <= r["status"] < 300 or r["status"] == 409]
    pct = lambda a, b: f"{100 * len(a) / len(b):.1f} %" if b else "n/a"
    print(f"requests: {len(rows)}; answered 2xx or 409: {len(anywhere)} ({pct(anywhere, rows)})")
    print(
        f"action requests: {len(actions)}; reached the engine: {len(reached)} ({pct(reached, actions)}); "
        f"accepted: {len(accepted)} ({pct(accepted, actions)})"
    )
    not_found = collections.Counter(r.get("target") or "no id" for r in actions if r["status"] == 404)
    if not_found:
        # seeded: a seeded case the signing person may not see (need to know); uuid: a well-formed
        # id of no case this run knows (raised in the stateful phase, or made up); generated: not
        # an escalation id at all.
        print("  404 by what the id named: " + ", ".join(f"{k} {v}" for k, v in not_found.most_common()))
    per_op = collections.defaultdict(collections.Counter)
    for r in actions:
        per_op[r["path"]][r["error"] or str(r["status"])] += 1
    for op in sorted(per_op):
        print(f"  {op}: " + ", ".join(f"{k} {v}" for k, v in per_op[op].most_common()))


if __name__ == "__main__":
    main(sys.argv[1:])
