#!/usr/bin/python3
"""Scores the review scanner benchmark: recall per disguise and hits inside whitelisted words, for every
tool, against the ground truth that gen_corpus.py wrote; then one table with the speed figures.

    /usr/bin/python3 bench/review/report.py CORPUS_DIR FIGURES_JSONL TOOL=UNIT:HITS.tsv ...

TOOL is the name the tool prints in its JSON figures; UNIT is "byte" or "char" (the offsets of its
hits file, "file<TAB>begin<TAB>end<TAB>word"). A planted word counts as found when a hit of that same
word overlaps its span (a hit of a shorter lexicon word inside it, e.g. 秘密 in 工作秘密 written with a
homoglyph, does not count); a whitelisted innocent word counts as a false positive when any hit
overlaps it; a hit overlapping no planted span is "unexpected" (the corpus is built to have none).
Prints one JSON line per tool and then a Markdown table.
"""
import bisect
import json
import sys
from collections import defaultdict

DISGUISES = ["plain", "traditional", "separated", "fullwidth", "case", "zero_width", "homoglyph", "mixed"]
BYTE, CHAR = "byte", "char"


def load_truth(corpus):
    spans = defaultdict(list)  # file -> [(begin_byte, end_byte, begin_char, end_char, kind, word, disguise)]
    with open(f"{corpus}/truth.tsv", encoding="utf-8") as f:
        for line in f:
            name, b0, b1, c0, c1, kind, word, disguise, _written = line.rstrip("\n").split("\t")
            spans[name].append((int(b0), int(b1), int(c0), int(c1), kind, word, disguise))
    return spans


def score(truth, unit, hits_file):
    column = 0 if unit == BYTE else 2
    starts = {name: [s[column] for s in rows] for name, rows in truth.items()}  # spans are in file order
    found = defaultdict(set)  # file -> indices of spans hit with the right word (plants) or at all (innocent)
    unexpected = 0
    with open(hits_file, encoding="utf-8") as f:
        for line in f:
            name, begin, end, word = line.rstrip("\n").split("\t")
            begin, end = int(begin), int(end)
            rows, keys = truth.get(name, []), starts.get(name, [])
            i = max(bisect.bisect_right(keys, begin) - 1, 0)
            overlapped = False
            while i < len(rows) and rows[i][column] < end:
                row = rows[i]
                if row[column + 1] > begin:
                    overlapped = True
                    if row[4] == "innocent" or row[5] == word:
                        found[name].add(i)
                i += 1
            unexpected += not overlapped
    planted, recalled = defaultdict(int), defaultdict(int)
    innocent, false_positive = 0, 0
    for name, rows in truth.items():
        for i, row in enumerate(rows):
            if row[4] == "innocent":
                innocent += 1
                false_positive += i in found[name]
            else:
                key = row[6].split(":")[0]
                planted[key] += 1
                recalled[key] += i in found[name]
    recall = {d: round(recalled[d] / planted[d], 4) for d in DISGUISES if planted[d]}
    total = sum(planted.values())
    return {"recall": recall, "recall_all": round(sum(recalled.values()) / total, 4), "planted": dict(planted),
            "found": dict(recalled), "innocent": innocent, "false_positives_whitelisted": false_positive,
            "unexpected_hits": unexpected}


def main():
    corpus, figures_file = sys.argv[1], sys.argv[2]
    truth = load_truth(corpus)
    figures = defaultdict(dict)  # tool -> figure -> json
    with open(figures_file, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                row = json.loads(line)
                if row.get("bench") == "review":
                    figures[row["tool"]][row["figure"]] = row
    scores = {}
    for arg in sys.argv[3:]:
        tool, rest = arg.split("=", 1)
        unit, hits = rest.split(":", 1)
        scores[tool] = score(truth, unit, hits)
        print(json.dumps({"bench": "review", "tool": tool, "figure": "recall", **scores[tool]}, ensure_ascii=False))

    def rate(tool, figure):
        row = figures.get(tool, {}).get(figure)
        return row["mb_per_s"] if row else None

    def fmt(x, digits=1):
        return "—" if x is None else f"{x:,.{digits}f}"

    present = [d for d in DISGUISES if any(d in s["recall"] for s in scores.values())]
    print()
    print("| tool | MB/s end to end | MB/s matching alone | " + " | ".join(present) +
          " | all | whitelisted FP | unexpected |")
    print("|---|---:|---:|" + "---:|" * len(present) + "---:|---:|---:|")
    for tool, s in scores.items():
        cells = [f"{100 * s['recall'][d]:.1f}%" if d in s["recall"] else "—" for d in present]
        print(f"| {tool} | {fmt(rate(tool, 'end_to_end'))} | {fmt(rate(tool, 'matching_alone'))} | " +
              " | ".join(cells) + f" | {100 * s['recall_all']:.1f}% | {s['false_positives_whitelisted']} of "
              f"{s['innocent']} | {s['unexpected_hits']} |")
    sw = "sitewarden"
    print()
    for peer in [t for t in figures if t != sw and t in scores]:
        for figure in ("end_to_end", "matching_alone"):
            a, b = rate(sw, figure), rate(peer, figure)
            if a and b:
                print(f"sitewarden / {peer}, {figure.replace('_', ' ')}: {a / b:,.1f}×")
    extra = figures.get(sw, {})
    if "normalise_alone" in extra:
        print(f"sitewarden normalise alone: {fmt(extra['normalise_alone']['mb_per_s'])} MB/s")
    for figure, row in extra.items():
        if figure.startswith("matching_alone_") and figure.endswith("_entries"):
            print(f"sitewarden matching alone, first {row['entries']} entries: {fmt(row['mb_per_s'])} MB/s")
    if "vectorscan_direct" in extra:
        row = extra["vectorscan_direct"]
        print(f"vectorscan alone (hs_scan, no Matcher), {row['entries']} literals: {fmt(row['mb_per_s'])} MB/s")
    for figure in ("scanner_html", "scanner_text", "scanner_html_no_entities", "scanner_text_no_entities"):
        row = extra.get(figure)
        if row:
            print(f"sitewarden Scanner::scan_bytes {figure[8:].replace('_', ' ')}: {fmt(row['mb_per_s'])} MB/s "
                  f"({row['hits']} findings, {row['problems']} problems in {row['files']} files)")
    for kind in ("docx", "xlsx", "pdf"):
        row = extra.get("office_" + kind)
        if row:
            print(f"sitewarden Scanner::scan_bytes {kind}: {row['files_per_s']:,.1f} files/s "
                  f"(planted word found in {row['found']}/{row['files']} files, {row['problems']} problems)")


if __name__ == "__main__":
    main()
