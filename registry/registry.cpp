#include "registry/registry.hpp"

#include <rapidjson/document.h>
#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ipa {
namespace {

using rapidjson::SizeType;
using rapidjson::Value;

// An integer too big for 64 bits is held as a string that starts with this
// byte, which no parsed string can hold (they are validated UTF-8) and which
// string_value() keeps out of the strings the agent sets; the writer puts its
// digits back as a number.
constexpr std::string_view kBigInteger = "\xFF";

bool is_big_integer(const char* text, SizeType length) {
  return length > 0 && text[0] == kBigInteger[0];
}

// Python's json.load reads NaN and Infinity and rejects bytes that are not
// UTF-8. Numbers come as text and ExactNumbers converts them as Python does.
constexpr unsigned kParseFlags = rapidjson::kParseNumbersAsStringsFlag |
                                 rapidjson::kParseNanAndInfFlag |
                                 rapidjson::kParseValidateEncodingFlag;

// Python's json module gives up near this depth (RecursionError); RapidJSON
// would recurse without a limit when copying or writing the document.
constexpr int kMaxNesting = 1000;

// RapidJSON 1.1.0 (Debian 12) has undefined behaviour in its full-precision
// strtod on some numbers ("0e+300": clz(0) and a shift by its garbage;
// others index past its cached-powers table), found by
// fuzz/registry_parse_fuzz and kept in fuzz/regressions/registry_parse/. So
// numbers reach the document as text (kParseNumbersAsStringsFlag) and are
// converted here as Python's json.load converts them: integers with
// from_chars, the rest with strtod, which rounds correctly as Python's
// float() does, including NaN, Infinity, overflow to inf and underflow to 0.
// An integer beyond 64 bits, which Python keeps exactly, is kept as its text
// (see kBigInteger); one of more than 4300 digits Python refuses to read.
constexpr std::size_t kMaxIntegerDigits = 4300;

// The index of the quote that ends the string opened at `open` (the size
// when it never ends), for scans that must not look inside strings.
std::size_t closing_quote(std::string_view bytes, std::size_t open) {
  std::size_t i = open + 1;
  while (i < bytes.size() && bytes[i] != '"') {
    i += bytes[i] == '\\' ? 2 : 1;
  }
  return std::min(i, bytes.size());
}

// RapidJSON also refuses, before a handler sees its text, a number whose
// magnitude overflows a double (an integer of 309 digits, 1e400), which
// Python reads (exactly, or as inf). Such a number is swapped for a
// placeholder of the same length ("0.000"), and ExactNumbers puts the
// original back by the offset where the number ends.
struct SwappedNumbers {
  std::string bytes;  // the input with placeholders; empty when nothing was swapped
  std::map<std::size_t, std::string_view> originals;  // by the offset just past each
};

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

SwappedNumbers swap_out_huge_numbers(std::string_view input) {
  constexpr std::size_t kDoubleDigits = 300;  // RapidJSON gives up near 308
  SwappedNumbers swapped;
  for (std::size_t i = 0; i < input.size(); ++i) {
    const char c = input[i];
    if (c == '"') {
      i = closing_quote(input, i);
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

template <class Handler>
class ExactNumbers {
 public:
  using Ch = char;
  ExactNumbers(Handler& handler, const SwappedNumbers& swapped,
               const rapidjson::MemoryStream& stream)
      : handler_(handler), swapped_(swapped), stream_(stream) {}

  bool RawNumber(const Ch* text, SizeType length, bool /*copy*/) {
    std::string number(text, length);
    if (const auto original = swapped_.originals.find(stream_.Tell());
        original != swapped_.originals.end()) {
      number = original->second;
    }
    if (number.find_first_not_of("-0123456789") == std::string::npos) {
      if (number.size() - (number.front() == '-' ? 1 : 0) > kMaxIntegerDigits) {
        too_long_integer_ = true;
        return false;
      }
      const char* first = number.data();
      const char* last = number.data() + number.size();
      if (number.front() == '-') {
        std::int64_t value = 0;
        if (const auto [end, ec] = std::from_chars(first, last, value);
            ec == std::errc() && end == last) {
          return handler_.Int64(value);
        }
      } else {
        std::uint64_t value = 0;
        if (const auto [end, ec] = std::from_chars(first, last, value);
            ec == std::errc() && end == last) {
          return handler_.Uint64(value);
        }
      }
      const std::string kept = std::string(kBigInteger) + number;
      return handler_.String(kept.data(), static_cast<SizeType>(kept.size()), true);
    }
    return handler_.Double(std::strtod(number.c_str(), nullptr));
  }

  bool Null() { return handler_.Null(); }
  bool Bool(bool value) { return handler_.Bool(value); }
  bool Int(int value) { return handler_.Int(value); }
  bool Uint(unsigned value) { return handler_.Uint(value); }
  bool Int64(std::int64_t value) { return handler_.Int64(value); }
  bool Uint64(std::uint64_t value) { return handler_.Uint64(value); }
  bool Double(double value) { return handler_.Double(value); }
  bool String(const Ch* text, SizeType length, bool copy) {
    return handler_.String(text, length, copy);
  }
  bool StartObject() { return handler_.StartObject(); }
  bool Key(const Ch* text, SizeType length, bool copy) { return handler_.Key(text, length, copy); }
  bool EndObject(SizeType count) { return handler_.EndObject(count); }
  bool StartArray() { return handler_.StartArray(); }
  bool EndArray(SizeType count) { return handler_.EndArray(count); }

  bool too_long_integer() const { return too_long_integer_; }

 private:
  Handler& handler_;
  const SwappedNumbers& swapped_;
  const rapidjson::MemoryStream& stream_;
  bool too_long_integer_ = false;
};

// Fills a document through ExactNumbers (rapidjson::Document::Populate).
struct ExactParse {
  std::string_view input;
  rapidjson::ParseResult result;
  bool too_long_integer = false;

  template <class Handler>
  bool operator()(Handler& handler) {
    const SwappedNumbers swapped = swap_out_huge_numbers(input);
    const std::string_view text = swapped.bytes.empty() ? input : swapped.bytes;
    rapidjson::MemoryStream stream(text.data(), text.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> encoded(stream);
    rapidjson::Reader reader;
    ExactNumbers<Handler> exact(handler, swapped, stream);
    result = reader.Parse<kParseFlags>(encoded, exact);
    too_long_integer = exact.too_long_integer();
    return !result.IsError();
  }
};

constexpr const char* kRepairHint = "run `iris-port-agent repair` to restore the last good copy";

// ---------------------------------------------------------------------------
// Writing like Python's json.dump(indent=2) with the default ensure_ascii.

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

// Python escapes everything outside printable ASCII, with lowercase hex.
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

// Python's repr(float): the shortest digits that read back to the same double,
// positional when the decimal exponent is in [-4, 16), else d.ddde[+-]XX.
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

// ---------------------------------------------------------------------------
// Reading and validating.

// The deepest [ / { nesting outside strings, computed without recursion.
int nesting_depth(std::string_view bytes) {
  int depth = 0;
  int deepest = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c == '"') {
      i = closing_quote(bytes, i);
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

std::string line_and_column(std::string_view bytes, std::size_t offset) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < bytes.size(); ++i) {
    if (bytes[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

Error corrupt(const std::string& path, const std::string& what) {
  return make_error(ErrorCode::kRegistryCorrupt, path + ": " + what + "; " + kRepairHint);
}

const Value* find_member(const Value& object, const char* name) {
  const auto member = object.FindMember(name);
  return member == object.MemberEnd() ? nullptr : &member->value;
}

// Requirements follow what iris-devtester itself needs to read an assignment
// (PortAssignment.from_dict): the three states, a string timestamp, an integer
// port; container_name may be missing or null, assignment_type is optional.
std::optional<std::string> assignment_problem(const Value& entry) {
  if (!entry.IsObject()) {
    return " must be an object";
  }
  const Value* project_path = find_member(entry, "project_path");
  if (project_path == nullptr || !project_path->IsString()) {
    return ".project_path must be a string";
  }
  const Value* port = find_member(entry, "port");
  if (port == nullptr || !port->IsInt()) {
    return ".port must be an integer";
  }
  const Value* status = find_member(entry, "status");
  if (status == nullptr || !status->IsString() ||
      !parse_assignment_status(status->GetString()).has_value()) {
    return ".status must be one of \"active\", \"released\", \"stale\"";
  }
  const Value* assigned_at = find_member(entry, "assigned_at");
  if (assigned_at == nullptr || !assigned_at->IsString()) {
    return ".assigned_at must be a string";
  }
  const Value* type = find_member(entry, "assignment_type");
  if (type != nullptr && !type->IsString()) {
    return ".assignment_type must be a string";
  }
  const Value* container = find_member(entry, "container_name");
  if (container != nullptr && !container->IsString() && !container->IsNull()) {
    return ".container_name must be a string or null";
  }
  return std::nullopt;
}

// A missing schema_version reads as 1.0: iris-devtester never checks it and a
// hand-written registry often lacks it. A missing "assignments" is corrupt, as
// it is for iris-devtester (KeyError), which also keeps a stray JSON file at
// the registry path from being taken for an empty registry and rewritten.
Result<Ok> validate_schema(const Value& root, const std::string& path) {
  const Value* version = find_member(root, "schema_version");
  if (version == nullptr) {
    return Ok{};
  }
  if (!version->IsString()) {
    return corrupt(path, "schema_version must be a string such as \"1.0\"");
  }
  const std::string_view text(version->GetString(), version->GetStringLength());
  if (text.substr(0, text.find('.')) != "1") {
    return make_error(ErrorCode::kRegistryUnsupported,
                      path + ": schema_version \"" + std::string(text) +
                          "\" is not supported (this agent reads 1.x); upgrade iris-port-agent "
                          "or point --registry at a 1.x registry");
  }
  return Ok{};
}

Result<Ok> validate(const Value& root, const std::string& path) {
  if (!root.IsObject()) {
    return corrupt(path, "the top level must be a JSON object");
  }
  auto schema = validate_schema(root, path);
  if (!schema) {
    return schema;
  }
  const Value* assignments = find_member(root, "assignments");
  if (assignments == nullptr || !assignments->IsArray()) {
    return corrupt(path, "assignments must be an array");
  }
  for (SizeType i = 0; i < assignments->Size(); ++i) {
    if (auto problem = assignment_problem((*assignments)[i])) {
      return corrupt(path, "assignments[" + std::to_string(i) + "]" + *problem);
    }
  }
  return Ok{};
}

// A leading 0xFF is not UTF-8, so serialize() would write it as U+FFFD
// anyway; storing it so keeps the agent's strings apart from kBigInteger.
Value string_value(std::string_view text, rapidjson::Document::AllocatorType& allocator) {
  if (is_big_integer(text.data(), static_cast<SizeType>(text.size()))) {
    const std::string replaced = "\uFFFD" + std::string(text.substr(1));
    return Value(replaced.data(), static_cast<SizeType>(replaced.size()), allocator);
  }
  return Value(text.data(), static_cast<SizeType>(text.size()), allocator);
}

// Python's json.load makes each object a dict: a repeated key keeps the
// place of its first occurrence and takes the value of its last. Reading the
// same way, and so writing each key once, keeps the agent and Python from
// seeing two different registries in one file. The nesting was bounded before.
void keep_last_of_duplicates(Value& value) {
  if (value.IsArray()) {
    for (Value& element : value.GetArray()) {
      keep_last_of_duplicates(element);
    }
    return;
  }
  if (!value.IsObject()) {
    return;
  }
  const auto count = static_cast<std::ptrdiff_t>(value.MemberCount());
  const auto member = [&](std::ptrdiff_t i) -> rapidjson::Value::Member& {
    return value.MemberBegin()[i];
  };
  const auto name_of = [&](std::ptrdiff_t i) {
    return std::string_view(member(i).name.GetString(), member(i).name.GetStringLength());
  };
  // Small objects (every assignment) are scanned without allocating.
  constexpr std::ptrdiff_t kSmallObject = 16;
  std::unordered_map<std::string_view, std::ptrdiff_t> first_of;
  const auto first_occurrence = [&](std::ptrdiff_t i) {
    if (count <= kSmallObject) {
      std::ptrdiff_t j = 0;
      while (name_of(j) != name_of(i)) {
        ++j;
      }
      return j;
    }
    return first_of.emplace(name_of(i), i).first->second;
  };
  std::vector<bool> repeated;  // allocated at the first duplicate only
  for (std::ptrdiff_t i = 0; i < count; ++i) {
    const std::ptrdiff_t first = first_occurrence(i);
    if (first != i) {
      member(first).value = member(i).value;  // RapidJSON's assignment moves
      repeated.resize(static_cast<std::size_t>(count));
      repeated[static_cast<std::size_t>(i)] = true;
    }
  }
  if (!repeated.empty()) {
    // Names move only now: short ones live inside the Value, and the lookup
    // above holds views of them.
    std::ptrdiff_t kept = 0;
    for (std::ptrdiff_t i = 0; i < count; ++i) {
      if (!repeated[static_cast<std::size_t>(i)]) {
        member(kept).name.Swap(member(i).name);
        member(kept).value.Swap(member(i).value);
        ++kept;
      }
    }
    value.EraseMember(value.MemberBegin() + kept, value.MemberEnd());
  }
  for (auto& each : value.GetObject()) {
    keep_last_of_duplicates(each.value);
  }
}

// A member that validate() proved present (operator[] would hide a missing one).
const Value& validated_member(const Value& object, const char* name) {
  return object.FindMember(name)->value;
}

std::string string_of(const Value& value) {
  return std::string(value.GetString(), value.GetStringLength());
}

}  // namespace

struct Registry::Impl {
  rapidjson::Document document;
  std::size_t parsed_size = 0;  // about what serialize() writes

  // parse() and the constructor guarantee the member exists.
  Value& assignments() { return document.FindMember("assignments")->value; }
  const Value& assignments() const { return validated_member(document, "assignments"); }
  Value& entry(std::size_t index) { return assignments()[static_cast<SizeType>(index)]; }

  // Replaces the member's value, or appends the member when it is absent.
  void set_member(Value& object, const char* name, Value value) {
    auto& allocator = document.GetAllocator();
    const auto member = object.FindMember(name);
    if (member != object.MemberEnd()) {
      member->value = std::move(value);
      return;
    }
    object.AddMember(string_value(name, allocator), value, allocator);
  }
};

Registry::Registry() : impl_(std::make_unique<Impl>()) {
  auto& document = impl_->document;
  auto& allocator = document.GetAllocator();
  document.SetObject();
  document.AddMember("schema_version", "1.0", allocator);
  document.AddMember("assignments", Value(rapidjson::kArrayType), allocator);
}

Registry::~Registry() = default;
Registry::Registry(Registry&&) noexcept = default;
Registry& Registry::operator=(Registry&&) noexcept = default;

Registry::Registry(const Registry& other) : impl_(std::make_unique<Impl>()) {
  impl_->document.CopyFrom(other.impl_->document, impl_->document.GetAllocator());
  impl_->parsed_size = other.impl_->parsed_size;
}

Registry& Registry::operator=(const Registry& other) {
  if (this != &other) {
    Registry copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Result<Registry> Registry::parse(std::string_view bytes, const std::string& path) {
  if (nesting_depth(bytes) > kMaxNesting) {
    return corrupt(path, "nested deeper than " + std::to_string(kMaxNesting) + " levels");
  }
  Registry registry;
  auto& document = registry.impl_->document;
  ExactParse parse{bytes, {}};
  document.Populate(parse);
  if (parse.too_long_integer) {
    return corrupt(path, "an integer of more than " + std::to_string(kMaxIntegerDigits) +
                             " digits near " + line_and_column(bytes, parse.result.Offset()) +
                             ", which Python's json module refuses to read");
  }
  if (parse.result.IsError()) {
    const std::size_t offset = parse.result.Offset();
    return corrupt(path, std::string("not valid JSON: ") +
                             rapidjson::GetParseError_En(parse.result.Code()) + " at " +
                             line_and_column(bytes, offset) + " (byte " + std::to_string(offset) +
                             ")");
  }
  keep_last_of_duplicates(document);
  auto valid = validate(document, path);
  if (!valid) {
    return valid.error();
  }
  registry.impl_->parsed_size = bytes.size();
  return registry;
}

std::string python_json_string(std::string_view text) {
  std::string literal;
  append_python_string_literal(literal, text);
  return literal;
}

std::string Registry::serialize() const {
  // Sized once for about what was read: growing the buffer as it fills
  // copied the whole output several times over.
  rapidjson::StringBuffer buffer(nullptr, impl_->parsed_size + impl_->parsed_size / 8 + 256);
  PythonStyleWriter writer(buffer);
  impl_->document.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

std::vector<Assignment> Registry::assignments() const {
  std::vector<Assignment> result;
  const Value& entries = impl_->assignments();
  result.reserve(entries.Size());
  for (const Value& entry : entries.GetArray()) {
    Assignment assignment;
    assignment.project_path = string_of(validated_member(entry, "project_path"));
    assignment.port = validated_member(entry, "port").GetInt();
    assignment.status =
        parse_assignment_status(string_of(validated_member(entry, "status"))).value();
    assignment.assigned_at = string_of(validated_member(entry, "assigned_at"));
    if (const Value* type = find_member(entry, "assignment_type")) {
      assignment.assignment_type = string_of(*type);
    }
    if (const Value* container = find_member(entry, "container_name");
        container != nullptr && container->IsString()) {
      assignment.container_name = string_of(*container);
    }
    result.push_back(std::move(assignment));
  }
  return result;
}

std::size_t Registry::size() const {
  return impl_->assignments().Size();
}

void Registry::set_status(std::size_t index, AssignmentStatus status) {
  impl_->set_member(impl_->entry(index), "status",
                    string_value(to_string(status), impl_->document.GetAllocator()));
}

void Registry::set_container_name(std::size_t index, const std::string& name) {
  impl_->set_member(impl_->entry(index), "container_name",
                    string_value(name, impl_->document.GetAllocator()));
}

void Registry::append(const Assignment& assignment) {
  auto& allocator = impl_->document.GetAllocator();
  Value entry(rapidjson::kObjectType);
  // The key order iris-devtester's PortAssignment.to_dict writes.
  entry.AddMember("project_path", string_value(assignment.project_path, allocator), allocator);
  entry.AddMember("port", assignment.port, allocator);
  entry.AddMember("assigned_at", string_value(assignment.assigned_at, allocator), allocator);
  entry.AddMember("assignment_type", string_value(assignment.assignment_type, allocator),
                  allocator);
  entry.AddMember("status", string_value(to_string(assignment.status), allocator), allocator);
  Value container;  // null, as iris-devtester writes an unknown container
  if (assignment.container_name) {
    container = string_value(*assignment.container_name, allocator);
  }
  entry.AddMember("container_name", container, allocator);
  impl_->assignments().PushBack(entry, allocator);
}

void Registry::remove(std::size_t index) {
  auto& entries = impl_->assignments();
  entries.Erase(entries.Begin() + index);
}

void Registry::clear_assignments() {
  impl_->assignments().Clear();
}

std::optional<std::string> Registry::agent_json() const {
  const Value* agent = find_member(impl_->document, "agent");
  if (agent == nullptr || !agent->IsObject()) {
    return std::nullopt;
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  agent->Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<Ok> Registry::set_agent_json(std::string_view object_json) {
  rapidjson::Document parsed;
  ExactParse parse{object_json, {}};
  parsed.Populate(parse);
  if (parse.result.IsError() || !parsed.IsObject()) {
    return make_error(ErrorCode::kUsage, "the agent metadata is not a JSON object: " +
                                             std::string(object_json.substr(0, 80)));
  }
  Value agent;
  agent.CopyFrom(parsed, impl_->document.GetAllocator());
  impl_->set_member(impl_->document, "agent", std::move(agent));
  return Ok{};
}

}  // namespace ipa
