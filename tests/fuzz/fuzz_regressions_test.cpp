// Replays every input the fuzzers ever crashed on (fuzz/regressions/) and the
// seed corpus (fuzz/corpus/) through the fuzz targets' own bodies, so that
// the normal suite, and its sanitizer build, keep them fixed.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

#include "fuzz/targets.hpp"
#include "registry/registry.hpp"
#include "tests/registry/test_support.hpp"

namespace {

namespace fs = std::filesystem;

template <class Target>
int replay(const std::string& kind, const std::string& target, Target run) {
  const fs::path directory = fs::path(IPA_SOURCE_DIR) / "fuzz" / kind / target;
  int count = 0;
  if (!fs::exists(directory)) {
    return count;
  }
  for (const auto& entry : fs::directory_iterator(directory)) {
    const std::string bytes = ipa::test::read_bytes(entry.path().string());
    INFO(entry.path().string());
    run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("every event-stream input the fuzzer kept still passes") {
  CHECK(replay("corpus", "event_line", ipa::fuzz::event_stream) > 0);
  replay("regressions", "event_line", ipa::fuzz::event_stream);
}

TEST_CASE("every registry input the fuzzer kept still passes") {
  CHECK(replay("corpus", "registry_parse", ipa::fuzz::registry_parse) > 0);
  CHECK(replay("regressions", "registry_parse", ipa::fuzz::registry_parse) > 0);
}

// The finding behind fuzz/regressions/registry_parse/: RapidJSON 1.1.0 took
// a zero with a far exponent through undefined behaviour. Python reads each
// of these as the float ±0.0 and writes it back as 0.0 / -0.0.
TEST_CASE("a zero written with a far exponent or many decimals reads as Python's 0.0") {
  const auto parsed = ipa::Registry::parse(
      R"({"schema_version": "1.0", "assignments": [], "a": 0e+300, "b": -0E9, )"
      R"("c": 0.0000000000000000000000000000, "d": "0e+300", "e": 0e-400})",
      "test");
  REQUIRE(parsed.ok());
  const std::string out = parsed->serialize();
  CHECK_THAT(out, Catch::Contains(R"("a": 0.0,)") && Catch::Contains(R"("b": -0.0,)") &&
                      Catch::Contains(R"("c": 0.0,)") && Catch::Contains(R"("d": "0e+300",)") &&
                      Catch::Contains(R"("e": 0.0)"));
  const auto bad = ipa::Registry::parse(R"({"assignments": [], "x": 0e})", "test");
  CHECK_FALSE(bad.ok());
}
