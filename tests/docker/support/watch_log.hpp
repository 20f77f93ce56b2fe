#pragma once

#include <string>
#include <vector>

#include "agent/docker/docker_watch.hpp"

namespace ipa::test {

// Everything a DockerWatch reported, in order.
struct WatchLog {
  std::vector<std::vector<Container>> lists;
  std::vector<std::size_t> events_before_sync;  // events.size() at each on_synced
  std::vector<Event> events;
  std::vector<Error> losses;

  DockerWatch::Callbacks callbacks() {
    return {
        [this](std::vector<Container> list) {
          events_before_sync.push_back(events.size());
          lists.push_back(std::move(list));
        },
        [this](const Event& event) { events.push_back(event); },
        [this](const Error& error) { losses.push_back(error); },
    };
  }

  // Index of the first event with this id and action after `from`, or -1.
  long find(const std::string& id, const std::string& action, std::size_t from = 0) const {
    for (std::size_t i = from; i < events.size(); ++i) {
      if (events[i].id == id && events[i].action == action) {
        return static_cast<long>(i);
      }
    }
    return -1;
  }
  bool has(const std::string& id, const std::string& action) const { return find(id, action) >= 0; }
};

}  // namespace ipa::test
