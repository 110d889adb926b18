// Test files, so operators can check that uploads are scanned (N7.7 drills).

rule eicar_test_file {
  meta:
    description_en = "EICAR anti-virus test file (harmless; used to test the checks)"
    description_zh = "EICAR 反病毒测试文件（无害，用于测试检查是否生效）"
    severity = "high"
  strings:
    $eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
  condition:
    $eicar
}
