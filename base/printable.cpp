#include "base/printable.hpp"

#include "base/surrogate_escape.hpp"

namespace ipa {
namespace {

void append_hex_byte(std::string& out, unsigned byte) {
  constexpr std::string_view kHexDigits = "0123456789abcdef";
  out += "\\x";
  out += kHexDigits[(byte >> 4U) & 0xFU];
  out += kHexDigits[byte & 0xFU];
}

// The three a reader knows by name; the other controls as \xNN.
void append_control(std::string& out, unsigned char c) {
  const std::string_view named = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : "";
  if (named.empty()) {
    append_hex_byte(out, c);
  } else {
    out += named;
  }
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t index = 0;
  while (index < text.size()) {
    const auto c = static_cast<unsigned char>(text[index]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
      ++index;
      continue;
    }
    if (c < 0x80) {
      append_control(out, c);
      ++index;
      continue;
    }
    if (const int byte = escaped_byte_at(text, index); byte >= 0) {
      append_hex_byte(out, static_cast<unsigned>(byte));
      index += 3;
      continue;
    }
    // A byte that is not UTF-8, and the C1 controls (U+0080..U+009F, C2 80
    // .. C2 9F: 0x9B is CSI to some terminals), byte by byte.
    const std::size_t length = utf8_sequence_length(text, index);
    const bool c1 = c == 0xC2 && length == 2 && static_cast<unsigned char>(text[index + 1]) < 0xA0;
    if (length == 0 || c1) {
      append_hex_byte(out, c);
      ++index;
      continue;
    }
    out.append(text.substr(index, length));
    index += length;
  }
  return out;
}

}  // namespace ipa
