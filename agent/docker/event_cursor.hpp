#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "model/container.hpp"

namespace ipa {

// Where to resume the event stream after a reconnect, and which events the
// resumed stream sends again. Docker's `since` re-sends the events at exactly
// that timestamp; Podman reads `since` as a float and re-sends events up to a
// microsecond older. So the cursor remembers the events of the last second
// before the newest one, with their times, and after resume() skips one
// re-sent copy of each. A live stream is never filtered: an engine that
// stamps in whole seconds sends distinct events with equal keys.
class EventCursor {
 public:
  // How far before the newest event re-sent events are recognised.
  static constexpr std::int64_t kRecentNanos = 1'000'000'000;

  // The timestamp to resume from; none before the first event.
  std::optional<std::int64_t> since() const { return newest_; }
  // A new stream starts from since(): what it re-sends is skipped.
  void resume();
  // False for a re-sent copy of an event already admitted (it is consumed);
  // true, and recorded, for a new one.
  bool admit(const Event& event);

 private:
  using Key = std::pair<std::int64_t, std::string>;  // timeNano, type/action/id

  std::optional<std::int64_t> newest_;
  std::map<Key, int> recent_;  // admitted events within kRecentNanos of newest_
  std::map<Key, int> resent_;  // what the resumed stream may send again
};

}  // namespace ipa
