#include "agent/watch/engine_follower.hpp"

#include <utility>

#include "agent/configured_engine.hpp"
#include "agent/docker/docker_context.hpp"
#include "base/file_path.hpp"
#include "base/log.hpp"

namespace ipa {
namespace {

// `docker context use` writes a temp file and renames it over config.json:
// a few events in a row, one look after they settle.
constexpr std::uint64_t kResolveSettleMs = 20;

uv_handle_t* as_handle(uv_fs_event_t* handle) {
  return reinterpret_cast<uv_handle_t*>(handle);
}

void stop_watching(uv_fs_event_t* handle) {
  if (uv_is_active(as_handle(handle))) {
    uv_fs_event_stop(handle);
  }
}

}  // namespace

EngineFollower::EngineFollower(uv_loop_t* loop, Config settings, ResolvedEngine engine,
                               std::function<void(const ResolvedEngine&)> on_switch)
    : loop_(loop),
      settings_(std::move(settings)),
      engine_(std::move(engine)),
      on_switch_(std::move(on_switch)) {
  uv_timer_init(loop_, &resolve_timer_);
  resolve_timer_.data = this;
  for (uv_fs_event_t* handle : {&config_dir_watch_, &context_watch_}) {
    uv_fs_event_init(loop_, handle);
    handle->data = this;
  }
}

void EngineFollower::start() {
  watch_docker_config();
}

void EngineFollower::resolve_soon() {
  if (!stopped_) {
    uv_timer_start(&resolve_timer_, &EngineFollower::on_resolve_due, 0, 0);
  }
}

void EngineFollower::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&resolve_timer_), nullptr);
  uv_close(as_handle(&config_dir_watch_), nullptr);
  uv_close(as_handle(&context_watch_), nullptr);
}

void EngineFollower::watch_docker_config() {
  if (!settings_.docker_host.empty() || stopped_) {
    return;
  }
  const std::string config_dir = docker_config_dir(process_environment());
  if (settings_.docker_context.empty() && watched_config_dir_ != config_dir) {
    stop_watching(&config_dir_watch_);
    watched_config_dir_.clear();
    for (const std::string& dir : {config_dir, directory_of(config_dir)}) {
      if (uv_fs_event_start(&config_dir_watch_, &EngineFollower::on_docker_config_changed,
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
  stop_watching(&context_watch_);
  watched_context_dir_.clear();
  if (!context_dir.empty() &&
      uv_fs_event_start(&context_watch_, &EngineFollower::on_docker_config_changed,
                        context_dir.c_str(), 0) == 0) {
    watched_context_dir_ = context_dir;
  }
}

void EngineFollower::on_docker_config_changed(uv_fs_event_t* handle, const char* filename,
                                              int /*events*/, int /*status*/) {
  auto* self = static_cast<EngineFollower*>(handle->data);
  const std::string name = filename != nullptr ? filename : "";
  std::string wanted = "meta.json";
  if (handle == &self->config_dir_watch_) {
    const std::string config_dir = docker_config_dir(process_environment());
    wanted = self->watched_config_dir_ == config_dir ? "config.json" : file_name_of(config_dir);
  }
  const bool relevant = name.empty() || name == wanted;
  if (relevant && !self->stopped_) {
    uv_timer_start(&self->resolve_timer_, &EngineFollower::on_resolve_due, kResolveSettleMs, 0);
  }
}

void EngineFollower::on_resolve_due(uv_timer_t* timer) {
  static_cast<EngineFollower*>(timer->data)->resolve_again();
}

void EngineFollower::resolve_again() {
  if (stopped_) {
    return;
  }
  watch_docker_config();  // the configuration directory may have just appeared
  auto fresh = resolve_configured_engine(settings_);
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
  engine_ = std::move(*fresh);
  on_switch_(engine_);
  watch_docker_config();
}

}  // namespace ipa
