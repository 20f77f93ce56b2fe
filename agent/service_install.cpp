#include "agent/service_install.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <vector>

#include "agent/child_process.hpp"
#include "agent/exit_codes.hpp"
#include "agent/service_file.hpp"
#include "base/atomic_write.hpp"
#include "base/file_path.hpp"
#include "base/log.hpp"
#include "platform/service_manager.hpp"

namespace ipa {
namespace {

constexpr const char* kSystemdUnitName = "iris-port-agent.service";
constexpr const char* kLaunchdLabel = "com.intersystems-community.iris-port-agent";

// The variables that choose the registry and the Docker engine. A user
// manager does not see the login shell's environment, so without them the
// service could watch another engine than the `docker` CLI in this shell.
constexpr const char* kCapturedVariables[] = {
    "IRIS_PORT_REGISTRY", "DOCKER_HOST",    "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH",
    "DOCKER_TLS",         "DOCKER_CONTEXT", "DOCKER_CONFIG",     "DOCKER_API_VERSION"};
// Paths the service, which starts elsewhere, must see as absolute.
constexpr const char* kCapturedPaths[] = {"IRIS_PORT_REGISTRY", "DOCKER_CONFIG",
                                          "DOCKER_CERT_PATH"};

std::string home_directory() {
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    return home;
  }
  if (const passwd* entry = ::getpwuid(::getuid()); entry != nullptr && entry->pw_dir != nullptr) {
    return entry->pw_dir;
  }
  return "";
}

// Where the service manager looks for this user's service.
std::string service_file_path(ServiceManager manager, const std::string& home) {
  if (manager == ServiceManager::kLaunchd) {
    return home + "/Library/LaunchAgents/" + kLaunchdLabel + ".plist";
  }
  const char* config_home = std::getenv("XDG_CONFIG_HOME");
  const std::string base =
      config_home != nullptr && config_home[0] == '/' ? config_home : home + "/.config";
  return base + "/systemd/user/" + kSystemdUnitName;
}

// True when commands can reach the service manager: systemctl needs a user
// manager (absent in containers and in ssh sessions without a login).
bool service_manager_reachable(ServiceManager manager) {
  if (manager == ServiceManager::kLaunchd) {
    return on_path("launchctl");
  }
  return on_path("systemctl") &&
         run_command({"systemctl", "--user", "show-environment"}, true) == 0;
}

struct ManagerCommand {
  std::vector<std::string> argv;
  bool may_fail;  // e.g. unloading a service that is not loaded
};

std::string launchd_domain() {
  return "gui/" + std::to_string(::getuid());
}

std::vector<ManagerCommand> enable_commands(ServiceManager manager, const std::string& path) {
  if (manager == ServiceManager::kLaunchd) {
    return {{{"launchctl", "bootout", launchd_domain() + "/" + kLaunchdLabel}, true},
            {{"launchctl", "bootstrap", launchd_domain(), path}, false}};
  }
  // restart rather than start, so that a reinstall runs the new unit; without
  // --no-block it would wait for READY=1, that is for Docker.
  return {{{"systemctl", "--user", "daemon-reload"}, false},
          {{"systemctl", "--user", "enable", kSystemdUnitName}, false},
          {{"systemctl", "--user", "restart", "--no-block", kSystemdUnitName}, false}};
}

std::vector<ManagerCommand> disable_commands(ServiceManager manager) {
  if (manager == ServiceManager::kLaunchd) {
    return {{{"launchctl", "bootout", launchd_domain() + "/" + kLaunchdLabel}, true}};
  }
  return {{{"systemctl", "--user", "disable", "--now", kSystemdUnitName}, true}};
}

void print_commands_to_run(ServiceManager manager, const std::vector<ManagerCommand>& commands) {
  std::cout << (manager == ServiceManager::kLaunchd
                    ? "launchctl is not available here; to apply it, run:\n"
                    : "no systemd user manager is reachable here (systemctl --user fails); to "
                      "apply it in your login session, run:\n");
  for (const ManagerCommand& command : commands) {
    std::cout << "  " << command_text(command.argv) << "\n";
  }
  std::cout << std::flush;
}

bool run_commands(const std::vector<ManagerCommand>& commands) {
  for (const ManagerCommand& command : commands) {
    std::cout << "running: " << command_text(command.argv) << std::endl;
    const int status = run_command(command.argv, command.may_fail);
    if (status != 0 && !command.may_fail) {
      // Appended, not "'" + text + ...: GCC 12 warns (-Wrestrict) about that concatenation.
      std::string message = "'";
      message += command_text(command.argv);
      message += "' failed (exit " + std::to_string(status) + "); fix the cause and run it again";
      log_error(message);
      return false;
    }
  }
  return true;
}

Result<std::string> write_service_file(const std::string& path, const std::string& content) {
  const std::filesystem::path file(path);
  std::error_code error;
  std::filesystem::create_directories(file.parent_path(), error);
  if (error) {
    return make_error(ErrorCode::kIo,
                      "cannot create " + file.parent_path().string() + ": " + error.message());
  }
  // The manager reads the file on its own schedule: it must never see half of it.
  const auto failure = write_file_atomically(path, content, AtomicWriteOptions{0644, true});
  if (!failure) {
    return path;
  }
  if (failure->step == AtomicWriteFailure::Step::kSyncDirectory) {
    // The file is in place and the manager can read it; only its durability is in doubt.
    log_warn("wrote " + path + " but " + describe(*failure));
    return path;
  }
  return make_error(ErrorCode::kIo, "cannot write " + path + ": " + describe(*failure));
}

const char* manager_name(ServiceManager manager) {
  return manager == ServiceManager::kLaunchd ? "launchd LaunchAgent" : "systemd user unit";
}

// The command-line flags and environment variables that pick the registry
// and the Docker engine, so the service watches what this shell would.
std::vector<std::string> service_agent_arguments(const ConfigOverrides& flags) {
  // Paths are made absolute: the service does not start in this directory.
  std::vector<std::string> arguments;
  if (flags.registry_path) {
    arguments.insert(arguments.end(), {"--registry", absolute_path(*flags.registry_path)});
  }
  if (flags.docker_host) {
    arguments.insert(arguments.end(), {"--docker-host", *flags.docker_host});
  }
  if (flags.docker_context) {
    arguments.insert(arguments.end(), {"--context", *flags.docker_context});
  }
  if (flags.config_file) {
    arguments.insert(arguments.end(), {"--config", absolute_path(*flags.config_file)});
  }
  if (flags.grace_seconds) {
    arguments.insert(arguments.end(), {"--grace", std::to_string(*flags.grace_seconds)});
  }
  if (flags.log_level) {
    arguments.insert(arguments.end(), {"--log-level", *flags.log_level});
  }
  if (flags.allow_unsafe_registry) {
    arguments.emplace_back("--allow-unsafe-registry");
  }
  return arguments;
}

std::map<std::string, std::string> service_environment(
    const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> captured;
  for (const char* name : kCapturedVariables) {
    if (auto found = env.find(name); found != env.end() && !found->second.empty()) {
      const bool is_path = std::find(std::begin(kCapturedPaths), std::end(kCapturedPaths),
                                     std::string_view(name)) != std::end(kCapturedPaths);
      captured[name] = is_path ? absolute_path(found->second) : found->second;
    }
  }
  return captured;
}

}  // namespace

