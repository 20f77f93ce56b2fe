#pragma once

#include <vector>

#include "agent/docker/docker_endpoint.hpp"
#include "base/result.hpp"
#include "reconciler/model.hpp"

namespace ipa {

// One container list from the engine, for one-shot commands: runs its own
// short libuv loop around DockerClient (ping, then list).
Result<std::vector<Container>> fetch_container_list(const DockerEndpoint& endpoint);

}  // namespace ipa
