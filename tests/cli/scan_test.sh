#!/usr/bin/env bash
# `sitewarden scan` as a reviewer runs it on a folder of files about to be published (issue 3; N3.2
# secret markings, N3.4 sensitive content and wording, N4.6 personal data, N3.3 aggregation): findings
# with their place, JSON, exit status by severity, bad files reported while the scan goes on.
# Usage: scan_test.sh <path to sitewarden>
set -uo pipefail
SW="$1"
DIR="$(mktemp -d /tmp/sw-scan-test.XXXXXX)"
trap 'rm -rf "$DIR"' EXIT
pass=0
failed=0
check() {  # check NAME EXPECTED_EXIT COMMAND...
  local name="$1" expected="$2"
  shift 2
  "$@" >"$DIR/out" 2>"$DIR/err"
  local rc=$?
  if [ "$rc" -eq "$expected" ]; then
    pass=$((pass + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name: exit $rc, expected $expected"
    sed 's/^/    /' "$DIR/out" "$DIR/err" | head -60
  fi
}
expect() {  # expect NAME PYTHON-EXPRESSION over `r` (the JSON report in $DIR/out)
  if python3 - "$DIR/out" "$2" <<'EOF'; then pass=$((pass + 1)); else
import json, sys
r = json.load(open(sys.argv[1]))
def findings(path_part, category=None):
    return [f for fl in r["files"] for f in fl["findings"]
            if path_part in f["path"] and (category is None or f["category"] == category)]
sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
    failed=$((failed + 1))
    echo "FAIL: $1: not true: $2"
    head -c 3000 "$DIR/out" | sed 's/^/    /'
  fi
}
expect_text() {  # expect_text NAME PATTERN
  if grep -q -- "$2" "$DIR/out"; then pass=$((pass + 1)); else
    failed=$((failed + 1))
    echo "FAIL: $1: output lacks '$2'"
    sed 's/^/    /' "$DIR/out" | head -40
  fi
}

SITE="$DIR/site"
mkdir -p "$SITE/news" "$SITE/files"
# A GBK notice with a secret marking at its head (N3.2).
printf '绝密★1年\n江苏省总工会关于做好年度工作的通知\n各市总工会：现将有关事项通知如下。\n' | iconv -f UTF-8 -t GBK >"$SITE/files/notice-gbk.txt"
# HTML whose visible text is fine but whose image alt says otherwise (read by crawlers).
cat >"$SITE/news/index.html" <<'EOF'
<!doctype html><html><head><meta charset="utf-8"><title>职工之家</title></head>
<body><p>全省职工技能竞赛圆满落幕。</p><img src="a.png" alt="機密文件"></body></html>
EOF
# Disguised spellings: traditional, separated, full-width.
printf '本文件为内部\xe3\x80\x80资料，请绝 * 密保管。\n' >"$SITE/news/disguised.txt"
# Innocent: the whitelist covers 秘密花园; the page must come out clean.
printf '读书会推荐：《秘密花园》是一本好书。欢迎职工报名参加。\n' >"$SITE/news/book.txt"
# Personal data: a valid resident ID (GB 11643) and an invalid one (wrong check digit).
printf '联系人：张伟 身份证 11010519491231002X 电话 13800138000\n订单号 110105194912310021\n' >"$SITE/news/contact.txt"
# A docx with the marking only in its header, and a corrupt docx; a zip bomb; a nested zip.
python3 - "$SITE/files" <<'EOF'
import io, sys, zipfile
out = sys.argv[1]
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
def package(parts):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()
docx = package({
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    "word/document.xml": f'<w:document {W}><w:body><w:p><w:r><w:t>关于开展职工疗休养活动的通知</w:t></w:r></w:p></w:body></w:document>',
    "word/header1.xml": f'<w:hdr {W}><w:p><w:r><w:t>秘密★5年</w:t></w:r></w:p></w:hdr>',
})
open(f"{out}/header-marking.docx", "wb").write(docx)
open(f"{out}/corrupt.docx", "wb").write(docx[: len(docx) // 2])
with zipfile.ZipFile(f"{out}/bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("zeros.txt", b"\0" * (200 << 20))
open(f"{out}/nested.zip", "wb").write(package({"inner/readme.txt": "普通说明", "inner/deeper.zip": package({"plan.txt": "内部资料 不得外传"})}))
EOF

check "scan of a folder with findings exits by the highest severity (critical = 13)" 13 "$SW" scan --json --no-progress "$SITE"
expect "GBK file: marking found and shown as written" 'any(f["matched"].startswith("绝密") and f["category"] == "secret_marking" for f in findings("notice-gbk.txt"))'
expect "HTML alt text is reported as hidden" 'any(f["hidden"] and f["matched"] == "機密" for f in findings("index.html"))'
expect "traditional spelling shown as written" 'any(f["matched"] == "機密" for f in findings("index.html"))'
expect "separated spelling found" 'any(f["matched"] == "绝 * 密" for f in findings("disguised.txt"))'
expect "full-width space spelling found" 'any(f["matched"] == "内部\u3000资料" for f in findings("disguised.txt"))'
expect "whitelisted 秘密花园 is not reported" 'findings("book.txt") == []'
expect "valid ID reported, invalid one not" '[f["matched"] for f in findings("contact.txt", "personal_data") if f["rule"] == "resident_id"] == ["11010519491231002X"]'
expect "docx header marking names the part" 'any(f["part"] == "docx:header" for f in findings("header-marking.docx", "secret_marking"))'
expect "corrupt docx is a problem, the scan goes on" 'any(p["code"] == "review.corrupt" for fl in r["files"] if fl["path"].endswith("corrupt.docx") for p in fl["problems"])'
expect "zip bomb stopped by a limit" 'any(p["code"] == "review.limit" for fl in r["files"] if fl["path"].endswith("bomb.zip") for p in fl["problems"])'
expect "nested zip member found with its path" 'any("nested.zip!/inner/deeper.zip!/plan.txt" in f["path"] for f in findings("nested.zip"))'
expect "summary counts every file" 'r["summary"]["files"] == 9 and r["summary"]["highest"] == "critical"'

check "clean file exits 0" 0 "$SW" scan --no-progress "$SITE/news/book.txt"
expect_text "summary line in Chinese" "共扫描 1 个文件"
check "only a corrupt file: exit 4 (incomplete)" 4 "$SW" scan --no-progress "$SITE/files/corrupt.docx"
expect_text "the problem is named" "review.corrupt"
check "table output lists the place" 13 "$SW" scan --no-progress "$SITE/files/header-marking.docx"
expect_text "table names the header part" "docx:header"
check "a missing path is an error" 1 "$SW" scan "$DIR/nope"
check "a bad lexicon names file and line" 1 bash -c "printf '[lexicon]\nname = \"x\"\nseverity = \"urgent\"\n' >'$DIR/bad.toml' && '$SW' scan --lexicon '$DIR/bad.toml' '$SITE/news/book.txt'"
if grep -q "bad.toml" "$DIR/err"; then pass=$((pass + 1)); else failed=$((failed + 1)); echo "FAIL: bad lexicon error lacks the file name"; cat "$DIR/err"; fi

# Hostile text meant for the reviewer's terminal: escape sequences and a bidi override are shown escaped.
{ printf '\033]0;pwned\007绝密\033[2J 内部资料\xe2\x80\xae反转\n'; for i in $(seq 20); do printf '全省职工技能竞赛圆满落幕，各级工会积极参与。\n'; done; } >"$DIR/hostile.txt"
check "hostile text is still scanned" 13 "$SW" scan --no-progress "$DIR/hostile.txt"
if grep -q "$(printf '\033')" "$DIR/out" || grep -q "$(printf '\xe2\x80\xae')" "$DIR/out"; then
  failed=$((failed + 1)); echo "FAIL: an escape sequence or bidi override reached the terminal"; od -c "$DIR/out" | head
else pass=$((pass + 1)); fi
expect_text "the override is named" "<U+202E>"

# A site's own lexicon adds words; protected names catch near misses (N3.4 serious wording errors).
printf '# name: local\n# category: internal\n# severity: high\n职工疗休养\n' >"$DIR/local.txt"
check "site lexicon adds a word (high = 12)" 12 "$SW" scan --json --no-progress --no-builtin --lexicon "$DIR/local.txt" "$SITE/files/header-marking.docx"
expect "site word found in the body" 'any(f["rule"] == "职工疗休养" for f in findings("header-marking.docx"))'
printf '中华全国总工会\n' >"$DIR/protected.txt"
printf '中华全国总公会召开会议。中华全国总工会是职工之家。\n' >"$DIR/wording.txt"
check "near miss of a protected name is a wording error" 12 "$SW" scan --json --no-progress --protected "$DIR/protected.txt" "$DIR/wording.txt"
expect "the correct form is given" '[f["matched"] for f in findings("wording.txt", "wording_error")] == ["中华全国总公会"] and "中华全国总工会" in findings("wording.txt", "wording_error")[0]["note"]'

# Aggregation across files (N3.3): one person's ID, phone and address on three pages.
AGG="$DIR/agg"
mkdir -p "$AGG"
printf '表彰名单：姓名：王建国，身份证号 11010519491231002X。\n' >"$AGG/a.txt"
printf '联系人：王建国 手机 13912345678。\n' >"$AGG/b.txt"
printf '王建国同志住址：江苏省南京市玄武区北京东路41号3栋2单元501室。\n' >"$AGG/c.txt"
check "aggregation across files" 12 "$SW" scan --json --no-progress --no-builtin --lexicon "$DIR/local.txt" "$AGG"
expect "one profile naming the three files" 'any(w["kind"] == "person_profile" and len(w["items"]) == 3 for w in r["aggregate"])'

echo "scan_test: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
