#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace ipa {

// Splits a byte stream into newline-terminated lines, whatever the chunking.
// A line longer than `max_line` is dropped (on_oversized is told once per such
// line) and reading resynchronises at the next newline, so the buffer stays
// within twice max_line (string growth) whatever the peer sends. A trailing '\r' is stripped.
// on_oversized gets the bytes seen when the cap was crossed (the rest is not counted).
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line = std::size_t{1} << 20) : max_line_(max_line) {}

  void feed(std::string_view bytes, const std::function<void(std::string_view)>& on_line,
            const std::function<void(std::size_t dropped)>& on_oversized);

 private:
  std::size_t max_line_;
  std::string partial_;
  bool discarding_ = false;  // inside an oversized line, until its newline
};

}  // namespace ipa
