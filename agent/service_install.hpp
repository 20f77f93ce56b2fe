#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "platform/service_manager.hpp"

namespace ipa {

struct ServiceOptions {
  bool dry_run = false;
  std::optional<ServiceManager> manager;  // unset: the native one
  // Where the service starts the agent from; empty: the running binary.
  std::string exec_path;
};

// install-service: write the service file and enable and start it (or, with
// --dry-run, print the file on stdout and what would be done on stderr).
int run_install_service(const ServiceOptions& options, const ConfigOverrides& flags);

// uninstall-service: stop and disable the service and remove its file.
int run_uninstall_service(const ServiceOptions& options);

}  // namespace ipa
