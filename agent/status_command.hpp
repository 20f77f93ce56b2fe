#pragma once

#include "config/config.hpp"

namespace ipa {

// status [--json]: the registry as it is, without taking the lock.
int run_status(const Config& config, bool json);

}  // namespace ipa
