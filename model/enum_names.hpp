#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

namespace ipa {

// An enum's values and the names the registry and Docker write for them.
template <class Enum, std::size_t N>
using EnumNames = std::array<std::pair<Enum, const char*>, N>;

template <class Enum, std::size_t N>
const char* name_of(const EnumNames<Enum, N>& names, Enum value) {
  for (const auto& [known, name] : names) {
    if (known == value) {
      return name;
    }
  }
  return "?";
}

template <class Enum, std::size_t N>
std::optional<Enum> value_named(const EnumNames<Enum, N>& names, const std::string& text) {
  for (const auto& [value, name] : names) {
    if (text == name) {
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace ipa
