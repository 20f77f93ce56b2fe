#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "reconciler/model.hpp"

namespace ipa {

// Where to resume the event stream after a reconnect. Docker's `since`
// re-sends the events at exactly that timestamp, so the cursor remembers the
// events delivered at the newest timestamp to recognise those repeats.
class EventCursor {
 public:
  // The timestamp to resume from; none before the first event.
  std::optional<std::int64_t> since() const { return newest_; }
  // An exact repeat (timeNano, type, action, id) of an event already recorded
  // at the newest timestamp.
  bool is_repeat(const Event& event) const;
  // Called for each event handed to the caller.
  void record(const Event& event);

 private:
  std::optional<std::int64_t> newest_;
  std::set<std::string> at_newest_;  // keys of the events at newest_
};

}  // namespace ipa
