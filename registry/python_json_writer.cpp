#include "registry/python_json_writer.hpp"

#include <array>
#include <cmath>
#include <cstdio>

namespace ipa::python_json {
namespace {

void append_hex4(std::string& out, unsigned code_unit) {
  constexpr std::string_view kHexDigits = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) {
    out += kHexDigits[(code_unit >> shift) & 0xFU];
  }
}

// One code point from UTF-8; malformed bytes read as U+FFFD, one byte at a time.
unsigned next_code_point(std::string_view text, std::size_t& index) {
  const auto lead = static_cast<unsigned char>(text[index++]);
  int continuation = 0;
  unsigned code = 0;
  if (lead >= 0xF0 && lead <= 0xF4) {
    continuation = 3;
    code = lead & 0x07U;
  } else if (lead >= 0xE0 && lead < 0xF0) {
    continuation = 2;
    code = lead & 0x0FU;
  } else if (lead >= 0xC2 && lead < 0xE0) {
    continuation = 1;
    code = lead & 0x1FU;
  } else {
    return 0xFFFD;
  }
  for (int i = 0; i < continuation; ++i) {
    if (index >= text.size() || (static_cast<unsigned char>(text[index]) & 0xC0U) != 0x80U) {
      return 0xFFFD;
    }
    code = (code << 6U) | (static_cast<unsigned char>(text[index++]) & 0x3FU);
  }
  return code;
}

void append_escaped_non_ascii(std::string& out, unsigned code) {
  if (code < 0x10000) {
    append_hex4(out, code);
    return;
  }
  const unsigned offset = code - 0x10000;
  append_hex4(out, 0xD800U | (offset >> 10U));
  append_hex4(out, 0xDC00U | (offset & 0x3FFU));
}

bool is_plain(char c) {
  return c >= ' ' && c <= '~' && c != '"' && c != '\\';
}

void append_escaped_ascii(std::string& out, char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:  // the other control characters and DEL
      append_hex4(out, static_cast<unsigned char>(c));
  }
}

}  // namespace

void append_python_string_literal(std::string& out, std::string_view text) {
  out += '"';
  std::size_t index = 0;
  while (index < text.size()) {
    const std::size_t plain_start = index;
    while (index < text.size() && is_plain(text[index])) {
      ++index;
    }
    out.append(text.substr(plain_start, index - plain_start));
    if (index == text.size()) {
      break;
    }
    if (static_cast<unsigned char>(text[index]) >= 0x80) {
      append_escaped_non_ascii(out, next_code_point(text, index));
    } else {
      append_escaped_ascii(out, text[index++]);
    }
  }
  out += '"';
}

void append_python_float_literal(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "Infinity" : "-Infinity";
    return;
  }
  std::array<char, 64> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                       std::chars_format::scientific);
  const std::string_view scientific(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
  const bool negative = scientific.front() == '-';
  const std::string_view unsigned_part = scientific.substr(negative ? 1 : 0);
  const auto e = unsigned_part.find('e');
  std::string digits;
  for (const char c : unsigned_part.substr(0, e)) {
    if (c != '.') {
      digits += c;
    }
  }
  int exponent = 0;
  const std::string_view exponent_text = unsigned_part.substr(e + 1);
  std::from_chars(exponent_text.data() + (exponent_text.front() == '+' ? 1 : 0),
                  exponent_text.data() + exponent_text.size(), exponent);

  if (negative) {
    out += '-';
  }
  const int point = exponent + 1;  // digits before the decimal point
  const auto digit_count = static_cast<int>(digits.size());
  if (point > 16 || point <= -4) {
    out += digits.front();
    if (digits.size() > 1) {
      out += '.';
      out += digits.substr(1);
    }
    const std::string magnitude = std::to_string(std::abs(exponent));
    out += exponent < 0 ? "e-" : "e+";
    out += magnitude.size() < 2 ? "0" + magnitude : magnitude;
  } else if (point <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-point), '0');
    out += digits;
  } else if (point >= digit_count) {
    out += digits;
    out.append(static_cast<std::size_t>(point - digit_count), '0');
    out += ".0";
  } else {
    out += digits.substr(0, static_cast<std::size_t>(point));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(point));
  }
}

}  // namespace ipa::python_json
