#pragma once

#include <map>
#include <string>

#include "base/result.hpp"

namespace ipa {

// Where the Docker engine is, from --docker-host / $DOCKER_HOST.
struct DockerEndpoint {
  std::string url;          // as given, for messages
  std::string socket_path;  // set for unix://
  std::string base_url;     // "http://localhost" for unix, "http(s)://host:port" for tcp
  bool tls = false;
  bool tls_verify = true;
  std::string ca_file, cert_file, key_file;

  // "unix:///path" or "tcp://host:port"; TLS when DOCKER_TLS_VERIFY or
  // DOCKER_CERT_PATH are set in `env`, as the docker CLI does.
  static Result<DockerEndpoint> parse(const std::string& url,
                                      const std::map<std::string, std::string>& env);
};

}  // namespace ipa
