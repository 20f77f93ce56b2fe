#include "agent/watch_mode.hpp"

#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <array>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "agent/configured_engine.hpp"
#include "agent/docker/docker_watch.hpp"
#include "agent/docker/engine_alternatives.hpp"
#include "agent/instance_lock.hpp"
#include "agent/reconcile_job.hpp"
#include "agent/service_notify.hpp"
#include "agent/wall_clock.hpp"
#include "base/log.hpp"
#include "config/version.hpp"
#include "reconciler/container_cache.hpp"
#include "registry/registry_file.hpp"

namespace ipa {
namespace {

constexpr std::uint64_t kLockRetryMs = 50;  // py-filelock's own poll interval
constexpr std::uint64_t kIoRetryInitialMs = 1000;
constexpr std::uint64_t kIoRetryMaxMs = 30000;
constexpr std::uint64_t kShutdownBudgetMs = 900;  // SIGTERM to exit within a second
// Memory a write used is handed back once changes stop coming: trimming after
// every write made the next one fault all its pages in again, a millisecond
// of each write's latency on this machine's virtualised page faults.
constexpr std::uint64_t kTrimAfterQuietMs = 1000;
constexpr int kKeepFreedBytes = 32 << 20;  // glibc's largest mmap threshold
// `docker context use` writes a temp file and renames it over config.json:
// a few events in a row, one look after they settle.
constexpr std::uint64_t kResolveSettleMs = 20;

std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string file_name_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Why the registry cannot take the pending changes right now.
enum class Blocked { kNo, kLockBusy, kUnreadable, kIoFailure };

class WatchAgent {
 public:
  WatchAgent(uv_loop_t* loop, Config config, ConfigOverrides flags, ResolvedEngine engine)
      : loop_(loop),
        config_(std::move(config)),
        flags_(std::move(flags)),
        engine_(std::move(engine)),
        started_at_(iso8601_utc(wall_clock_nano())) {
    uv_timer_init(loop_, &resolve_timer_);
    resolve_timer_.data = this;
    uv_timer_init(loop_, &reload_timer_);
    reload_timer_.data = this;
    for (uv_fs_event_t* handle : {&config_dir_watch_, &context_watch_}) {
      uv_fs_event_init(loop_, handle);
      handle->data = this;
    }
    uv_timer_init(loop_, &write_timer_);
    write_timer_.data = this;
    uv_timer_init(loop_, &trim_timer_);
    trim_timer_.data = this;
    trim_work_.data = this;
    uv_fs_event_init(loop_, &registry_watch_);
    registry_watch_.data = this;
    for (auto& [handle, signum] : signals_) {
      uv_signal_init(loop_, &handle);
      handle.data = this;
      uv_signal_start(&handle, &WatchAgent::on_signal, signum);
    }
    work_.data = this;
  }

  void start() {
    log_info("watching the engine at " + engine_.describe() + " for registry " +
             config_.registry_path);
    start_docker_watch();
    watch_docker_config();
  }

 private:
  // --- Docker side -------------------------------------------------------

  void start_docker_watch() {
    watch_ = std::make_unique<DockerWatch>(
        loop_, engine_.endpoint, Backoff{config_.backoff_initial_ms, config_.backoff_max_ms},
        DockerWatch::Callbacks{[this](std::vector<Container> list) { on_synced(std::move(list)); },
                               [this](const Event& event) { on_event(event); },
                               [this](const Error& error) { on_lost(error); }});
    watch_->start();
  }

  void on_synced(std::vector<Container> containers) {
    // Facts from before a reconnect go first (their lookups died with the
    // connection): the list that follows them is the truth.
    release_held_without_ports();
    cache_.replace(containers);
    pending_.emplace_back(std::make_shared<const std::vector<Container>>(std::move(containers)));
    last_change_nano_ = wall_clock_nano();
    last_synced_nano_ = last_change_nano_;
    schedule_write();
  }

  void on_event(const Event& event) {
    if (stopping_) {
      return;
    }
    auto fact = cache_.observe(event);
    if (!fact) {
      return;
    }
    log_debug(std::string("event ") + event.action + " " + fact->container.name + ": " +
              to_string(fact->kind));
    last_change_nano_ = event.time_nano;
    const bool needs_ports = fact->kind == ContainerFact::Kind::kStarted;
    if (held_.empty() && !needs_ports) {
      pending_.emplace_back(std::move(*fact));
      schedule_write();
      return;
    }
    held_.push_back(HeldFact{std::move(*fact), !needs_ports});
    release_held();
  }

