// Which engine the agent watches, copied rule by rule from the docker CLI
// (cli/command/cli.go resolveContextName and resolveDefaultDockerEndpoint,
// cli/context/store, cli/context/docker/load.go, opts/hosts.go,
// cli/config): the pure choice table-driven, then real config.json and
// meta.json trees, laid out as `docker context create` leaves them, in a
// temporary DOCKER_CONFIG.
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "agent/docker/engine_alternatives.hpp"
#include "agent/docker/engine_selection.hpp"

namespace {

using ipa::EngineRequest;
using ipa::Environment;

// A DOCKER_CONFIG directory in /tmp, removed at the end of the test.
class DockerConfigDir {
 public:
  DockerConfigDir() {
    char pattern[] = "/tmp/ipa-docker-config-XXXXXX";
    dir_ = ::mkdtemp(pattern);
  }
  ~DockerConfigDir() { std::filesystem::remove_all(dir_); }
  DockerConfigDir(const DockerConfigDir&) = delete;
  DockerConfigDir& operator=(const DockerConfigDir&) = delete;

  const std::string& path() const { return dir_; }
  Environment env() const { return {{"DOCKER_CONFIG", dir_}, {"HOME", "/nonexistent-ipa-home"}}; }

  void write(const std::string& relative, const std::string& text) const {
    const std::filesystem::path file = std::filesystem::path(dir_) / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }
  void use(const std::string& context) const {
    write("config.json", "{\n\t\"auths\": {},\n\t\"currentContext\": \"" + context + "\"\n}");
  }
  // meta.json exactly as `docker context create NAME --docker host=HOST` writes it.
  std::string create_context(const std::string& name, const std::string& host,
                             bool skip_tls_verify = false) const {
    const std::string meta = meta_path(name);
    write(meta, R"({"Name":")" + name + R"(","Metadata":{},"Endpoints":{"docker":{"Host":")" +
                    host + R"(","SkipTLSVerify":)" + (skip_tls_verify ? "true" : "false") + "}}}");
    return dir_ + "/" + meta;
  }
  static std::string meta_path(const std::string& name) {
    return "contexts/meta/" + ipa::context_directory_name(name) + "/meta.json";
  }

 private:
  std::string dir_;
};

ipa::ResolvedEngine resolve_ok(const EngineRequest& request, const Environment& env) {
  auto engine = ipa::resolve_engine(request, env);
  INFO((engine ? "" : engine.error().message));
  REQUIRE(engine.ok());
  return *engine;
}

ipa::Error resolve_error(const EngineRequest& request, const Environment& env) {
  auto engine = ipa::resolve_engine(request, env);
  REQUIRE_FALSE(engine.ok());
  CHECK(engine.error().code == ipa::ErrorCode::kUsage);
  CHECK(engine.error().message.find('\n') == std::string::npos);
  return engine.error();
}

}  // namespace

