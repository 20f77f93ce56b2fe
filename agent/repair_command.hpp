#pragma once

#include "config/config.hpp"

namespace ipa {

// repair: restore the last good copy of a corrupt registry (keeping the
// corrupt bytes aside), then reconcile.
int run_repair(const Config& config);

}  // namespace ipa
