#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

namespace ipa {

// "Now" as the rules need it, read by the caller: the reconciler never reads
// a clock. The local offset turns naive local timestamps (Python's
// datetime.now().isoformat()) into instants.
struct Clock {
  std::int64_t utc_seconds = 0;
  std::int64_t local_offset_seconds = 0;  // local time minus UTC, at utc_seconds
  // Local wall-clock seconds (as if UTC) to an instant, honouring the zone's
  // rules at that time (daylight saving); when empty, the offset above is used.
  std::function<std::int64_t(std::int64_t)> local_to_utc{};
};

// Seconds since the epoch of an ISO 8601 timestamp as Python's
// datetime.fromisoformat reads it: "YYYY-MM-DD[(T| )HH[:MM[:SS[.ffffff]]]]"
// with an optional "Z" or "+HH:MM[:SS]" offset. Naive means local time.
std::optional<std::int64_t> parse_iso8601_instant(std::string_view text, const Clock& clock);

}  // namespace ipa
