#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "agent/docker/docker_watch.hpp"
#include "agent/reconcile_job.hpp"
#include "reconciler/container_cache.hpp"

namespace ipa {

// The Docker side of watch mode: what one engine says, as steps for the
// registry, in the order it happened. Its list (at start and after every
// reconnect) is a full-reconcile step; each event is observed by the
// container cache, and a fact it yields is a step. A started container's
// published ports are only in the container list, so a start waits for its
// list entry (one lookup at a time), and later facts wait behind it to keep
// their order.
class ContainerFeed {
 public:
  struct Callbacks {
    // Steps to write, oldest first; one call per turn of the loop.
    std::function<void(std::vector<PendingStep>)> on_steps;
    // The engine stopped answering (once per outage); the feed reconnects.
    std::function<void(const Error&)> on_lost;
  };

  explicit ContainerFeed(uv_loop_t* loop, Callbacks callbacks);

  // Follows the engine at `endpoint`: on another engine than before, the
  // facts already seen still go out first, without the ports they waited
  // for. Never call it from inside the feed's own callbacks.
  void follow(const DockerEndpoint& endpoint, Backoff backoff);
  // Stops for good; facts still waiting go out without their ports.
  void stop();

  // What the engine's ping said it is (empty before it answered).
  EngineInfo engine_info() const;
  std::unordered_set<std::string> present_names() const { return cache_.names(); }
  std::size_t container_count() const { return cache_.size(); }
  // The newest event's time, or the wall clock of the newest list.
  std::int64_t last_change_nano() const { return last_change_nano_; }
  std::int64_t last_synced_nano() const { return last_synced_nano_; }

 private:
  struct HeldFact {
    ContainerFact fact;
    bool ready;  // false: waiting for its published ports
  };

  void on_synced(std::vector<Container> containers);
  void on_event(const Event& event);
  void release_held();
  void release_held_without_ports(std::vector<PendingStep>& steps);
  void on_looked_up(const Result<std::vector<Container>>& listed);
  void deliver(std::vector<PendingStep> steps);

  uv_loop_t* loop_;
  Callbacks callbacks_;
  std::unique_ptr<DockerWatch> watch_;
  ContainerCache cache_;
  std::deque<HeldFact> held_;
  bool lookup_in_flight_ = false;
  std::uint64_t lookups_asked_ = 0;  // the newest lookup's number; older answers are dropped
  std::int64_t last_change_nano_ = 0;
  std::int64_t last_synced_nano_ = 0;
  bool stopped_ = false;
};

}  // namespace ipa
