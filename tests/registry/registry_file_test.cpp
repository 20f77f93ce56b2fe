#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "registry/registry.hpp"
#include "registry/registry_file.hpp"
#include "registry/registry_lock.hpp"
#include "tests/registry/synthetic_registry.hpp"
#include "tests/registry/test_support.hpp"
#include "tests/support/cannot_run.hpp"

namespace {

using ipa::ErrorCode;
using ipa::Registry;
using ipa::test::registry_with;
using ipa::test::TempDir;

bool has_temp_files(const std::string& directory) {
  const auto names = ipa::test::names_in(directory);
  return std::any_of(names.begin(), names.end(), [](const std::string& name) {
    return name.find(".tmp-") != std::string::npos;
  });
}

}  // namespace

TEST_CASE("a missing registry is an empty one") {
  TempDir dir;
  const std::string path = dir.file("port-registry.json");
  const auto loaded = ipa::load_registry(path);
  REQUIRE(loaded.ok());
  CHECK_FALSE(loaded->existed);
  CHECK(loaded->bytes.empty());
  CHECK(loaded->registry.size() == 0);
  CHECK(access(path.c_str(), F_OK) != 0);
}

TEST_CASE("a directory in place of the registry is an I/O error that says so") {
  TempDir dir;
  const std::string path = dir.file("port-registry.json");
  REQUIRE(mkdir(path.c_str(), 0700) == 0);
  const auto loaded = ipa::load_registry(path);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().code == ErrorCode::kIo);
  CHECK(loaded.error().message.find(path + " is a directory") == 0);
  CHECK(ipa::test::names_in(path).empty());
}

TEST_CASE("a saved registry loads back with the same bytes and mode 0600") {
  TempDir dir;
  const std::string path = dir.file("port-registry.json");
  const std::string bytes = registry_with(3).serialize();
  REQUIRE(ipa::save_atomically(path, bytes).ok());
  CHECK(ipa::test::read_bytes(path) == bytes);
  CHECK(ipa::test::permissions_of(path) == 0600);
  const auto loaded = ipa::load_registry(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->existed);
  CHECK(loaded->bytes == bytes);
  CHECK(loaded->registry.serialize() == bytes);
  CHECK_FALSE(has_temp_files(dir.path()));
}

TEST_CASE("10,000 assignments load and save") {
  TempDir dir;
  const std::string path = dir.file("port-registry.json");
  const std::string bytes = registry_with(10000).serialize();
  REQUIRE(ipa::save_atomically(path, bytes).ok());
  auto loaded = ipa::load_registry(path);
  REQUIRE(loaded.ok());
  REQUIRE(loaded->registry.size() == 10000);
  CHECK(loaded->registry.assignments()[9999].project_path == "/home/dev/project-9999");
  loaded->registry.set_status(5000, ipa::AssignmentStatus::kStale);
  const std::string changed = loaded->registry.serialize();
  REQUIRE(ipa::save_atomically(path, changed).ok());
  CHECK(ipa::test::read_bytes(path) == changed);
}

TEST_CASE("a missing registry directory is created with mode 0700") {
  TempDir dir;
  const std::string path = dir.file("a/b/port-registry.json");
  REQUIRE(ipa::save_atomically(path, Registry().serialize()).ok());
  CHECK(ipa::test::permissions_of(dir.file("a")) == 0700);
  CHECK(ipa::test::permissions_of(dir.file("a/b")) == 0700);
  CHECK(ipa::test::permissions_of(path) == 0600);
}

TEST_CASE("temp files a crashed writer left, of the registry and its copy, are swept") {
  TempDir dir;
  const std::string path = dir.file("port-registry.json");
  ipa::test::write_bytes(dir.file(".port-registry.json.tmp-4242-00000000deadbeef"), "{\"as");
  ipa::test::write_bytes(dir.file(".port-registry.json.bak.tmp-4242-00000000deadbeef"), "{\"as");
  ipa::test::write_bytes(dir.file("unrelated.tmp-1"), "keep me");
  ipa::remove_leftover_temps(path);
  CHECK(ipa::test::names_in(dir.path()) == std::vector<std::string>{"unrelated.tmp-1"});
}

TEST_CASE("an allowed symlinked registry's temp files are swept beside its target") {
  TempDir dir;
  REQUIRE(mkdir(dir.file("real").c_str(), 0700) == 0);
  const std::string link = dir.file("port-registry.json");
  ipa::test::write_bytes(dir.file("real/target.json"), Registry().serialize());
  REQUIRE(symlink(dir.file("real/target.json").c_str(), link.c_str()) == 0);
  ipa::test::write_bytes(dir.file("real/.target.json.tmp-4242-00000000deadbeef"), "{\"as");
  ipa::test::write_bytes(dir.file(".port-registry.json.bak.tmp-4242-00000000deadbeef"), "{\"as");
  ipa::remove_leftover_temps(link, ipa::RegistryAccess{true});
  CHECK(ipa::test::names_in(dir.file("real")) == std::vector<std::string>{"target.json"});
  CHECK(ipa::test::names_in(dir.path()) == std::vector<std::string>{"port-registry.json", "real"});
}

