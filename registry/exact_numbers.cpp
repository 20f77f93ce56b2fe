#include "registry/exact_numbers.hpp"

namespace ipa::python_json {
namespace {

// The length of the JSON number at the start of `text` (RFC 8259's grammar),
// or 0; `integer_digits` and `exponent` describe it.
std::size_t json_number_length(std::string_view text, std::size_t& integer_digits, long& exponent) {
  std::size_t i = text.empty() || text[0] != '-' ? 0 : 1;
  const auto digits_from = [&](std::size_t from) {
    std::size_t to = from;
    while (to < text.size() && text[to] >= '0' && text[to] <= '9') {
      ++to;
    }
    return to - from;
  };
  integer_digits = digits_from(i);
  if (integer_digits == 0 || (text[i] == '0' && integer_digits > 1)) {
    return 0;
  }
  i += integer_digits;
  if (i < text.size() && text[i] == '.') {
    const std::size_t fraction = digits_from(i + 1);
    if (fraction == 0) {
      return 0;
    }
    i += 1 + fraction;
  }
  exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    std::size_t sign = i + 1 < text.size() && (text[i + 1] == '+' || text[i + 1] == '-') ? 1 : 0;
    const std::size_t count = digits_from(i + 1 + sign);
    if (count == 0) {
      return 0;
    }
    const bool negative = sign == 1 && text[i + 1] == '-';
    // Only a large positive exponent matters; more than 5 digits is large.
    exponent = count > 5 ? 99999 : std::stol(std::string(text.substr(i + 1 + sign, count)));
    exponent = negative ? -exponent : exponent;
    i += 1 + sign + count;
  }
  return i;
}

}  // namespace

bool is_big_integer(const char* text, SizeType length) {
  return length > 0 && text[0] == kBigInteger[0];
}

std::size_t skip_string(std::string_view bytes, std::size_t open) {
  std::size_t i = open + 1;
  while (i < bytes.size() && bytes[i] != '"') {
    i += bytes[i] == '\\' ? 2 : 1;
  }
  return std::min(i, bytes.size());
}

SwappedNumbers swap_out_huge_numbers(std::string_view input) {
  constexpr std::size_t kDoubleDigits = 300;  // RapidJSON gives up near 308
  SwappedNumbers swapped;
  for (std::size_t i = 0; i < input.size(); ++i) {
    const char c = input[i];
    if (c == '"') {
      i = skip_string(input, i);
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) {
      continue;
    }
    std::size_t integer_digits = 0;
    long exponent = 0;
    const std::size_t length = json_number_length(input.substr(i), integer_digits, exponent);
    const bool runs_on =
        i + length < input.size() &&
        std::string_view("0123456789.eE+-").find(input[i + length]) != std::string_view::npos;
    if (length == 0 || runs_on) {
      i += length;
      continue;  // not a number (or "1e5e5"): RapidJSON reports it as it is
    }
    if (integer_digits + static_cast<std::size_t>(std::max(exponent, 0L)) > kDoubleDigits) {
      if (swapped.bytes.empty()) {
        swapped.bytes = input;
      }
      // "0." and zeros: a valid number of the same length (huge ones have more than 3 chars).
      swapped.bytes.replace(i, length, "0." + std::string(length - 2, '0'));
      swapped.originals.emplace(i + length, input.substr(i, length));
    }
    i += length - 1;
  }
  return swapped;
}

}  // namespace ipa::python_json
