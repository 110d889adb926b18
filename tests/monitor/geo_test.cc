// The location probe (issue 7, N2.5/N6.6; src/monitor/geo_probe.h) with Debian's legacy GeoIP country
// data (geoip-database, 2019) and a substitute resolver: a web address abroad and a mail exchanger
// abroad are location.foreign, a Chinese one is not, a private one is "local"; each finding names the
// database and its date. A missing or corrupt database is a clear error.
#include <gtest/gtest.h>

#include <algorithm>

#include "identity/fixture.h"  // FakeAuditLog
#include "monitor/geo_probe.h"
#include "monitor/loopback.h"
#include "monitor/mmdb_writer.h"
#include "monitor/monitor_pass.h"

#include <maxminddb.h>

namespace sw::monitor {
namespace {

using namespace testing;

TEST(GeoLocator, DebianLegacyDataKnowsWellKnownAddresses) {
  auto geo = open_legacy_geoip(std::string(kDebianGeoIp), std::string(kDebianGeoIpV6));
  ASSERT_TRUE(geo) << geo.error().to_string();
  EXPECT_EQ((*geo)->country("114.114.114.114"), "CN");  // 114DNS, Nanjing
  EXPECT_EQ((*geo)->country("223.5.5.5"), "CN");        // AliDNS
  EXPECT_EQ((*geo)->country("8.8.8.8"), "US");
  EXPECT_EQ((*geo)->country("2001:4860:4860::8888"), "US");
  EXPECT_EQ((*geo)->country("not an address"), "");
  EXPECT_EQ((*geo)->country("www.example.com"), "");  // names are never looked up here
  EXPECT_NE((*geo)->description().find("GeoIP legacy country"), std::string::npos);
  EXPECT_EQ((*geo)->date().substr(0, 2), "20");  // the data's date, e.g. 2019-06-11
}

TEST(GeoLocator, LocalAddressesAreLocal) {
  for (const char* ip : {"10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "169.254.1.1", "100.64.0.1", "::1",
                         "fd00::1", "fe80::1", "::ffff:192.168.0.1"}) {
    EXPECT_TRUE(is_local_address(ip)) << ip;
  }
  for (const char* ip : {"114.114.114.114", "8.8.8.8", "2001:4860:4860::8888", "172.32.0.1"}) {
    EXPECT_FALSE(is_local_address(ip)) << ip;
  }
}

TEST(GeoLocator, MissingOrCorruptDatabasesAreClearErrors) {
  const fs::path dir = temp_dir("sw-monitor-geo");
  auto missing = open_mmdb((dir / "none.mmdb").string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "monitor.geoip");
  EXPECT_NE(missing.error().message.find("none.mmdb"), std::string::npos);
  write_file(dir / "corrupt.mmdb", std::string(4096, 'x'));
  auto corrupt = open_mmdb((dir / "corrupt.mmdb").string());
  ASSERT_FALSE(corrupt);
  EXPECT_EQ(corrupt.error().code, "monitor.geoip");
  EXPECT_NE(corrupt.error().message.find("could not be opened"), std::string::npos);
  write_file(dir / "corrupt.dat", std::string(4096, 'x'));
  auto dat = open_legacy_geoip((dir / "corrupt.dat").string(), "");
  ASSERT_FALSE(dat);
  EXPECT_EQ(dat.error().code, "monitor.geoip");
  auto v6_as_v4 = open_legacy_geoip(std::string(kDebianGeoIpV6), "");
  ASSERT_FALSE(v6_as_v4);  // the IPv6 file is not the IPv4 country edition
  fs::remove_all(dir);
}

TEST(LocationProbe, ForeignWebAndMailAreFindingsWithTheDatabase) {
  auto db = store::Database::open_memory();
  ASSERT_TRUE(db);
  ASSERT_TRUE((*db)->exec("INSERT INTO organisations (parent_id, name, kind) VALUES (NULL, 'p', 'province')"));
  ASSERT_TRUE((*db)->exec("INSERT INTO sites (org_id, name) VALUES (1, 's')"));
  ASSERT_TRUE((*db)->exec("INSERT INTO sites (org_id, name) VALUES (1, 't')"));
  identity::testing::FakeAuditLog audit;
  FakeClock clock;
  MonitorService service(**db, audit, {}, clock);
  PassOptions options;
  options.location.resolve = [](const std::string& host) -> Result<std::vector<std::string>> {
    if (host == "www.union.example") return std::vector<std::string>{"114.114.114.114", "8.8.8.8", "10.1.2.3"};
    if (host == "mx.abroad.example") return std::vector<std::string>{"8.8.4.4"};
    if (host == "www.home.example") return std::vector<std::string>{"223.5.5.5"};
    return fail("monitor.dns", "'" + host + "' does not resolve");
  };
  options.location.mx = [](const std::string& domain) -> Result<std::vector<std::string>> {
    if (domain == "union.example") return std::vector<std::string>{"mx.abroad.example"};
    return std::vector<std::string>{};
  };
  const std::vector<SiteTarget> sites{{1, 1, "s", false, {"www.union.example"}, "https://www.union.example/"},
                                      {2, 1, "t", true, {"www.home.example"}, "https://www.home.example/"}};
  auto summary = run_pass(service, Probe::location, sites, options, "test", {}, clock);
  ASSERT_TRUE(summary) << summary.error().to_string();
  EXPECT_EQ(summary->sites[0].findings, 2);
  EXPECT_EQ(summary->sites[1].findings, 0);
  EXPECT_TRUE(summary->sites[1].ok);
  EXPECT_NE(summary->sites[1].headline.find("all in CN"), std::string::npos);
  auto found = service.findings(identity::Principal::system("t"), identity::Scope::site(1));
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 2u);
  std::vector<std::string> subjects;
  for (const Finding& f : *found) {
    EXPECT_EQ(f.observation.kind, "location.foreign");
    EXPECT_EQ(f.observation.evidence["country"], "US");
    EXPECT_NE(f.observation.evidence["database"].get<std::string>().find("GeoIP"), std::string::npos);
    EXPECT_FALSE(f.observation.evidence["database_date"].get<std::string>().empty());
    subjects.push_back(f.observation.subject + " " + f.observation.clause);
  }
  std::sort(subjects.begin(), subjects.end());
  EXPECT_EQ(subjects, (std::vector<std::string>{"mx mx.abroad.example 8.8.4.4 N6.6", "web www.union.example 8.8.8.8 N2.5"}));

