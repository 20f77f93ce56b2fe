#include "agent/docker/event_cursor.hpp"

namespace ipa {
namespace {

std::string key(const Event& event) {
  std::string k = event.type;
  k += '\0';
  k += event.action;
  k += '\0';
  k += event.id;
  return k;
}

}  // namespace

bool EventCursor::is_repeat(const Event& event) const {
  return newest_ && event.time_nano == *newest_ && at_newest_.contains(key(event));
}

void EventCursor::record(const Event& event) {
  if (!newest_ || event.time_nano > *newest_) {
    newest_ = event.time_nano;
    at_newest_.clear();
  }
  // An older timestamp (the engine stamps before it orders) cannot be
  // re-sent by `since`, so it needs no key.
  if (event.time_nano == *newest_) {
    at_newest_.insert(key(event));
  }
}

}  // namespace ipa
