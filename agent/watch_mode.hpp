#pragma once

#include "config/config.hpp"

namespace ipa {

// The default mode: follow Docker's events until SIGINT/SIGTERM, keeping the
// registry true. Returns the process exit code.
// `flags` are kept for SIGHUP, which computes the settings anew from them.
int run_watch_mode(const Config& config, const ConfigOverrides& flags);

}  // namespace ipa
