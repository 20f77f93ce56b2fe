#pragma once

#include <string>

namespace ipa {

// Tells a systemd service manager (Type=notify) how the agent is doing. Does
// nothing when the agent was not started by one ($NOTIFY_SOCKET unset) and
// on systems without systemd.

// A full reconcile is written, so the registry is true: READY=1 the first
// time, and `status` for `systemctl status` every time.
void notify_service_reconciled(const std::string& status);

// SIGTERM/SIGINT arrived; the agent finishes its pending write and exits.
void notify_service_stopping();

}  // namespace ipa
