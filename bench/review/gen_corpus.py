#!/usr/bin/python3
"""Deterministic corpus for the review scanner benchmark (issue 3, bench/review/run.sh).

    /usr/bin/python3 bench/review/gen_corpus.py OUT_DIR [--bytes N] [--seed S] [--lexicon-size N]

Writes to OUT_DIR (a temp dir; never committed):
  corpus/NNNNN.html, corpus/NNNNN.txt  union-news-like Chinese pages and plain text (UTF-8), >= N bytes in all
  files.txt        the corpus files, one relative path a line, in scan order
  lexicon.txt      the 10,000-entry lexicon in sitewarden's plain-list format, whitelist lines "!phrase"
  words.txt        the same words, one a line, for the peers (no whitelist: they have none)
  truth.tsv        ground truth, one planted span a line:
                   file, byte_begin, byte_end, char_begin, char_end, kind, word, disguise, written
                   kind "plant" (must be reported as `word`) or "innocent" (a whitelisted longer word
                   containing `word`: must not be reported); offsets are into the file (bytes of UTF-8,
                   and code points = UTF-16 units, every character planted being in the BMP)
  summary.json     counts, for the report

Filler sentences come from a vocabulary written below; sentences that contain a target word are
redrawn, and generated lexicon words that occur anywhere in the filler, the HTML template or the planted
contexts are replaced, so every hit in the corpus is a planted one (the report still counts any other
hit, as "unexpected"). Traditional forms are made with Debian's `opencc -c s2t.json`; Kangxi-radical
homoglyphs are the characters U+2F00-U+2FD5 whose NFKC form is the character they imitate.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import unicodedata

import ahocorasick

# Target words planted in the corpus, by category (lexicon category for sitewarden).
TARGETS = {
    "secret_marking": ["绝密", "机密", "秘密", "国家秘密", "工作秘密", "内部资料", "内部文件", "不得外传", "涉密文件"],
    "internal": ["内部通报", "内部讲话", "领导批示件", "内部人员名单"],
    "advertising": ["国家级", "最高级", "最佳", "第一品牌", "全网最低价", "顶级", "包治百病", "零风险",
                    "稳赚不赔", "日赚千元", "日结工资", "大额返现"],
    "illegal": ["赌博", "六合彩", "代开发票", "办证刻章", "枪支弹药", "私服外挂", "高利贷", "套路贷",
                "网络刷单", "传销", "金融诈骗", "洗钱", "百家乐", "vpn", "casino", "baccarat"],
    "vulgar": ["色情", "一夜情", "黄色网站", "裸聊", "下流", "viagra"],
}
# Innocent longer words covered by the whitelist: the target inside must not be reported.
WHITELIST = {"秘密花园": "秘密", "秘密武器": "秘密", "机密性": "机密", "国家级非物质文化遗产": "国家级",
             "最佳实践": "最佳", "赌博游戏机监管条例": "赌博"}

VOCABULARY = """
工会 职工 劳动模范 会员 服务 基层 组织 建设 开展 活动 推进 维权 帮扶 困难职工 技能 竞赛 农民工 劳动者 权益
保障 集体协商 工资 安全生产 培训 学习 宣传 贯彻 精神 会议 召开 省总工会 市总工会 主席 副主席 党组 书记 代表
大会 表彰 先进 个人 集体 五一劳动奖章 工匠 创新 工作室 疗休养 送温暖 慰问 春节 元旦 夏季 送清凉 女职工 关爱
心理 健康 体检 法律 援助 调解 劳动争议 仲裁 企业 民主管理 厂务公开 职代会 经费 审计 财务 资产 网上工会
数字化 平台 服务站 驿站 户外劳动者 快递员 外卖骑手 货车司机 新就业形态 入会 覆盖 扩面 文化 体育 比赛 篮球
书画 摄影 展览 读书 志愿者 社区 街道 乡镇 园区 产业 行业 教育 卫生 交通 建筑 制造 能源 电力 调研 座谈 指导
检查 督导 落实 部署 要求 强调 指出 认为 提高 加强 完善 健全 机制 制度 体系 能力 水平 质量 效率 成效 明显
积极 认真 扎实 深入 广泛 全面 持续 不断 进一步 切实 有效 主动 充分 稳步 按照 围绕 结合 通过 聚焦 坚持
以来 今年 上半年 全年 近日 日前 本月 全省 各地 各级 全体 广大 有关 相关 重点 难点 热点 工作 任务 目标 计划
方案 措施 办法 意见 通知 报告 总结 经验 做法 典型 示范 引领 带动 作用 发挥 参与 共同 团结 奋斗 发展 高质量
新时代 劳动 光荣 伟大 奉献 岗位 建功 立业 职业 道德 素质 队伍 人才 青年 师徒 结对 传承 技艺 攻关 项目
成果 转化 推广 应用 单位 部门 机关 事业 国有 民营 非公 小微 会员卡 普惠 优惠 福利 补助 救助 慰问金 节日
生日 电影 观影 健步走 运动会 联谊 相亲 婚恋 子女 托管 暑期 爱心 托班 母婴 室 温馨 家园 之家 职工之家
""".split()

FILLER_PUNCT = "，，，、"
SENTENCE_END = "。。。！；"
# Contexts a planted word is written in (real punctuation, so it never joins the filler).
PLANT_CONTEXTS = [("【", "】"), ("（", "）"), ("“", "”"), ("，", "，"), ("「", "」"), ("：", "。")]
SEPARATORS = ["*", " ", ".", "·", "＊", "．"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
HTML_HEAD = ('<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
             '<link rel="stylesheet" href="/static/site.css">\n</head>\n<body>\n<div class="header">'
             '<a href="/">首页</a> <a href="/news/">工会要闻</a> <a href="/notice/">通知公告</a></div>\n'
             '<div class="article">\n<h1>{title}</h1>\n<div class="meta">发布时间：2024-05-01 来源：宣传部</div>\n')
HTML_TAIL = '</div>\n<div class="footer">版权所有 © 省总工会 备案号：苏ICP备00000000号</div>\n</body>\n</html>\n'


def opencc(words, config):
    out = subprocess.run(["opencc", "-c", config], input="\n".join(words) + "\n", capture_output=True,
                         text=True, check=True).stdout.split("\n")
    return out[:len(words)]


def kangxi_homoglyphs():
    """Character -> the Kangxi radical that looks like it (U+2F00-U+2FD5, NFKC)."""
    table = {}
    for code in range(0x2F00, 0x2FD6):
        table.setdefault(unicodedata.normalize("NFKC", chr(code)), chr(code))
    return table


class Disguiser:
    """Every disguise of a target word that applies to it, written as a reader would see it."""

    def __init__(self, targets, rng):
        self.rng = rng
        self.homoglyph = kangxi_homoglyphs()
        traditional = opencc(targets, "s2t.json")
        back = opencc(traditional, "t2s.json")
        # Only traditional forms that OpenCC itself maps back (all of ours do; checked, not assumed).
        self.traditional = {w: t for w, t, b in zip(targets, traditional, back) if t != w and b == w}

    @staticmethod
    def is_latin(word):
        return word.isascii()

    def applicable(self, word):
        if self.is_latin(word):
            return ["plain", "case", "fullwidth", "zero_width", "mixed"]
        kinds = ["plain", "separated", "zero_width", "mixed"]
        if word in self.traditional:
            kinds.append("traditional")
        if any(c in self.homoglyph for c in word):
            kinds.append("homoglyph")
        return kinds

    def _join(self, chars, glue):
        return chars[0] + "".join(glue() + c for c in chars[1:])

    def separated(self, word):
        return self._join(list(word), lambda: self.rng.choice(SEPARATORS))

    def zero_width(self, word):
        return self._join(list(word), lambda: self.rng.choice(ZERO_WIDTH))

    def homoglyphs(self, word):
        return "".join(self.homoglyph.get(c, c) for c in word)

    @staticmethod
    def fullwidth(word):
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)

    def write(self, word, disguise):
        """(written form, disguise label); mixed labels name their parts."""
        if disguise == "plain":
            return word, disguise
        if disguise == "case":
            return word.upper(), disguise
        if disguise == "fullwidth":
            return self.fullwidth(word), disguise
        if disguise == "separated":
            return self.separated(word), disguise
        if disguise == "zero_width":
            return self.zero_width(word), disguise
        if disguise == "traditional":
            return self.traditional[word], disguise
        if disguise == "homoglyph":
            return self.homoglyphs(word), disguise
        return self.mixed(word)

    def mixed(self, word):
        if self.is_latin(word):
            return self.zero_width(self.fullwidth(word.upper())), "mixed:fullwidth+case+zero_width"
        options = [["separated", "zero_width"]]
        if word in self.traditional:
            options += [["traditional", "separated"], ["traditional", "zero_width"]]
        if any(c in self.homoglyph for c in word):
            options += [["homoglyph", "separated"], ["homoglyph", "zero_width"]]
            if word in self.traditional:
                options.append(["traditional", "homoglyph", "separated"])
        parts = self.rng.choice(options)
        text = word
        if "traditional" in parts:
            text = self.traditional[word]
        if "homoglyph" in parts:
            text = self.homoglyphs(text)
        if "separated" in parts and "zero_width" in parts:
            text = self._join(list(text), lambda: self.rng.choice(SEPARATORS) + self.rng.choice(ZERO_WIDTH))
        elif "separated" in parts:
            text = self.separated(text)
        elif "zero_width" in parts:
            text = self.zero_width(text)
        return text, "mixed:" + "+".join(parts)


def automaton(words):
    a = ahocorasick.Automaton()
    for w in words:
        a.add_word(w, w)
    a.make_automaton()
    return a


def sentence_pool(rng, vocabulary, targets, count):
    """Filler sentences of 4-12 vocabulary words; none contains a target or whitelisted word."""
    banned = automaton(list(targets) + list(WHITELIST))
    pool = []
    while len(pool) < count:
        words = [rng.choice(vocabulary) for _ in range(rng.randint(4, 12))]
        for i in range(2, len(words) - 1, 4):
            words[i] += rng.choice(FILLER_PUNCT)
        s = "".join(words) + rng.choice(SENTENCE_END)
        if next(banned.iter(s), None) is None:
            pool.append(s)
    return pool


def generated_words(rng, chars, needed, forbidden_text, taken):
    """Random 2-4 character words over the filler's own characters (so the matcher's prefilter sees
    realistic near-hits), none occurring in the forbidden text, stable under OpenCC t2s."""
    words = []
    while len(words) < needed:
        batch = set()
        while len(batch) < (needed - len(words)) * 2:
            w = "".join(rng.choice(chars) for _ in range(rng.choice((2, 3, 3, 4, 4))))
            if w not in taken:
                batch.add(w)
        batch = sorted(batch)
        found = automaton(batch)
        occurring = {value for _, value in found.iter(forbidden_text)}
        stable = opencc(batch, "t2s.json")
        for w, s in zip(batch, stable):
            if w not in occurring and s == w and w not in taken and len(words) < needed:
                # (a word inside a target occurs in the forbidden text, which holds every planted context)
                words.append(w)
                taken.add(w)
    return words


class FileWriter:
    """Builds one file from pieces, tracking byte and character offsets of the planted spans."""

    def __init__(self, name):
        self.name, self.pieces, self.bytes, self.chars, self.truth = name, [], 0, 0, []

    def add(self, text, nbytes=None):
        self.pieces.append(text)
        self.bytes += len(text.encode()) if nbytes is None else nbytes
        self.chars += len(text)

    def plant(self, kind, word, disguise, written, context):
        self.add(context[0])
        b, c = self.bytes, self.chars
        self.add(written)
        self.truth.append((self.name, b, self.bytes, c, self.chars, kind, word, disguise, written))
        self.add(context[1])

    def text(self):
        return "".join(self.pieces)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--bytes", type=int, default=106_000_000)  # >= 100 MiB
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--lexicon-size", type=int, default=10_000)
    parser.add_argument("--plant-every", type=int, default=2000, help="bytes of filler per planted word, on average")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    targets = [w for ws in TARGETS.values() for w in ws]
    vocabulary = [w for w, s in zip(VOCABULARY, opencc(VOCABULARY, "t2s.json")) if w == s]
    pool = sentence_pool(rng, vocabulary, targets + list(WHITELIST), 20_000)
    pool_bytes = [len(s.encode()) for s in pool]
    disguiser = Disguiser(targets, rng)

    # Everything a generated lexicon word must not occur in.
    contexts = "".join(a + w + b + "\n" for w in targets + list(WHITELIST) for a, b in PLANT_CONTEXTS)
    traditional = "\n".join(disguiser.traditional.values()) + "\n" + "\n".join(opencc(list(WHITELIST), "s2t.json"))
    forbidden = "\n".join(pool) + "\n" + HTML_HEAD + HTML_TAIL + contexts + traditional
    chars = sorted({c for w in vocabulary for c in w})
    taken = set(targets) | set(WHITELIST)
    generated = generated_words(rng, chars, args.lexicon_size - len(targets), forbidden, taken)

    os.makedirs(os.path.join(args.out, "corpus"), exist_ok=True)
    with open(os.path.join(args.out, "lexicon.txt"), "w", encoding="utf-8") as f:
        f.write("# name: bench-10k\n# category: bench\n# severity: high\n")
        for category, words in TARGETS.items():
            f.write(f"# {category}\n" + "".join(w + "\n" for w in words))
        f.write("# generated\n" + "".join(w + "\n" for w in generated))
        f.write("# whitelist\n" + "".join("!" + w + "\n" for w in WHITELIST))
    with open(os.path.join(args.out, "words.txt"), "w", encoding="utf-8") as f:
        f.write("".join(w + "\n" for w in targets + generated))

    innocent_traditional = dict(zip(WHITELIST, opencc(list(WHITELIST), "s2t.json")))
    files, truth, total, n = [], [], 0, 0
    while total < args.bytes:
        html = n % 2 == 0
        name = f"corpus/{n:05d}.{'html' if html else 'txt'}"
        size = rng.randint(16_000, 128_000)
        fw = FileWriter(name)
        title = pool[rng.randrange(len(pool))].rstrip("。！；")
        if html:
            fw.add(HTML_HEAD.format(title=title))
        else:
            fw.add(title + "\n\n")
        next_plant = rng.expovariate(1 / args.plant_every)
        filler = 0
        while fw.bytes < size:
            fw.add("<p>" if html else "\u3000\u3000")
            for _ in range(rng.randint(3, 8)):
                i = rng.randrange(len(pool))
                fw.add(pool[i], pool_bytes[i])
                filler += pool_bytes[i]
                if filler >= next_plant:
                    filler, next_plant = 0, rng.expovariate(1 / args.plant_every)
                    if rng.random() < 0.15:
                        phrase = rng.choice(list(WHITELIST))
                        plain = rng.random() < 0.5
                        written = phrase if plain else innocent_traditional[phrase]
                        fw.plant("innocent", WHITELIST[phrase], "plain" if plain else "traditional", written,
                                 rng.choice(PLANT_CONTEXTS))
                    else:
                        word = rng.choice(targets)
                        written, label = disguiser.write(word, rng.choice(disguiser.applicable(word)))
                        fw.plant("plant", word, label, written, rng.choice(PLANT_CONTEXTS))
            fw.add("</p>\n" if html else "\n")
        if html:
            fw.add(HTML_TAIL)
        data = fw.text().encode()
        assert len(data) == fw.bytes
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(data)
        files.append(name)
        truth.extend(fw.truth)
        total += fw.bytes
        n += 1

    with open(os.path.join(args.out, "files.txt"), "w") as f:
        f.write("".join(p + "\n" for p in files))
    with open(os.path.join(args.out, "truth.tsv"), "w", encoding="utf-8") as f:
        for row in truth:
            f.write("\t".join(str(x) for x in row) + "\n")
    by_disguise = {}
    for row in truth:
        key = row[5] + ":" + row[7].split(":")[0]
        by_disguise[key] = by_disguise.get(key, 0) + 1
    summary = {"files": len(files), "html": (len(files) + 1) // 2, "bytes": total, "lexicon": len(targets) + len(generated),
               "targets": len(targets), "whitelist": len(WHITELIST), "planted": by_disguise, "seed": args.seed}
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, ensure_ascii=False)
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
