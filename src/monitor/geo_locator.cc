// GeoLocator (geo_locator.h): libGeoIP for the legacy .dat files, libmaxminddb for .mmdb; getaddrinfo
// and res_nquery for the addresses.
#include "monitor/geo_locator.h"

#include <GeoIP.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <maxminddb.h>
#include <netdb.h>
#include <resolv.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <regex>
#include <set>
#include <utility>

namespace sw::monitor {
namespace {

Status readable(const std::string& path, const std::string& what) {
  struct stat st{};
  if (path.empty()) return fail("monitor.geoip", what + ": no file given");
  if (stat(path.c_str(), &st) != 0) return fail("monitor.geoip", what + " '" + path + "' does not exist: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fail("monitor.geoip", what + " '" + path + "' is not a regular file");
  return ok();
}

class LegacyGeoIp final : public GeoLocator {
 public:
  LegacyGeoIp(GeoIP* v4, GeoIP* v6, std::string description, std::string date)
      : v4_(v4), v6_(v6), description_(std::move(description)), date_(std::move(date)) {}
  ~LegacyGeoIp() override {
    if (v4_) GeoIP_delete(v4_);
    if (v6_) GeoIP_delete(v6_);
  }
  std::string country(const std::string& ip) const override {
    GeoIPLookup gl{};
    const char* code = nullptr;
    if (ip.find(':') != std::string::npos) {
      if (v6_) code = GeoIP_country_code_by_addr_v6_gl(v6_, ip.c_str(), &gl);
    } else {
      in_addr a{};
      if (inet_pton(AF_INET, ip.c_str(), &a) == 1) code = GeoIP_country_code_by_addr_gl(v4_, ip.c_str(), &gl);
    }
    if (code == nullptr || std::strlen(code) != 2 || std::strcmp(code, "--") == 0) return "";
    // "A1"/"A2"/"AP"/"EU" are not countries: anonymous proxies, satellite, regions.
    const std::string c = code;
    if (c == "A1" || c == "A2" || c == "AP" || c == "EU" || c == "O1") return "";
    return c;
  }
  std::string description() const override { return description_; }
  std::string date() const override { return date_; }

 private:
  GeoIP* v4_;
  GeoIP* v6_;
  std::string description_;
  std::string date_;
};

// "GEO-106FREE 20190611 Build 1 ..." → "2019-06-11".
std::string legacy_date(const std::string& info) {
  static const std::regex ymd(R"(\b(20\d\d)(\d\d)(\d\d)\b)");
  std::smatch m;
  if (!std::regex_search(info, m, ymd)) return "";
  return m[1].str() + "-" + m[2].str() + "-" + m[3].str();
}

Result<GeoIP*> open_dat(const std::string& path, int want_edition_v4, int want_edition_v6) {
  SW_CHECK(readable(path, "GeoIP database"));
  GeoIP* gi = GeoIP_open(path.c_str(), GEOIP_MEMORY_CACHE | GEOIP_SILENCE);
  if (gi == nullptr) return fail("monitor.geoip", "GeoIP database '" + path + "' could not be read (not a GeoIP .dat file?)");
  // libGeoIP opens any file (an unknown one reads as the country edition); a real database carries
  // its info string ("GEO-106FREE 20190611 Build 1 ...").
  char* info = GeoIP_database_info(gi);
  const bool has_info = info != nullptr && info[0] != '\0';
  std::free(info);
  if (!has_info) {
    GeoIP_delete(gi);
    return fail("monitor.geoip", "GeoIP database '" + path + "' is not a GeoIP .dat file (no database info)");
  }
  const int edition = GeoIP_database_edition(gi);
  if (edition != want_edition_v4 && edition != want_edition_v6) {
    GeoIP_delete(gi);
    return fail("monitor.geoip", "GeoIP database '" + path + "' is edition " + std::to_string(edition) +
                                     ", not the country database");
  }
  return gi;
}

class Mmdb final : public GeoLocator {
 public:
  explicit Mmdb(std::string path) : path_(std::move(path)) {}
  ~Mmdb() override {
    if (open_) MMDB_close(&db_);
  }
  Status open() {
    SW_CHECK(readable(path_, "MaxMind database"));
    const int status = MMDB_open(path_.c_str(), MMDB_MODE_MMAP, &db_);
    if (status != MMDB_SUCCESS) {
      return fail("monitor.geoip", "MaxMind database '" + path_ + "' could not be opened: " + MMDB_strerror(status));
    }
    open_ = true;
    const std::time_t epoch = static_cast<std::time_t>(db_.metadata.build_epoch);
    std::tm tm{};
    gmtime_r(&epoch, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    date_ = buf;
    const std::string type = db_.metadata.database_type ? db_.metadata.database_type : "unknown type";
    description_ = type + " built " + date_ + ", " + path_;
    return ok();
  }
  std::string country(const std::string& ip) const override {
    int gai = 0, err = 0;
    MMDB_lookup_result_s r = MMDB_lookup_string(const_cast<MMDB_s*>(&db_), ip.c_str(), &gai, &err);
    if (gai != 0 || err != MMDB_SUCCESS || !r.found_entry) return "";
    MMDB_entry_data_s data{};
    if (MMDB_get_value(&r.entry, &data, "country", "iso_code", nullptr) != MMDB_SUCCESS || !data.has_data ||
        data.type != MMDB_DATA_TYPE_UTF8_STRING) {
      // Some databases only know the registered country.
      if (MMDB_get_value(&r.entry, &data, "registered_country", "iso_code", nullptr) != MMDB_SUCCESS || !data.has_data ||
          data.type != MMDB_DATA_TYPE_UTF8_STRING) {
        return "";
      }
    }
    std::string code(data.utf8_string, data.data_size);
    return code.size() == 2 ? code : "";
  }
  std::string description() const override { return description_; }
  std::string date() const override { return date_; }

 private:
  std::string path_;
  MMDB_s db_{};
  bool open_ = false;
  std::string description_;
  std::string date_;
};

}  // namespace

Result<std::unique_ptr<GeoLocator>> open_legacy_geoip(const std::string& v4, const std::string& v6) {
  SW_TRY(g4, open_dat(v4, GEOIP_COUNTRY_EDITION, GEOIP_COUNTRY_EDITION));
  GeoIP* g6 = nullptr;
  if (!v6.empty()) {
    auto r6 = open_dat(v6, GEOIP_COUNTRY_EDITION_V6, GEOIP_COUNTRY_EDITION_V6);
    if (!r6) {
      GeoIP_delete(g4);
      return std::unexpected(r6.error());
    }
    g6 = *r6;
  }
  char* raw = GeoIP_database_info(g4);
  const std::string info = raw ? raw : "";
  std::free(raw);
  std::string description = "GeoIP legacy country (" + info + "), " + v4;
  return std::make_unique<LegacyGeoIp>(g4, g6, std::move(description), legacy_date(info));
}

Result<std::unique_ptr<GeoLocator>> open_mmdb(const std::string& path) {
  auto db = std::make_unique<Mmdb>(path);
  SW_CHECK(db->open());
  return std::unique_ptr<GeoLocator>(std::move(db));
}

bool is_local_address(const std::string& ip) {
  in_addr a4{};
  if (inet_pton(AF_INET, ip.c_str(), &a4) == 1) {
    const std::uint32_t a = ntohl(a4.s_addr);
    auto in = [a](std::uint32_t net, int bits) { return bits == 0 || (a >> (32 - bits)) == (net >> (32 - bits)); };
    return in(0x0A000000, 8) || in(0xAC100000, 12) || in(0xC0A80000, 16) || in(0x7F000000, 8) || in(0xA9FE0000, 16) ||
           in(0x64400000, 10) || in(0x00000000, 8) || in(0xE0000000, 4) || in(0xF0000000, 4) || in(0xC0000200, 24) ||
           in(0xC6336400, 24) || in(0xCB007100, 24) || in(0xC6120000, 15);
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, ip.c_str(), &a6) == 1) {
    const unsigned char* b = a6.s6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_UNSPECIFIED(&a6) || IN6_IS_ADDR_LINKLOCAL(&a6) || IN6_IS_ADDR_MULTICAST(&a6)) return true;
    if ((b[0] & 0xFE) == 0xFC) return true;                                     // fc00::/7 unique local
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return true;  // 2001:db8::/32
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
      char buf[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, b + 12, buf, sizeof buf);
      return is_local_address(buf);
    }
    return false;
  }
  return false;
}

