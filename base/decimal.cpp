#include "base/decimal.hpp"

namespace ipa {

std::optional<std::int64_t> parse_decimal(std::string_view text, std::int64_t minimum,
                                          std::int64_t maximum) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    const int digit = c - '0';
    // Past the maximum already: more digits only make it larger.
    if (maximum - digit < 0 || value > (maximum - digit) / 10) {
      return std::nullopt;
    }
    value = value * 10 + digit;
  }
  if (value < minimum) {
    return std::nullopt;
  }
  return value;
}

}  // namespace ipa