int run_install_service(const ServiceOptions& options, const ConfigOverrides& flags) {
  const ServiceManager manager = options.manager.value_or(platform::native_service_manager());
  const std::string home = home_directory();
  if (home.empty()) {
    log_error("install-service: cannot tell your home directory (HOME is not set)");
    return kExitUsage;
  }
  std::string exec_path =
      options.exec_path.empty() ? platform::running_binary_path() : options.exec_path;
  if (exec_path.empty() || exec_path[0] != '/' || ::access(exec_path.c_str(), X_OK) != 0) {
    log_error("install-service: '" + exec_path +
              "' is not an executable absolute path; pass --exec-path /path/to/iris-port-agent");
    return kExitUsage;
  }
  const std::string path = service_file_path(manager, home);
  const std::string content =
      render_service_file(manager, exec_path, service_agent_arguments(flags),
                          service_environment(process_environment()), home);
  const auto commands = enable_commands(manager, path);
  if (options.dry_run) {
    // The file alone on stdout, so `install-service --dry-run > file` is the file.
    std::cout << content << std::flush;
    std::cerr << "would write the " << manager_name(manager) << " above to " << path << "\n";
    for (const ManagerCommand& command : commands) {
      std::cerr << "would run: " << command_text(command.argv) << "\n";
    }
    return kExitOk;
  }
  if (auto written = write_service_file(path, content); !written) {
    log_error("install-service: " + written.error().message);
    return kExitFailure;
  }
  std::cout << "wrote " << path << " (starts " << exec_path << ")" << std::endl;
  if (!service_manager_reachable(manager)) {
    print_commands_to_run(manager, commands);
    return kExitOk;
  }
  if (!run_commands(commands)) {
    return kExitFailure;
  }
  if (manager == ServiceManager::kSystemd) {
    std::cout << "see how it runs: systemctl --user status " << kSystemdUnitName
              << "; its log: journalctl --user -u " << kSystemdUnitName << std::endl;
  } else {
    std::cout << "its log: " << home << "/Library/Logs/iris-port-agent.log" << std::endl;
  }
  return kExitOk;
}

