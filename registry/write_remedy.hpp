#pragma once

#include <string>

// Internal to registry/: callers outside use registry_file.hpp and registry_lock.hpp.
namespace ipa {

// What to do about a failed write in `directory`, by its errno: free space
// (ENOSPC, EDQUOT), a read-only file system (EROFS), permissions (EACCES,
// EPERM), else fix and retry. Without a leading separator. It names
// --registry, so it is the registry's and not base/'s.
std::string remedy_for(int error_number, const std::string& directory);

}  // namespace ipa
