#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "model/container.hpp"

namespace ipa {

// What one Docker event means for the registry, with the container as it was
// when the event happened (a removed container is no longer in any list).
struct ContainerFact {
  // kStopCameLate: a stop/kill arrived shortly after a die already read as a
  // crash, so that crash was a stop on request after all.
  enum class Kind { kStarted, kStoppedOnRequest, kCrashed, kStopCameLate, kRemoved, kRenamed };
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
//
// Docker sends kill before die; Podman sends stop or kill before die too, but
// the order is a race between its API service and the container's cleanup
// process, so a request may also arrive just after the die, or (Podman 4.3
// with a published port, mostly) not at all. A stop/kill, or Podman's second
// cleanup, within `ordering_window_nanos` after a die read as a crash (by the
// events' own times: no timer) corrects it. Docker names a removal `destroy`, Podman
// `remove`, and Podman sends more actions (cleanup, ...) after it: a removed
// container never comes back from them.
class ContainerCache {
 public:
  static constexpr std::int64_t kDefaultOrderingWindowNanos = 2'000'000'000;

  explicit ContainerCache(std::int64_t ordering_window_nanos = kDefaultOrderingWindowNanos)
      : ordering_window_nanos_(ordering_window_nanos) {}

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
    std::optional<std::int64_t> crashed_at;  // a die read as a crash, until corrected
    int cleanups_since_crash = 0;
    std::optional<std::int64_t> started_at;
  };
  Entry& entry_for(const Event& event);
  std::optional<ContainerFact> removed(const Event& event);
  std::optional<ContainerFact> renamed(const Event& event);
  bool just_crashed(const Entry& entry, const Event& event) const;
  std::optional<ContainerFact> requested(Entry& entry, const Event& event);
  std::optional<ContainerFact> died(Entry& entry, const Event& event);

  std::int64_t ordering_window_nanos_;
  std::unordered_map<std::string, Entry> containers_;
  // Ids removed lately, oldest first: their late actions are ignored.
  std::unordered_set<std::string> removed_ids_;
  std::deque<std::string> removed_order_;
};

}  // namespace ipa
