// Private rules naming file types by their first bytes, used by the other rule files (files are
// compiled in name order into one namespace, so this one comes first). Private rules never match
// on their own. docs/modules/content.md "Attachments".

private rule is_jpeg { condition: uint16be(0) == 0xFFD8 }
private rule is_png { condition: uint32be(0) == 0x89504E47 and uint32be(4) == 0x0D0A1A0A }
private rule is_gif { condition: uint32be(0) == 0x47494638 }  // "GIF8"
private rule is_webp { condition: uint32be(0) == 0x52494646 and uint32be(8) == 0x57454250 }  // "RIFF" … "WEBP"
private rule is_image { condition: is_jpeg or is_png or is_gif or is_webp }

// Readers accept "%PDF-" anywhere in the first 1024 bytes, so a PDF need not start with it.
private rule is_pdf {
  strings:
    $header = "%PDF-"
  condition:
    $header in (0..1024)
}

private rule is_zip { condition: uint32(0) == 0x04034B50 }  // "PK\x03\x04"
private rule is_ole { condition: uint32be(0) == 0xD0CF11E0 and uint32be(4) == 0xA1B11AE1 }  // doc, xls, ppt
