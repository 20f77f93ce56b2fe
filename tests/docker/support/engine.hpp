#pragma once

#include <string>
#include <vector>

#include "agent/docker/docker_endpoint.hpp"

namespace ipa::test {

// The Docker engine under test, from IPA_TEST_DOCKER_HOST (scripts/test sets
// it to the sandbox). Fails the test with guidance when it is not set.
std::string engine_host();
// The Podman API service under test, from IPA_TEST_PODMAN_HOST (scripts/test
// starts scripts/podman-sandbox), likewise.
std::string podman_host();
// engine_host() as an endpoint.
DockerEndpoint engine_endpoint();

struct CommandResult {
  int status = -1;
  std::string out;  // stdout, trailing newline removed
};

// Runs a shell command, capturing stdout (stderr goes to the test's log).
CommandResult run(const std::string& command);
// Runs `docker -H <engine> <args>`; REQUIREs success unless `may_fail`.
std::string docker(const std::string& args, bool may_fail = false);
// A container name unique to this process and call.
std::string unique_name(const std::string& tag);
// The host port Docker published for a container's 1972/tcp.
int published_iris_port(const std::string& name);

// Removes containers at scope exit, whatever the test's outcome.
class ContainerReaper {
 public:
  ContainerReaper() = default;
  ~ContainerReaper();
  ContainerReaper(const ContainerReaper&) = delete;
  ContainerReaper& operator=(const ContainerReaper&) = delete;
  std::string add(const std::string& name);

 private:
  std::vector<std::string> names_;
};

}  // namespace ipa::test
