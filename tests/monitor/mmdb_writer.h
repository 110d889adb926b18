// A tiny MaxMind DB writer for the tests (Debian ships no tool that writes .mmdb). The format is the
// public MaxMind DB 2.0 specification (https://maxmind.github.io/MaxMind-DB/):
//  - a binary search tree over the address bits, `node_count` nodes of two records each; a record is
//    the next node's number (< node_count), "no data" (== node_count), or a pointer into the data
//    section (node_count + 16 + offset); 24-bit records, big-endian, 6 bytes per node;
//  - 16 zero bytes separating the tree from the data section;
//  - the data section: values in the MaxMind data format (control byte: type in the top 3 bits, size
//    in the low 5; extended types after a 0 type; maps, UTF-8 strings, unsigned integers, arrays);
//  - "\xAB\xCD\xEFMaxMind.com" and the metadata map (node_count, record_size, ip_version,
//    database_type, languages, binary_format_major/minor_version, build_epoch, description).
// IPv4 only (ip_version 4), networks given as (a.b.c.d, prefix length) → ISO country code; each
// network's data is {"country": {"iso_code": CC}}.
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace sw::monitor::testing {

class MmdbWriter {
 public:
  // A network and the country its addresses are in.
  void add(const std::string& address, int prefix, const std::string& country) {
    in_addr a{};
    if (inet_pton(AF_INET, address.c_str(), &a) != 1 || prefix < 1 || prefix > 32) {
      throw std::invalid_argument("bad network " + address);
    }
    networks_.push_back({ntohl(a.s_addr), prefix, country});
  }

  // The whole file.
  std::string build(const std::string& database_type, std::uint64_t build_epoch) const {
    // The trie over the networks' bits.
    struct Node {
      int child[2] = {-1, -1};  // node index, or -1
      int data[2] = {-1, -1};   // data index of a leaf record, or -1
    };
    std::vector<Node> nodes(1);
    std::vector<std::string> countries;
    for (const Net& n : networks_) {
      int at = 0;
      for (int bit = 0; bit < n.prefix; ++bit) {
        const int b = static_cast<int>((n.address >> (31 - bit)) & 1U);
        if (bit == n.prefix - 1) {
          countries.push_back(n.country);
          nodes[static_cast<std::size_t>(at)].data[b] = static_cast<int>(countries.size() - 1);
        } else {
          if (nodes[static_cast<std::size_t>(at)].child[b] < 0) {
            nodes[static_cast<std::size_t>(at)].child[b] = static_cast<int>(nodes.size());
            nodes.emplace_back();
          }
          at = nodes[static_cast<std::size_t>(at)].child[b];
        }
      }
    }
    // The data section: one record per network, their offsets.
    std::string data;
    std::vector<std::uint32_t> offsets;
    for (const std::string& cc : countries) {
      offsets.push_back(static_cast<std::uint32_t>(data.size()));
      data += map(1) + utf8("country") + map(1) + utf8("iso_code") + utf8(cc);
    }
    const auto node_count = static_cast<std::uint32_t>(nodes.size());
    std::string out;
    auto put24 = [&](std::uint32_t v) {
      out += static_cast<char>((v >> 16) & 0xff);
      out += static_cast<char>((v >> 8) & 0xff);
      out += static_cast<char>(v & 0xff);
    };
    for (const Node& n : nodes) {
      for (int b = 0; b < 2; ++b) {
        if (n.child[b] >= 0) {
          put24(static_cast<std::uint32_t>(n.child[b]));
        } else if (n.data[b] >= 0) {
          put24(node_count + 16 + offsets[static_cast<std::size_t>(n.data[b])]);
        } else {
          put24(node_count);  // no data
        }
      }
    }
    out += std::string(16, '\0');
    out += data;
    out += std::string("\xAB\xCD\xEF", 3) + "MaxMind.com";
    out += map(9);
    out += utf8("binary_format_major_version") + uint(5, 2);
    out += utf8("binary_format_minor_version") + uint(5, 0);
    out += utf8("build_epoch") + uint(9, build_epoch);
    out += utf8("database_type") + utf8(database_type);
    out += utf8("description") + map(1) + utf8("en") + utf8("sitewarden test database");
    out += utf8("ip_version") + uint(5, 4);
    out += utf8("languages") + array(1) + utf8("en");
    out += utf8("node_count") + uint(6, node_count);
    out += utf8("record_size") + uint(5, 24);
    return out;
  }

 private:
  struct Net {
    std::uint32_t address;
    int prefix;
    std::string country;
  };

  // A control byte (and the extended type byte) for `type` with payload `size` (< 29 here).
  static std::string control(int type, std::size_t size) {
    if (size >= 29) throw std::invalid_argument("mmdb writer: only short values");
    std::string c;
    if (type <= 7) {
      c += static_cast<char>((type << 5) | static_cast<int>(size));
    } else {
      c += static_cast<char>(static_cast<int>(size));
      c += static_cast<char>(type - 7);
    }
    return c;
  }
  static std::string utf8(const std::string& s) { return control(2, s.size()) + s; }
  static std::string map(std::size_t pairs) { return control(7, pairs); }
  static std::string array(std::size_t n) { return control(11, n); }
  // An unsigned integer of `type` (5 uint16, 6 uint32, 9 uint64): big-endian, leading zeros dropped.
  static std::string uint(int type, std::uint64_t v) {
    std::string bytes;
    for (; v != 0; v >>= 8) bytes.insert(bytes.begin(), static_cast<char>(v & 0xff));
    return control(type, bytes.size()) + bytes;
  }

  std::vector<Net> networks_;
};

}  // namespace sw::monitor::testing
