#include "tests/docker/support/sshd.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <catch2/catch.hpp>

#include "tests/docker/support/engine.hpp"

namespace ipa::test {

ThrowawaySshd::ThrowawaySshd() {
  const std::string engine = engine_host();
  std::string pattern = (std::filesystem::temp_directory_path() / "ipa-sshd-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  dir_ = pattern;
  script("setup '" + dir_ + "' '" + engine + "'");
  std::ifstream(dir_ + "/port") >> port_;
  REQUIRE(port_ > 0);
  const char* path = ::getenv("PATH");
  old_path_ = path != nullptr ? path : "/usr/bin:/bin";
  ::setenv("PATH", (dir_ + "/bin:" + old_path_).c_str(), 1);
  start();
}

ThrowawaySshd::~ThrowawaySshd() {
  run(std::string(IPA_SOURCE_DIR) + "/tests/docker/support/throwaway-sshd stop '" + dir_ + "'");
  ::setenv("PATH", old_path_.c_str(), 1);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void ThrowawaySshd::script(const std::string& args) const {
  const std::string command =
      std::string(IPA_SOURCE_DIR) + "/tests/docker/support/throwaway-sshd " + args;
  INFO(command);
  REQUIRE(run(command).status == 0);
}

void ThrowawaySshd::stop() {
  script("stop '" + dir_ + "'");
}

void ThrowawaySshd::start() {
  script("start '" + dir_ + "'");
}

void ThrowawaySshd::use_unknown_key() {
  script("use-key '" + dir_ + "' other");
}

std::string ThrowawaySshd::url(const std::string& path) const {
  return "ssh://root@127.0.0.1:" + std::to_string(port_) + path;
}

int ssh_processes(int port) {
  const std::string port_argument = "-p" + std::string(1, '\0') + std::to_string(port) + '\0';
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    std::string comm;
    std::getline(std::ifstream(entry.path() / "comm"), comm);
    std::ifstream cmdline_file(entry.path() / "cmdline");
    const std::string cmdline((std::istreambuf_iterator<char>(cmdline_file)),
                              std::istreambuf_iterator<char>());
    // A zombie has no command line left: one of ours is an ssh the loop did
    // not reap.
    std::string stat;
    std::getline(std::ifstream(entry.path() / "stat"), stat);
    const auto after_comm = stat.rfind(") ");
    const bool our_zombie = after_comm != std::string::npos &&
                            stat.compare(after_comm + 2, 2, "Z ") == 0 &&
                            std::stol(stat.substr(after_comm + 4)) == static_cast<long>(::getpid());
    if (comm == "ssh" && (cmdline.find(port_argument) != std::string::npos || our_zombie)) {
      ++count;
    }
  }
  return count;
}

}  // namespace ipa::test
