#pragma once

#include <map>
#include <optional>
#include <string>

#include "agent/docker/ssh_target.hpp"
#include "base/result.hpp"

namespace ipa {

// How to reach one Docker engine: from --docker-host / $DOCKER_HOST, or from
// a docker context (agent/docker/docker_context.hpp).
struct DockerEndpoint {
  std::string url;          // as given, for messages
  std::string socket_path;  // set for unix://
  std::string base_url;     // "http://localhost" for unix, "http(s)://host:port[/path]" for tcp
  bool tls = false;
  bool tls_verify = true;
  // Empty when the file does not exist: curl then uses the system CA store,
  // and no client certificate is sent.
  std::string ca_file, cert_file, key_file;
  // DOCKER_API_VERSION ("1.41"): used as is instead of the version the
  // engine's ping offers, as the docker CLI does. Empty: negotiate.
  std::string api_version;
  // Set for ssh://: each connection runs ssh to the remote docker CLI.
  std::optional<SshTarget> ssh;

  // "unix:///path", "tcp://host[:port][/path]" or
  // "ssh://[user@]host[:port][/path]" (as SshTarget::parse reads it). A tcp
  // host without a port gets 2375 with or without TLS, as the docker CLI's
  // opts.ParseTCPAddr gives it (only the CLI's hostless default is
  // tcp://localhost:2376). For tcp, TLS is on when any of DOCKER_TLS_VERIFY,
  // DOCKER_TLS (the CLI) or DOCKER_CERT_PATH (docker-py) is non-empty in
  // `env`, and the engine's certificate is always verified (stricter than
  // both: the CLI skips it with DOCKER_TLS alone, docker-py with
  // DOCKER_CERT_PATH alone; both verify with DOCKER_TLS_VERIFY=0, which is
  // non-empty). The files are ca.pem, cert.pem and key.pem in
  // DOCKER_CERT_PATH, else in the docker config directory ($DOCKER_CONFIG,
  // else $HOME/.docker), as for the CLI. A malformed URL is a kUsage error.
  static Result<DockerEndpoint> parse(const std::string& url,
                                      const std::map<std::string, std::string>& env);

  // TLS for a tcp endpoint as a docker context gives it (a socket never
  // uses TLS, as in the CLI). Files that are empty strings are not sent.
  void use_tls(bool verify, std::string ca, std::string cert, std::string key);
};

}  // namespace ipa
