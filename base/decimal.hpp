#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ipa {

// A whole number written in decimal digits only (leading zeros allowed and
// still decimal: "02000" is 2000), within [minimum, maximum]. No sign, no
// spaces, no 0x/0o/0b prefix, no digit separators, no exponent: nullopt.
std::optional<std::int64_t> parse_decimal(std::string_view text, std::int64_t minimum,
                                          std::int64_t maximum);

}  // namespace ipa
