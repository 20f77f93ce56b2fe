#include <mach-o/dyld.h>

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "platform/service_manager.hpp"

namespace ipa::platform {

ServiceManager native_service_manager() {
  return ServiceManager::kLaunchd;
}

std::string running_binary_path() {
  std::vector<char> buffer(PATH_MAX);
  auto size = static_cast<std::uint32_t>(buffer.size());
  if (_NSGetExecutablePath(buffer.data(), &size) != 0) {
    return "";
  }
  std::vector<char> resolved(PATH_MAX);
  return ::realpath(buffer.data(), resolved.data()) != nullptr ? resolved.data() : "";
}

}  // namespace ipa::platform
