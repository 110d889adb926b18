// Active content in documents (N7.3 防攻击): PDF actions and scripts, Office macros.
// Known limit: names inside compressed PDF object streams (/ObjStm) are not visible to these rules.

rule pdf_javascript {
  meta:
    description_en = "PDF with JavaScript (/JavaScript or /JS)"
    description_zh = "含 JavaScript 的 PDF（/JavaScript 或 /JS）"
    severity = "high"
  strings:
    $javascript = "/JavaScript"
    $js = /\/JS[\s\/<(\[]/
  condition:
    is_pdf and any of them
}

rule pdf_launch {
  meta:
    description_en = "PDF that launches a program (/Launch)"
    description_zh = "可启动外部程序的 PDF（/Launch）"
    severity = "high"
  strings:
    $launch = /\/Launch[\s\/<(\[]/
  condition:
    is_pdf and $launch
}

// A name written with #xx escapes for plain letters (/J#61vaScript) has only one purpose: to hide it.
// The escape is matched alone (a regex starting at "/" gives the scanner no good atom), then required
// to follow "/" or a letter, as inside a name.
rule pdf_obfuscated_name {
  meta:
    description_en = "PDF with a name hidden by #xx escapes of letters (e.g. /J#61vaScript)"
    description_zh = "PDF 中的名称用 #xx 转义字母加以隐藏（如 /J#61vaScript）"
    severity = "high"
  strings:
    $escaped = /#(41|42|43|44|45|46|47|48|49|4A|4B|4C|4D|4E|4F|50|51|52|53|54|55|56|57|58|59|5A|61|62|63|64|65|66|67|68|69|6A|6B|6C|6D|6E|6F|70|71|72|73|74|75|76|77|78|79|7A)/ nocase
  condition:
    is_pdf and for any i in (1..#escaped) : (
      uint8(@escaped[i] - 1) == 0x2F or
      (uint8(@escaped[i] - 1) | 0x20) >= 0x61 and (uint8(@escaped[i] - 1) | 0x20) <= 0x7A  // after "/" or a letter
    )
}

rule pdf_auto_action {
  meta:
    description_en = "PDF that opens a link or submits a form by itself (/OpenAction or /AA with /URI, /SubmitForm or /GoToR)"
    description_zh = "自动打开链接或提交表单的 PDF（/OpenAction 或 /AA 与 /URI、/SubmitForm、/GoToR）"
    severity = "medium"
  strings:
    $open = "/OpenAction"
    $aa = "/AA"
    $uri = "/URI"
    $submit = "/SubmitForm"
    $gotor = "/GoToR"
  condition:
    is_pdf and ($open or $aa) and ($uri or $submit or $gotor)
}

rule pdf_embedded_file {
  meta:
    description_en = "PDF carrying embedded files, rich media or an XFA form"
    description_zh = "PDF 内嵌文件、富媒体或 XFA 表单"
    severity = "medium"
  strings:
    $embedded = "/EmbeddedFile"
    $rich = "/RichMedia"
    $xfa = "/XFA"
  condition:
    is_pdf and any of them
}

// The name of the macro part sits uncompressed in the zip's local and central headers.
rule ooxml_macros {
  meta:
    description_en = "Office document with macros (vbaProject.bin)"
    description_zh = "含宏的 Office 文档（vbaProject.bin）"
    severity = "high"
  strings:
    $vba = "vbaProject.bin" nocase
  condition:
    is_zip and $vba
}

rule ooxml_activex {
  meta:
    description_en = "Office document with ActiveX controls or embedded OLE objects"
    description_zh = "含 ActiveX 控件或嵌入 OLE 对象的 Office 文档"
    severity = "medium"
  strings:
    $activex = /(word|xl|ppt)\/activeX\//
    $ole = /(word|xl|ppt)\/embeddings\/oleObject/
  condition:
    is_zip and any of them
}

rule ole_macros {
  meta:
    description_en = "legacy Office document (doc, xls, ppt) with macros (_VBA_PROJECT)"
    description_zh = "含宏的旧版 Office 文档（doc、xls、ppt）（_VBA_PROJECT）"
    severity = "high"
  strings:
    $vba = "_VBA_PROJECT" wide
    $macros = "Macros" wide
  condition:
    is_ole and any of them
}
