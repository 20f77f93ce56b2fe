#include <systemd/sd-daemon.h>

#include "platform/service_notify.hpp"

namespace ipa::platform {

int notify_service_manager(const std::string& state) {
  const int rc = sd_notify(0, state.c_str());
  return rc < 0 ? rc : 0;
}

}  // namespace ipa::platform
