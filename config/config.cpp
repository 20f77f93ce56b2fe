#include "config/config.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <unistd.h>

#include <sys/stat.h>

#include <charconv>
#include <functional>

#include "base/regular_file.hpp"
#include "config/defaults.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, not in unistd.h

namespace ipa {
namespace {

Error key_error(const std::string& origin, const std::string& key, const std::string& what) {
  return make_error(ErrorCode::kUsage, origin + ": \"" + key + "\" " + what +
                                           "; fix the key (see the README's configuration table)");
}

Result<LogLevel> parse_log_level(const std::string& text, const std::string& origin) {
  if (text == "debug") {
    return LogLevel::kDebug;
  }
  if (text == "info") {
    return LogLevel::kInfo;
  }
  if (text == "warning" || text == "warn") {
    return LogLevel::kWarn;
  }
  if (text == "error") {
    return LogLevel::kError;
  }
  return key_error(origin, "log_level", "must be one of debug, info, warning, error");
}

Result<Ok> parse_port_range(const std::string& text, Config& config, const std::string& origin) {
  const auto dash = text.find('-');
  int low = 0;
  int high = 0;
  const bool parsed =
      dash != std::string::npos &&
      std::from_chars(text.data(), text.data() + dash, low).ptr == text.data() + dash &&
      std::from_chars(text.data() + dash + 1, text.data() + text.size(), high).ptr ==
          text.data() + text.size();
  if (!parsed || low < 1 || high > 65535 || low > high) {
    return key_error(origin, "port_range", "must look like \"1972-1981\" (low-high, 1-65535)");
  }
  config.port_min = low;
  config.port_max = high;
  return Ok{};
}

using Setter = std::function<Result<Ok>(const rapidjson::Value&, Config&, const std::string&)>;

Setter integer(int Config::*field, int minimum, const char* key) {
  return
      [=](const rapidjson::Value& value, Config& config, const std::string& origin) -> Result<Ok> {
        if (!value.IsInt() || value.GetInt() < minimum) {
          return key_error(origin, key, "must be an integer >= " + std::to_string(minimum));
        }
        config.*field = value.GetInt();
        return Ok{};
      };
}

Setter optional_string(std::string Config::*field, const char* key) {
  return
      [=](const rapidjson::Value& value, Config& config, const std::string& origin) -> Result<Ok> {
        if (value.IsNull()) {
          return Ok{};
        }
        if (!value.IsString() || value.GetStringLength() == 0) {
          return key_error(origin, key, "must be a non-empty string or null");
        }
        config.*field = value.GetString();
        return Ok{};
      };
}

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> kSetters = {
      {"registry", optional_string(&Config::registry_path, "registry")},
      {"docker_host", optional_string(&Config::docker_host, "docker_host")},
      {"docker_context", optional_string(&Config::docker_context, "docker_context")},
      {"grace_seconds",
       [](const rapidjson::Value& value, Config& config, const std::string& origin) -> Result<Ok> {
         if (!value.IsInt64() || value.GetInt64() < 0) {
           return key_error(origin, "grace_seconds", "must be an integer >= 0");
         }
         config.grace_seconds = value.GetInt64();
         return Ok{};
       }},
      {"on_die",
       [](const rapidjson::Value& value, Config& config, const std::string& origin) -> Result<Ok> {
         const std::string text = value.IsString() ? value.GetString() : "";
         if (text != "mark" && text != "keep") {
           return key_error(origin, "on_die", "must be \"mark\" or \"keep\"");
         }
         config.on_die = text == "keep" ? OnDie::kKeep : OnDie::kMark;
         return Ok{};
       }},
      {"coalesce_window_ms", integer(&Config::coalesce_window_ms, 0, "coalesce_window_ms")},
      {"backoff_initial_ms", integer(&Config::backoff_initial_ms, 1, "backoff_initial_ms")},
      {"backoff_max_ms", integer(&Config::backoff_max_ms, 1, "backoff_max_ms")},
      {"lock_timeout_ms", integer(&Config::lock_timeout_ms, 0, "lock_timeout_ms")},
      {"port_range",
       [](const rapidjson::Value& value, Config& config, const std::string& origin) -> Result<Ok> {
         if (!value.IsString()) {
           return key_error(origin, "port_range", "must be a string like \"1972-1981\"");
         }
         return parse_port_range(value.GetString(), config, origin);
       }},
      {"log_level",
       [](const rapidjson::Value& value, Config& config, const std::string& origin) -> Result<Ok> {
         if (!value.IsString()) {
           return key_error(origin, "log_level", "must be one of debug, info, warning, error");
         }
         auto level = parse_log_level(value.GetString(), origin);
         if (!level) {
           return level.error();
         }
         config.log_level = *level;
         return Ok{};
       }},
  };
  return kSetters;
}

std::string env_or(const std::map<std::string, std::string>& env, const std::string& key,
                   const std::string& fallback) {
  const auto found = env.find(key);
  return found == env.end() || found->second.empty() ? fallback : found->second;
}

std::optional<std::string> default_config_file(const std::map<std::string, std::string>& env) {
  const std::string home = env_or(env, "HOME", "");
  const std::string base = env_or(env, "XDG_CONFIG_HOME", home.empty() ? "" : home + "/.config");
  if (base.empty()) {
    return std::nullopt;
  }
  std::string path = base + "/iris-port-agent/config.json";
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? std::optional<std::string>(path) : std::nullopt;
}

// A config file is a few hundred bytes; this is far above any real one.
constexpr std::size_t kMaxConfigBytes = std::size_t{1} << 20U;

Error config_file_error(const std::string& path, const std::string& what) {
  return make_error(ErrorCode::kUsage, "config file " + path + " " + what +
                                           "; give --config a JSON file (see the README's "
                                           "configuration table)");
}

// Only a regular file of sane size is read: /dev/zero would never end, and a
// FIFO at the default location would hang every command.
Result<std::string> read_config_file(const std::string& path) {
  RegularFileRead file = read_regular_file(path, kMaxConfigBytes);
  if (file.error != 0) {
    return config_file_error(path, describe_read_error(file.error, kMaxConfigBytes));
  }
  return std::move(file.bytes);
}

// Which setting names the engine: the flags, else the environment (DOCKER_HOST
// before DOCKER_CONTEXT, as for the docker CLI), else the config file. Each
// layer names a host or a context, never both.
Result<Ok> layer_engine(const ConfigOverrides& flags, const std::map<std::string, std::string>& env,
                        Config& config) {
  const auto name = [&config](std::string host, std::string context, std::string origin) {
    config.docker_host = std::move(host);
    config.docker_context = std::move(context);
    config.docker_origin = std::move(origin);
  };
  if (!config.docker_host.empty() && !config.docker_context.empty()) {
    return make_error(ErrorCode::kUsage, config.config_file +
                                             ": \"docker_host\" and \"docker_context\" exclude "
                                             "each other; keep one of them");
  }
  if (!config.docker_host.empty()) {
    name(config.docker_host, "", config.config_file + " (docker_host)");
  } else if (!config.docker_context.empty()) {
    name("", config.docker_context, config.config_file + " (docker_context)");
  }
  if (const std::string host = env_or(env, "DOCKER_HOST", ""); !host.empty()) {
    name(host, "", "DOCKER_HOST");
  } else if (const std::string context = env_or(env, "DOCKER_CONTEXT", ""); !context.empty()) {
    name("", context, "DOCKER_CONTEXT");
  }
  if (flags.docker_host && flags.docker_context) {
    return make_error(ErrorCode::kUsage,
                      "--docker-host and --context exclude each other (as for the docker CLI); "
                      "give one of them");
  }
  if (flags.docker_host) {
    name(*flags.docker_host, "", "--docker-host");
  } else if (flags.docker_context) {
    name("", *flags.docker_context, "--context");
  }
  return Ok{};
}

}  // namespace

