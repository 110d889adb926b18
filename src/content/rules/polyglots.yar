// Files that are two things at once (N7.3 防攻击): a picture a browser or a server may also read as a
// script, a page or an archive; markup that makes a file an HTML application.

rule active_markup_in_image {
  meta:
    description_en = "picture containing script, PHP or HTML (polyglot)"
    description_zh = "图片中含有脚本、PHP 或 HTML（多格式伪装文件）"
    severity = "high"
  strings:
    $php = "<?php" nocase
    $script = "<script" nocase
    $html = "<html" nocase
    $doctype = "<!doctype html" nocase
    $svg = "<svg" nocase
    $javascript = "javascript:" nocase
    $eval = "eval(" nocase
  condition:
    is_image and any of them
}

rule script_in_document {
  meta:
    description_en = "PDF or legacy Office document containing PHP or an HTML script element"
    description_zh = "PDF 或旧版 Office 文档中含有 PHP 或 HTML 脚本元素"
    severity = "high"
  strings:
    $php = "<?php" nocase
    $script = "<script" nocase
  condition:
    (is_pdf or is_ole) and any of them
}

rule image_with_appended_archive {
  meta:
    description_en = "picture with a zip archive inside or appended (polyglot)"
    description_zh = "图片中嵌入或附加了 zip 压缩包（多格式伪装文件）"
    severity = "high"
  strings:
    $local = { 50 4B 03 04 }
    $end = { 50 4B 05 06 }
  condition:
    is_image and $local and $end
}

rule image_with_trailing_payload {
  meta:
    description_en = "picture followed by an archive, script, page or program after its end marker"
    description_zh = "图片结束标记之后附加了压缩包、脚本、网页或程序"
    severity = "high"
  strings:
    $jpeg = /\xFF\xD9[\x00\t\n\r ]{0,64}(PK\x03\x04|<\?php|<html|<script|<!doctype|<svg|MZ)/ nocase
    $png = /IEND\xAE\x42\x60\x82[\x00\t\n\r ]{0,64}(PK\x03\x04|<\?php|<html|<script|<!doctype|<svg|MZ)/ nocase
    $gif = /\x00\x3B[\x00\t\n\r ]{0,64}(PK\x03\x04|<\?php|<html|<script|<!doctype|<svg)/ nocase
  condition:
    (is_jpeg and $jpeg) or (is_png and $png) or (is_gif and $gif)
}

rule pdf_header_in_other_type {
  meta:
    description_en = "file of another type that PDF readers also open (%PDF- in the first 1024 bytes)"
    description_zh = "其他类型的文件同时可被 PDF 阅读器打开（前 1024 字节中有 %PDF-）"
    severity = "high"
  strings:
    $header = "%PDF-"
  condition:
    $header in (1..1024) and (is_image or is_zip or is_ole)
}

rule html_application {
  meta:
    description_en = "HTML application (HTA) markup"
    description_zh = "HTML 应用程序（HTA）标记"
    severity = "high"
  strings:
    $hta = "<hta:application" nocase
    $mshta = "mshta" nocase
  condition:
    $hta or ($mshta and (is_image or is_pdf or is_ole))
}