TEST_CASE("which engine wins follows the CLI's resolveContextName", "[context]") {
  const struct {
    const char* rule;
    EngineRequest request;
    std::optional<std::string> current;
    Environment env;
    ipa::EngineSelection expected;
  } table[] = {
      {"a named host wins over config.json's currentContext",
       {"tcp://h:1", "", "--docker-host"},
       "ctx",
       {},
       {"tcp://h:1", "", "--docker-host"}},
      {"a named context wins over config.json's currentContext",
       {"", "mine", "DOCKER_CONTEXT"},
       "ctx",
       {},
       {"", "mine", "DOCKER_CONTEXT"}},
      {"currentContext is used when nothing else names an engine",
       {},
       "ctx",
       {},
       {"", "ctx", "currentContext in /c/config.json"}},
      {"without any, the default context is the default socket",
       {},
       std::nullopt,
       {},
       {"unix:///var/run/docker.sock", "", ""}},
      {"an empty currentContext is none", {}, "", {}, {"unix:///var/run/docker.sock", "", ""}},
      {"currentContext \"default\" is the default context, at DOCKER_HOST",
       {},
       "default",
       {{"DOCKER_HOST", "unix:///d.sock"}},
       {"unix:///d.sock", "", ""}},
      {"--context default is the default context, not a context named so",
       {"", "default", "--context"},
       "ctx",
       {},
       {"unix:///var/run/docker.sock", "", ""}},
      {"no host with DOCKER_TLS_VERIFY is tcp://localhost:2376 (opts.ParseHost defaultToTLS)",
       {},
       std::nullopt,
       {{"DOCKER_TLS_VERIFY", "1"}},
       {"tcp://localhost:2376", "", ""}},
      {"no host with DOCKER_TLS is tcp://localhost:2376 too",
       {},
       std::nullopt,
       {{"DOCKER_TLS", "1"}},
       {"tcp://localhost:2376", "", ""}},
      {"DOCKER_CERT_PATH alone does not ask the CLI for TLS: the default socket",
       {},
       std::nullopt,
       {{"DOCKER_CERT_PATH", "/c"}},
       {"unix:///var/run/docker.sock", "", ""}},
  };
  for (const auto& row : table) {
    INFO(row.rule);
    const auto chosen = ipa::select_engine(row.request, row.current, "/c/config.json", row.env);
    CHECK(chosen.host == row.expected.host);
    CHECK(chosen.context == row.expected.context);
    if (!std::string(row.expected.origin).empty()) {
      CHECK(chosen.origin == row.expected.origin);
    }
  }
}

TEST_CASE("a context's directory is the sha256 of its name, as docker context create makes it",
          "[context]") {
  // Made by the docker CLI 28.2: `docker context create sbx ...`.
  CHECK(ipa::context_directory_name("sbx") ==
        "c98a5865f0e7eee4c5f77ccbc5cb81117c168e28333f6273c1d3b17f9bcff0d4");
}

TEST_CASE("currentContext in $DOCKER_CONFIG/config.json picks the context's docker host",
          "[context]") {
  const DockerConfigDir config;
  config.create_context("colima", "unix:///home/dev/.colima/default/docker.sock");
  config.use("colima");
  const auto engine = resolve_ok({}, config.env());
  CHECK(engine.endpoint.url == "unix:///home/dev/.colima/default/docker.sock");
  CHECK(engine.endpoint.socket_path == "/home/dev/.colima/default/docker.sock");
  CHECK(engine.context == "colima");
  CHECK(engine.origin == "currentContext in " + config.path() + "/config.json");
  CHECK(engine.warning.empty());
}

TEST_CASE("without DOCKER_CONFIG the CLI's directory is $HOME/.docker", "[context]") {
  CHECK(ipa::docker_config_dir({{"HOME", "/home/dev"}}) == "/home/dev/.docker");
  CHECK(ipa::docker_config_dir({{"HOME", "/home/dev"}, {"DOCKER_CONFIG", "/d"}}) == "/d");
}

TEST_CASE("meta.json field names match without regard to case, as Go's encoding/json",
          "[context]") {
  const DockerConfigDir config;
  config.write(DockerConfigDir::meta_path("lower"),
               R"({"name":"lower","endpoints":{"docker":{"host":"tcp://h:2376",)"
               R"("skipTLSVerify":true}}})");
  config.write("contexts/tls/" + ipa::context_directory_name("lower") + "/docker/ca.pem", "x");
  const auto engine = resolve_ok({"", "lower", "--context"}, config.env());
  CHECK(engine.endpoint.base_url == "https://h:2376");
  CHECK_FALSE(engine.endpoint.tls_verify);
}

