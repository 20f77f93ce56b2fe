#pragma once

#include <uv.h>

#include <functional>
#include <string>

#include "agent/docker/engine_selection.hpp"
#include "config/config.hpp"

namespace ipa {

// Which engine watch mode follows. The docker CLI's configuration directory
// (config.json's currentContext) and the current context's own directory
// (its meta.json) are watched, so that `docker context use` or an engine
// rewriting its context is noticed at once; quiet directories cost no
// wake-ups. A configuration directory that does not exist yet (no docker CLI
// used so far) is waited for in its parent. A host named by the agent's own
// settings never changes, so then nothing is watched.
class EngineFollower {
 public:
  // `settings`: the engine settings of the start (a reload keeps them).
  // `on_switch` is called from the follower's own timer with the new engine.
  EngineFollower(uv_loop_t* loop, Config settings, ResolvedEngine engine,
                 std::function<void(const ResolvedEngine&)> on_switch);
  EngineFollower(const EngineFollower&) = delete;
  EngineFollower& operator=(const EngineFollower&) = delete;

  void start();
  // Looks again at the next turn of the loop: the engine may be gone because
  // the user moved to another one.
  void resolve_soon();
  // Stops watching and closes the handles.
  void stop();

  const ResolvedEngine& engine() const { return engine_; }

 private:
  static void on_docker_config_changed(uv_fs_event_t* handle, const char* filename, int events,
                                       int status);
  static void on_resolve_due(uv_timer_t* timer);
  void watch_docker_config();
  void resolve_again();

  uv_loop_t* loop_;
  Config settings_;
  ResolvedEngine engine_;
  std::function<void(const ResolvedEngine&)> on_switch_;
  uv_timer_t resolve_timer_{};  // a change settling, or a lost engine: look again
  uv_fs_event_t config_dir_watch_{};
  uv_fs_event_t context_watch_{};
  std::string watched_config_dir_;  // the directory, or its parent until it exists
  std::string watched_context_dir_;
  std::string last_resolve_error_;
  bool stopped_ = false;
};

}  // namespace ipa
