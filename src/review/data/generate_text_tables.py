#!/usr/bin/env python3
"""Generates the review scanner's text tables at build time (N3.2, N3.4), so the binary needs no
data files at run time:

  normaliser_tables.cc  code point -> code point foldings for normalise(): traditional -> simplified
                        (OpenCC t2s, character by character, run through the Debian `opencc` tool;
                        hk2s fills in Hong Kong variants t2s leaves alone), Kangxi radicals, CJK
                        radicals supplement and CJK compatibility ideographs -> unified ideographs
                        (UnicodeData.txt, CJKRadicals.txt, EquivalentUnifiedIdeograph.txt), Latin
                        look-alikes (latin_homoglyphs.txt), mathematical and circled letters and
                        circled / parenthesised / dotted digits -> ASCII.
  wording_tables.cc     toneless pinyin readings of simplified characters with their frequency
                        weight (rime-data-pinyin-simp), and the look-alike groups (similar_shapes.txt).

Usage: generate_text_tables.py DATA_DIR NORMALISER_OUT WORDING_OUT
"""
import re
import subprocess
import sys
from pathlib import Path

UNICODE = Path("/usr/share/unicode")
PINYIN_DICT = Path("/usr/share/rime-data/pinyin_simp.dict.yaml")
CJK_RANGES = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2EBEF), (0x2F800, 0x2FA1F)]
DIGIT_NAMES = ["ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"]
# Names of the enclosed digits folded to the digit: ① ❶ ➀ ➊ ⓵ ⓪ ⑴ ⒈ (⑩ and above stay as they are:
# a folding is one code point to one code point).
ENCLOSED_DIGIT = re.compile(r"^(?:.*CIRCLED.* DIGIT|PARENTHESIZED DIGIT|DIGIT) (%s)(?: FULL STOP)?$" % "|".join(DIGIT_NAMES))


def utf8_length(cp):
    return len(chr(cp).encode("utf-8"))


def opencc_map(config, code_points):
    """Runs `opencc -c config` over one code point per line; returns the single-character changes."""
    text = "".join(chr(cp) + "\n" for cp in code_points)
    result = subprocess.run(["opencc", "-c", config], input=text.encode("utf-8"), capture_output=True, check=True)
    lines = result.stdout.decode("utf-8").split("\n")
    if len(lines) < len(code_points):
        sys.exit(f"opencc -c {config}: {len(lines)} lines of output for {len(code_points)} code points")
    changes = {}
    for cp, line in zip(code_points, lines):
        if line != chr(cp) and len(line) == 1:
            changes[cp] = ord(line)
    return changes


def traditional_to_simplified():
    code_points = [cp for low, high in CJK_RANGES for cp in range(low, high + 1)]
    t2s = opencc_map("t2s.json", code_points)
    for cp, to in opencc_map("hk2s.json", code_points).items():
        # Only where t2s leaves the character alone and the result is itself simplified
        # (hk2s maps 抬 -> 擡, which t2s maps back; such pairs are refused).
        if cp not in t2s and to not in t2s:
            t2s[cp] = to
    return t2s


def unicode_data():
    for line in (UNICODE / "UnicodeData.txt").open(encoding="utf-8"):
        fields = line.split(";")
        yield int(fields[0], 16), fields[1], fields[5]


def ideograph_foldings():
    """Radicals and compatibility ideographs -> the unified ideograph they stand for."""
    foldings = {}
    for cp, _name, decomposition in unicode_data():
        parts = decomposition.split()
        is_radical = 0x2E80 <= cp <= 0x2FDF
        is_compat = 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F
        if is_radical and len(parts) == 2 and parts[0] == "<compat>":
            foldings[cp] = int(parts[1], 16)
        elif is_compat and len(parts) == 1:
            foldings[cp] = int(parts[0], 16)
    for line in (UNICODE / "CJKRadicals.txt").open(encoding="utf-8"):
        fields = [f.strip() for f in line.split("#")[0].split(";")]
        if len(fields) == 3 and fields[1]:
            foldings.setdefault(int(fields[1], 16), int(fields[2], 16))
    for line in (UNICODE / "EquivalentUnifiedIdeograph.txt").open(encoding="utf-8"):
        fields = [f.strip() for f in line.split("#")[0].split(";")]
        if len(fields) != 2:
            continue
        low, _, high = fields[0].partition("..")
        for cp in range(int(low, 16), int(high or low, 16) + 1):
            foldings.setdefault(cp, int(fields[1], 16))
    return foldings


def ascii_foldings():
    """Mathematical and circled letters and digits, enclosed digits -> lower-case ASCII."""
    foldings = {}
    for cp, name, decomposition in unicode_data():
        parts = decomposition.split()
        if len(parts) == 2 and parts[0] in ("<font>", "<circle>") and len(parts[1]) == 4:
            target = int(parts[1], 16)
            if chr(target).isascii() and chr(target).isalnum():
                foldings[cp] = ord(chr(target).lower())
        match = ENCLOSED_DIGIT.match(name)
        if match and cp >= 0x2000:
            foldings[cp] = ord("0") + DIGIT_NAMES.index(match.group(1))
    return foldings


