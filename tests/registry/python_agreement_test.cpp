// Property tests: on thousands of generated hostile inputs, the agent reads
// what Python reads. The oracle is Debian's python3 (python_oracle.py), asked
// once per property for every case: the option parser's numbers, bytes from
// the OS (os.fsdecode), registries with repeated keys and big numbers
// (json.load + json.dump, as iris-devtester writes), and os.path.abspath.
#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "base/decimal.hpp"
#include "base/file_path.hpp"
#include "base/surrogate_escape.hpp"
#include "registry/registry.hpp"
#include "tests/registry/test_support.hpp"

namespace {

using Bytes = std::string;

std::string hex(const Bytes& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out += kDigits[byte >> 4U];
    out += kDigits[byte & 0xFU];
  }
  return out;
}

Bytes unhex(const std::string& text) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out += static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16));
  }
  return out;
}

// Python's answers, one per request (nullopt: Python refuses the input).
// Inputs are never empty: the request line would lose them.
std::vector<std::optional<Bytes>> ask(const std::string& kind,
                                      const std::vector<std::vector<Bytes>>& requests) {
  ipa::test::TempDir dir;
  std::string text;
  for (const auto& arguments : requests) {
    text += kind;
    for (const Bytes& argument : arguments) {
      text += ' ';
      text += hex(argument);
    }
    text += "\n";
  }
  ipa::test::write_bytes(dir.file("requests"), text);
  int code = -1;
  ipa::test::output_of({IPA_PYTHON, std::string(IPA_TEST_DIR) + "/python_oracle.py",
                        dir.file("requests"), dir.file("answers")},
                       code);
  REQUIRE(code == 0);
  std::istringstream answers(ipa::test::read_bytes(dir.file("answers")));
  std::vector<std::optional<Bytes>> result;
  for (std::string line; std::getline(answers, line);) {
    result.push_back(line == "-" ? std::nullopt : std::optional<Bytes>(unhex(line)));
  }
  REQUIRE(result.size() == requests.size());
  return result;
}

class Generator {
 public:
  explicit Generator(unsigned seed) : random_(seed) {}

  std::size_t below(std::size_t bound) {
    return std::uniform_int_distribution<std::size_t>(0, bound - 1)(random_);
  }
  bool one_in(std::size_t n) { return below(n) == 0; }

  Bytes pick(const std::vector<Bytes>& pieces, std::size_t count) {
    Bytes out;
    for (std::size_t i = 0; i < count; ++i) {
      out += pieces[below(pieces.size())];
    }
    return out;
  }

  Bytes digits(std::size_t count) {
    Bytes out(1, static_cast<char>('1' + below(9)));
    for (std::size_t i = 1; i < count; ++i) {
      out += static_cast<char>('0' + below(10));
    }
    return out;
  }

  Bytes raw_bytes(std::size_t count) {
    Bytes out;
    for (std::size_t i = 0; i < count; ++i) {
      out += static_cast<char>(below(256));
    }
    return out;
  }

 private:
  std::mt19937 random_;
};

// A number as a hostile or careless writer puts it: small, 64-bit edges, far
// beyond 64 bits and beyond a double (Python keeps such integers exactly and
// reads such floats as inf), past Python's 4300-digit limit, negative,
// fractional, with an exponent.
Bytes number(Generator& g) {
  switch (g.below(8)) {
    case 0:
      return std::to_string(g.below(70000));
    case 1:
      return g.pick({"9223372036854775807", "9223372036854775808", "18446744073709551615",
                     "18446744073709551616", "-9223372036854775808", "-9223372036854775809"},
                    1);
    case 2:
      return g.digits(20 + g.below(g.one_in(2) ? 280 : 4280));
    case 3:
      return "-" + g.digits(20 + g.below(g.one_in(2) ? 280 : 4280));
    case 4:
      return g.one_in(4) ? g.digits(4301) : g.digits(1 + g.below(25));
    case 5:
      return g.digits(1 + g.below(20)) + "." + g.digits(1 + g.below(20));
    case 6:
      return g.digits(1 + g.below(3)) + g.pick({"e", "E", "e-", "e+"}, 1) +
             std::to_string(g.below(g.one_in(2) ? 300 : 100000));
    default:
      return g.digits(1 + g.below(500)) + "." + g.digits(1 + g.below(3));
  }
}

