#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <variant>

#include "agent/command_line.hpp"
#include "agent/exit_codes.hpp"
#include "agent/once_command.hpp"
#include "agent/port_commands.hpp"
#include "agent/repair_command.hpp"
#include "agent/service_install.hpp"
#include "agent/status_command.hpp"
#include "agent/watch_mode.hpp"
#include "base/log.hpp"
#include "registry/registry_file.hpp"

namespace {

using namespace ipa;

// The commands that read the settings.
int run_with_settings(const Invocation& invocation, const Config& config) {
  switch (invocation.command) {
    case Command::kAssign:
      return run_assign(config, invocation.assign);
    case Command::kRelease:
      return run_release(config, invocation.project_path);
    case Command::kGet:
      return run_get(config, invocation.project_path, invocation.json);
    case Command::kClear:
      return run_clear(config, invocation.clear_confirmed);
    case Command::kStatus:
      return run_status(config, invocation.json);
    case Command::kRepair:
      return run_repair(config);
    case Command::kOnce:
      return run_once(config);
    case Command::kWatch:
      return run_watch_mode(config, invocation.flags);
    case Command::kInstallService:
    case Command::kUninstallService:
      break;  // they take no settings: main runs them before loading any
  }
  return kExitFailure;
}

// {"port_range": RANGE}, so that --range is read and checked as the config key is.
std::string port_range_json(const std::string& range) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("port_range");
  writer.String(range.data(), static_cast<rapidjson::SizeType>(range.size()));
  writer.EndObject();
  return buffer.GetString();
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_command_line(argc, argv);
  if (const auto* code = std::get_if<ExitCode>(&parsed)) {
    return *code;
  }
  const Invocation& invocation = std::get<Invocation>(parsed);
  // No config is loaded for these: the service reads it itself when it starts.
  if (invocation.command == Command::kInstallService) {
    return run_install_service(invocation.service, invocation.flags);
  }
  if (invocation.command == Command::kUninstallService) {
    return run_uninstall_service(invocation.service);
  }

  auto config = load_config(invocation.flags, process_environment());
  if (!config) {
    log_error(config.error().message);
    return kExitUsage;
  }
  set_log_level(config->log_level);
  // Before any command creates anything beside the registry (lock, pid file).
  if (auto usable =
          check_registry_path(config->registry_path, RegistryAccess{config->allow_unsafe_registry});
      !usable) {
    log_error(usable.error().message);
    return exit_code_for(usable.error());
  }
  if (!invocation.port_range.empty()) {
    auto ranged =
        apply_config_json(std::move(*config), port_range_json(invocation.port_range), "--range");
    if (!ranged) {
      log_error(ranged.error().message);
      return kExitUsage;
    }
    config = std::move(ranged);
  }
  return run_with_settings(invocation, *config);
}
