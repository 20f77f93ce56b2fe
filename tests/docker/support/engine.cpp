#include "tests/docker/support/engine.hpp"

#include <unistd.h>

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <cstdlib>

#include <catch2/catch.hpp>

namespace ipa::test {

namespace {

std::string host_from(const char* variable, const char* script) {
  const char* host = std::getenv(variable);
  if (host == nullptr || *host == '\0') {
    FAIL(variable << " is not set: run the tests through scripts/test, or export " << variable
                  << "=$(scripts/" << script << " start)");
  }
  return host;
}

}  // namespace

std::string engine_host() {
  return host_from("IPA_TEST_DOCKER_HOST", "docker-sandbox");
}

std::string podman_host() {
  return host_from("IPA_TEST_PODMAN_HOST", "podman-sandbox");
}

DockerEndpoint engine_endpoint() {
  auto endpoint = DockerEndpoint::parse(engine_host(), {});
  REQUIRE(endpoint.ok());
  return endpoint.value();
}

CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.out.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  while (!result.out.empty() && result.out.back() == '\n') {
    result.out.pop_back();
  }
  return result;
}

std::string docker(const std::string& args, bool may_fail) {
  const std::string command = "docker -H '" + engine_host() + "' " + args;
  const CommandResult result = run(command);
  if (!may_fail) {
    INFO(command);
    REQUIRE(result.status == 0);
  }
  return result.out;
}

std::string unique_name(const std::string& tag) {
  static int counter = 0;
  return "ipa-dt-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + "-" + tag;
}

int published_iris_port(const std::string& name) {
  const std::string out = docker("port " + name + " 1972/tcp");
  const auto colon = out.find(':');
  REQUIRE(colon != std::string::npos);
  return std::stoi(out.substr(colon + 1));
}

ContainerReaper::~ContainerReaper() {
  for (const auto& name : names_) {
    (void)run("docker -H '" + engine_host() + "' rm -f " + name + " >/dev/null 2>&1");
  }
}

std::string ContainerReaper::add(const std::string& name) {
  names_.push_back(name);
  return names_.back();
}

}  // namespace ipa::test
