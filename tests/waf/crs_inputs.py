#!/usr/bin/env python3
"""The request strings of the CRS 3.3.4 regression suite as a JSON list (for prefilter_differential):
each stage's target, body and header values, raw and URL-decoded, and each decoded argument value.

  crs_inputs.py SUITE_DIR OUT.json
"""
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crs_runner  # noqa: E402  (load_suite)


def main():
    suite, out = sys.argv[1], sys.argv[2]
    if not os.path.isdir(suite):
        print("crs_inputs: the CRS regression suite %s is not there" % suite, file=sys.stderr)
        return 77
    seen, inputs = set(), []

    def add(s):
        if isinstance(s, bytes):
            s = s.decode("latin-1")
        s = str(s)
        if s and s not in seen:
            seen.add(s)
            inputs.append(s)

    for _, _, stage, _ in crs_runner.load_suite(suite):
        parts = [stage.get("uri", ""), stage.get("data", "")]
        parts += [str(v) for v in (stage.get("headers") or {}).values()]
        for p in parts:
            if isinstance(p, list):
                p = "".join(str(x) for x in p)
            p = str(p)
            add(p)
            for decoded in (urllib.parse.unquote(p, encoding="latin-1"), urllib.parse.unquote_plus(p, encoding="latin-1")):
                add(decoded)
            query = p.split("?", 1)[1] if "?" in p else p
            for pair in query.split("&"):
                name, _, value = pair.partition("=")
                add(urllib.parse.unquote_plus(value, encoding="latin-1"))
                add(urllib.parse.unquote_plus(name, encoding="latin-1"))
    with open(out, "w", encoding="utf-8") as f:
        json.dump(inputs, f)
    print("crs_inputs: %d distinct strings" % len(inputs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
