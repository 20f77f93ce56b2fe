#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace ipa {

using Environment = std::map<std::string, std::string>;

// The docker CLI's configuration directory: $DOCKER_CONFIG, else
// $HOME/.docker (cli/config.Dir).
std::string docker_config_dir(const Environment& env);

// contexts/meta/<this>/meta.json and contexts/tls/<this>/: the hex sha256 of
// the context's name (cli/context/store contextdirOf).
std::string context_directory_name(const std::string& context);

// currentContext of <dir>/config.json. A missing file names none; one that
// cannot be read or parsed names none too and says why in `warning`, since
// the CLI only warns about it and goes on (cli/config.LoadDefaultConfigFile).
struct CurrentContext {
  std::optional<std::string> name;
  std::string warning;
};
CurrentContext read_current_context(const std::string& config_dir);

// A named context's docker endpoint, from contexts/meta/<sha256>/meta.json
// (Endpoints.docker.Host and SkipTLSVerify, field names matched without
// regard to case as Go's encoding/json does) and its TLS directory
// contexts/tls/<sha256>/docker/, whose mere existence turns TLS on
// (cli/context/docker/load.go tlsConfig).
struct ContextEndpoint {
  std::string host;  // empty: the platform's default socket
  bool skip_tls_verify = false;
  std::optional<std::string> tls_dir;
};

// A context that does not exist, a meta.json that cannot be read or parsed,
// or one without a docker endpoint is a kUsage error naming the file, the
// context, `origin` (what named the context) and what to do.
Result<ContextEndpoint> read_context(const std::string& config_dir, const std::string& context,
                                     const std::string& origin);

// Every context of the store, by name, with its docker host ("" when the
// context has no docker endpoint); unreadable entries are left out.
std::vector<std::pair<std::string, std::string>> list_contexts(const std::string& config_dir);

}  // namespace ipa
