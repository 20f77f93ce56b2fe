#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <rapidjson/document.h>

#include "registry/registry.hpp"
#include "registry/registry_file.hpp"
#include "registry/registry_lock.hpp"
#include "tests/registry/synthetic_registry.hpp"
#include "tests/registry/test_support.hpp"

namespace {

using ipa::ErrorCode;
using ipa::RegistryLock;
using ipa::test::TempDir;
using std::chrono::milliseconds;

// Holds the registry lock, then proves nobody else does: the marker can only
// be created by one holder at a time. Lockers poll without sleeping so that
// one of them is nearly always between open(2) and flock(2) when the lock
// file is unlinked: without the inode check this fails within a few rounds.
bool hold_exclusively(const std::string& marker) {
  const int fd = open(marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return false;
  }
  close(fd);
  std::this_thread::sleep_for(std::chrono::microseconds(200));
  return unlink(marker.c_str()) == 0;
}

[[noreturn]] void run_locker(const std::string& lock_path, const std::string& marker, int rounds,
                             bool unlink_on_release) {
  for (int i = 0; i < rounds; ++i) {
    auto lock = RegistryLock::acquire(lock_path, std::chrono::seconds(30), milliseconds(0));
    if (!lock || !hold_exclusively(marker)) {
      _exit(1);
    }
    if (unlink_on_release) {
      // What py-filelock 3.20.4 to 3.29.4 did: delete the lock file, then unlock.
      unlink(lock_path.c_str());
    }
  }
  _exit(0);
}

}  // namespace

TEST_CASE("the lock path replaces the registry's suffix like Path.with_suffix(\".lock\")") {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"port-registry.json", "port-registry.lock"},
      {"/home/u/.iris-devtester/port-registry.json", "/home/u/.iris-devtester/port-registry.lock"},
      {"/a/b/x.tar.gz", "/a/b/x.tar.lock"},
      {"/a/b/registry", "/a/b/registry.lock"},
      {"/a/.hidden", "/a/.hidden.lock"},
      {".hidden", ".hidden.lock"},
      {"/a/.reg.json", "/a/.reg.lock"},
      {"/a/trailing.", "/a/trailing..lock"},
      {"/dir.d/registry", "/dir.d/registry.lock"},
      {"/a/reg.json/", "/a/reg.lock"},
      {"/a/reg.lock", "/a/reg.lock"},
  };
  for (const auto& [registry, lock] : table) {
    INFO(registry);
    CHECK(ipa::lock_path_for(registry) == lock);
  }
}

TEST_CASE("try_acquire never blocks and reports busy while another process holds the lock") {
  TempDir dir;
  const std::string lock_path = dir.file("port-registry.lock");
  auto held = RegistryLock::try_acquire(lock_path);
  REQUIRE(held.ok());

  // A separate open file description, as another process would have.
  const auto started = std::chrono::steady_clock::now();
  const auto second = RegistryLock::try_acquire(lock_path);
  CHECK(std::chrono::steady_clock::now() - started < milliseconds(1000));
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == ErrorCode::kLockBusy);

  { RegistryLock released = std::move(held).value(); }
  CHECK(RegistryLock::try_acquire(lock_path).ok());
}

TEST_CASE("acquire gives up after its timeout with a message naming the lock file") {
  TempDir dir;
  const std::string lock_path = dir.file("port-registry.lock");
  const int holder = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(flock(holder, LOCK_EX) == 0);
  const auto started = std::chrono::steady_clock::now();
  const auto lock = RegistryLock::acquire(lock_path, milliseconds(300), milliseconds(50));
  const auto waited = std::chrono::steady_clock::now() - started;
  close(holder);
  REQUIRE_FALSE(lock.ok());
  CHECK(lock.error().code == ErrorCode::kLockTimeout);
  CHECK(lock.error().message.find(lock_path) != std::string::npos);
  CHECK(lock.error().message.find("another process") != std::string::npos);
  CHECK(lock.error().message.find('\n') == std::string::npos);
  CHECK(waited >= milliseconds(250));
  CHECK(waited < milliseconds(2000));
}

