#pragma once

#include <optional>
#include <string>

#include "agent/docker/docker_context.hpp"
#include "agent/docker/docker_endpoint.hpp"
#include "base/result.hpp"

namespace ipa {

// What the agent's own settings name (config/config.hpp: flags > DOCKER_HOST
// > DOCKER_CONTEXT > its config file): a host, a context, or neither.
struct EngineRequest {
  std::string host;
  std::string context;
  std::string origin;  // the setting that named it, for messages
};

// Which engine the docker CLI would talk to: a host (the "default" context)
// or a named context to read from the store.
struct EngineSelection {
  std::string host;     // set: the default context at this host
  std::string context;  // set: this named context
  std::string origin;   // what chose it, for messages

  bool operator==(const EngineSelection&) const = default;
};

// The pure decision (cli/command/cli.go resolveContextName and
// resolveDefaultDockerEndpoint): a requested host wins; then a requested
// context; then `current_context` (config.json's currentContext, read from
// `config_json`); "default", or nothing at all, is the default context:
// $DOCKER_HOST, else tcp://localhost:2376 when DOCKER_TLS_VERIFY or
// DOCKER_TLS asks for TLS (opts.ParseHost), else the default socket.
EngineSelection select_engine(const EngineRequest& request,
                              const std::optional<std::string>& current_context,
                              const std::string& config_json, const Environment& env);

// The engine found, with where it came from.
struct ResolvedEngine {
  DockerEndpoint endpoint;
  std::string context;  // the named context it came from; empty: none
  std::string origin;
  std::string warning;  // config.json could not be used (the CLI goes on too)

  // "unix:///x (context \"y\" from DOCKER_CONTEXT)", for log lines.
  std::string describe() const;
  // The same engine reached the same way.
  bool same_engine(const ResolvedEngine& other) const;
};

// Reads config.json and the context store as the docker CLI does and builds
// the endpoint (DOCKER_API_VERSION pins the API version). Bad settings are
// kUsage errors of one line naming the file or variable and what to do.
Result<ResolvedEngine> resolve_engine(const EngineRequest& request, const Environment& env);

}  // namespace ipa
