#include "agent/service_notify.hpp"

#include <atomic>

#include "base/log.hpp"
#include "platform/service_notify.hpp"

namespace ipa {
namespace {

std::atomic<bool> g_ready_sent{false};

void notify(const std::string& state) {
  const int rc = platform::notify_service_manager(state);
  if (rc < 0) {
    log_warn("could not tell the service manager '" + state.substr(0, state.find('\n')) +
             "' (sd_notify: error " + std::to_string(-rc) + ")");
  }
}

}  // namespace

void notify_service_reconciled(const std::string& status) {
  notify((g_ready_sent.exchange(true) ? "STATUS=" : "READY=1\nSTATUS=") + status);
}

void notify_service_stopping() {
  notify("STOPPING=1\nSTATUS=stopping: finishing the pending write");
}

}  // namespace ipa
