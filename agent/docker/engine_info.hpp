#pragma once

#include <string>
#include <string_view>

namespace ipa {

// Which engine answered, from the headers of its /_ping answer: Docker sends
// `Server: Docker/20.10.24+dfsg1 (linux)`, Podman `Server: Libpod/4.3.1
// (linux)` and `Libpod-Api-Version: 4.3.1`.
struct EngineInfo {
  std::string kind;         // "Docker", "Podman", or empty when the engine did not say
  std::string version;      // the engine's own version; may be empty
  std::string api_version;  // the Docker API version it speaks ("1.41"); may be empty

  bool operator==(const EngineInfo&) const = default;
};

EngineInfo engine_from_ping(std::string_view server, std::string_view libpod_api_version,
                            std::string_view api_version);

// "Podman 4.3.1 (API 1.41)", "Docker 20.10.24+dfsg1 (API 1.41)", "an engine
// that did not say which (API 1.41)".
std::string describe(const EngineInfo& engine);

}  // namespace ipa