std::string_view default_config_json() {
  return kDefaultConfigJson;
}

Result<Config> apply_config_json(Config base, std::string_view json, const std::string& origin) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError()) {
    return make_error(ErrorCode::kUsage, origin + ": not valid JSON at offset " +
                                             std::to_string(document.GetErrorOffset()) + " (" +
                                             rapidjson::GetParseError_En(document.GetParseError()) +
                                             ")");
  }
  if (!document.IsObject()) {
    return make_error(ErrorCode::kUsage, origin + ": must be a JSON object of settings");
  }
  for (const auto& member : document.GetObject()) {
    const std::string key = member.name.GetString();
    const auto setter = setters().find(key);
    if (setter == setters().end()) {
      return key_error(origin, key, "is not a known setting");
    }
    if (auto applied = setter->second(member.value, base, origin); !applied) {
      return applied.error();
    }
  }
  return base;
}

Result<Config> load_config(const ConfigOverrides& flags,
                           const std::map<std::string, std::string>& env) {
  auto config = apply_config_json(Config{}, default_config_json(), "built-in defaults");
  if (!config) {
    return config;
  }
  const std::optional<std::string> file =
      flags.config_file ? flags.config_file : default_config_file(env);
  if (file) {
    auto text = read_config_file(*file);
    if (!text) {
      return text.error();
    }
    config = apply_config_json(std::move(*config), *text, *file);
    if (!config) {
      return config;
    }
    config->config_file = *file;
  }
  Config& result = *config;
  const std::string home = env_or(env, "HOME", "");
  if (result.registry_path.empty()) {
    result.registry_path =
        env_or(env, "IRIS_PORT_REGISTRY", home + "/.iris-devtester/port-registry.json");
  } else {
    result.registry_path = env_or(env, "IRIS_PORT_REGISTRY", result.registry_path);
  }
  if (auto engine = layer_engine(flags, env, result); !engine) {
    return engine.error();
  }
  if (flags.registry_path) {
    if (flags.registry_path->empty()) {
      return make_error(ErrorCode::kUsage,
                        "--registry is empty; give it a file path such as "
                        "~/.iris-devtester/port-registry.json");
    }
    result.registry_path = *flags.registry_path;
  }
  if (flags.grace_seconds) {
    if (*flags.grace_seconds < 0) {
      return make_error(ErrorCode::kUsage, "--grace must be 0 or more seconds");
    }
    result.grace_seconds = *flags.grace_seconds;
  }
  result.allow_unsafe_registry = flags.allow_unsafe_registry;
  if (flags.log_level) {
    auto level = parse_log_level(*flags.log_level, "--log-level");
    if (!level) {
      return level.error();
    }
    result.log_level = *level;
  }
  if (result.registry_path.empty() ||
      result.registry_path == "/.iris-devtester/port-registry.json") {
    return make_error(ErrorCode::kUsage,
                      "no registry path: HOME is not set; pass --registry PATH or set "
                      "IRIS_PORT_REGISTRY");
  }
  return config;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const auto equals = text.find('=');
    if (equals != std::string::npos) {
      env.emplace(text.substr(0, equals), text.substr(equals + 1));
    }
  }
  return env;
}

}  // namespace ipa