  // A started container's published ports are only in the container list,
  // so a start waits for its list entry, and later facts wait behind it to
  // keep their order.
  void release_held() {
    while (!held_.empty() && held_.front().ready) {
      pending_.emplace_back(std::move(held_.front().fact));
      held_.pop_front();
    }
    if (!held_.empty() && !lookup_in_flight_) {
      lookup_in_flight_ = true;
      watch_->lookup(
          held_.front().fact.container.id,
          [this, asked = ++lookups_asked_](const Result<std::vector<Container>>& listed) {
            if (asked == lookups_asked_) {  // else a later lookup replaced it
              on_looked_up(listed);
            }
          });
    }
    schedule_write();
  }

  // Without ports rather than not at all; an answer still on its way is
  // dropped.
  void release_held_without_ports() {
    for (HeldFact& held : held_) {
      pending_.emplace_back(std::move(held.fact));
    }
    held_.clear();
    lookup_in_flight_ = false;
    ++lookups_asked_;
  }

  void on_looked_up(const Result<std::vector<Container>>& listed) {
    lookup_in_flight_ = false;
    if (held_.empty()) {
      return;
    }
    HeldFact& front = held_.front();
    if (listed && !listed->empty()) {
      cache_.learn_ports(listed->front());
      front.fact.container.iris_host_ports = listed->front().iris_host_ports;
      front.fact.container.published_host_ports = listed->front().published_host_ports;
    } else if (!listed) {
      log_debug("no list entry for " + front.fact.container.name + ": " + listed.error().message);
    }
    front.ready = true;
    release_held();
  }

  void on_lost(const Error& error) {
    const std::string where = error.code == ErrorCode::kDockerUnreachable
                                  ? engine_alternatives(engine_, process_environment())
                                  : std::string();
    log_warn(error.message + where + "; the registry is left as it is until Docker answers again");
    // The engine may be gone because the user moved to another one: look
    // again, outside the watch's own callback (it may be replaced).
    uv_timer_start(&resolve_timer_, &WatchAgent::on_resolve_due, 0, 0);
  }

  // --- Which engine ------------------------------------------------------

  // The docker CLI's configuration directory (config.json's currentContext)
  // and the current context's own directory (its meta.json) are watched, so
  // that `docker context use` or an engine rewriting its context is noticed
  // at once; quiet directories cost no wake-ups. A configuration directory
  // that does not exist yet (no docker CLI used so far) is waited for in its
  // parent. A host named by the agent's settings never changes, so then
  // nothing is watched.
  void watch_docker_config() {
    if (!config_.docker_host.empty() || stopping_) {
      return;
    }
    const std::string config_dir = docker_config_dir(process_environment());
    if (config_.docker_context.empty() && watched_config_dir_ != config_dir) {
      if (uv_is_active(as_handle(&config_dir_watch_))) {
        uv_fs_event_stop(&config_dir_watch_);
      }
      watched_config_dir_.clear();
      for (const std::string& dir : {config_dir, directory_of(config_dir)}) {
        if (uv_fs_event_start(&config_dir_watch_, &WatchAgent::on_docker_config_changed,
                              dir.c_str(), 0) == 0) {
          watched_config_dir_ = dir;
          break;
        }
      }
    }
    std::string context_dir;
    if (!engine_.context.empty()) {
      context_dir = config_dir + "/contexts/meta/" + context_directory_name(engine_.context);
    }
    if (context_dir == watched_context_dir_) {
      return;
    }
    if (uv_is_active(as_handle(&context_watch_))) {
      uv_fs_event_stop(&context_watch_);
    }
    watched_context_dir_.clear();
    if (!context_dir.empty() &&
        uv_fs_event_start(&context_watch_, &WatchAgent::on_docker_config_changed,
                          context_dir.c_str(), 0) == 0) {
      watched_context_dir_ = context_dir;
    }
  }

