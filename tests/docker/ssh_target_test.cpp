// ssh:// hosts, read as the docker CLI reads them (cli/connhelper/ssh/ssh.go
// and its ssh_test.go; cli/connhelper/connhelper.go for the remote command).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "agent/docker/docker_endpoint.hpp"
#include "agent/docker/ssh_target.hpp"

namespace {

using Argv = std::vector<std::string>;

// What follows the options the agent adds: "--", the host, the remote command.
Argv after_options(const ipa::SshTarget& target) {
  const Argv argv = target.command();
  const auto dashes = std::find(argv.begin(), argv.end(), "--");
  return Argv(dashes, argv.end());
}

}  // namespace

TEST_CASE("user and port become -l and -p before the host, as the docker CLI passes them",
          "[ssh]") {
  const struct {
    const char* url;
    Argv head;  // argv before the options
  } table[] = {
      {"ssh://example.com", {"ssh"}},
      {"ssh://me@example.com", {"ssh", "-l", "me"}},
      {"ssh://example.com:10022", {"ssh", "-p", "10022"}},
      {"ssh://me@example.com:10022", {"ssh", "-l", "me", "-p", "10022"}},
      {"ssh://a@b@example.com", {"ssh", "-l", "a@b"}},  // Go splits at the last '@'
      {"ssh://@example.com", {"ssh"}},
  };
  for (const auto& row : table) {
    INFO(row.url);
    auto target = ipa::SshTarget::parse(row.url);
    REQUIRE(target.ok());
    const Argv argv = target->command();
    CHECK(Argv(argv.begin(), argv.begin() + static_cast<long>(row.head.size())) == row.head);
    CHECK(argv[row.head.size()] == "-o");
  }
}

TEST_CASE("the remote command is docker system dial-stdio, with --host=unix://PATH for a path",
          "[ssh]") {
  const struct {
    const char* url;
    Argv tail;
  } table[] = {
      {"ssh://example.com", {"--", "example.com", "docker system dial-stdio"}},
      // A path of slashes only is no path (strings.Trim(path, "/") == "").
      {"ssh://example.com/", {"--", "example.com", "docker system dial-stdio"}},
      {"ssh://example.com//", {"--", "example.com", "docker system dial-stdio"}},
      {"ssh://me@example.com:10022/var/run/docker.sock",
       {"--", "example.com", "docker '--host=unix:///var/run/docker.sock' system dial-stdio"}},
      // Percent-escapes are decoded, as Go's url.Parse does for the path.
      {"ssh://h/run/my%20docker.sock",
       {"--", "h", "docker '--host=unix:///run/my docker.sock' system dial-stdio"}},
      // The CLI's own "bad path" case: quoted, so the remote shell runs nothing of it.
      {"ssh://example.com/var/run/docker.sock '$(echo hello > /hello.txt)'",
       {"--", "example.com",
        "docker '--host=unix:///var/run/docker.sock '\\''$(echo hello > /hello.txt)'\\''' "
        "system dial-stdio"}},
      // Go's Hostname() drops the brackets of an IPv6 literal.
      {"ssh://[::1]:2222", {"--", "::1", "docker system dial-stdio"}},
  };
  for (const auto& row : table) {
    INFO(row.url);
    auto target = ipa::SshTarget::parse(row.url);
    REQUIRE(target.ok());
    CHECK(after_options(*target) == row.tail);
  }
}

TEST_CASE("ssh never prompts: the agent adds BatchMode=yes to the docker CLI's -T", "[ssh]") {
  auto target = ipa::SshTarget::parse("ssh://example.com");
  REQUIRE(target.ok());
  const Argv argv = target->command();
  CHECK(std::find(argv.begin(), argv.end(), "BatchMode=yes") != argv.end());
  CHECK(std::find(argv.begin(), argv.end(), "-T") != argv.end());
}

TEST_CASE("the URL parts the docker CLI refuses are refused, for its reasons", "[ssh]") {
  const struct {
    std::string url;
    const char* reason;
  } table[] = {
      {"ssh://me:passw0rd@example.com", "plain-text password is not supported"},
      {"ssh://me:@example.com", "plain-text password is not supported"},
      {"ssh://example.com?foo=bar&bar=baz",
       "query parameters are not allowed: \"foo=bar&bar=baz\""},
      {"ssh://example.com#bar", "fragments are not allowed: \"bar\""},
      {"ssh://", "hostname is empty"},
      {"ssh:///no-hostname", "hostname is empty"},
      {"ssh://me@:22", "hostname is empty"},
      {std::string("ssh://example.com/var/run/\0docker.sock", 38),
       "invalid control character in URL"},
      {"ssh://example.com/var/run/docker.sock\n", "invalid control character in URL"},
      {"ssh://example.com/var/run/\x1b"
       "docker.sock",
       "invalid control character in URL"},
      {"ssh://example.com:abc", "invalid port \":abc\" after host"},
      {"ssh://h/run/%zz", "invalid URL escape"},
  };
  for (const auto& row : table) {
    INFO(row.url);
    auto target = ipa::SshTarget::parse(row.url);
    REQUIRE_FALSE(target.ok());
    CHECK(target.error().code == ipa::ErrorCode::kUsage);
    CHECK_THAT(target.error().message, Catch::Contains(row.reason));
    CHECK_THAT(target.error().message, Catch::Contains("ssh://[user@]host[:port]"));
  }
}

TEST_CASE("a refused URL's password never reaches the message", "[ssh]") {
  auto target = ipa::SshTarget::parse("ssh://me:s3cret@example.com:22/x");
  REQUIRE_FALSE(target.ok());
  CHECK_THAT(target.error().message, !Catch::Contains("s3cret"));
  CHECK_THAT(target.error().message, Catch::Contains("ssh://me:xxxxx@example.com:22/x"));
}

TEST_CASE("stricter than the docker CLI: a user or host it would hand ssh quoted is refused",
          "[ssh]") {
  for (const char* url : {"ssh://my%20user@example.com", "ssh://-oProxyCommand=x@example.com",
                          "ssh://-oProxyCommand=x", "ssh://exa$mple.com", "ssh://a:b:22"}) {
    INFO(url);
    auto target = ipa::SshTarget::parse(url);
    REQUIRE_FALSE(target.ok());
    CHECK(target.error().code == ipa::ErrorCode::kUsage);
  }
}

TEST_CASE("a Docker host ssh://... is an ssh endpoint with no socket of its own", "[ssh]") {
  auto ep = ipa::DockerEndpoint::parse("ssh://me@example.com:2222/run/docker.sock", {});
  REQUIRE(ep.ok());
  REQUIRE(ep->ssh.has_value());
  CHECK(ep->ssh->user == "me");
  CHECK(ep->ssh->host == "example.com");
  CHECK(ep->ssh->port == "2222");
  CHECK(ep->ssh->path == "/run/docker.sock");
  CHECK(ep->socket_path.empty());
  CHECK(ep->url == "ssh://me@example.com:2222/run/docker.sock");
}