def latin_homoglyphs(data_dir):
    foldings = {}
    for number, line in enumerate((data_dir / "latin_homoglyphs.txt").open(encoding="utf-8"), 1):
        fields = line.split("#")[0].split()
        if not fields:
            continue
        if len(fields) != 2 or len(fields[1]) != 1 or not fields[1].isascii():
            sys.exit(f"latin_homoglyphs.txt:{number}: expected '<hex code point> <latin letter>'")
        foldings[int(fields[0], 16)] = ord(fields[1])
    return foldings


def all_foldings(data_dir):
    t2s = traditional_to_simplified()
    foldings = {}
    for source in (ideograph_foldings(), ascii_foldings(), latin_homoglyphs(data_dir)):
        foldings.update(source)
    # A radical or compatibility ideograph folds to a unified ideograph, which may be traditional.
    for cp, to in list(foldings.items()):
        foldings[cp] = t2s.get(to, to)
    for cp, to in t2s.items():
        foldings.setdefault(cp, to)
    for cp, to in foldings.items():
        # normalise() sizes its output for at most 4 bytes out per 3 in (BMP -> supplementary).
        grows = utf8_length(to) - utf8_length(cp)
        if cp < 0x80 or grows > (1 if utf8_length(cp) == 3 else 0):
            sys.exit(f"folding U+{cp:04X} -> U+{to:04X} would grow the text beyond the bound normalise() assumes")
    return {cp: to for cp, to in foldings.items() if cp != to}


def write_normaliser_tables(foldings, out):
    rows = ",\n".join(f"    {{0x{cp:X}, 0x{to:X}}}" for cp, to in sorted(foldings.items()))
    out.write_text(
        "// Generated by src/review/data/generate_text_tables.py: do not edit.\n"
        "#include <cstddef>\n\n"
        "namespace sw::review::tables {\n"
        "struct Folding { char32_t from; char32_t to; };\n"
        f"extern const Folding kFoldings[];\n"
        f"extern const std::size_t kFoldingCount;\n"
        f"const Folding kFoldings[] = {{\n{rows}}};\n"
        f"const std::size_t kFoldingCount = {len(foldings)};\n"
        "}  // namespace sw::review::tables\n",
        encoding="utf-8")


def pinyin_readings(foldings):
    """(syllable, character, weight) for simplified single characters, most common first per syllable."""
    readings = {}
    in_body = False
    for line in PINYIN_DICT.open(encoding="utf-8"):
        if line.startswith("..."):
            in_body = True
            continue
        fields = line.rstrip("\n").split("\t")
        if not in_body or len(fields) != 3 or len(fields[0]) != 1 or " " in fields[1]:
            continue
        cp = ord(fields[0])
        if cp in foldings or not any(low <= cp <= high for low, high in CJK_RANGES):
            continue  # a traditional or variant character: normalised text never contains it
        key = (fields[1], fields[0])
        readings[key] = max(readings.get(key, 0), int(fields[2]))
    return sorted(((s, c, w) for (s, c), w in readings.items()), key=lambda r: (r[0], -r[2], r[1]))


def shape_groups(data_dir, foldings):
    groups = []
    for number, line in enumerate((data_dir / "similar_shapes.txt").open(encoding="utf-8"), 1):
        characters = line.split("#")[0].split()
        if not characters:
            continue
        for c in characters:
            if len(c) != 1 or ord(c) in foldings:
                sys.exit(f"similar_shapes.txt:{number}: '{c}' is not one simplified character")
        if len(characters) < 2:
            sys.exit(f"similar_shapes.txt:{number}: a group needs at least two characters")
        groups.append("".join(characters))
    return groups


def write_wording_tables(readings, groups, out):
    reading_rows = ",\n".join(f'    {{"{s}", "{c}", {w}}}' for s, c, w in readings)
    group_rows = ",\n".join(f'    "{g}"' for g in groups)
    out.write_text(
        "// Generated by src/review/data/generate_text_tables.py: do not edit.\n"
        "#include <cstddef>\n#include <cstdint>\n\n"
        "namespace sw::review::tables {\n"
        "struct PinyinReading { const char* syllable; const char* character; std::uint32_t weight; };\n"
        "extern const PinyinReading kPinyinReadings[];\n"
        "extern const std::size_t kPinyinReadingCount;\n"
        "extern const char* const kShapeGroups[];\n"
        "extern const std::size_t kShapeGroupCount;\n"
        f"const PinyinReading kPinyinReadings[] = {{\n{reading_rows}}};\n"
        f"const std::size_t kPinyinReadingCount = {len(readings)};\n"
        f"const char* const kShapeGroups[] = {{\n{group_rows}}};\n"
        f"const std::size_t kShapeGroupCount = {len(groups)};\n"
        "}  // namespace sw::review::tables\n",
        encoding="utf-8")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    data_dir, normaliser_out, wording_out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    foldings = all_foldings(data_dir)
    write_normaliser_tables(foldings, normaliser_out)
    write_wording_tables(pinyin_readings(foldings), shape_groups(data_dir, foldings), wording_out)


if __name__ == "__main__":
    main()