TEST_CASE("the lock file is created in a missing directory (0700) and never truncated") {
  TempDir dir;
  const std::string lock_path = dir.file("new/port-registry.lock");
  {
    auto lock = RegistryLock::try_acquire(lock_path);
    REQUIRE(lock.ok());
    CHECK(ipa::test::permissions_of(dir.file("new")) == 0700);
  }
  ipa::test::write_bytes(lock_path, "pid 123");
  { REQUIRE(RegistryLock::try_acquire(lock_path).ok()); }
  CHECK(ipa::test::read_bytes(lock_path) == "pid 123");
}

TEST_CASE("a symlink in place of the lock file is refused") {
  TempDir dir;
  const std::string lock_path = dir.file("port-registry.lock");
  REQUIRE(symlink(dir.file("elsewhere").c_str(), lock_path.c_str()) == 0);
  const auto lock = RegistryLock::try_acquire(lock_path);
  REQUIRE_FALSE(lock.ok());
  CHECK(lock.error().code == ErrorCode::kIo);
  CHECK(lock.error().message.find("symbolic link") != std::string::npos);
}

TEST_CASE("a lock file deleted and recreated by its holder never yields two holders") {
  TempDir dir;
  const std::string lock_path = dir.file("port-registry.lock");
  const std::string marker = dir.file("inside");
  constexpr int kLockers = 4;
  constexpr int kRounds = 300;
  ipa::test::Children children;
  for (int i = 0; i < kLockers; ++i) {
    const pid_t pid = fork();
    if (pid == 0) {
      run_locker(lock_path, marker, kRounds, false);
    }
    children.add(pid);
  }
  const pid_t deleter = fork();
  if (deleter == 0) {
    run_locker(lock_path, marker, kRounds, true);
  }
  children.add(deleter);
  CHECK(children.all_succeed());
}

TEST_CASE("Python writers holding filelock.FileLock and this program lose no update") {
  TempDir dir;
  const std::string path = dir.file("port-registry.json");
  REQUIRE(ipa::save_atomically(path, ipa::Registry().serialize()).ok());

  constexpr int kPythonWriters = 3;
  constexpr int kPythonRounds = 40;
  constexpr int kCppRounds = 80;
  ipa::test::Children writers;
  for (int i = 0; i < kPythonWriters; ++i) {
    writers.add(ipa::test::spawn(
        {IPA_PYTHON, std::string(IPA_TEST_DIR) + "/../support/ipa_testing/devtester.py", "counted",
         path, "w" + std::to_string(i), std::to_string(kPythonRounds)}));
  }
  for (int i = 0; i < kCppRounds; ++i) {
    auto lock = RegistryLock::acquire(ipa::lock_path_for(path), std::chrono::seconds(60));
    REQUIRE(lock.ok());
    auto loaded = ipa::load_registry(path);
    INFO((loaded ? std::string() : loaded.error().message));
    REQUIRE(loaded.ok());
    loaded->registry.append(ipa::test::auto_assignment("/cpp/" + std::to_string(i), 30000 + i));
    REQUIRE(loaded->registry.set_agent_json(R"({"writes": )" + std::to_string(i + 1) + "}").ok());
    REQUIRE(ipa::save_atomically(path, loaded->registry.serialize()).ok());
    std::this_thread::sleep_for(milliseconds(5));
  }
  CHECK(writers.all_succeed());

  const auto final_state = ipa::load_registry(path);
  REQUIRE(final_state.ok());
  std::set<std::string> paths;
  for (const auto& assignment : final_state->registry.assignments()) {
    paths.insert(assignment.project_path);
  }
  CHECK(final_state->registry.size() == kPythonWriters * kPythonRounds + kCppRounds);
  CHECK(paths.size() == final_state->registry.size());
  CHECK(final_state->registry.agent_json() == R"({"writes":)" + std::to_string(kCppRounds) + "}");

  rapidjson::Document document;
  document.Parse(final_state->bytes.c_str());
  REQUIRE(document.HasMember("python_counters"));
  for (int i = 0; i < kPythonWriters; ++i) {
    const std::string writer = "w" + std::to_string(i);
    REQUIRE(document["python_counters"].HasMember(writer.c_str()));
    CHECK(document["python_counters"][writer.c_str()].GetInt() == kPythonRounds);
  }
}
