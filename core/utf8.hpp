#pragma once
// UTF-8 validity. JSON strings must be UTF-8, so text bound for JSON (manifest strings, run args,
// secret values) is checked where it enters, with a message that says where; otherwise the JSON
// library would fail later with an internal error.

#include <cstddef>
#include <string_view>

namespace gpurun::core {

// The offset of the first byte that does not begin a valid UTF-8 sequence (truncated, overlong,
// a surrogate, beyond U+10FFFF), or std::string_view::npos when `text` is all valid.
size_t invalid_utf8_at(std::string_view text);

} // namespace gpurun::core
