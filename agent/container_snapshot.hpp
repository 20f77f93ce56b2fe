#pragma once

#include <vector>

#include "agent/docker/engine_selection.hpp"
#include "base/result.hpp"
#include "model/container.hpp"

namespace ipa {

// One container list from the engine, for one-shot commands: runs its own
// short libuv loop around DockerClient (ping, then list). An unreachable
// engine's error also says where the agent looked and what else exists.
Result<std::vector<Container>> fetch_container_list(const ResolvedEngine& engine);

}  // namespace ipa
