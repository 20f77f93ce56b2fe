#pragma once

#include <string>

namespace ipa::platform {

// Sends `state` ("READY=1", "STATUS=...") to a systemd service manager
// (sd_notify) when one started the agent ($NOTIFY_SOCKET). 0, or the negative
// errno sd_notify returned. Without systemd (launchd needs none) it does
// nothing and returns 0.
int notify_service_manager(const std::string& state);

}  // namespace ipa::platform
