#include "base/surrogate_escape.hpp"

namespace ipa {
namespace {

bool continuation(unsigned char byte) {
  return (byte & 0xC0U) == 0x80U;
}

}  // namespace

// Unicode's table 3-7, which Python's strict UTF-8 decoder follows.
std::size_t utf8_sequence_length(std::string_view bytes, std::size_t index) {
  const auto at = [&](std::size_t offset) -> int {
    return index + offset < bytes.size() ? static_cast<unsigned char>(bytes[index + offset]) : -1;
  };
  const int lead = at(0);
  if (lead < 0x80) {
    return 1;
  }
  int low = 0x80;
  int high = 0xBF;
  std::size_t length = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    low = lead == 0xE0 ? 0xA0 : 0x80;
    high = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    low = lead == 0xF0 ? 0x90 : 0x80;
    high = lead == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  const int second = at(1);
  if (second < low || second > high) {
    return 0;
  }
  for (std::size_t offset = 2; offset < length; ++offset) {
    const int next = at(offset);
    if (next < 0 || !continuation(static_cast<unsigned char>(next))) {
      return 0;
    }
  }
  return length;
}

std::string surrogate_escaped(std::string_view bytes) {
  std::string text;
  text.reserve(bytes.size());
  std::size_t index = 0;
  while (index < bytes.size()) {
    if (const std::size_t length = utf8_sequence_length(bytes, index); length != 0) {
      text.append(bytes.substr(index, length));
      index += length;
      continue;
    }
    // U+DC80 + (byte - 0x80) in three bytes: ED, B2 or B3, then the low six bits.
    const auto byte = static_cast<unsigned char>(bytes[index++]);
    text += static_cast<char>(0xED);
    text += static_cast<char>(byte < 0xC0 ? 0xB2 : 0xB3);
    text += static_cast<char>(0x80U | (byte & 0x3FU));
  }
  return text;
}

int escaped_byte_at(std::string_view text, std::size_t index) {
  if (index + 2 >= text.size() || static_cast<unsigned char>(text[index]) != 0xED) {
    return -1;
  }
  const auto middle = static_cast<unsigned char>(text[index + 1]);
  const auto last = static_cast<unsigned char>(text[index + 2]);
  if ((middle != 0xB2 && middle != 0xB3) || !continuation(last)) {
    return -1;
  }
  return (middle == 0xB2 ? 0x80 : 0xC0) | (last & 0x3F);
}

}  // namespace ipa
