#pragma once

#include <rapidjson/document.h>
#include <rapidjson/encodedstream.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

// Internal to registry/: numbers read as Python's json.load reads them, whatever their size.
namespace ipa::python_json {

using rapidjson::SizeType;

// An integer too big for 64 bits is held as a string that starts with this
// byte, which no parsed string can hold (they are validated UTF-8) and which
// string_value() keeps out of the strings the agent sets; the writer puts its
// digits back as a number.
constexpr std::string_view kBigInteger = "\xFF";

// Python's json.load reads NaN and Infinity and rejects bytes that are not
// UTF-8. Numbers come as text and ExactNumbers converts them as Python does.
constexpr unsigned kParseFlags = rapidjson::kParseNumbersAsStringsFlag |
                                 rapidjson::kParseNanAndInfFlag |
                                 rapidjson::kParseValidateEncodingFlag;

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

// RapidJSON also refuses, before a handler sees its text, a number whose
// magnitude overflows a double (an integer of 309 digits, 1e400), which
// Python reads (exactly, or as inf). Such a number is swapped for a
// placeholder of the same length ("0.000"), and ExactNumbers puts the
// original back by the offset where the number ends.
struct SwappedNumbers {
  std::string bytes;  // the input with placeholders; empty when nothing was swapped
  std::map<std::size_t, std::string_view> originals;  // by the offset just past each
};

// True for a string that holds an integer too big for 64 bits (see kBigInteger).
bool is_big_integer(const char* text, SizeType length);

// The index of the quote that ends the string opened at `open` (the size
// when it never ends), for scans that must not look inside strings.
std::size_t skip_string(std::string_view bytes, std::size_t open);

// Swaps every number RapidJSON would refuse for a placeholder (see SwappedNumbers).
SwappedNumbers swap_out_huge_numbers(std::string_view input);

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

}  // namespace ipa::python_json