// An assignment whose keys may repeat; the last value of each is a valid one,
// earlier ones need not be.
Bytes assignment(Generator& g, int index) {
  const std::vector<std::pair<Bytes, Bytes>> fields = {
      {"project_path", "\"/p/" + std::to_string(index) + "\""},
      {"port", std::to_string(1972 + index)},
      {"assigned_at", "\"2025-01-17T10:30:00\""},
      {"assignment_type", "\"auto\""},
      {"status", g.pick({"\"active\"", "\"stale\"", "\"released\""}, 1)},
      {"container_name", "null"}};
  const std::vector<Bytes> decoys = {"\"x\"", "1972", "null", "[1, 2]", "{\"a\": 1, \"a\": 2}"};
  Bytes out = "{";
  for (const auto& [key, value] : fields) {
    if (g.one_in(3)) {
      out +=
          "\"" + key + "\": " + (g.one_in(2) ? number(g) : decoys[g.below(decoys.size())]) + ", ";
    }
    out += "\"" + key + "\": " + value + ", ";
  }
  out += "\"extra\": " + number(g) + (g.one_in(2) ? ", \"extra\": " + number(g) : "") + "}";
  return out;
}

Bytes registry(Generator& g) {
  Bytes out = "{";
  if (g.one_in(3)) {
    out += "\"schema_version\": " + g.pick({"\"1.0\"", "\"2.0\"", "3"}, 1) + ", ";
  }
  if (g.one_in(4)) {
    out += "\"assignments\": [], ";
  }
  out += "\"schema_version\": \"1.0\", \"assignments\": [";
  const std::size_t count = g.below(4);
  for (std::size_t i = 0; i < count; ++i) {
    out += (i == 0 ? "" : ", ") + assignment(g, static_cast<int>(i));
  }
  out += "], \"n\": " + number(g) + ", \"o\": {\"k\": " + number(g) + ", \"k\": " + number(g);
  out += "}";
  if (g.one_in(3)) {
    out += ", \"n\": " + number(g);
  }
  out += "}";
  return out;
}

}  // namespace

TEST_CASE("the option parser reads a number exactly when Python sees decimal digits") {
  Generator g(20261201);
  std::vector<std::vector<Bytes>> requests;
  for (int i = 0; i < 3000; ++i) {
    requests.push_back({g.pick({"0", "1", "7", "9", "x", "X", "o", "b", "_", "+", "-", " ", "e",
                                ".", "\xd9\xa1", "65535", "65536", "0x", "00"},
                               1 + g.below(6))});
  }
  const auto answers = ask("decimal", requests);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto parsed = ipa::parse_decimal(requests[i][0], 1, 65535);
    INFO("input: '" << requests[i][0] << "'");
    REQUIRE(parsed.has_value() == answers[i].has_value());
    if (parsed) {
      CHECK(std::to_string(*parsed) == *answers[i]);
    }
  }
}

TEST_CASE("bytes from the OS are read as os.fsdecode reads them") {
  Generator g(42);
  std::vector<std::vector<Bytes>> requests;
  for (int i = 0; i < 3000; ++i) {
    requests.push_back({g.one_in(2)
                            ? g.raw_bytes(1 + g.below(12))
                            : g.pick({"/", "a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                      "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xed\xb3\xbf",
                                      "\xf4\x90\x80\x80", "\xe2\x82", "\x80", "\xf0\x9f"},
                                     1 + g.below(8))});
  }
  const auto answers = ask("fsdecode", requests);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    INFO("input: " << hex(requests[i][0]));
    REQUIRE(answers[i].has_value());
    CHECK(ipa::surrogate_escaped(requests[i][0]) == *answers[i]);
  }
}

TEST_CASE("a registry with repeated keys and big numbers is read and written as Python does") {
  Generator g(7);
  std::vector<std::vector<Bytes>> requests;
  for (int i = 0; i < 1500; ++i) {
    requests.push_back({registry(g)});
  }
  const auto answers = ask("json", requests);
  int compared = 0;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto parsed = ipa::Registry::parse(requests[i][0], "generated");
    INFO("input: " << requests[i][0]);
    if (!answers[i]) {
      CHECK_FALSE(parsed.ok());  // Python refuses it (over 4300 digits): corrupt
      continue;
    }
    // Every generated registry's last values are valid: what Python reads,
    // the agent reads, and writes back byte for byte as Python would.
    REQUIRE(parsed.ok());
    CHECK(parsed->serialize() == *answers[i]);
    ++compared;
  }
  CHECK(compared > 1000);
}

TEST_CASE("a project path is made absolute as os.path.abspath makes it") {
  Generator g(1972);
  std::vector<std::vector<Bytes>> requests;
  for (int i = 0; i < 3000; ++i) {
    requests.push_back({g.pick({"/", "//", "a", "b", ".", "..", "...", ".a"}, 1 + g.below(8)),
                        g.pick({"/", "/w", "/w/x", "//w", "/w/"}, 1)});
  }
  const auto answers = ask("abspath", requests);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    INFO("path: '" << requests[i][0] << "' in '" << requests[i][1] << "'");
    REQUIRE(answers[i].has_value());
    CHECK(ipa::python_abspath(requests[i][0], requests[i][1]) == *answers[i]);
  }
}
