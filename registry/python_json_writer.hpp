#pragma once

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <string>
#include <string_view>

#include "registry/exact_numbers.hpp"

// Internal to registry/: writing like Python's json.dump(indent=2) with the default ensure_ascii.
namespace ipa::python_json {

// Python escapes everything outside printable ASCII, with lowercase hex.
void append_python_string_literal(std::string& out, std::string_view text);

// Python's repr(float): the shortest digits that read back to the same double,
// positional when the decimal exponent is in [-4, 16), else d.ddde[+-]XX.
void append_python_float_literal(std::string& out, double value);

// RapidJSON's own writer escapes with uppercase hex, leaves DEL alone and
// formats doubles differently; strings and doubles are written the Python way.
class PythonStyleWriter : public rapidjson::PrettyWriter<rapidjson::StringBuffer> {
 public:
  explicit PythonStyleWriter(rapidjson::StringBuffer& out) : PrettyWriter(out) {
    SetIndent(' ', 2);
  }

  bool String(const char* text, SizeType length, bool /*copy*/ = false) {
    if (is_big_integer(text, length)) {
      return RawValue(text + 1, length - 1, rapidjson::kNumberType);
    }
    literal_.clear();
    append_python_string_literal(literal_, {text, length});
    return RawValue(literal_.data(), literal_.size(), rapidjson::kStringType);
  }
  bool Key(const char* text, SizeType length, bool copy = false) {
    return String(text, length, copy);
  }
  bool Double(double value) {
    literal_.clear();
    append_python_float_literal(literal_, value);
    return RawValue(literal_.data(), literal_.size(), rapidjson::kNumberType);
  }

 private:
  std::string literal_;  // reused: one allocation for the whole document
};

}  // namespace ipa::python_json
