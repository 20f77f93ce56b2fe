#pragma once

#include "agent/docker/engine_selection.hpp"
#include "config/config.hpp"

namespace ipa {

// The engine the settings and the docker CLI's rules pick, for this
// process's environment (read again on every call: config.json and the
// context store may have changed). A config.json the CLI would only warn
// about is logged as a warning once per distinct text.
Result<ResolvedEngine> resolve_configured_engine(const Config& config);

}  // namespace ipa
