#pragma once

#include <string>

namespace ipa {

// The login service managers the agent can install itself into. Either one's
// file can be rendered anywhere (install-service --dry-run); only the native
// one can load it.
enum class ServiceManager { kSystemd, kLaunchd };

}  // namespace ipa

namespace ipa::platform {

// systemd's user manager on Linux, launchd on macOS.
ServiceManager native_service_manager();

// The absolute path of the running binary, for the service to start; empty
// when the system does not tell.
std::string running_binary_path();

}  // namespace ipa::platform
