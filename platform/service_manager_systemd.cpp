#include <filesystem>
#include <system_error>

#include "platform/service_manager.hpp"

namespace ipa::platform {

ServiceManager native_service_manager() {
  return ServiceManager::kSystemd;
}

std::string running_binary_path() {
  std::error_code error;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? "" : path.string();
}

}  // namespace ipa::platform
