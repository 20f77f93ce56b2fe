#pragma once

#include <string>

#include "base/result.hpp"

namespace ipa {

// mkdir -p with mode 0700 for every directory it creates. Errors are kIo.
Result<Ok> make_private_directories(const std::string& directory);

}  // namespace ipa
