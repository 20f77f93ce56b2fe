#include "agent/docker/line_splitter.hpp"

namespace ipa {
namespace {

std::string_view without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return line;
}

}  // namespace

void LineSplitter::feed(std::string_view bytes,
                        const std::function<void(std::string_view)>& on_line,
                        const std::function<void(std::size_t dropped)>& on_oversized) {
  while (!bytes.empty()) {
    const auto newline = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, newline);
    const bool line_ends = newline != std::string_view::npos;
    bytes = line_ends ? bytes.substr(newline + 1) : std::string_view();

    if (discarding_) {
      discarding_ = !line_ends;
      continue;
    }
    if (partial_.size() + piece.size() > max_line_) {
      // Told at once rather than at the end of the line: an endless line
      // never ends.
      on_oversized(partial_.size() + piece.size());
      discarding_ = !line_ends;
      partial_.clear();
      partial_.shrink_to_fit();
      continue;
    }
    if (!line_ends) {
      partial_.append(piece);
      continue;
    }
    if (partial_.empty()) {
      on_line(without_cr(piece));  // the common case: no copy
      continue;
    }
    partial_.append(piece);
    on_line(without_cr(partial_));
    partial_.clear();
  }
}

}  // namespace ipa
