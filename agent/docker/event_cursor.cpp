#include "agent/docker/event_cursor.hpp"

namespace ipa {
namespace {

std::string identity(const Event& event) {
  std::string k = event.type;
  k += '\0';
  k += event.action;
  k += '\0';
  k += event.id;
  return k;
}

}  // namespace

void EventCursor::resume() {
  resent_ = recent_;
}

bool EventCursor::admit(const Event& event) {
  const Key key{event.time_nano, identity(event)};
  if (const auto copy = resent_.find(key); copy != resent_.end()) {
    if (--copy->second == 0) {
      resent_.erase(copy);
    }
    return false;
  }
  // Past the resume point the replay is over; nothing older comes again.
  if (newest_ && event.time_nano > *newest_) {
    resent_.clear();
  }
  if (!newest_ || event.time_nano > *newest_) {
    newest_ = event.time_nano;
    recent_.erase(recent_.begin(), recent_.lower_bound(Key{*newest_ - kRecentNanos, {}}));
  }
  // An event stamped before the window (the engine stamps before it orders)
  // is older than anything `since` can bring back.
  if (event.time_nano >= *newest_ - kRecentNanos) {
    ++recent_[key];
  }
  return true;
}

}  // namespace ipa
