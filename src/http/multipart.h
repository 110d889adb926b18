// multipart/form-data bodies (RFC 7578), for the one console form that uploads a file (issue 4:
// article attachments). The whole body is already in memory (Limits::max_body_bytes); this splits it
// into parts without copying more than each part once, and refuses anything unusual rather than
// guessing: no nested multipart, no transfer encodings, one file unless the limits say more.
//
// Error codes (Error::code), each message naming the problem:
//   http.multipart_boundary    the Content-Type is not multipart/form-data or its boundary is missing
//                              or malformed (1..70 characters of RFC 2046's set)
//   http.multipart_malformed   a delimiter, header block or Content-Disposition that is not as RFC 7578 says
//   http.multipart_too_many    more parts, or more files, than the limits allow
//   http.multipart_too_large   a file or a field over its limit (the part is named)
//   http.multipart_bad_name    a field or file name with a control character or invalid UTF-8
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sw::http {

struct MultipartLimits {
  std::size_t max_parts = 16;                 // fields and files together
  std::size_t max_files = 1;                  // parts with a filename
  std::size_t max_file_bytes = 50u << 20;     // one file's bytes
  std::size_t max_field_bytes = 64u << 10;    // one plain field's bytes
  std::size_t max_header_bytes = 2048;        // one part's header block
};

struct MultipartPart {
  std::string name;                     // Content-Disposition name
  std::optional<std::string> filename;  // Content-Disposition filename, when the part is a file
  std::string content_type;             // the part's Content-Type, "" when absent
  std::string data;                     // the bytes, exactly as sent
};

// The boundary of a "multipart/form-data; boundary=..." Content-Type (quoted or not).
Result<std::string> multipart_boundary(std::string_view content_type);

// Splits `body` into its parts, in order. Refuses (errors above) rather than skipping anything.
Result<std::vector<MultipartPart>> parse_multipart(std::string_view body, std::string_view boundary,
                                                   const MultipartLimits& limits = {});

}  // namespace sw::http
