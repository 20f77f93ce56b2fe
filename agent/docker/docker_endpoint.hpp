#pragma once

#include <map>
#include <optional>
#include <string>

#include "agent/docker/ssh_target.hpp"
#include "base/result.hpp"

namespace ipa {

// Where the Docker engine is, from --docker-host / $DOCKER_HOST.
struct DockerEndpoint {
  std::string url;          // as given, for messages
  std::string socket_path;  // set for unix://
  std::string base_url;     // "http://localhost" for unix, "http(s)://host:port[/path]" for tcp
  bool tls = false;
  bool tls_verify = true;
  // Empty when the file does not exist: curl then uses the system CA store,
  // and no client certificate is sent.
  std::string ca_file, cert_file, key_file;
  // Set for ssh://: each connection runs ssh to the remote docker CLI.
  std::optional<SshTarget> ssh;

  // "unix:///path" or "tcp://host[:port][/path]" (port defaults to 2375, or
  // 2376 with TLS, as for the docker CLI). For tcp, TLS is on when any of
  // DOCKER_TLS_VERIFY, DOCKER_TLS or DOCKER_CERT_PATH is non-empty in `env`
  // (the union of the docker CLI and docker-py rules, so that whatever
  // reaches the engine for iris-devtester reaches it for us too); the server
  // certificate is verified unless DOCKER_TLS_VERIFY is "0" or "false". The
  // files are ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH, else
  // $HOME/.docker. "ssh://[user@]host[:port][/path]" as SshTarget::parse
  // reads it. A malformed URL is a kUsage error.
  static Result<DockerEndpoint> parse(const std::string& url,
                                      const std::map<std::string, std::string>& env);
};

}  // namespace ipa