  static void on_docker_config_changed(uv_fs_event_t* handle, const char* filename, int /*events*/,
                                       int /*status*/) {
    auto* self = static_cast<WatchAgent*>(handle->data);
    const std::string name = filename != nullptr ? filename : "";
    std::string wanted = "meta.json";
    if (handle == &self->config_dir_watch_) {
      const std::string config_dir = docker_config_dir(process_environment());
      wanted = self->watched_config_dir_ == config_dir ? "config.json" : file_name_of(config_dir);
    }
    const bool relevant = name.empty() || name == wanted;
    if (relevant && !self->stopping_) {
      uv_timer_start(&self->resolve_timer_, &WatchAgent::on_resolve_due, kResolveSettleMs, 0);
    }
  }

  static void on_resolve_due(uv_timer_t* timer) {
    static_cast<WatchAgent*>(timer->data)->resolve_again();
  }

  void resolve_again() {
    if (stopping_) {
      return;
    }
    watch_docker_config();  // the configuration directory may have just appeared
    auto fresh = resolve_configured_engine(config_);
    if (!fresh) {
      if (fresh.error().message != last_resolve_error_) {
        log_error(fresh.error().message + "; still watching " + engine_.describe());
        last_resolve_error_ = fresh.error().message;
      }
      return;
    }
    last_resolve_error_.clear();
    if (fresh->same_engine(engine_)) {
      return;
    }
    log_info("engine changed: " + engine_.describe() + " -> " + fresh->describe() +
             "; reconciling against the new engine");
    switch_engine(std::move(*fresh));
  }

  // Drops the watch on the old engine and starts one on the new, which lists
  // every container first: a full reconcile against the new engine. Facts
  // already seen on the old engine still go to the registry, in order.
  void switch_engine(ResolvedEngine fresh) {
    watch_->stop();
    watch_.reset();
    release_held_without_ports();
    engine_ = std::move(fresh);
    start_docker_watch();
    watch_docker_config();
    schedule_write();
  }

  // The registry's "agent" note: who writes, which engine it watches, and
  // when it last synced and changed anything.
  std::string agent_note() const {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("pid");
    writer.Int64(::getpid());
    writer.Key("version");
    writer.String(kVersion);
    writer.Key("started_at");
    writer.String(started_at_);
    writer.Key("engine");
    writer.StartObject();
    writer.Key("endpoint");
    writer.String(engine_.endpoint.url);
    writer.Key("context");
    engine_.context.empty() ? writer.Null() : writer.String(engine_.context);
    // What the engine's ping said it is, once it answered.
    const EngineInfo info = watch_ ? watch_->engine() : EngineInfo{};
    writer.Key("kind");
    info.kind.empty() ? writer.Null() : writer.String(info.kind);
    writer.Key("version");
    info.version.empty() ? writer.Null() : writer.String(info.version);
    writer.EndObject();
    writer.Key("last_synced_at");
    last_synced_nano_ == 0 ? writer.Null() : writer.String(iso8601_utc(last_synced_nano_));
    writer.Key("last_change_at");
    writer.String(iso8601_utc(last_change_nano_));
    writer.EndObject();
    return buffer.GetString();
  }

  static uv_handle_t* as_handle(uv_fs_event_t* handle) {
    return reinterpret_cast<uv_handle_t*>(handle);
  }

  // --- Registry side -----------------------------------------------------

