#!/usr/bin/env python3
"""Writes seed inputs for the fuzz targets (fuzz/run.sh): small HTML pages in several encodings,
OOXML packages (docx, xlsx, pptx) and a nested zip, and text with disguised spellings."""
import io
import sys
import zipfile
from pathlib import Path

out = Path(sys.argv[1])

html = """<!doctype html><html><head><meta charset="utf-8"><title>江苏省总工会</title>
<meta name="description" content="内部资料"></head><body><!-- 绝密 -->
<p>职工之家 &amp; 服务<img src="a.png" alt="机密文件" title="秘密"></p>
<div style="display:none">内部掌握</div><table><tr><td>张三</td><td>13800138000</td></tr></table>
<input type="hidden" value="不得外传"><noscript>注意保存</noscript><script>var x="秘密";</script></body></html>"""
(out / "review_html_fuzz/utf8.html").write_text(html, encoding="utf-8")
(out / "review_html_fuzz/gbk.html").write_bytes(html.replace("utf-8", "gbk").encode("gbk"))
(out / "review_html_fuzz/utf16.html").write_bytes(html.encode("utf-16"))
(out / "review_html_fuzz/broken.html").write_text("<div><p>未闭合<b>标签<table><td>机 * 密", encoding="utf-8")

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def package(parts):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return buf.getvalue()


def content_types(main):
    return ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="{main[0]}" ContentType="{main[1]}"/></Types>')


docx = package({
    "[Content_Types].xml": content_types(("/word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")),
    "word/document.xml": f'<w:document {W}><w:body><w:p><w:r><w:t>绝密★1年</w:t></w:r></w:p>'
                         f'<w:p><w:ins><w:r><w:t>内部资料</w:t></w:r></w:ins><w:del><w:r><w:delText>机密</w:delText></w:r></w:del></w:p></w:body></w:document>',
    "word/header1.xml": f'<w:hdr {W}><w:p><w:r><w:t>秘密</w:t></w:r></w:p></w:hdr>',
    "word/comments.xml": f'<w:comments {W}><w:comment w:id="0" w:author="张三"><w:p><w:r><w:t>注意保存</w:t></w:r></w:p></w:comment></w:comments>',
    "docProps/core.xml": '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                         'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>李四</dc:creator></cp:coreProperties>',
})
(out / "review_ooxml_fuzz/seed.docx").write_bytes(docx)

S = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
xlsx = package({
    "[Content_Types].xml": content_types(("/xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")),
    "xl/workbook.xml": f'<workbook {S} {R}><sheets><sheet name="公开" sheetId="1" r:id="rId1"/>'
                       f'<sheet name="工资表" sheetId="2" state="hidden" r:id="rId2"/></sheets>'
                       f'<definedNames><definedName name="机密">工资表!A1</definedName></definedNames></workbook>',
    "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                  '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="x"/>'
                                  '<Relationship Id="rId2" Target="worksheets/sheet2.xml" Type="x"/></Relationships>',
    "xl/sharedStrings.xml": f'<sst {S}><si><t>内部资料</t></si><si><t>320102199003077777</t></si></sst>',
    "xl/worksheets/sheet1.xml": f'<worksheet {S}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>42</v></c></row></sheetData></worksheet>',
    "xl/worksheets/sheet2.xml": f'<worksheet {S}><sheetData><row r="1"><c r="A1" t="s"><v>1</v></c>'
                                f'<c r="B1" t="inlineStr"><is><t>绝密</t></is></c></row></sheetData></worksheet>',
})
(out / "review_ooxml_fuzz/seed.xlsx").write_bytes(xlsx)

A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
P = 'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
pptx = package({
    "[Content_Types].xml": content_types(("/ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml")),
    "ppt/presentation.xml": f'<p:presentation {P} {R}><p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst></p:presentation>',
    "ppt/_rels/presentation.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                       '<Relationship Id="rId2" Target="slides/slide1.xml" Type="x"/></Relationships>',
    "ppt/slides/slide1.xml": f'<p:sld {P} {A}><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>机密</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>',
})
(out / "review_ooxml_fuzz/seed.pptx").write_bytes(pptx)
(out / "review_ooxml_fuzz/nested.zip").write_bytes(package({"a/b.txt": "秘密★5年", "inner.zip": package({"c.html": html})}))

for i, text in enumerate(["機 * 密", "绝\u200b密", "ＱＱ群１２３", "⼯会", "内部\u3000资料", "\xff\xfe机密", "sеcret"]):
    (out / f"review_normaliser_fuzz/{i}.txt").write_bytes(text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text)
