#include "agent/watch_mode.hpp"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "agent/agent_note.hpp"
#include "agent/configured_engine.hpp"
#include "agent/docker/engine_alternatives.hpp"
#include "agent/exit_codes.hpp"
#include "agent/instance_lock.hpp"
#include "agent/reconcile_job.hpp"
#include "agent/service_notify.hpp"
#include "agent/wall_clock.hpp"
#include "agent/watch/container_feed.hpp"
#include "agent/watch/engine_follower.hpp"
#include "agent/watch/registry_writer.hpp"
#include "base/log.hpp"
#include "platform/memory.hpp"

namespace ipa {
namespace {

constexpr std::uint64_t kShutdownBudgetMs = 900;                 // SIGTERM to exit within a second
constexpr std::size_t kKeepFreedBytes = std::size_t{32} << 20U;  // glibc's largest mmap threshold

Backoff backoff_of(const Config& config) {
  return Backoff{config.backoff_initial_ms, config.backoff_max_ms};
}

// Watch mode wired to the loop: the engine follower says which engine, the
// container feed turns what that engine says into steps, the registry writer
// takes them to the file; this owns the settings and the signals.
class WatchAgent {
 public:
  WatchAgent(uv_loop_t* loop, Config config, ConfigOverrides flags, ResolvedEngine engine)
      : loop_(loop),
        config_(std::move(config)),
        flags_(std::move(flags)),
        started_at_(iso8601_utc(wall_clock_nano())),
        writer_(loop, config_.registry_path, config_.coalesce_window_ms,
                RegistryWriter::Hooks{
                    [this](std::vector<PendingStep> steps) { return prepare(std::move(steps)); },
                    [this](const Plan::Summary& summary) { on_reconciled(summary); }}),
        feed_(loop, ContainerFeed::Callbacks{
                        [this](std::vector<PendingStep> steps) { writer_.add(std::move(steps)); },
                        [this](const Error& error) { on_lost(error); }}),
        follower_(loop, config_, std::move(engine), [this](const ResolvedEngine& fresh) {
          feed_.follow(fresh.endpoint, backoff_of(config_));
        }) {
    uv_timer_init(loop_, &reload_timer_);
    reload_timer_.data = this;
    for (auto& [handle, signum] : signals_) {
      uv_signal_init(loop_, &handle);
      handle.data = this;
      uv_signal_start(&handle, &WatchAgent::on_signal, signum);
    }
  }

  void start() {
    log_info("watching the engine at " + follower_.engine().describe() + " for registry " +
             config_.registry_path);
    feed_.follow(follower_.engine().endpoint, backoff_of(config_));
    follower_.start();
  }

 private:
  // The job for the writer: the settings of the moment, the containers
  // present now, and the agent's note.
  ReconcileJob prepare(std::vector<PendingStep> steps) {
    ReconcileJob job = reconcile_job_for(config_, std::move(steps));
    job.present_names = feed_.present_names();
    const ResolvedEngine& engine = follower_.engine();
    AgentNote note;
    note.pid = ::getpid();
    note.started_at = started_at_;
    note.endpoint = engine.endpoint.url;
    note.context = engine.context;
    note.engine_info = feed_.engine_info();
    if (feed_.last_synced_nano() != 0) {
      note.last_synced_at = iso8601_utc(feed_.last_synced_nano());
    }
    note.last_change_at = iso8601_utc(feed_.last_change_nano());
    job.agent_note = std::move(note);
    job.always_record_agent = includes_full_list(job);
    return job;
  }

  void on_reconciled(const Plan::Summary& summary) {
    const std::string line = to_string(summary) + " against " +
                             std::to_string(feed_.container_count()) + " container(s)";
    log_info(line);
    notify_service_reconciled(line);  // Type=notify: the registry is true now
  }

  void on_lost(const Error& error) {
    const std::string where = error.code == ErrorCode::kDockerUnreachable
                                  ? engine_alternatives(follower_.engine(), process_environment())
                                  : std::string();
    log_warn(error.message + where + "; the registry is left as it is until Docker answers again");
    follower_.resolve_soon();
  }

