#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace ipa {

// The login service managers the agent can install itself into.
enum class ServiceManager { kSystemd, kLaunchd };

// systemd on Linux, launchd on macOS.
ServiceManager native_service_manager();

struct ServiceOptions {
  bool dry_run = false;
  std::optional<ServiceManager> manager;  // unset: the native one
  // Where the service starts the agent from; empty: the running binary.
  std::string exec_path;
};

// The service file for `manager`, from the template in packaging/ that is
// compiled in. `agent_arguments` follow the binary on its command line;
// `environment` becomes the service's environment (both may be empty).
std::string render_service_file(ServiceManager manager, const std::string& exec_path,
                                const std::vector<std::string>& agent_arguments,
                                const std::map<std::string, std::string>& environment,
                                const std::string& home);

// The command-line flags and environment variables that pick the registry
// and the Docker engine, so the service watches what this shell would.
std::vector<std::string> service_agent_arguments(const ConfigOverrides& flags);
std::map<std::string, std::string> service_environment(
    const std::map<std::string, std::string>& env);

// install-service: write the service file and enable and start it (or, with
// --dry-run, print the file on stdout and what would be done on stderr).
int run_install_service(const ServiceOptions& options, const ConfigOverrides& flags);

// uninstall-service: stop and disable the service and remove its file.
int run_uninstall_service(const ServiceOptions& options);

}  // namespace ipa
