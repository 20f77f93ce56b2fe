#include "agent/configured_engine.hpp"

#include "base/log.hpp"

namespace ipa {

Result<ResolvedEngine> resolve_configured_engine(const Config& config) {
  auto engine =
      resolve_engine(EngineRequest{config.docker_host, config.docker_context, config.docker_origin},
                     process_environment());
  // The agent may resolve again after every change in the docker config
  // directory: one line for a broken config.json, not one per look.
  static std::string last_warning;
  if (engine && engine->warning != last_warning) {
    if (!engine->warning.empty()) {
      log_warn(engine->warning);
    }
    last_warning = engine->warning;
  }
  return engine;
}

}  // namespace ipa