TEST_CASE("a context's TLS directory turns TLS on, with its files (load.go tlsConfig)",
          "[context]") {
  const DockerConfigDir config;
  config.create_context("remote", "tcp://build.example.com:2376");
  const std::string tls = "contexts/tls/" + ipa::context_directory_name("remote") + "/docker/";
  for (const char* name : {"ca.pem", "cert.pem", "key.pem"}) {
    config.write(tls + name, "x");
  }
  const auto engine = resolve_ok({"", "remote", "DOCKER_CONTEXT"}, config.env());
  CHECK(engine.endpoint.tls);
  CHECK(engine.endpoint.tls_verify);
  CHECK(engine.endpoint.base_url == "https://build.example.com:2376");
  CHECK(engine.endpoint.ca_file == config.path() + "/" + tls + "ca.pem");
  CHECK(engine.endpoint.cert_file == config.path() + "/" + tls + "cert.pem");
  CHECK(engine.endpoint.key_file == config.path() + "/" + tls + "key.pem");
}

TEST_CASE("SkipTLSVerify alone turns TLS on without verification (load.go tlsConfig)",
          "[context]") {
  const DockerConfigDir config;
  config.create_context("lab", "tcp://lab:2376", /*skip_tls_verify=*/true);
  const auto engine = resolve_ok({"", "lab", "--context"}, config.env());
  CHECK(engine.endpoint.tls);
  CHECK_FALSE(engine.endpoint.tls_verify);
  CHECK(engine.endpoint.ca_file.empty());
}

TEST_CASE("a context's TLS comes from the store only, never from DOCKER_TLS_VERIFY", "[context]") {
  const DockerConfigDir config;
  config.create_context("plain", "tcp://plain:2375");
  Environment env = config.env();
  env["DOCKER_TLS_VERIFY"] = "1";
  const auto engine = resolve_ok({"", "plain", "--context"}, env);
  CHECK_FALSE(engine.endpoint.tls);
  CHECK(engine.endpoint.base_url == "http://plain:2375");
}

TEST_CASE("a context on a unix socket never uses TLS (load.go isSocket)", "[context]") {
  const DockerConfigDir config;
  config.create_context("desk", "unix:///home/dev/.docker/run/docker.sock", true);
  config.write("contexts/tls/" + ipa::context_directory_name("desk") + "/docker/ca.pem", "x");
  const auto engine = resolve_ok({"", "desk", "--context"}, config.env());
  CHECK_FALSE(engine.endpoint.tls);
  CHECK(engine.endpoint.base_url == "http://localhost");
}

TEST_CASE("DOCKER_API_VERSION pins the API version as client.WithAPIVersionFromEnv reads it",
          "[context]") {
  const struct {
    const char* given;
    const char* pinned;  // nullptr: a usage error
  } table[] = {
      {"1.41", "1.41"}, {" v1.43 ", "1.43"}, {"", ""},         {"v", ""},
      {"abc", nullptr}, {"1", nullptr},      {"1.x", nullptr}, {"1.41.2", nullptr},
  };
  for (const auto& row : table) {
    INFO("DOCKER_API_VERSION=\"" << row.given << "\"");
    const Environment env{{"HOME", "/nonexistent-ipa-home"}, {"DOCKER_API_VERSION", row.given}};
    const EngineRequest request{"unix:///s.sock", "", "--docker-host"};
    if (row.pinned != nullptr) {
      CHECK(resolve_ok(request, env).endpoint.api_version == row.pinned);
    } else {
      CHECK_THAT(resolve_error(request, env).message, Catch::Contains("DOCKER_API_VERSION"));
    }
  }
}

TEST_CASE("a context that does not exist is a usage error naming the file and what to do",
          "[context]") {
  const DockerConfigDir config;
  config.use("gone");
  const auto error = resolve_error({}, config.env());
  CHECK_THAT(error.message,
             Catch::Contains("\"gone\"") &&
                 Catch::Contains(config.path() + "/" + DockerConfigDir::meta_path("gone")) &&
                 Catch::Contains("currentContext in " + config.path()) &&
                 Catch::Contains("docker context ls"));
}

