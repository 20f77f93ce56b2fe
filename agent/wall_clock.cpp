#include "agent/wall_clock.hpp"

#include <time.h>

#include <array>
#include <cstdio>

namespace ipa {

Clock read_clock() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  tm local{};
  ::localtime_r(&now.tv_sec, &local);
  return Clock{now.tv_sec, local.tm_gmtoff, [](std::int64_t wall) {
                 // mktime applies the zone's rules at that wall time (DST included).
                 const auto seconds = static_cast<time_t>(wall);
                 tm broken{};
                 ::gmtime_r(&seconds, &broken);
                 broken.tm_isdst = -1;
                 return static_cast<std::int64_t>(::mktime(&broken));
               }};
}

std::int64_t wall_clock_nano() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

namespace {

// "YYYY-MM-DDTHH:MM:SS", then ".ffffff" unless `fraction` is false.
std::string date_time_text(const tm& time, long micros, bool fraction) {
  std::array<char, 64> text{};
  const int length =
      std::snprintf(text.data(), text.size(), "%04d-%02d-%02dT%02d:%02d:%02d", time.tm_year + 1900,
                    time.tm_mon + 1, time.tm_mday, time.tm_hour, time.tm_min, time.tm_sec);
  if (fraction && length > 0) {
    (void)std::snprintf(text.data() + length, text.size() - static_cast<std::size_t>(length),
                        ".%06ld", micros);
  }
  return text.data();
}

}  // namespace

std::string iso8601_utc(std::int64_t time_nano) {
  const auto seconds = static_cast<time_t>(time_nano / 1'000'000'000);
  const auto micros = static_cast<long>((time_nano % 1'000'000'000) / 1000);
  tm utc{};
  ::gmtime_r(&seconds, &utc);
  return date_time_text(utc, micros, true) + "Z";
}

// Python's isoformat() leaves the fraction out at microsecond 0.
std::string python_local_isoformat(std::int64_t time_nano) {
  const auto seconds = static_cast<time_t>(time_nano / 1'000'000'000);
  const auto micros = static_cast<long>((time_nano % 1'000'000'000) / 1000);
  tm local{};
  ::localtime_r(&seconds, &local);
  return date_time_text(local, micros, micros != 0);
}

std::string python_local_isoformat_now() {
  return python_local_isoformat(wall_clock_nano());
}

}  // namespace ipa