int run_uninstall_service(const ServiceOptions& options) {
  const ServiceManager manager = options.manager.value_or(platform::native_service_manager());
  const std::string home = home_directory();
  if (home.empty()) {
    log_error("uninstall-service: cannot tell your home directory (HOME is not set)");
    return kExitUsage;
  }
  const std::string path = service_file_path(manager, home);
  const std::vector<ManagerCommand> before = disable_commands(manager);
  // After the file is gone, so that the manager forgets the unit.
  const std::vector<ManagerCommand> after =
      manager == ServiceManager::kSystemd
          ? std::vector<ManagerCommand>{{{"systemctl", "--user", "daemon-reload"}, false}}
          : std::vector<ManagerCommand>{};
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    (options.dry_run ? std::cerr : std::cout)
        << "no " << manager_name(manager) << " at " << path << "; nothing to remove" << std::endl;
    return kExitOk;
  }
  if (options.dry_run) {
    for (const ManagerCommand& command : before) {
      std::cerr << "would run: " << command_text(command.argv) << "\n";
    }
    std::cerr << "would remove " << path << "\n";
    for (const ManagerCommand& command : after) {
      std::cerr << "would run: " << command_text(command.argv) << "\n";
    }
    return kExitOk;
  }
  const bool reachable = service_manager_reachable(manager);
  if (reachable && !run_commands(before)) {
    return kExitFailure;
  }
  if (::unlink(path.c_str()) != 0) {
    log_error("uninstall-service: cannot remove " + path + ": " + std::strerror(errno));
    return kExitFailure;
  }
  std::cout << "removed " << path << std::endl;
  if (reachable) {
    return run_commands(after) ? kExitOk : kExitFailure;
  }
  if (manager == ServiceManager::kSystemd) {
    // What `systemctl --user disable` would have removed, so that nothing
    // dangles at the next login.
    const std::string wants = std::filesystem::path(path).parent_path().string() +
                              "/default.target.wants/" + kSystemdUnitName;
    if (::lstat(wants.c_str(), &info) == 0 && S_ISLNK(info.st_mode) &&
        ::unlink(wants.c_str()) == 0) {
      std::cout << "removed " << wants << std::endl;
    }
    std::cout << "no systemd user manager is reachable here; if the agent runs in your login "
                 "session, stop it there:\n  systemctl --user stop "
              << kSystemdUnitName << "\n  systemctl --user daemon-reload" << std::endl;
  } else {
    std::cout << "launchctl is not available here; if the agent runs, unload it with:\n  "
              << command_text(before.front().argv) << std::endl;
  }
  return kExitOk;
}

}  // namespace ipa
