#include "agent/passive_read.hpp"

#include <chrono>
#include <thread>

namespace ipa {

Result<LoadedRegistry> load_registry_passively(const std::string& path, RegistryAccess access) {
  constexpr int kAttempts = 5;
  constexpr auto kPause = std::chrono::milliseconds(40);
  auto loaded = load_registry(path, access);
  for (int attempt = 1;
       attempt < kAttempts && !loaded && loaded.error().code == ErrorCode::kRegistryCorrupt;
       ++attempt) {
    std::this_thread::sleep_for(kPause);
    loaded = load_registry(path, access);
  }
  return loaded;
}

}  // namespace ipa
