#!/usr/bin/python3
"""Peer of the review scanner benchmark: a plain Aho-Corasick automaton (Debian python3-ahocorasick,
pyahocorasick) over the same corpus and the same words, without normalisation or whitelist.

    /usr/bin/python3 bench/review/peer_ahocorasick.py CORPUS_DIR HITS_OUT [--repeat N]

Prints JSON lines (figures); writes every hit as "file<TAB>char_begin<TAB>char_end<TAB>word" to HITS_OUT
(offsets in code points of the decoded file). "end to end" is UTF-8 decoding plus matching;
"matching alone" is matching over the already-decoded text; files are read into memory first.
Times are CPU seconds of this process (one thread), so MB/s is per core.
"""
import json
import os
import sys
import time

import ahocorasick


def emit(**figure):
    print(json.dumps({"bench": "review", "tool": "python3-ahocorasick", **figure}, ensure_ascii=False), flush=True)


def main():
    corpus, hits_out = sys.argv[1], sys.argv[2]
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
    words = open(os.path.join(corpus, "words.txt"), encoding="utf-8").read().split("\n")
    words = [w for w in words if w]
    started = time.process_time()
    automaton = ahocorasick.Automaton()
    for w in words:
        automaton.add_word(w, w)
    automaton.make_automaton()
    emit(figure="compile", words=len(words), cpu_s=round(time.process_time() - started, 4))

    names = [n for n in open(os.path.join(corpus, "files.txt")).read().split("\n") if n]
    raw = [open(os.path.join(corpus, n), "rb").read() for n in names]
    total = sum(len(b) for b in raw)

    def end_to_end():
        count = 0
        for b in raw:
            for _ in automaton.iter(b.decode("utf-8")):
                count += 1
        return count

    texts = [b.decode("utf-8") for b in raw]

    def matching_alone():
        count = 0
        for t in texts:
            for _ in automaton.iter(t):
                count += 1
        return count

    for figure, run in (("end_to_end", end_to_end), ("matching_alone", matching_alone)):
        best, best_wall, count = None, None, 0
        for _ in range(repeat):
            cpu, wall = time.process_time(), time.perf_counter()
            count = run()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            best = cpu if best is None else min(best, cpu)
            best_wall = wall if best_wall is None else min(best_wall, wall)
        emit(figure=figure, files=len(raw), bytes=total, hits=count, cpu_s=round(best, 4), wall_s=round(best_wall, 4),
             mb_per_s=round(total / best / 1e6, 2), repeat=repeat)

    with open(hits_out, "w", encoding="utf-8") as out:
        for name, t in zip(names, texts):
            for end, word in automaton.iter(t):
                out.write(f"{name}\t{end + 1 - len(word)}\t{end + 1}\t{word}\n")


if __name__ == "__main__":
    main()
