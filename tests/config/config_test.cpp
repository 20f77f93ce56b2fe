#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace {

using ipa::ConfigOverrides;
using ipa::ErrorCode;
using Env = std::map<std::string, std::string>;

// A config file in a temp dir, removed at the end of the test.
class ConfigFile {
 public:
  explicit ConfigFile(const std::string& json) {
    char pattern[] = "/tmp/ipa-config-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    path_ = dir_ + "/config.json";
    std::ofstream(path_) << json;
  }
  ~ConfigFile() {
    std::remove(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  ConfigFile(const ConfigFile&) = delete;
  ConfigFile& operator=(const ConfigFile&) = delete;
  const std::string& path() const { return path_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::string path_;
};

ConfigOverrides with_file(const std::string& path) {
  ConfigOverrides flags;
  flags.config_file = path;
  return flags;
}

}  // namespace

TEST_CASE("the built-in defaults are the contract's") {
  const auto config = ipa::load_config({}, Env{{"HOME", "/home/dev"}});
  REQUIRE(config.ok());
  CHECK(config->registry_path == "/home/dev/.iris-devtester/port-registry.json");
  CHECK(config->docker_host.empty());  // the docker CLI's rules decide
  CHECK(config->docker_context.empty());
  CHECK(config->grace_seconds == 600);
  CHECK(config->on_die == ipa::OnDie::kMark);
  CHECK(config->lock_timeout_ms == 5000);
  CHECK(config->port_min == 1972);
  CHECK(config->port_max == 1981);
}

TEST_CASE("the config file overrides the defaults") {
  const ConfigFile file(R"({"grace_seconds": 30, "on_die": "keep", "registry": "/r/a.json"})");
  const auto config = ipa::load_config(with_file(file.path()), Env{{"HOME", "/home/dev"}});
  REQUIRE(config.ok());
  CHECK(config->grace_seconds == 30);
  CHECK(config->on_die == ipa::OnDie::kKeep);
  CHECK(config->registry_path == "/r/a.json");
  CHECK(config->config_file == file.path());
}

TEST_CASE("the environment overrides the config file") {
  const ConfigFile file(R"({"registry": "/r/file.json", "docker_host": "tcp://file:2375"})");
  const auto config = ipa::load_config(
      with_file(file.path()),
      Env{{"HOME", "/h"}, {"IRIS_PORT_REGISTRY", "/r/env.json"}, {"DOCKER_HOST", "unix:///e"}});
  REQUIRE(config.ok());
  CHECK(config->registry_path == "/r/env.json");
  CHECK(config->docker_host == "unix:///e");
}

TEST_CASE("flags override the environment") {
  ConfigOverrides flags;
  flags.registry_path = "/r/flag.json";
  flags.docker_host = "unix:///flag";
  flags.grace_seconds = 5;
  flags.log_level = "error";
  const auto config = ipa::load_config(
      flags, Env{{"HOME", "/h"}, {"IRIS_PORT_REGISTRY", "/r/env.json"}, {"DOCKER_HOST", "x"}});
  REQUIRE(config.ok());
  CHECK(config->registry_path == "/r/flag.json");
  CHECK(config->docker_host == "unix:///flag");
  CHECK(config->grace_seconds == 5);
  CHECK(config->log_level == ipa::LogLevel::kError);
}

TEST_CASE("the XDG config file is read when it exists") {
  const ConfigFile file(R"({"grace_seconds": 7})");
  const std::string xdg = file.dir() + "/xdg";
  ::mkdir(xdg.c_str(), 0700);
  ::mkdir((xdg + "/iris-port-agent").c_str(), 0700);
  const std::string path = xdg + "/iris-port-agent/config.json";
  std::ofstream(path) << R"({"grace_seconds": 7})";
  const auto config = ipa::load_config({}, Env{{"HOME", "/h"}, {"XDG_CONFIG_HOME", xdg}});
  std::remove(path.c_str());
  ::rmdir((xdg + "/iris-port-agent").c_str());
  ::rmdir(xdg.c_str());
  REQUIRE(config.ok());
  CHECK(config->grace_seconds == 7);
}

TEST_CASE("an unknown key is a usage error naming the key") {
  const ConfigFile file(R"({"grace": 7})");
  const auto config = ipa::load_config(with_file(file.path()), Env{{"HOME", "/h"}});
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code == ErrorCode::kUsage);
  CHECK_THAT(config.error().message, Catch::Contains("\"grace\"") && Catch::Contains(file.path()));
}

TEST_CASE("a wrong type is a usage error naming the key") {
  const auto [json, key] = GENERATE(table<std::string, std::string>({
      {R"({"grace_seconds": "ten"})", "grace_seconds"},
      {R"({"on_die": "forget"})", "on_die"},
      {R"({"coalesce_window_ms": -1})", "coalesce_window_ms"},
      {R"({"port_range": "1981-1972"})", "port_range"},
      {R"({"log_level": "loud"})", "log_level"},
      {R"({"registry": 5})", "registry"},
  }));
  const ConfigFile file(json);
  const auto config = ipa::load_config(with_file(file.path()), Env{{"HOME", "/h"}});
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code == ErrorCode::kUsage);
  CHECK_THAT(config.error().message, Catch::Contains("\"" + key + "\""));
}

TEST_CASE("a config file that is not JSON is a usage error") {
  const ConfigFile file("{grace_seconds: 7");
  const auto config = ipa::load_config(with_file(file.path()), Env{{"HOME", "/h"}});
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code == ErrorCode::kUsage);
  CHECK_THAT(config.error().message, Catch::Contains("not valid JSON"));
}