TEST_CASE("a meta.json that does not parse is a usage error naming it", "[context]") {
  const DockerConfigDir config;
  const auto rows = GENERATE(as<std::string>{}, "{\"Name\":\"x\",", "[]",
                             R"({"Endpoints":{"docker":{"Host":5}}})",
                             R"({"Endpoints":{"docker":{"SkipTLSVerify":"yes"}}})");
  config.write(DockerConfigDir::meta_path("broken"), rows);
  const auto error = resolve_error({"", "broken", "--context"}, config.env());
  INFO(rows);
  CHECK_THAT(error.message, Catch::Contains(DockerConfigDir::meta_path("broken")) &&
                                Catch::Contains("\"broken\"") && Catch::Contains("recreate"));
}

TEST_CASE("a context without a docker endpoint is a usage error saying how to add one",
          "[context]") {
  const DockerConfigDir config;
  config.write(DockerConfigDir::meta_path("k8s"),
               R"({"Name":"k8s","Metadata":{},"Endpoints":{"kubernetes":{"Host":"x"}}})");
  const auto error = resolve_error({"", "k8s", "DOCKER_CONTEXT"}, config.env());
  CHECK_THAT(error.message, Catch::Contains("has no docker endpoint") &&
                                Catch::Contains("docker context update k8s"));
}

TEST_CASE("a context whose host is malformed names the context and the file", "[context]") {
  const DockerConfigDir config;
  config.create_context("odd", "http://h:2375");
  const auto error = resolve_error({"", "odd", "--context"}, config.env());
  CHECK_THAT(error.message,
             Catch::Contains("unsupported scheme") && Catch::Contains("docker context \"odd\""));
}

TEST_CASE("a config.json the CLI only warns about gives a warning and the default context",
          "[context]") {
  const DockerConfigDir config;
  config.create_context("ctx", "unix:///ctx.sock");
  SECTION("not JSON") {
    config.write("config.json", "{\"currentContext\": \"ctx\"");
  }
  SECTION("currentContext not a string") {
    config.write("config.json", "{\"currentContext\": 1}");
  }
  SECTION("unreadable") {
    std::filesystem::create_directories(std::filesystem::path(config.path()) / "config.json");
  }
  const auto engine = resolve_ok({}, config.env());
  CHECK(engine.endpoint.url == "unix:///var/run/docker.sock");
  CHECK(engine.context.empty());
  CHECK_THAT(engine.warning, Catch::Contains(config.path() + "/config.json") &&
                                 Catch::Contains("as the docker CLI does"));
}

TEST_CASE("an unreachable engine's line lists the other contexts with the option for each",
          "[context]") {
  const DockerConfigDir config;
  config.create_context("here", "unix:///here.sock");
  config.create_context("there", "tcp://there:2375");
  const auto engine = resolve_ok({"", "here", "DOCKER_CONTEXT"}, config.env());
  const std::string text = ipa::engine_alternatives(engine, config.env());
  CHECK_THAT(text, Catch::Contains("chosen by context \"here\" from DOCKER_CONTEXT") &&
                       Catch::Contains("context \"there\" -> tcp://there:2375 (--context there)") &&
                       !Catch::Contains("context \"here\" ->") &&
                       Catch::Contains("does not switch engines by itself"));
}

TEST_CASE("an unreachable engine's line names the well-known engine sockets that exist",
          "[context]") {
  const DockerConfigDir config;
  const std::string home = config.path() + "/home";
  const std::string colima = home + "/.colima/default/docker.sock";
  std::filesystem::create_directories(home + "/.colima/default");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  colima.copy(address.sun_path, sizeof(address.sun_path) - 1);
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
  Environment env = config.env();
  env["HOME"] = home;
  const auto engine = resolve_ok({}, env);
  const std::string text = ipa::engine_alternatives(engine, env);
  ::close(fd);
  CHECK_THAT(text, Catch::Contains("Colima socket unix://" + colima + " (--docker-host unix://" +
                                   colima + ")") &&
                       !Catch::Contains("OrbStack"));
}
