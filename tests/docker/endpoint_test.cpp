#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "agent/docker/docker_endpoint.hpp"

namespace {

using Env = std::map<std::string, std::string>;

ipa::DockerEndpoint parse_ok(const std::string& url, const Env& env = {}) {
  auto ep = ipa::DockerEndpoint::parse(url, env);
  INFO(url << ": " << (ep ? "" : ep.error().message));
  REQUIRE(ep.ok());
  return ep.value();
}

}  // namespace

TEST_CASE("a unix URL gives the socket path and the base http://localhost", "[endpoint]") {
  const auto ep = parse_ok("unix:///var/run/docker.sock");
  CHECK(ep.socket_path == "/var/run/docker.sock");
  CHECK(ep.base_url == "http://localhost");
  CHECK_FALSE(ep.tls);
  CHECK(ep.url == "unix:///var/run/docker.sock");
}

TEST_CASE("TLS settings do not apply to a unix socket", "[endpoint]") {
  const auto ep = parse_ok("unix:///run/docker.sock", {{"DOCKER_TLS_VERIFY", "1"}});
  CHECK_FALSE(ep.tls);
}

TEST_CASE("a tcp URL maps to http://host:port, port 2375 by default (opts.ParseTCPAddr)",
          "[endpoint]") {
  const struct {
    const char* url;
    const char* base;
  } table[] = {
      {"tcp://localhost:2375", "http://localhost:2375"},
      {"tcp://10.0.0.5:1234", "http://10.0.0.5:1234"},
      {"tcp://docker.example.com", "http://docker.example.com:2375"},
      {"tcp://[::1]:2375", "http://[::1]:2375"},
      {"tcp://[::1]", "http://[::1]:2375"},
      {"tcp://host:2375/", "http://host:2375"},
      {"tcp://host:2375/prefix/", "http://host:2375/prefix"},
  };
  for (const auto& row : table) {
    CHECK(parse_ok(row.url).base_url == row.base);
  }
}

TEST_CASE(
    "DOCKER_TLS_VERIFY turns on TLS with verification and certificates from "
    "DOCKER_CERT_PATH",
    "[endpoint]") {
  const auto dir = std::filesystem::temp_directory_path() / "ipa-endpoint-test-certs";
  std::filesystem::create_directories(dir);
  for (const char* name : {"ca.pem", "cert.pem", "key.pem"}) {
    std::ofstream(dir / name) << "x";
  }
  const auto ep =
      parse_ok("tcp://host:2376", {{"DOCKER_TLS_VERIFY", "1"}, {"DOCKER_CERT_PATH", dir.string()}});
  CHECK(ep.tls);
  CHECK(ep.tls_verify);
  CHECK(ep.base_url == "https://host:2376");
  CHECK(ep.ca_file == (dir / "ca.pem").string());
  CHECK(ep.cert_file == (dir / "cert.pem").string());
  CHECK(ep.key_file == (dir / "key.pem").string());
  std::filesystem::remove_all(dir);
}

TEST_CASE("a tcp host without a port gets 2375 with TLS too, as the CLI's opts.ParseTCPAddr",
          "[endpoint]") {
  const auto ep = parse_ok("tcp://host", {{"DOCKER_TLS_VERIFY", "1"}, {"HOME", "/nonexistent"}});
  CHECK(ep.tls);
  CHECK(ep.base_url == "https://host:2375");
}

TEST_CASE("DOCKER_CERT_PATH alone turns on TLS as docker-py does, verified (stricter)",
          "[endpoint]") {
  const auto ep = parse_ok("tcp://host:2376", {{"DOCKER_CERT_PATH", "/nonexistent-ipa-certs"}});
  CHECK(ep.tls);
  CHECK(ep.tls_verify);
  CHECK(ep.base_url == "https://host:2376");
  CHECK(ep.ca_file.empty());  // missing files are left out
}

TEST_CASE("without DOCKER_CERT_PATH the certificates are in $DOCKER_CONFIG, as for the CLI",
          "[endpoint]") {
  const auto dir = std::filesystem::temp_directory_path() / "ipa-endpoint-test-docker-config";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ca.pem") << "x";
  const auto ep = parse_ok(
      "tcp://host:2376",
      {{"DOCKER_TLS_VERIFY", "1"}, {"DOCKER_CONFIG", dir.string()}, {"HOME", "/nonexistent"}});
  CHECK(ep.ca_file == (dir / "ca.pem").string());
  std::filesystem::remove_all(dir);
}

TEST_CASE("an empty DOCKER_TLS_VERIFY does not turn on TLS", "[endpoint]") {
  const auto ep = parse_ok("tcp://host:2375", {{"DOCKER_TLS_VERIFY", ""}});
  CHECK_FALSE(ep.tls);
}

TEST_CASE("DOCKER_TLS turns on TLS as for the CLI, but verified (stricter than the CLI)",
          "[endpoint]") {
  const auto ep = parse_ok("tcp://host:2376", {{"DOCKER_TLS", "1"}, {"HOME", "/nonexistent"}});
  CHECK(ep.tls);
  CHECK(ep.tls_verify);
}

TEST_CASE("DOCKER_TLS_VERIFY=0 verifies: the CLI and docker-py check non-empty, not the value",
          "[endpoint]") {
  for (const char* value : {"0", "false", "1"}) {
    const auto ep = parse_ok("tcp://host:2376", {{"DOCKER_TLS_VERIFY", value}});
    INFO(value);
    CHECK(ep.tls);
    CHECK(ep.tls_verify);
  }
}

TEST_CASE("a malformed Docker host is a usage error with one clear line", "[endpoint]") {
  const struct {
    const char* url;
    const char* says;
  } table[] = {
      {"/var/run/docker.sock", "no scheme"},
      {"localhost:2375", "no scheme"},
      {"http://localhost:2375", "unsupported scheme \"http\""},
      {"npipe:////./pipe/docker_engine", "unsupported scheme"},
      {"unix://", "no socket path"},
      {"unix://relative.sock", "must be absolute"},
      {"tcp://", "no host"},
      {"tcp://:2375", "no host"},
      {"tcp://host:", "empty port"},
      {"tcp://host:abc", "bad port \"abc\""},
      {"tcp://host:0", "bad port"},
      {"tcp://host:65536", "bad port"},
      {"tcp://host:23x", "bad port"},
      {"tcp://[::1", "unterminated IPv6"},
      {"tcp://[::1]x", "unexpected text"},
      {"tcp://user@host:2375", "bad host"},
      {"tcp://host?x=1", "bad host"},
  };
  for (const auto& row : table) {
    const auto ep = ipa::DockerEndpoint::parse(row.url, {});
    INFO(row.url);
    REQUIRE_FALSE(ep.ok());
    CHECK(ep.error().code == ipa::ErrorCode::kUsage);
    CHECK_THAT(ep.error().message, Catch::Contains(row.says));
    CHECK_THAT(ep.error().message, Catch::Contains(row.url));
    CHECK(ep.error().message.find('\n') == std::string::npos);
  }
}
