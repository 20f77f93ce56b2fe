#include "agent/docker/docker_watch.hpp"

#include <algorithm>
#include <optional>
#include <random>

#include "agent/docker/docker_client.hpp"
#include "agent/docker/event_cursor.hpp"
#include "agent/docker/socket_appearance.hpp"
#include "base/log.hpp"

namespace ipa {

std::uint64_t backoff_delay_ms(const Backoff& backoff, int attempt, double unit) {
  const auto initial = static_cast<std::uint64_t>(std::max(1, backoff.initial_ms));
  const auto cap = std::max(initial, static_cast<std::uint64_t>(std::max(1, backoff.max_ms)));
  const int shift = std::clamp(attempt, 0, 40);
  const std::uint64_t full = std::min(cap, initial << shift);
  const std::uint64_t half = full / 2;
  const auto jitter = static_cast<std::uint64_t>(static_cast<double>(full - half) * unit);
  return half + std::min(jitter, full - half);
}

namespace {

enum class Phase { kStopped, kPinging, kSubscribing, kListing, kConnected, kWaiting };

}  // namespace

struct DockerWatch::Impl {
  Impl(uv_loop_t* uv_loop, DockerEndpoint ep, Backoff b, Callbacks cbs)
      : loop(uv_loop), backoff(b), callbacks(std::move(cbs)), client(uv_loop, std::move(ep)) {
    if (!client.endpoint().socket_path.empty()) {
      socket_watch = std::make_unique<SocketAppearance>(loop, client.endpoint().socket_path,
                                                        [this] { socket_appeared(); });
    }
  }

  ~Impl() { stop(); }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  uv_loop_t* loop;
  Backoff backoff;
  Callbacks callbacks;
  DockerClient client;
  std::unique_ptr<SocketAppearance> socket_watch;  // unix sockets only
  uv_timer_t* timer = nullptr;  // heap: its close completes after this object is gone
  EventCursor cursor;
  std::optional<EngineInfo> announced;  // the engine last named in the log
  std::vector<Event> held;              // arrived before the list answered
  Phase phase = Phase::kStopped;
  bool in_outage = false;
  int attempt = 0;
  std::uint64_t connected_at_ms = 0;  // uv_now() when the last sync completed
  std::mt19937 rng{std::random_device{}()};

  void start() {
    if (phase != Phase::kStopped) {
      return;
    }
    timer = new uv_timer_t;
    uv_timer_init(loop, timer);
    timer->data = this;
    connect();
  }

  void stop() {
    if (phase == Phase::kStopped) {
      return;
    }
    phase = Phase::kStopped;
    client.cancel_all();
    held.clear();
    if (socket_watch) {
      socket_watch->stop();
    }
    uv_close(reinterpret_cast<uv_handle_t*>(timer),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
    timer = nullptr;
  }

  void connect() {
    phase = Phase::kPinging;
    client.ping([this](const Result<std::string>& version) {
      if (!version) {
        lost(version.error());
        return;
      }
      subscribe();
    });
  }

  // The list is asked for only once the stream is open, so that no event
  // falls between the two.
  void subscribe() {
    phase = Phase::kSubscribing;
    cursor.resume();
    client.stream_events(
        cursor.since(), [this] { list(); }, [this](const Event& event) { take(event); },
        [this](const Error& error) { lost(error); });
  }

  void list() {
    phase = Phase::kListing;
    client.list_containers([this](Result<std::vector<Container>> containers) {
      if (!containers) {
        lost(containers.error());
        return;
      }
      synced(std::move(containers).value());
    });
  }

  void synced(std::vector<Container> containers) {
    phase = Phase::kConnected;
    connected_at_ms = uv_now(loop);
    if (socket_watch) {
      socket_watch->stop();
    }
    if (in_outage) {
      in_outage = false;
      log_info("reconnected to the Docker engine at " + client.endpoint().url);
    }
    if (announced != client.engine()) {
      announced = client.engine();
      log_info("watching " + describe(*announced) + " at " + client.endpoint().url);
    }
    callbacks.on_synced(std::move(containers));
    std::vector<Event> backlog = std::move(held);
    held.clear();
    for (const Event& event : backlog) {
      if (phase != Phase::kConnected) {
        return;  // a callback stopped the watch, or the engine went away
      }
      deliver(event);
    }
  }

  // Recorded only when delivered: an event held when the connection drops
  // must come again through `since`.
  void take(const Event& event) {
    if (phase == Phase::kConnected) {
      deliver(event);
    } else {
      held.push_back(event);
    }
  }

  void deliver(const Event& event) {
    if (cursor.admit(event)) {
      callbacks.on_event(event);
    }
  }

  void lost(const Error& error) {
    if (phase == Phase::kStopped) {
      return;
    }
    // The backoff starts over only after a connection that lasted: a peer
    // that answers the list and then drops the stream at once (garbage, a
    // 64 MiB line, a proxy hanging up) must not be reconnected to every
    // initial_ms for ever.
    if (phase == Phase::kConnected &&
        uv_now(loop) - connected_at_ms >= static_cast<std::uint64_t>(backoff.max_ms)) {
      attempt = 0;
    }
    client.cancel_all();
    held.clear();
    if (!in_outage) {
      in_outage = true;
      // One line per outage: the caller's.
      log_debug(error.message + "; retrying until the engine answers");
      if (callbacks.on_lost) {
        callbacks.on_lost(error);
        if (phase == Phase::kStopped) {
          return;
        }
      }
    } else {
      log_debug(error.message);
    }
    wait();
  }

  void wait() {
    phase = Phase::kWaiting;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const std::uint64_t delay = backoff_delay_ms(backoff, attempt, unit(rng));
    attempt = std::min(attempt + 1, 40);
    uv_timer_start(timer, &Impl::on_timer, delay, 0);
    if (socket_watch) {
      if (auto watching = socket_watch->start(); !watching) {
        log_debug(watching.error().message);
      }
    }
  }

  static void on_timer(uv_timer_t* handle) {
    auto* self = static_cast<Impl*>(handle->data);
    if (self->phase == Phase::kWaiting) {
      self->connect();
    }
  }

  void socket_appeared() {
    if (phase != Phase::kWaiting) {
      return;
    }
    log_debug("the Docker socket " + client.endpoint().socket_path + " appeared; retrying now");
    uv_timer_stop(timer);
    attempt = 0;
    connect();
  }
};

DockerWatch::DockerWatch(uv_loop_t* loop, DockerEndpoint endpoint, Backoff backoff,
                         Callbacks callbacks)
    : impl_(std::make_unique<Impl>(loop, std::move(endpoint), backoff, std::move(callbacks))) {}

DockerWatch::~DockerWatch() = default;

void DockerWatch::start() {
  impl_->start();
}

void DockerWatch::lookup(const std::string& id,
                         std::function<void(Result<std::vector<Container>>)> done) {
  impl_->client.list_container(id, std::move(done));
}

void DockerWatch::stop() {
  impl_->stop();
}

const EngineInfo& DockerWatch::engine() const {
  return impl_->client.engine();
}

}  // namespace ipa
