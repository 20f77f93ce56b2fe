// assigned_at as Python writes it: datetime.now().isoformat() (naive local),
// or any isoformat() output with an offset.

#include <cstdlib>
#include <optional>
#include <string>

#include "tests/reconciler/support.hpp"

namespace ipa::test {
namespace {

struct Row {
  const char* text;
  std::int64_t local_offset;
  std::int64_t instant;
};

std::optional<std::int64_t> parse(const std::string& text, std::int64_t local_offset = 0) {
  return parse_iso8601_instant(text, Clock{kNow, local_offset});
}

TEST_CASE("ISO 8601: Python's datetime.isoformat outputs, naive and with offsets") {
  const Row row = GENERATE(values<Row>({
      // naive, as datetime.now().isoformat() writes it
      {"2025-01-17T10:30:00.123456", 0, kJan17_1030Utc},
      {"2025-01-17T10:30:00", 0, kJan17_1030Utc},
      {"2025-01-17 10:30:00.123456", 0, kJan17_1030Utc},  // str(datetime)
      {"2025-01-17 10:30:00", 0, kJan17_1030Utc},
      // isoformat(timespec=...)
      {"2025-01-17T10:30:00.123", 0, kJan17_1030Utc},
      {"2025-01-17T10:30", 0, kJan17_1030Utc},
      {"2025-01-17T10", 0, kJan17_1030Utc - 1800},
      // date.isoformat(), read by datetime.fromisoformat as midnight
      {"2025-01-17", 0, 1737072000},
      // offsets
      {"2025-01-17T10:30:00+00:00", 0, kJan17_1030Utc},
      {"2025-01-17T10:30:00.123456+00:00", 0, kJan17_1030Utc},
      {"2025-01-17T10:30:00Z", 0, kJan17_1030Utc},
      {"2025-01-17T10:30:00.123456Z", 0, kJan17_1030Utc},
      {"2025-01-17T10:30:00+05:30", 0, kJan17_1030Utc - 19800},
      {"2025-01-17T10:30:00.123456+05:30", 0, kJan17_1030Utc - 19800},
      {"2025-01-17T10:30:00-08:00", 0, kJan17_1030Utc + 28800},
      {"2025-01-17T10:30:00.123456-03:30", 0, kJan17_1030Utc + 12600},
      {"2025-01-17T10:30:00+05:30:15", 0, kJan17_1030Utc - 19815},
      {"2025-01-01T00:30:00+01:00", 0, 1735687800},  // the previous day in UTC
      // calendar
      {"1970-01-01T00:00:00+00:00", 0, 0},
      {"2024-02-29T00:00:00+00:00", 0, 1709164800},
      {"2000-02-29T12:00:00+00:00", 0, 951825600},
      {"2024-12-31T23:59:59.999999+00:00", 0, 1735689599},
  }));
  CAPTURE(row.text);
  CHECK(parse(row.text, row.local_offset) == std::optional<std::int64_t>(row.instant));
}

TEST_CASE("ISO 8601: a naive time is local time, at the Clock's offset") {
  const std::int64_t local_offset =
      GENERATE(std::int64_t{0}, std::int64_t{3600}, std::int64_t{-18000}, std::int64_t{19800},
               std::int64_t{-34200}, std::int64_t{50400});
  const char* text =
      GENERATE("2025-01-17T10:30:00.123456", "2025-01-17T10:30:00", "2025-01-17 10:30:00");
  CAPTURE(local_offset, text);
  CHECK(parse(text, local_offset) == std::optional<std::int64_t>(kJan17_1030Utc - local_offset));
}

TEST_CASE("ISO 8601: an explicit offset wins over the Clock's") {
  const std::int64_t local_offset =
      GENERATE(std::int64_t{0}, std::int64_t{3600}, std::int64_t{-18000});
  CAPTURE(local_offset);
  CHECK(parse("2025-01-17T10:30:00+00:00", local_offset) ==
        std::optional<std::int64_t>(kJan17_1030Utc));
  CHECK(parse("2025-01-17T10:30:00Z", local_offset) == std::optional<std::int64_t>(kJan17_1030Utc));
  CHECK(parse("2025-01-17T10:30:00.123456+05:30", local_offset) ==
        std::optional<std::int64_t>(kJan17_1030Utc - 19800));
}

TEST_CASE("ISO 8601: an offset with microseconds (isoformat of a sub-minute tzinfo)") {
  // "+05:30:15.123456": Python's instant is 19815.123456 s before the wall time.
  const auto instant = parse("2025-01-17T10:30:00+05:30:15.123456");
  REQUIRE(instant.has_value());
  CHECK(std::llabs(*instant - (kJan17_1030Utc - 19815)) <= 1);
}

TEST_CASE("ISO 8601: garbage gives nullopt") {
  const char* text = GENERATE(
      "", "garbage", "None", "null", "2025", "2025-01", "2025-01-17T", "2025-1-17T10:30:00",
      "17/01/2025 10:30", "20250117T103000x", "2025-13-01T00:00:00", "2025-00-10T00:00:00",
      "2025-01-32T00:00:00", "2025-01-00", "2025-01-17T24:00:00", "2025-01-17T10:60:00",
      "2025-01-17T10:30:60", "2025-01-17T10:3", "2025-01-17T10:30:0",
      "2025-01-17T10:30:00+05:30junk", "2025-01-17T10:30:00Z+01:00", "2025-01-17T10:30:00 UTC",
      "2025-01-17T10:30:00+5:30", "  2025-01-17T10:30:00", "2025-01-17T10:30:00 ",
      "2025-01-17X10:30:00", "-025-01-17T10:30:00", "2025-01-17T-1:30:00");
  CAPTURE(text);
  CHECK_FALSE(parse(text).has_value());
}

TEST_CASE("ISO 8601: strings datetime.fromisoformat rejects give nullopt") {
  const char* text = GENERATE("2025-02-30T10:00:00",         // day is out of range for month
                              "2023-02-29",                  // not a leap year
                              "2025-04-31T10:00:00",         // April has 30 days
                              "2025-01-17T10:30:00.",        // a dot without digits
                              "2025-01-17T10:30:00+25:00");  // offset of a day or more
  CAPTURE(text);
  CHECK_FALSE(parse(text).has_value());
}

}  // namespace
}  // namespace ipa::test
