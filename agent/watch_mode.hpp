#pragma once

#include "config/config.hpp"

namespace ipa {

// The default mode: follow Docker's events until SIGINT/SIGTERM, keeping the
// registry true. Returns the process exit code.
int run_watch_mode(const Config& config);

}  // namespace ipa
