#include "platform/service_notify.hpp"

// launchd starts the agent without a readiness protocol: nothing to tell it.
namespace ipa::platform {

int notify_service_manager(const std::string& /*state*/) {
  return 0;
}

}  // namespace ipa::platform