  // Critical when configured; a missing database fails the pass with a clear error.
  options.location.foreign_severity = Severity::critical;
  ASSERT_TRUE(run_pass(service, Probe::location, sites, options, "test", {}, clock));
  EXPECT_EQ(service.findings(identity::Principal::system("t"), identity::Scope::site(1))->front().observation.severity,
            Severity::critical);
  options.location.mmdb = "/nonexistent/GeoLite2-Country.mmdb";
  auto failed = run_pass(service, Probe::location, sites, options, "test", {}, clock);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, "monitor.geoip");
}

// The .mmdb path for real: a database written by the test (mmdb_writer.h) — 1.2.3.0/24 in CN,
// 5.6.7.0/24 in US, built 2026-11-20 — read by libmaxminddb itself, then by the location probe: the
// foreign address is a finding that names that database and its build date (N2.5, N6.6).
TEST(GeoLocator, MaxMindDatabaseIsReadAndNamedInTheFindings) {
  const auto dir = temp_dir("sw-mmdb");
  MmdbWriter writer;
  writer.add("1.2.3.0", 24, "CN");
  writer.add("5.6.7.0", 24, "US");
  const std::uint64_t built = 1795132800;  // 2026-11-20T00:00:00Z
  const std::string path = (dir / "Test-Country.mmdb").string();
  write_file(path, writer.build("Sitewarden-Test-Country", built));

  // libmaxminddb reads what the writer wrote.
  MMDB_s raw{};
  ASSERT_EQ(MMDB_open(path.c_str(), MMDB_MODE_MMAP, &raw), MMDB_SUCCESS);
  EXPECT_EQ(raw.metadata.build_epoch, built);
  EXPECT_STREQ(raw.metadata.database_type, "Sitewarden-Test-Country");
  EXPECT_EQ(raw.metadata.ip_version, 4);
  int gai = 0;
  int err = 0;
  MMDB_lookup_result_s hit = MMDB_lookup_string(&raw, "5.6.7.8", &gai, &err);
  ASSERT_EQ(gai, 0);
  ASSERT_EQ(err, MMDB_SUCCESS);
  ASSERT_TRUE(hit.found_entry);
  EXPECT_EQ(hit.netmask, 24);
  MMDB_entry_data_s value{};
  ASSERT_EQ(MMDB_get_value(&hit.entry, &value, "country", "iso_code", nullptr), MMDB_SUCCESS);
  ASSERT_TRUE(value.has_data);
  EXPECT_EQ(std::string(value.utf8_string, value.data_size), "US");
  EXPECT_FALSE(MMDB_lookup_string(&raw, "9.9.9.9", &gai, &err).found_entry);
  MMDB_close(&raw);

  auto geo = open_mmdb(path);
  ASSERT_TRUE(geo) << geo.error().to_string();
  EXPECT_EQ((*geo)->country("1.2.3.4"), "CN");
  EXPECT_EQ((*geo)->country("5.6.7.200"), "US");
  EXPECT_EQ((*geo)->country("9.9.9.9"), "");  // not in the database: unknown
  EXPECT_EQ((*geo)->date(), "2026-11-20");
  EXPECT_NE((*geo)->description().find("Sitewarden-Test-Country"), std::string::npos);

  auto db = store::Database::open_memory();
  ASSERT_TRUE(db);
  ASSERT_TRUE((*db)->exec("INSERT INTO organisations (parent_id, name, kind) VALUES (NULL, 'p', 'province')"));
  ASSERT_TRUE((*db)->exec("INSERT INTO sites (org_id, name) VALUES (1, 's')"));
  identity::testing::FakeAuditLog audit;
  FakeClock clock;
  MonitorService service(**db, audit, {}, clock);
  PassOptions options;
  options.location.mmdb = path;
  options.location.resolve = [](const std::string& host) -> Result<std::vector<std::string>> {
    if (host == "www.union.example") return std::vector<std::string>{"1.2.3.4", "5.6.7.8"};
    return fail("monitor.dns", "'" + host + "' does not resolve");
  };
  options.location.mx = [](const std::string&) -> Result<std::vector<std::string>> { return std::vector<std::string>{}; };
  const std::vector<SiteTarget> sites{{1, 1, "s", false, {"www.union.example"}, "https://www.union.example/"}};
  auto summary = run_pass(service, Probe::location, sites, options, "test", {}, clock);
  ASSERT_TRUE(summary) << summary.error().to_string();
  auto found = service.findings(identity::Principal::system("t"), identity::Scope::site(1));
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  const Observation& o = found->front().observation;
  EXPECT_EQ(o.kind, "location.foreign");
  EXPECT_EQ(o.subject, "web www.union.example 5.6.7.8");
  EXPECT_EQ(o.evidence["country"], "US");
  EXPECT_NE(o.evidence["database"].get<std::string>().find("Sitewarden-Test-Country"), std::string::npos);
  EXPECT_NE(o.evidence["database"].get<std::string>().find("Test-Country.mmdb"), std::string::npos);
  EXPECT_EQ(o.evidence["database_date"], "2026-11-20");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sw::monitor
