#!/usr/bin/env node
// Peer of the review scanner benchmark: mint-filter (npm, pinned in package.json), an Aho-Corasick
// sensitive-word filter common in Chinese projects, over the same corpus and words. It folds ASCII case
// and nothing else: no traditional, separated, full-width or zero-width spelling, no whitelist.
//
//   node bench/review/peer_mint.js CORPUS_DIR HITS_OUT [--repeat N]
//
// Prints JSON lines (figures). "end to end" is UTF-8 decoding plus Mint.filter(text, {replace: false})
// (the call that finds words); "matching alone" the same call on already-decoded text. CPU time of
// the process (one JS thread), so MB/s is per core. mint-filter returns the words found but not
// where, so an untimed second pass with replace: true and a marker character no corpus file contains
// gives the marked places, and mint-filter on each marked run alone gives its words: one line per word,
// "file<TAB>run_begin<TAB>run_end<TAB>word" (offsets in UTF-16 units = code points for this corpus).
'use strict';
const fs = require('fs');
const path = require('path');
const { Mint } = require('mint-filter');

const MARK = '\u0001';
const [corpus, hitsOut] = process.argv.slice(2);
const repeatAt = process.argv.indexOf('--repeat');
const repeat = repeatAt > 0 ? Number(process.argv[repeatAt + 1]) : 1;

function emit(figure) {
  console.log(JSON.stringify({ bench: 'review', tool: 'mint-filter', ...figure }));
}
function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

const words = fs.readFileSync(path.join(corpus, 'words.txt'), 'utf8').split('\n').filter((w) => w);
let t0 = cpuSeconds();
const mint = new Mint(words, { customCharacter: MARK });
emit({ figure: 'compile', words: words.length, cpu_s: +(cpuSeconds() - t0).toFixed(4) });

const names = fs.readFileSync(path.join(corpus, 'files.txt'), 'utf8').split('\n').filter((n) => n);
const raw = names.map((n) => fs.readFileSync(path.join(corpus, n)));
const total = raw.reduce((s, b) => s + b.length, 0);
const texts = raw.map((b) => b.toString('utf8'));

function measure(figure, run) {
  let best = Infinity, bestWall = Infinity, count = 0;
  for (let r = 0; r < repeat; r++) {
    const cpu = cpuSeconds(), wall = process.hrtime.bigint();
    count = run();
    best = Math.min(best, cpuSeconds() - cpu);
    bestWall = Math.min(bestWall, Number(process.hrtime.bigint() - wall) / 1e9);
  }
  emit({ figure, files: raw.length, bytes: total, hits: count, cpu_s: +best.toFixed(4), wall_s: +bestWall.toFixed(4),
         mb_per_s: +(total / best / 1e6).toFixed(2), repeat });
}
measure('end_to_end', () => raw.reduce((n, b) => n + mint.filter(b.toString('utf8'), { replace: false }).words.length, 0));
measure('matching_alone', () => texts.reduce((n, t) => n + mint.filter(t, { replace: false }).words.length, 0));

const out = fs.openSync(hitsOut, 'w');
names.forEach((name, i) => {
  const text = texts[i];
  const marked = mint.filter(text, { replace: true }).text;
  let lines = '';
  for (let at = marked.indexOf(MARK); at >= 0;) {
    let end = at;
    while (end < marked.length && marked[end] === MARK) end++;
    // The words of this run: mint-filter again on the run alone (the same automaton, so the same words).
    for (const word of mint.filter(text.slice(at, end), { replace: false }).words) {
      lines += `${name}\t${at}\t${end}\t${word.toLowerCase()}\n`;
    }
    at = marked.indexOf(MARK, end);
  }
  fs.writeSync(out, lines);
});
fs.closeSync(out);