Result<std::vector<std::string>> resolve_addresses(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) return fail("monitor.dns", "'" + host + "' does not resolve: " + gai_strerror(rc));
  std::set<std::string> out;
  for (addrinfo* p = res; p != nullptr && out.size() < 64; p = p->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (p->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(p->ai_addr)->sin_addr, buf, sizeof buf);
    } else if (p->ai_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(p->ai_addr)->sin6_addr, buf, sizeof buf);
    } else {
      continue;
    }
    out.insert(buf);
  }
  freeaddrinfo(res);
  return std::vector<std::string>(out.begin(), out.end());
}

Result<std::vector<std::string>> mx_hosts(const std::string& domain) {
  struct __res_state state{};
  if (res_ninit(&state) != 0) return fail("monitor.dns", "the resolver could not be initialised");
  std::vector<unsigned char> answer(65536);
  const int len = res_nquery(&state, domain.c_str(), ns_c_in, ns_t_mx, answer.data(), static_cast<int>(answer.size()));
  const int herr = state.res_h_errno;
  res_nclose(&state);
  if (len < 0) {
    if (herr == NO_DATA || herr == HOST_NOT_FOUND) return std::vector<std::string>{};
    return fail("monitor.dns", "MX query for '" + domain + "' failed: " + hstrerror(herr));
  }
  ns_msg msg{};
  if (ns_initparse(answer.data(), len, &msg) != 0) return fail("monitor.dns", "MX answer for '" + domain + "' is malformed");
  std::vector<std::pair<int, std::string>> mx;
  const int count = ns_msg_count(msg, ns_s_an);
  for (int i = 0; i < count && mx.size() < 32; ++i) {
    ns_rr rr{};
    if (ns_parserr(&msg, ns_s_an, i, &rr) != 0 || ns_rr_type(rr) != ns_t_mx || ns_rr_rdlen(rr) < 3) continue;
    const unsigned char* rd = ns_rr_rdata(rr);
    const int pref = ns_get16(rd);
    char name[NS_MAXDNAME];
    if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), rd + 2, name, sizeof name) < 0) continue;
    std::string host = name;
    std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!host.empty() && host != ".") mx.emplace_back(pref, host);
  }
  std::sort(mx.begin(), mx.end());
  std::vector<std::string> out;
  for (auto& [p, h] : mx) {
    if (std::find(out.begin(), out.end(), h) == out.end()) out.push_back(h);
  }
  return out;
}

}  // namespace sw::monitor
