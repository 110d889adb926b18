// publish_export_release: writes the live release of a site of a node to a directory, every file
// verified against the signed manifest on the way, for the browser test of a published page
// (tests/browser/published_page.spec.mjs) while the page is not served through the guard.
//
//   publish_export_release CONFIG SITE_NAME OUT_DIR
//
// Prints one line of JSON: {"release":id,"files":n,"article":"/articles/<id>.html"} (the newest
// article page, "" when the site has none).
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/platform.h"
#include "publish/release_store.h"

int main(int argc, char** argv) {
  using namespace sw;
  if (argc != 4) {
    std::cerr << "usage: publish_export_release CONFIG SITE_NAME OUT_DIR\n";
    return 2;
  }
  auto die = [](const Error& e) {
    std::cerr << "publish_export_release: " << e.to_string() << "\n";
    return 1;
  };
  auto pf = cli::open_platform(argv[1]);
  if (!pf) return die(pf.error());
  cli::Platform& p = **pf;
  std::int64_t site = 0;
  auto sites = p.identity->list_sites(identity::Principal::system("test"));
  if (!sites) return die(sites.error());
  for (const auto& s : *sites) {
    if (s.name == argv[2]) site = s.id;
  }
  publish::ReleaseStore releases(*p.db, *p.blobs, *p.suite, p.node_key, p.trusted_keys, {});
  auto live = releases.live(site);
  if (!live) return die(live.error());
  if (!*live) return die(Error{"test.no_release", std::string(argv[2]) + " has no live release"});
  auto manifest = releases.load((*live)->id);
  if (!manifest) return die(manifest.error());
  const std::filesystem::path out = argv[3];
  std::string article;
  for (const auto& e : manifest->entries) {
    auto bytes = p.blobs->get(e.digest);  // verified against the digest
    if (!bytes) return die(bytes.error());
    const auto file = out / e.path.substr(1);
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << *bytes;
    if (e.path.starts_with("/articles/")) article = e.path;
  }
  std::cout << nlohmann::json{{"release", (*live)->id}, {"files", manifest->entries.size()}, {"article", article}}.dump()
            << "\n";
  return 0;
}