TEST_CASE("a missing --config file is a usage error") {
  const auto config = ipa::load_config(with_file("/nonexistent/config.json"), Env{{"HOME", "/h"}});
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code == ErrorCode::kUsage);
}

TEST_CASE("without HOME or a registry flag there is no registry path") {
  const auto config = ipa::load_config({}, Env{});
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.error().message, Catch::Contains("--registry"));
}

TEST_CASE("the engine is named by flags, else DOCKER_HOST, else DOCKER_CONTEXT, else the file") {
  const struct {
    const char* rule;
    const char* file;  // config file JSON
    Env env;
    std::optional<std::string> flag_host;
    std::optional<std::string> flag_context;
    const char* host;
    const char* context;
    const char* origin;  // "FILE" stands for the config file's path
  } table[] = {
      {"the config file's docker_context",
       R"({"docker_context": "f"})",
       {},
       {},
       {},
       "",
       "f",
       "FILE (docker_context)"},
      {"the config file's docker_host",
       R"({"docker_host": "unix:///f"})",
       {},
       {},
       {},
       "unix:///f",
       "",
       "FILE (docker_host)"},
      {"DOCKER_CONTEXT over the file's docker_host",
       R"({"docker_host": "unix:///f"})",
       {{"DOCKER_CONTEXT", "e"}},
       {},
       {},
       "",
       "e",
       "DOCKER_CONTEXT"},
      {"DOCKER_HOST over DOCKER_CONTEXT, as in the CLI",
       R"({"docker_context": "f"})",
       {{"DOCKER_CONTEXT", "e"}, {"DOCKER_HOST", "unix:///e"}},
       {},
       {},
       "unix:///e",
       "",
       "DOCKER_HOST"},
      {"an empty DOCKER_HOST is unset, as in the CLI",
       "{}",
       {{"DOCKER_HOST", ""}, {"DOCKER_CONTEXT", "e"}},
       {},
       {},
       "",
       "e",
       "DOCKER_CONTEXT"},
      {"--context over DOCKER_HOST",
       "{}",
       {{"DOCKER_HOST", "unix:///e"}},
       {},
       "flag",
       "",
       "flag",
       "--context"},
      {"--docker-host over DOCKER_CONTEXT",
       "{}",
       {{"DOCKER_CONTEXT", "e"}},
       "unix:///flag",
       {},
       "unix:///flag",
       "",
       "--docker-host"},
      {"nothing named: both empty", "{}", {}, {}, {}, "", "", ""},
  };
  for (const auto& row : table) {
    INFO(row.rule);
    const ConfigFile file(row.file);
    ConfigOverrides flags = with_file(file.path());
    flags.docker_host = row.flag_host;
    flags.docker_context = row.flag_context;
    Env env = row.env;
    env["HOME"] = "/h";
    const auto config = ipa::load_config(flags, env);
    REQUIRE(config.ok());
    CHECK(config->docker_host == row.host);
    CHECK(config->docker_context == row.context);
    std::string origin = row.origin;
    if (origin.starts_with("FILE")) {
      origin = file.path() + origin.substr(4);
    }
    CHECK(config->docker_origin == origin);
  }
}

TEST_CASE("the docker host and context flags exclude each other, as in the docker CLI") {
  ConfigOverrides flags;
  flags.docker_host = "unix:///a";
  flags.docker_context = "b";
  const auto config = ipa::load_config(flags, Env{{"HOME", "/h"}});
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code == ErrorCode::kUsage);
  CHECK_THAT(config.error().message, Catch::Contains("exclude each other"));
}

TEST_CASE("docker_host and docker_context in one config file exclude each other") {
  const ConfigFile file(R"({"docker_host": "unix:///a", "docker_context": "b"})");
  const auto config = ipa::load_config(with_file(file.path()), Env{{"HOME", "/h"}});
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code == ErrorCode::kUsage);
  CHECK_THAT(config.error().message,
             Catch::Contains(file.path()) && Catch::Contains("exclude each other"));
}
