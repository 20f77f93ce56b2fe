#pragma once

#include <string>

#include "agent/docker/engine_selection.hpp"

namespace ipa {

// For a line saying the engine cannot be reached: where the agent looked
// and why, and what this machine has instead (the docker contexts defined,
// and the well-known engine sockets that exist: Docker Desktop, rootless
// Docker, Podman, Colima, Rancher Desktop, OrbStack), each with the option
// that selects it. The agent never switches to one of them by itself: it
// must watch the engine iris-devtester uses. Starts with "; ".
std::string engine_alternatives(const ResolvedEngine& engine, const Environment& env);

}  // namespace ipa