TEST_CASE("an allowed symlinked registry stays a symlink and its target is replaced") {
  TempDir dir;
  const std::string target = dir.file("real.json");
  const std::string link = dir.file("port-registry.json");
  ipa::test::write_bytes(target, Registry().serialize());
  REQUIRE(symlink(target.c_str(), link.c_str()) == 0);
  const std::string bytes = registry_with(1).serialize();
  REQUIRE(ipa::save_atomically(link, bytes, ipa::RegistryAccess{true}).ok());
  struct stat info {};
  REQUIRE(lstat(link.c_str(), &info) == 0);
  CHECK(S_ISLNK(info.st_mode));
  CHECK(ipa::test::read_bytes(target) == bytes);
}

TEST_CASE("a reader that does not lock never sees a partial atomic save") {
  TempDir dir;
  const std::string path = dir.file("port-registry.json");
  const std::string small = registry_with(2).serialize();
  const std::string large = registry_with(400).serialize();
  REQUIRE(ipa::save_atomically(path, small).ok());

  const pid_t writer = fork();
  if (writer == 0) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    for (int i = 0; std::chrono::steady_clock::now() < until; ++i) {
      auto lock = ipa::RegistryLock::acquire(ipa::lock_path_for(path));
      if (!lock || !ipa::save_atomically(path, i % 2 == 0 ? large : small)) {
        _exit(1);
      }
    }
    _exit(0);
  }
  REQUIRE(writer > 0);
  int reads = 0;
  int partial = 0;
  int status = 0;
  while (waitpid(writer, &status, WNOHANG) == 0) {
    const auto bytes = ipa::read_file(path);
    if (!bytes || (*bytes != small && *bytes != large) || !Registry::parse(*bytes, path).ok()) {
      ++partial;
    }
    ++reads;
  }
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(reads > 100);
  CHECK(partial == 0);
}

TEST_CASE("a bind-mounted registry (rename gives EBUSY) is rewritten in place") {
  TempDir dir;
  const std::string path = dir.file("port-registry.json");
  const std::string source = dir.file("mounted-source.json");
  const std::string old_bytes = registry_with(5).serialize();
  ipa::test::write_bytes(source, old_bytes);
  ipa::test::write_bytes(path, "");
  if (mount(source.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    ipa::test::cannot_run("bind mount not permitted (" + std::string(std::strerror(errno)) +
                          "; needs root or CAP_SYS_ADMIN): the EBUSY fallback");
    return;
  }
  // Prove the premise: renaming over a mount point fails with EBUSY.
  const std::string probe = dir.file("probe");
  ipa::test::write_bytes(probe, "x");
  const int probe_result = rename(probe.c_str(), path.c_str());
  const int probe_errno = errno;

  const std::string new_bytes = registry_with(2).serialize();
  const auto saved = ipa::save_atomically(path, new_bytes);
  const std::string through_mount = ipa::test::read_bytes(path);
  umount2(path.c_str(), MNT_DETACH);

  CHECK(probe_result == -1);
  CHECK(probe_errno == EBUSY);
  INFO((saved ? std::string() : saved.error().message));
  REQUIRE(saved.ok());
  CHECK(through_mount == new_bytes);
  CHECK(ipa::test::read_bytes(source) == new_bytes);
  CHECK_FALSE(has_temp_files(dir.path()));
}

TEST_CASE("a save that runs out of space leaves the old registry and no temp file") {
  TempDir dir;
  const std::string mount_point = dir.file("small");
  REQUIRE(mkdir(mount_point.c_str(), 0700) == 0);
  if (mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=64k") != 0) {
    ipa::test::cannot_run("tmpfs mount not permitted (" + std::string(std::strerror(errno)) +
                          "; needs root or CAP_SYS_ADMIN): the disk-full path");
    return;
  }
  const std::string path = mount_point + "/port-registry.json";
  const std::string old_bytes = registry_with(3).serialize();
  const auto first = ipa::save_atomically(path, old_bytes);
  const std::string too_big = registry_with(2000).serialize();  // far beyond 64 KiB
  const auto saved = ipa::save_atomically(path, too_big);
  const std::string after = ipa::test::read_bytes(path);
  const bool litter = has_temp_files(mount_point);
  umount2(mount_point.c_str(), MNT_DETACH);

  REQUIRE(first.ok());
  REQUIRE_FALSE(saved.ok());
  CHECK(saved.error().code == ErrorCode::kIo);
  CHECK(saved.error().message.find("No space left on device") != std::string::npos);
  CHECK(saved.error().message.find(path) != std::string::npos);
  CHECK(after == old_bytes);
  CHECK_FALSE(litter);
}