  static void on_signal(uv_signal_t* handle, int signum) {
    auto* self = static_cast<WatchAgent*>(handle->data);
    if (signum != SIGHUP) {
      self->begin_shutdown();
    } else if (!self->stopping_) {
      // A burst of hang-ups is one reload, at the next turn of the loop: the
      // events and writes between them go on.
      uv_timer_start(&self->reload_timer_, &WatchAgent::on_reload_due, 0, 0);
    }
  }

  static void on_reload_due(uv_timer_t* timer) {
    static_cast<WatchAgent*>(timer->data)->reload_config();
  }

  // The settings a fresh start with the same flags and environment would
  // compute now (defaults < file < environment < flags): laying the file over
  // the merged settings would let it beat the flags, and keep keys it lost.
  void reload_config() {
    auto fresh = load_config(flags_, process_environment());
    if (!fresh) {
      log_error("SIGHUP: " + fresh.error().message + "; keeping the current settings");
      return;
    }
    if (fresh->registry_path != config_.registry_path ||
        fresh->docker_host != config_.docker_host ||
        fresh->docker_context != config_.docker_context) {
      log_warn(
          "SIGHUP: registry, docker_host and docker_context changes take effect at the next "
          "start");
      fresh->registry_path = config_.registry_path;
      fresh->docker_host = config_.docker_host;
      fresh->docker_context = config_.docker_context;
    }
    config_ = std::move(*fresh);
    set_log_level(config_.log_level);
    writer_.set_window_ms(config_.coalesce_window_ms);
    const std::string source =
        config_.config_file.empty() ? "no config file" : "config file " + config_.config_file;
    log_info("SIGHUP: reloaded the settings (" + source + ")");
  }

  // Everything stops listening; the writer writes what is pending, within
  // the budget, and the loop ends when its handles are closed.
  void begin_shutdown() {
    if (stopping_) {
      return;
    }
    stopping_ = true;
    notify_service_stopping();
    follower_.stop();
    uv_close(reinterpret_cast<uv_handle_t*>(&reload_timer_), nullptr);
    for (auto& [handle, signum] : signals_) {
      uv_close(reinterpret_cast<uv_handle_t*>(&handle), nullptr);
    }
    feed_.stop();
    writer_.finish(kShutdownBudgetMs);
  }

  uv_loop_t* loop_;
  Config config_;
  ConfigOverrides flags_;  // as given at the start: a reload computes the settings anew
  const std::string started_at_;
  RegistryWriter writer_;
  ContainerFeed feed_;
  EngineFollower follower_;
  uv_timer_t reload_timer_{};  // SIGHUP: one reload per burst
  std::array<std::pair<uv_signal_t, int>, 3> signals_{
      {{uv_signal_t{}, SIGINT}, {uv_signal_t{}, SIGTERM}, {uv_signal_t{}, SIGHUP}}};
  bool stopping_ = false;
};

}  // namespace

int run_watch_mode(const Config& config, const ConfigOverrides& flags) {
  auto engine = resolve_configured_engine(config);
  if (!engine) {
    log_error(engine.error().message);
    return kExitUsage;
  }
  auto instance = InstanceLock::acquire(config.registry_path);
  if (!instance) {
    log_error(instance.error().message);
    return kExitUsage;  // another agent watches this registry: the contract's "usage" code
  }
  // One write runs at a time, so one pool thread is enough: libuv's default
  // four would each keep a stack and a malloc arena holding a copy's worth of
  // the registry (7 MiB private instead of 3 with 1,000 assignments). A
  // user's own setting wins. Freed memory stays with the process until the
  // writer returns it when quiet: glibc's own trimming, and its mmap of large
  // buffers, gave the pages back after every write, and faulting them in
  // again cost more than the write's parse and serialization together.
  ::setenv("UV_THREADPOOL_SIZE", "1", 0);
  platform::tune_allocator_for_one_writer(kKeepFreedBytes);
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    // uv_run returns once every handle has closed, so the agent can go.
    WatchAgent agent(&loop, config, flags, std::move(*engine));
    agent.start();
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  // The agent's destructors close handles (DockerWatch's timer, curl's, the
  // socket watch) whose close callbacks free them: let them run, or
  // uv_loop_close fails with EBUSY and LeakSanitizer fails the exit.
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  log_info("stopped");
  return kExitOk;
}

}  // namespace ipa
