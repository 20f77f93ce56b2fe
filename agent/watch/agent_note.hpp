#pragma once

#include <cstdint>
#include <string>

#include "agent/docker/engine_info.hpp"

namespace ipa {

// The registry's "agent" note: who writes, which engine it watches, and when
// it last synced and changed anything. Readers (status, iris-devtester) see
// the running agent in it.
struct AgentNote {
  std::int64_t pid = 0;
  std::string started_at;             // ISO 8601
  std::string endpoint;               // the engine's URL
  std::string context;                // the docker context that named it, if one did
  EngineInfo engine_info;             // what the engine's ping said, once it answered
  std::int64_t last_synced_nano = 0;  // 0: not yet
  std::int64_t last_change_nano = 0;
};

std::string to_json(const AgentNote& note);

}  // namespace ipa
