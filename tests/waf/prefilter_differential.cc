// prefilter_differential: every CRS @rx pattern (crs_inventory.py --patterns FILE) compiled as the WAF's
// prefilter compiles it with vectorscan, against the same pattern in PCRE2 as libmodsecurity 3.0.9
// compiles @rx (DOTALL | MULTILINE), on strings (crs_inputs.py: the CRS suite's targets, bodies, header
// values and decoded arguments), each also padded with long runs before and after. A string PCRE2
// matches and vectorscan does not is a hole in the prefilter (a covered rule could match a request the
// prefilter lets pass): printed, and the exit status is 1.
//
// Why it exists (issue 6, N7.3; docs/modules/waf.md "Vectorscan misses matches"): on this
// machine Debian 12's vectorscan 5.4.9 misses matches in strings of 64 bytes or more — (?:runtime|
// processbuilder) in 70 bytes of 'a' + "runtime.instantiatefactory", \$\{.*\} (DOTALL) once the `.*`
// spans 64 bytes — whatever platform the database is compiled for. So the prefilter gives vectorscan only
// strings shorter than 64 bytes and decides longer ones with PCRE2 itself; this checks that vectorscan is
// right on the short ones (every input, its windows and padded forms). --dotall runs the old way (long
// strings too, the flags before) and finds the holes.
//
//   prefilter_differential PATTERNS_FILE INPUTS_JSON [--dotall]
#define PCRE2_CODE_UNIT_WIDTH 8
#include <hs/hs.h>
#include <pcre2.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

int on_match(unsigned, unsigned long long, unsigned long long, unsigned, void* context) {
  *static_cast<bool*>(context) = true;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: prefilter_differential PATTERNS_FILE INPUTS_JSON [--dotall]\n";
    return 2;
  }
  const bool dotall = argc > 3 && std::string(argv[3]) == "--dotall";
  std::ifstream patterns_in(argv[1]), inputs_in(argv[2]);
  if (!patterns_in || !inputs_in) {
    std::cerr << "prefilter_differential: cannot read the patterns or the inputs\n";
    return 2;
  }
  // The strings the prefilter gives vectorscan: shorter than kVerifiedLength (longer ones are decided by
  // PCRE2 itself, modsec_prefilter.cc). Each input, and every window of it that fits, at every offset
  // from the start and the end, padded in front up to the limit: the shapes around the 64-byte blocks
  // where the misses of the long strings were.
  constexpr std::size_t kVerifiedLength = 64;
  std::vector<std::string> inputs;
  auto add = [&](const std::string& v) {
    if (v.size() < kVerifiedLength) inputs.push_back(v);
  };
  for (const auto& s : nlohmann::json::parse(inputs_in)) {
    std::string v = s.get<std::string>();
    if (dotall) {  // the old flags on long strings: finds the holes
      inputs.push_back(v);
      inputs.push_back(std::string(70, 'a') + v);
      continue;
    }
    add(v);
    for (std::size_t len : {std::size_t{63}, std::size_t{48}, std::size_t{32}}) {
      if (v.size() <= len) continue;
      for (std::size_t at = 0; at + len <= v.size(); at += 5) add(v.substr(at, len));
    }
    if (v.size() < kVerifiedLength) {
      add(std::string(kVerifiedLength - 1 - v.size(), 'a') + v);
      add(v + std::string(kVerifiedLength - 1 - v.size(), ' '));
    }
  }
  // The prefilter's flags (modsec_prefilter.cc): PCRE's DOTALL | MULTILINE, a superset in prefilter mode.
  const unsigned flags = HS_FLAG_PREFILTER | HS_FLAG_DOTALL | HS_FLAG_MULTILINE | HS_FLAG_ALLOWEMPTY |
                         HS_FLAG_SINGLEMATCH;
  pcre2_match_data* data = pcre2_match_data_create(32, nullptr);
  long patterns = 0, checks = 0, holes = 0, skipped = 0;
  std::string line;
  while (std::getline(patterns_in, line)) {
    auto a = line.find('\t');
    auto b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b == std::string::npos) continue;
    std::string id = line.substr(0, a), op = line.substr(a + 1, b - a - 1), pattern = line.substr(b + 1);
    if (pattern.find("%{") != std::string::npos) continue;  // run-time macro: never covered
    int error = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), PCRE2_ZERO_TERMINATED,
                                   PCRE2_DOTALL | PCRE2_MULTILINE, &error, &offset, nullptr);
    hs_database_t* db = nullptr;
    hs_compile_error_t* compile_error = nullptr;
    if (re == nullptr || hs_compile(pattern.c_str(), flags, HS_MODE_BLOCK, nullptr, &db, &compile_error) != HS_SUCCESS) {
      hs_free_compile_error(compile_error);
      if (re != nullptr) pcre2_code_free(re);
      ++skipped;  // not covered by the prefilter either (it covers only what vectorscan compiles)
      continue;
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    hs_scratch_t* scratch = nullptr;
    hs_alloc_scratch(db, &scratch);
    ++patterns;
    int shown = 0;
    for (const auto& s : inputs) {
      ++checks;
      int rc = pcre2_match(re, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0, data, nullptr);
      if (rc < 0) continue;  // no match (or a PCRE error, which ModSecurity counts as no match)
      bool matched = false;
      hs_scan(db, s.data(), static_cast<unsigned>(s.size()), 0, scratch, on_match, &matched);
      if (matched) continue;
      ++holes;
      if (shown++ < 3) {
        std::cout << "hole: rule " << id << " " << op << " " << pattern.substr(0, 60) << " misses \""
                  << s.substr(0, 100) << "\" (" << s.size() << " bytes)\n";
      }
    }
    hs_free_scratch(scratch);
    hs_free_database(db);
    pcre2_code_free(re);
  }
  pcre2_match_data_free(data);
  std::cout << "prefilter_differential (" << (dotall ? "long strings too" : "strings under 64 bytes") << "): " << patterns
            << " patterns x " << inputs.size() << " strings, " << checks << " checks, " << holes << " holes ("
            << skipped << " patterns vectorscan or PCRE2 refused)\n";
  return holes == 0 ? 0 : 1;
}
