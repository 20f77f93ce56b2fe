#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/log.hpp"
#include "base/result.hpp"
#include "model/on_die.hpp"

namespace ipa {

// Every setting, after defaults, the config file, the environment and the
// command line have had their say, in that order.
struct Config {
  std::string registry_path;
  // The engine as the agent's own layers name it (flags, else DOCKER_HOST,
  // else DOCKER_CONTEXT, else the config file): a host or a docker context,
  // never both. Both empty: the docker CLI's own rules decide
  // (agent/docker/docker_context.hpp). `docker_origin` says which setting
  // named it, for messages ("--context", "DOCKER_HOST", a file's key).
  std::string docker_host;
  std::string docker_context;
  std::string docker_origin;
  std::int64_t grace_seconds = 0;
  OnDie on_die = OnDie::kMark;
  // Changes after a write wait at most this long to go out together. The
  // window opens once and never extends, so it is also the hard cap.
  int coalesce_window_ms = 0;
  int backoff_initial_ms = 0;
  int backoff_max_ms = 0;
  int lock_timeout_ms = 0;  // for one-shot commands; the watch loop never waits
  int port_min = 0;
  int port_max = 0;
  LogLevel log_level = LogLevel::kInfo;
  // Accept a registry that is a symlink or belongs to another user.
  bool allow_unsafe_registry = false;
  std::string config_file;  // the file that was read, empty if none
};

// Values given on the command line; unset ones leave the config alone.
struct ConfigOverrides {
  std::optional<std::string> config_file;
  std::optional<std::string> registry_path;
  std::optional<std::string> docker_host;
  std::optional<std::string> docker_context;
  std::optional<std::int64_t> grace_seconds;
  std::optional<std::string> log_level;
  bool allow_unsafe_registry = false;
};

// The built-in defaults: config/defaults.json, compiled in.
std::string_view default_config_json();

// Applies one JSON config document on top of `base`. Unknown keys and wrong
// types are kUsage errors naming the key and `origin`.
Result<Config> apply_config_json(Config base, std::string_view json, const std::string& origin);

// Defaults, then the config file (--config, else
// $XDG_CONFIG_HOME/iris-port-agent/config.json or
// ~/.config/iris-port-agent/config.json when it exists), then
// $IRIS_PORT_REGISTRY, $DOCKER_HOST and $DOCKER_CONTEXT, then the flags.
Result<Config> load_config(const ConfigOverrides& flags,
                           const std::map<std::string, std::string>& env);

// The environment as a map, for load_config and DockerEndpoint::parse.
std::map<std::string, std::string> process_environment();

}  // namespace ipa
