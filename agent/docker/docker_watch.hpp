#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <uv.h>

#include "agent/docker/docker_endpoint.hpp"
#include "agent/docker/engine_info.hpp"
#include "base/result.hpp"
#include "model/container.hpp"

namespace ipa {

struct Backoff {
  int initial_ms = 100;
  int max_ms = 10000;
};

// The wait before retry number `attempt` (0-based): initial_ms doubled per
// attempt up to max_ms, then "equal jitter": a uniform draw in the upper half
// (`unit` in [0, 1)), so that agents restarted together do not retry in step.
std::uint64_t backoff_delay_ms(const Backoff& backoff, int attempt, double unit);

// List-then-watch against one Docker engine, driven by a libuv loop.
//
// start(): ping (negotiates the API version), subscribe to /events (container
// events only, `since` the last event seen after a reconnect), then list all
// containers and hand the list to on_synced: the caller reconciles fully.
// Events are handed to on_event in order, also those that arrive while the list
// is in flight (after on_synced). A reconnect resumes the stream at the newest
// event delivered and drops the exact repeats `since` re-sends. When the
// engine goes away, on_lost is called once per outage and the watch
// reconnects with exponential backoff and jitter; for a unix socket it also
// retries as soon as the socket reappears (starting the backoff over, so a
// daemon still starting is not hammered). Connected and idle, it arms no
// timer; disconnected, only the backoff timer. Callbacks run on the loop and
// may call stop(), but must not destroy the watch.
class DockerWatch {
 public:
  struct Callbacks {
    std::function<void(std::vector<Container>)> on_synced;
    std::function<void(const Event&)> on_event;
    std::function<void(const Error&)> on_lost;
  };

  DockerWatch(uv_loop_t* loop, DockerEndpoint endpoint, Backoff backoff, Callbacks callbacks);
  ~DockerWatch();
  DockerWatch(const DockerWatch&) = delete;
  DockerWatch& operator=(const DockerWatch&) = delete;

  void start();
  // Cancels transfers and timers; the loop can then finish.
  void stop();

  // Which engine answered the last ping (empty before the first): logged as
  // "watching Podman 4.3.1 (API 1.41) at unix://..." when it first answers
  // and whenever a reconnect finds another one.
  const EngineInfo& engine() const;

  // One container's list entry, on the watch's connection to the engine.
  void lookup(const std::string& id, std::function<void(Result<std::vector<Container>>)> done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ipa
