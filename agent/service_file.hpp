#pragma once

#include <map>
#include <string>
#include <vector>

#include "platform/service_manager.hpp"

namespace ipa {

// The service file for `manager` (a systemd user unit or a launchd plist),
// from the template in packaging/ that is compiled in, with every word quoted
// or escaped as that file's syntax wants. `agent_arguments` follow the binary
// on its command line; `environment` becomes the service's environment (both
// may be empty); `home` places launchd's log file.
std::string render_service_file(ServiceManager manager, const std::string& exec_path,
                                const std::vector<std::string>& agent_arguments,
                                const std::map<std::string, std::string>& environment,
                                const std::string& home);

}  // namespace ipa
