#pragma once

#include <string>

#include "registry/registry_file.hpp"

namespace ipa {

// Reads the registry without the lock. Python writers rewrite the file in
// place, so a reader can catch it half written: a failed parse is retried a
// few times before it is reported.
Result<LoadedRegistry> load_registry_passively(const std::string& path, RegistryAccess access);

}  // namespace ipa
