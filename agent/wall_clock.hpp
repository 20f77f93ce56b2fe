#pragma once

#include <cstdint>
#include <string>

#include "reconciler/timestamps.hpp"

namespace ipa {

// The one place that reads the wall clock for the rules.
Clock read_clock();

std::int64_t wall_clock_nano();

// "2026-11-27T10:30:00.123456Z" for a time in nanoseconds since the epoch.
std::string iso8601_utc(std::int64_t time_nano);

// What Python's datetime.now().isoformat() writes when the clock reads
// `time_nano`: naive local time, microseconds (truncated, as datetime.now()
// does), and no fraction at all when they are 0: the registry is shared with
// iris-devtester, so what the agent adds reads as if Python had written it.
std::string python_local_isoformat(std::int64_t time_nano);

std::string python_local_isoformat_now();

}  // namespace ipa