  // The first change after a quiet spell is written at once; changes that
  // arrive while a write runs go into the next write, which starts as soon as
  // that write ends (the write itself was their coalescing window: waiting
  // longer would only add to their lag); changes that arrive within the
  // window after a write wait for its end. The window never extends, so it
  // is also the cap. `write_just_ended`: called as a write ends, with changes
  // that came in while it ran.
  void schedule_write(bool write_just_ended = false) {
    if (closed_ || writing_ || pending_.empty() || blocked_ != Blocked::kNo) {
      return;
    }
    const std::uint64_t now = uv_now(loop_);
    const std::uint64_t window =
        stopping_ ? 0 : static_cast<std::uint64_t>(config_.coalesce_window_ms);
    const std::uint64_t ready_at = last_write_end_ms_ + window;
    if (now >= ready_at || last_write_end_ms_ == 0 || write_just_ended) {
      start_write();
    } else if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&write_timer_))) {
      uv_timer_start(&write_timer_, &WatchAgent::on_write_timer, ready_at - now, 0);
    }
  }

  static void on_write_timer(uv_timer_t* timer) {
    auto* self = static_cast<WatchAgent*>(timer->data);
    if (self->blocked_ == Blocked::kLockBusy || self->blocked_ == Blocked::kIoFailure) {
      self->blocked_ = Blocked::kNo;  // time to try again
    }
    self->schedule_write();
  }

  void start_write() {
    uv_timer_stop(&write_timer_);
    uv_timer_stop(&trim_timer_);
    job_ = ReconcileJob{};
    job_.steps = std::move(pending_);
    pending_.clear();
    job_.present_names = cache_.names();
    job_.options = RuleOptions{config_.on_die, config_.grace_seconds};
    job_.clock = read_clock();
    job_.access = RegistryAccess{config_.allow_unsafe_registry};
    job_registry_path_ = config_.registry_path;
    job_.agent_json = agent_note();
    job_.always_record_agent =
        std::any_of(job_.steps.begin(), job_.steps.end(),
                    [](const auto& step) { return std::holds_alternative<ContainerList>(step); });
    writing_ = true;
    registry_touched_ = false;
    uv_queue_work(loop_, &work_, &WatchAgent::do_work, &WatchAgent::after_work);
  }

  // Runs on libuv's thread pool: fsync and the lock never stall the loop.
  static void do_work(uv_work_t* work) {
    auto* self = static_cast<WatchAgent*>(work->data);
    self->result_ =
        run_reconcile_job(self->job_registry_path_, self->job_, LockWait{}, self->namer_);
  }

  static void after_work(uv_work_t* work, int /*status*/) {
    auto* self = static_cast<WatchAgent*>(work->data);
    self->writing_ = false;
    self->last_write_end_ms_ = uv_now(self->loop_);
    self->finish_write();
    if (!self->writing_ && !self->closed_) {
      uv_timer_start(&self->trim_timer_, &WatchAgent::on_quiet, kTrimAfterQuietMs, 0);
    }
  }

  // A job's parse and serialization of the whole registry are its peak; once
  // no write has run or is due for a second (changes written, or waiting for
  // a valid file), the freed pages go back so that the agent stays small. On
  // the pool: the loop only waits for it if it allocates meanwhile.
  static void on_quiet(uv_timer_t* timer) {
    auto* self = static_cast<WatchAgent*>(timer->data);
    const bool write_due = uv_is_active(reinterpret_cast<uv_handle_t*>(&self->write_timer_));
    if (!self->writing_ && !write_due && !self->trimming_) {
      self->trimming_ = true;
      uv_queue_work(self->loop_, &self->trim_work_, &WatchAgent::trim, &WatchAgent::after_trim);
    }
  }

  static void trim(uv_work_t* /*work*/) { ::malloc_trim(0); }

  static void after_trim(uv_work_t* work, int /*status*/) {
    static_cast<WatchAgent*>(work->data)->trimming_ = false;
  }

  void finish_write() {
    const auto& outcome = result_.outcome;
    if (!outcome) {
      // Nothing is dropped: the steps go back in front of newer ones.
      pending_.insert(pending_.begin(), std::make_move_iterator(job_.steps.begin()),
                      std::make_move_iterator(job_.steps.end()));
      handle_write_error(outcome.error());
      maybe_finish_shutdown();
      return;
    }
    for (const std::string& line : result_.decisions) {
      log_info(line);
    }
    const bool full_reconcile =
        std::any_of(job_.steps.begin(), job_.steps.end(),
                    [](const auto& step) { return std::holds_alternative<ContainerList>(step); });
    if (full_reconcile) {
      const std::string summary = to_string(result_.summary) + " against " +
                                  std::to_string(cache_.size()) + " container(s)";
      log_info(summary);
      notify_service_reconciled(summary);  // Type=notify: the registry is true now
    }
    if (!last_error_.empty()) {
      log_info("registry " + config_.registry_path + " is usable again; pending changes applied");
      last_error_.clear();
    }
    io_retry_ms_ = kIoRetryInitialMs;
    stop_registry_watch();
    maybe_finish_shutdown();
    schedule_write(/*write_just_ended=*/true);
  }

  void handle_write_error(const Error& error) {
    switch (error.code) {
      case ErrorCode::kLockBusy:
        blocked_ = Blocked::kLockBusy;
        uv_timer_start(&write_timer_, &WatchAgent::on_write_timer, kLockRetryMs, 0);
        return;  // normal while a Python writer works; not worth a log line
      case ErrorCode::kRegistryCorrupt:
      case ErrorCode::kRegistryUnsupported:
        report_once(error.message,
                    "; not writing it; changes wait until the file is valid again (or run "
                    "iris-port-agent repair)");
        blocked_ = Blocked::kUnreadable;
        // A fix that landed while the job read the file, or before the
        // watch was set, has no event left to wake the agent: look again
        // (a watch that cannot be set leaves a retry timer instead). A
        // stopping agent has had its last try.
        if ((start_registry_watch() || registry_touched_) && !stopping_) {
          blocked_ = Blocked::kNo;
          schedule_write();
        }
        return;
      default:
        blocked_ = Blocked::kIoFailure;
        report_once(error.message, "; retrying");
        uv_timer_start(&write_timer_, &WatchAgent::on_write_timer, io_retry_ms_, 0);
        io_retry_ms_ = std::min(io_retry_ms_ * 2, kIoRetryMaxMs);
        return;
    }
  }

  // One line per state change, not per event or retry.
  void report_once(const std::string& problem, const char* consequence) {
    if (problem != last_error_) {
      log_error(problem + consequence);
      last_error_ = problem;
    }
  }

  // True when the watch begins now, false when it was already running or
  // could not be set (then a timer looks again now and then).
  bool start_registry_watch() {
    if (uv_is_active(reinterpret_cast<uv_handle_t*>(&registry_watch_))) {
      return false;
    }
    const int rc = uv_fs_event_start(&registry_watch_, &WatchAgent::on_registry_changed,
                                     directory_of(config_.registry_path).c_str(), 0);
    if (rc != 0) {
      blocked_ = Blocked::kIoFailure;
      uv_timer_start(&write_timer_, &WatchAgent::on_write_timer, kIoRetryInitialMs, 0);
      return false;
    }
    return true;
  }

  void stop_registry_watch() {
    if (uv_is_active(reinterpret_cast<uv_handle_t*>(&registry_watch_))) {
      uv_fs_event_stop(&registry_watch_);
    }
  }

  static void on_registry_changed(uv_fs_event_t* handle, const char* filename, int /*events*/,
                                  int /*status*/) {
    auto* self = static_cast<WatchAgent*>(handle->data);
    if (filename != nullptr && file_name_of(self->config_.registry_path) != filename) {
      return;
    }
    self->registry_touched_ = true;
    self->blocked_ = Blocked::kNo;
    self->schedule_write();
  }

  // --- Process side ------------------------------------------------------

  static void on_signal(uv_signal_t* handle, int signum) {
    auto* self = static_cast<WatchAgent*>(handle->data);
    if (signum == SIGHUP) {
      // A burst of hang-ups is one reload, at the next turn of the loop:
      // the events and writes between them go on.
      if (!self->stopping_) {
        uv_timer_start(&self->reload_timer_, &WatchAgent::on_reload_due, 0, 0);
      }
    } else {
      self->begin_shutdown();
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
    const std::string source =
        config_.config_file.empty() ? "no config file" : "config file " + config_.config_file;
    log_info("SIGHUP: reloaded the settings (" + source + ")");
  }

  void begin_shutdown() {
    if (stopping_) {
      return;
    }
    stopping_ = true;
    notify_service_stopping();
    shutdown_deadline_ms_ = uv_now(loop_) + kShutdownBudgetMs;
    watch_->stop();
    uv_timer_stop(&resolve_timer_);
    uv_timer_stop(&reload_timer_);
    for (uv_fs_event_t* handle : {&config_dir_watch_, &context_watch_}) {
      if (uv_is_active(as_handle(handle))) {
        uv_fs_event_stop(handle);
      }
    }
    release_held_without_ports();
    for (auto& [handle, signum] : signals_) {
      uv_close(reinterpret_cast<uv_handle_t*>(&handle), nullptr);
    }
    if (blocked_ == Blocked::kUnreadable) {
      blocked_ = Blocked::kNo;  // one last try: the file may be back
    }
    maybe_finish_shutdown();
    if (!closed_) {
      schedule_write();
    }
  }

  void maybe_finish_shutdown() {
    if (!stopping_ || closed_ || writing_) {
      return;
    }
    const bool out_of_time = uv_now(loop_) >= shutdown_deadline_ms_;
    if (!pending_.empty() && !out_of_time && blocked_ != Blocked::kUnreadable) {
      return;  // the retry timer or schedule_write will come back here
    }
    if (!pending_.empty()) {
      log_error(std::to_string(pending_.size()) +
                " change(s) could not be written before exit; the next start reconciles "
                "them from Docker's container list");
    }
    closed_ = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&write_timer_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&trim_timer_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&registry_watch_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&resolve_timer_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&reload_timer_), nullptr);
    uv_close(as_handle(&config_dir_watch_), nullptr);
    uv_close(as_handle(&context_watch_), nullptr);
  }

  uv_loop_t* loop_;
  Config config_;
  ConfigOverrides flags_;  // as given at the start: a reload computes the settings anew
  ResolvedEngine engine_;
  std::unique_ptr<DockerWatch> watch_;
  uv_timer_t resolve_timer_{};
  uv_timer_t reload_timer_{};  // SIGHUP: one reload per burst
  uv_fs_event_t config_dir_watch_{};
  uv_fs_event_t context_watch_{};
  std::string watched_config_dir_;  // the directory, or its parent until it exists
  std::string watched_context_dir_;
  std::string last_resolve_error_;
  ContainerCache cache_;
  ContainerNamer namer_;  // used by the one job in flight only
  std::vector<PendingStep> pending_;

  struct HeldFact {
    ContainerFact fact;
    bool ready;  // false: waiting for its published ports
  };
  std::deque<HeldFact> held_;
  bool lookup_in_flight_ = false;
  std::uint64_t lookups_asked_ = 0;  // the newest lookup's number; older answers are dropped

  uv_timer_t write_timer_{};
  uv_fs_event_t registry_watch_{};
  uv_work_t work_{};
  uv_timer_t trim_timer_{};
  uv_work_t trim_work_{};
  std::array<std::pair<uv_signal_t, int>, 3> signals_{
      {{uv_signal_t{}, SIGINT}, {uv_signal_t{}, SIGTERM}, {uv_signal_t{}, SIGHUP}}};

  ReconcileJob job_;
  // The pool thread's own copy: SIGHUP may replace config_ during a write.
  std::string job_registry_path_;
  ReconcileResult result_;
  bool writing_ = false;
  bool trimming_ = false;
  Blocked blocked_ = Blocked::kNo;
  std::uint64_t last_write_end_ms_ = 0;
  std::uint64_t io_retry_ms_ = kIoRetryInitialMs;
  std::string last_error_;
  bool registry_touched_ = false;  // the file changed since the last write began
  std::int64_t last_change_nano_ = 0;
  std::int64_t last_synced_nano_ = 0;
  const std::string started_at_;

  bool stopping_ = false;
  bool closed_ = false;
  std::uint64_t shutdown_deadline_ms_ = 0;
};

}  // namespace

int run_watch_mode(const Config& config, const ConfigOverrides& flags) {
  auto engine = resolve_configured_engine(config);
  if (!engine) {
    log_error(engine.error().message);
    return 2;
  }
  auto instance = InstanceLock::acquire(config.registry_path);
  if (!instance) {
    log_error(instance.error().message);
    return 2;
  }
  // One write runs at a time, so one pool thread is enough: libuv's default
  // four would each keep a stack and a malloc arena holding a copy's worth of
  // the registry (7 MiB private instead of 3 with 1,000 assignments). One
  // arena for both threads, for the same reason. A user's own setting wins.
  ::setenv("UV_THREADPOOL_SIZE", "1", 0);
  ::mallopt(M_ARENA_MAX, 1);
  // Freed memory stays with the process until the agent trims it when quiet
  // (kTrimAfterQuietMs): glibc's own trimming, and its mmap of large buffers,
  // gave the pages back after every write, and faulting them in again cost
  // more than the write's parse and serialization together.
  ::mallopt(M_TRIM_THRESHOLD, kKeepFreedBytes);
  ::mallopt(M_MMAP_THRESHOLD, kKeepFreedBytes);
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
  return 0;
}

}  // namespace ipa
