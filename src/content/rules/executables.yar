// Executables (N7.3 防病毒): a union site serves documents and pictures, never programs.

rule pe_executable {
  meta:
    description_en = "Windows executable (MZ header followed by a PE header)"
    description_zh = "Windows 可执行文件（MZ 头与 PE 头）"
    severity = "high"
  condition:
    uint16(0) == 0x5A4D and filesize > 0x40 and uint32(0x3C) <= filesize - 4 and uint32(uint32(0x3C)) == 0x00004550
}

rule embedded_pe {
  meta:
    description_en = "Windows executable stub inside the file"
    description_zh = "文件中含有 Windows 可执行程序"
    severity = "high"
  strings:
    $dos_stub = "This program cannot be run in DOS mode"
    $dos_stub_old = "This program must be run under Win32"
  condition:
    any of them
}

rule elf_executable {
  meta:
    description_en = "Linux/Unix ELF executable or library"
    description_zh = "Linux/Unix ELF 可执行文件或库"
    severity = "high"
  condition:
    uint32(0) == 0x464C457F  // "\x7fELF"
}

rule macho_executable {
  meta:
    description_en = "macOS Mach-O executable (or a fat binary / Java class, which share a magic)"
    description_zh = "macOS Mach-O 可执行文件（或共用魔数的通用二进制 / Java 类文件）"
    severity = "high"
  condition:
    uint32(0) == 0xFEEDFACE or uint32(0) == 0xFEEDFACF or uint32(0) == 0xCEFAEDFE or uint32(0) == 0xCFFAEDFE or
    uint32be(0) == 0xCAFEBABE
}

rule script_shebang {
  meta:
    description_en = "script with an interpreter line (#!)"
    description_zh = "带解释器行（#!）的脚本"
    severity = "high"
  condition:
    uint16(0) == 0x2123  // "#!"
}

// A zip whose central directory names a program: checked on the names, which are never compressed.
// The last four bytes of each name (header + 46 + name length - 4), letters folded to lower case.
rule archive_with_program {
  meta:
    description_en = "archive containing a program or script (.exe .scr .bat .cmd .com .vbs .vbe .hta .lnk .msi .dll .ps1 .jar .js)"
    description_zh = "压缩包内含程序或脚本（.exe .scr .bat .cmd .com .vbs .vbe .hta .lnk .msi .dll .ps1 .jar .js）"
    severity = "high"
  strings:
    $central = { 50 4B 01 02 }
  condition:
    for any i in (1..#central) : (
      uint16(@central[i] + 28) >= 4 and
      (
        (uint32be(@central[i] + 46 + uint16(@central[i] + 28) - 4) | 0x00202020) == 0x2E657865 or  // .exe
        (uint32be(@central[i] + 46 + uint16(@central[i] + 28) - 4) | 0x00202020) == 0x2E736372 or  // .scr
        (uint32be(@central[i] + 46 + uint16(@central[i] + 28) - 4) | 0x00202020) == 0x2E626174 or  // .bat
        (uint32be(@central[i] + 46 + uint16(@central[i] + 28) - 4) | 0x00202020) == 0x2E636D64 or  // .cmd
        (uint32be(@central[i] + 46 + uint16(@central[i] + 28) - 4) | 0x00202020) == 0x2E636F6D or  // .com
        (uint32be(@central[i] + 46 + uint16(@central[i] + 28) - 4) | 0x00202020) == 0x2E766273 or  // .vbs
        (uint32be(@central[i] + 46 + uint16(@central[i] + 28) - 4) | 0x00202020) == 0x2E766265 or  // .vbe
        (uint32be(@central[i] + 46 + uint16(@central[i] + 28) - 4) | 0x00202020) == 0x2E687461 or  // .hta
        (uint32be(@central[i] + 46 + uint16(@central[i] + 28) - 4) | 0x00202020) == 0x2E6C6E6B or  // .lnk
        (uint32be(@central[i] + 46 + uint16(@central[i] + 28) - 4) | 0x00202020) == 0x2E6D7369 or  // .msi
        (uint32be(@central[i] + 46 + uint16(@central[i] + 28) - 4) | 0x00202020) == 0x2E646C6C or  // .dll
        (uint32be(@central[i] + 46 + uint16(@central[i] + 28) - 4) | 0x00202020) == 0x2E707331 or  // .ps1
        (uint32be(@central[i] + 46 + uint16(@central[i] + 28) - 4) | 0x00202020) == 0x2E6A6172 or  // .jar
        (uint32be(@central[i] + 46 + uint16(@central[i] + 28) - 4) & 0x00FFFFFF | 0x00002020) == 0x002E6A73  // .js
      )
    )
}
