// assigned_at as iris-devtester writes it: Python's datetime.now().isoformat()
// (docs/protocol.md, "The format"; docs/iris-devtester.md, "assigned_at").
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "agent/wall_clock.hpp"

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kMicrosecond = 1'000;
// 2026-12-01T21:22:18Z
constexpr std::int64_t kWholeSecond = 1'796'160'138 * kSecond;

// The process's local zone for one test (the child Python inherits it).
class LocalZone {
 public:
  explicit LocalZone(const char* zone) {
    const char* old = std::getenv("TZ");
    had_old_ = old != nullptr;
    old_ = had_old_ ? old : "";
    ::setenv("TZ", zone, 1);
    ::tzset();
  }
  LocalZone(const LocalZone&) = delete;
  LocalZone& operator=(const LocalZone&) = delete;
  ~LocalZone() {
    if (had_old_) {
      ::setenv("TZ", old_.c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }

 private:
  bool had_old_ = false;
  std::string old_;
};

std::vector<std::string> python_isoformat(const std::vector<std::int64_t>& instants) {
  std::ostringstream command;
  command << IPA_PYTHON << " " << IPA_TEST_DIR << "/python_isoformat.py";
  for (const std::int64_t instant : instants) {
    command << " " << instant;
  }
  FILE* pipe = ::popen(command.str().c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
    output += buffer;
  }
  REQUIRE(::pclose(pipe) == 0);
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

}  // namespace

TEST_CASE("assigned_at at a whole second has no fraction, as Python's isoformat() writes it") {
  const LocalZone utc("UTC");
  CHECK(ipa::python_local_isoformat(kWholeSecond) == "2026-12-01T21:22:18");
}

TEST_CASE("assigned_at has six digits of microseconds when they are not 0") {
  const LocalZone utc("UTC");
  CHECK(ipa::python_local_isoformat(kWholeSecond + kMicrosecond) == "2026-12-01T21:22:18.000001");
  CHECK(ipa::python_local_isoformat(kWholeSecond + 123'456 * kMicrosecond) ==
        "2026-12-01T21:22:18.123456");
}

TEST_CASE("assigned_at truncates nanoseconds to microseconds, as datetime.now() does") {
  const LocalZone utc("UTC");
  CHECK(ipa::python_local_isoformat(kWholeSecond + 999) == "2026-12-01T21:22:18");
  CHECK(ipa::python_local_isoformat(kWholeSecond + kSecond - 1) == "2026-12-01T21:22:18.999999");
}

TEST_CASE("assigned_at is naive local time") {
  const LocalZone kolkata("Asia/Kolkata");
  CHECK(ipa::python_local_isoformat(kWholeSecond) == "2026-12-02T02:52:18");
}

TEST_CASE("Python's isoformat() and ours agree for the same instant") {
  // Whole seconds, the smallest and largest fractions, and both sides of a
  // daylight-saving change in New York (2026-03-08 and 2026-11-01).
  const std::vector<std::int64_t> instants = {
      kWholeSecond,
      kWholeSecond + kMicrosecond,
      kWholeSecond + 10 * kMicrosecond,
      kWholeSecond + 500'000 * kMicrosecond,
      kWholeSecond + kSecond - 1,
      1'772'953'200 * kSecond - kMicrosecond,
      1'772'953'200 * kSecond,
      1'793'512'800 * kSecond - kSecond,
      1'793'512'800 * kSecond,
      1'793'512'800 * kSecond + 7 * kMicrosecond + 999,
  };
  for (const char* zone : {"UTC", "America/New_York", "Asia/Kolkata", "Europe/Berlin"}) {
    const LocalZone local(zone);
    const auto expected = python_isoformat(instants);
    REQUIRE(expected.size() == instants.size());
    for (std::size_t i = 0; i < instants.size(); ++i) {
      INFO(zone << " at " << instants[i] << " ns");
      CHECK(ipa::python_local_isoformat(instants[i]) == expected[i]);
    }
  }
}
