// prefilter_patterns_check: compiles each CRS @rx pattern written by `crs_inventory.py --patterns FILE`
// with vectorscan in prefilter mode, with the flags that make it a superset of ModSecurity's PCRE
// (ModSecurity 3 compiles with DOTALL|MULTILINE): groundwork for the prefilter (issue 6;
// docs/modules/waf.md "The vectorscan prefilter"). Prints each refused pattern and the totals; a
// pattern that expands a macro at run time (%{...}) cannot be compiled ahead and is counted apart.
//
//   prefilter_patterns_check FILE      exit 0 when every macro-free pattern compiled, 1 otherwise
#include <hs/hs.h>

#include <fstream>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: prefilter_patterns_check PATTERNS_FILE\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "prefilter_patterns_check: cannot read " << argv[1] << "\n";
    return 2;
  }
  int compiled = 0, refused = 0, macros = 0;
  std::string line;
  while (std::getline(in, line)) {
    auto a = line.find('\t');
    auto b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b == std::string::npos) continue;
    std::string id = line.substr(0, a), pattern = line.substr(b + 1);
    if (pattern.find("%{") != std::string::npos) {
      ++macros;
      std::cout << "macro " << id << ": " << pattern.substr(0, 80) << "\n";
      continue;
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* error = nullptr;
    const unsigned flags = HS_FLAG_PREFILTER | HS_FLAG_DOTALL | HS_FLAG_MULTILINE | HS_FLAG_ALLOWEMPTY;
    if (hs_compile(pattern.c_str(), flags, HS_MODE_BLOCK, nullptr, &db, &error) == HS_SUCCESS) {
      ++compiled;
      hs_free_database(db);
    } else {
      ++refused;
      std::cout << "refused " << id << ": " << (error ? error->message : "?") << "\n";
      hs_free_compile_error(error);
    }
  }
  std::cout << "prefilter mode: " << compiled << " compiled, " << refused << " refused, " << macros
            << " with run-time macros\n";
  return refused == 0 ? 0 : 1;
}
