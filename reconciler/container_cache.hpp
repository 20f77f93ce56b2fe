#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "reconciler/model.hpp"

namespace ipa {

// What one Docker event means for the registry, with the container as it was
// when the event happened (a removed container is no longer in any list).
struct ContainerFact {
  enum class Kind { kStarted, kStoppedOnRequest, kCrashed, kRemoved, kRenamed };
  Kind kind;
  Container container;
  std::string old_name;  // kRenamed only
  std::int64_t time_nano = 0;
  std::string action;  // the event's Action, for the log
};

const char* to_string(ContainerFact::Kind kind);

// The agent's picture of the engine's containers (the informer's cache): the
// container list replaces it, events keep it current between lists. It also
// remembers explicit kill/stop requests since each container last started,
// which decide what a `die` means. There is no time limit: IRIS may take
// minutes to shut down under `docker stop -t 300`.
class ContainerCache {
 public:
  void replace(const std::vector<Container>& containers);

  // Updates the cache and says what the event means, if anything.
  std::optional<ContainerFact> observe(const Event& event);

  // Published ports learnt after an event (Docker reports them only in the
  // list); the rest of the entry is newer from the events themselves.
  void learn_ports(const Container& listed);

  std::unordered_set<std::string> names() const;
  std::size_t size() const { return containers_.size(); }

 private:
  struct Entry {
    Container container;
    bool stop_requested = false;
  };
  Entry& entry_for(const Event& event);

  std::unordered_map<std::string, Entry> containers_;
};

}  // namespace ipa
