#!/usr/bin/env python3
"""Inventory of the OWASP CRS 3.3.4 request rules active at a paranoia level — groundwork for the
vectorscan prefilter (issue 6; docs/modules/waf.md "The vectorscan prefilter").

  crs_inventory.py [PARANOIA] [--crs DIR] [--patterns FILE] [--list]

Reads DIR/rules/REQUEST-*.conf (Debian's modsecurity-crs), follows the CRS paranoia markers
(`SecRule TX:EXECUTING_PARANOIA_LEVEL "@lt N" ... skipAfter`: rules after the marker need level N) and
prints, for the rules active at PARANOIA (default 1): how many rule links and chain heads, the chain
heads' operators, and how many distinct transformation chains the @rx/@pm/@pmFromFile heads use.
--patterns FILE writes the @rx and !@rx patterns (heads and chain links) as "id TAB op TAB pattern"
lines (tests/waf/prefilter_patterns_check compiles them with vectorscan in prefilter mode); --list
prints every chain head whose operator is not @rx/@pm/@pmFromFile (those a prefilter must evaluate
exactly or treat as "may match").

This reads the rule text, not the compiled rule set: it is an estimate for planning, not the
prefilter's source of truth (that must be the rules libmodsecurity loaded).
"""
import argparse
import collections
import glob
import os
import re
import sys

PREFILTERABLE = ("rx", "pm", "pmFromFile")


def read_rules(crs_dir):
    rules = []
    for path in sorted(glob.glob(os.path.join(crs_dir, "rules", "REQUEST-*.conf"))):
        with open(path, encoding="utf-8") as f:
            text = f.read().replace("\\\n", " ")
        level = 1
        chained = False
        for line in text.splitlines():
            line = line.strip()
            m = re.match(r'SecRule\s+TX:EXECUTING_PARANOIA_LEVEL\s+"@lt (\d)"', line)
            if m:
                level = int(m.group(1))
                chained = False
                continue
            if line.startswith("SecAction"):
                rules.append({"level": level, "op": "unconditional", "vars": "", "t": (), "chained": chained,
                              "id": (re.search(r"\bid:'?(\d+)", line) or [None, ""])[1], "pattern": ""})
                chained = False
                continue
            if not line.startswith("SecRule"):
                continue
            m = re.match(r'SecRule\s+(\S+)\s+"((?:[^"\\]|\\.)*)"\s*(?:"(.*)")?', line)
            if not m:
                print("crs_inventory: cannot read %s: %s" % (os.path.basename(path), line[:100]), file=sys.stderr)
                continue
            variables, operator, actions = m.group(1), m.group(2), m.group(3) or ""
            om = re.match(r"(!?)@(\w+)\s?", operator)
            op = (om.group(1) + om.group(2)) if om else "rx"
            pattern = operator[om.end():] if om else operator
            rid = re.search(r"\bid:'?(\d+)", actions)
            rules.append({"level": level, "op": op, "vars": variables, "t": tuple(re.findall(r"\bt:(\w+)", actions)),
                          "chained": chained, "id": rid.group(1) if rid else "", "pattern": pattern.replace('\\"', '"')})
            chained = bool(re.search(r"\bchain\b", actions))
    return rules


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paranoia", nargs="?", type=int, default=1)
    ap.add_argument("--crs", default="/usr/share/modsecurity-crs")
    ap.add_argument("--patterns", help="write the @rx patterns here")
    ap.add_argument("--list", action="store_true", help="list the heads a prefilter cannot scan")
    args = ap.parse_args()
    rules = read_rules(args.crs)
    if not rules:
        print("crs_inventory: no rules under %s/rules" % args.crs, file=sys.stderr)
        return 2
    active = [r for r in rules if r["level"] <= args.paranoia]
    heads = [r for r in active if not r["chained"]]
    print("paranoia %d: %d of %d rule links active, %d chain heads" % (args.paranoia, len(active), len(rules), len(heads)))
    print("chain-head operators: " + ", ".join("%s %d" % kv for kv in collections.Counter(r["op"] for r in heads).most_common()))
    chains = {r["t"] for r in heads if r["op"] in PREFILTERABLE}
    print("distinct transformation chains of the @rx/@pm/@pmFromFile heads: %d" % len(chains))
    if args.list:
        for r in heads:
            if r["op"] not in PREFILTERABLE + ("unconditional",):
                print("  %-8s %-18s %s" % (r["id"], r["op"], r["vars"][:100]))
    if args.patterns:
        n = 0
        with open(args.patterns, "w", encoding="utf-8") as f:
            for r in active:
                if r["op"] in ("rx", "!rx"):
                    f.write("%s\t%s\t%s\n" % (r["id"] or "chain-link", r["op"], r["pattern"]))
                    n += 1
        print("%d @rx patterns written to %s" % (n, args.patterns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
