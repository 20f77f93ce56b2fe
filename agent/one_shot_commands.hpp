#pragma once

#include "config/config.hpp"

namespace ipa {

// --once: list, reconcile, write if changed; prints one summary line.
int run_once(const Config& config);

// status [--json]: the registry as it is, without taking the lock.
int run_status(const Config& config, bool json);

// repair: restore the last good copy of a corrupt registry (keeping the
// corrupt bytes aside), then reconcile.
int run_repair(const Config& config);

}  // namespace ipa
