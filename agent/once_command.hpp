#pragma once

#include "config/config.hpp"

namespace ipa {

// --once: list, reconcile, write if changed; prints one summary line.
int run_once(const Config& config);

}  // namespace ipa
