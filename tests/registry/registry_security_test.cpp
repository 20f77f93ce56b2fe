// The registry's file-level protections (issue 6, security), each checked
// against the real file system.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdarg>
#include <mutex>
#include <string>
#include <vector>

#include "registry/last_good_copy.hpp"
#include "registry/registry.hpp"
#include "registry/registry_file.hpp"
#include "tests/registry/synthetic_registry.hpp"
#include "tests/registry/test_support.hpp"
#include "tests/support/cannot_run.hpp"

// Every open(2) this process makes, to see how the temp files are created.
// Defined in the executable, it takes precedence over libc's open for the
// registry library linked into it; the file is then opened by the syscall.
namespace {
struct OpenCall {
  std::string path;
  int flags;
  mode_t mode;
};
std::mutex g_opens_mutex;
std::vector<OpenCall> g_opens;
}  // namespace

extern "C" int open(const char* path, int flags, ...) {
  mode_t mode = 0;
  if ((flags & (O_CREAT | O_TMPFILE)) != 0) {
    va_list args;
    va_start(args, flags);
    mode = static_cast<mode_t>(va_arg(args, int));
    va_end(args);
  }
  {
    const std::lock_guard<std::mutex> guard(g_opens_mutex);
    g_opens.push_back(OpenCall{path, flags, mode});
  }
  return static_cast<int>(::syscall(SYS_openat, AT_FDCWD, path, flags, mode));
}

namespace {

using ipa::ErrorCode;
using ipa::Registry;
using ipa::RegistryAccess;
using ipa::test::TempDir;

std::string one_assignment() {
  return ipa::test::registry_with(1).serialize();
}

}  // namespace

TEST_CASE("temp files are created O_EXCL|O_NOFOLLOW, mode 0600, in the registry's own directory") {
  TempDir dir;
  const std::string path = dir.file("port-registry.json");
  {
    const std::lock_guard<std::mutex> guard(g_opens_mutex);
    g_opens.clear();
  }
  REQUIRE(ipa::save_atomically(path, one_assignment()).ok());
  const std::lock_guard<std::mutex> guard(g_opens_mutex);
  std::vector<OpenCall> temps;
  for (const OpenCall& call : g_opens) {
    if (call.path.find(".tmp-") != std::string::npos) {
      temps.push_back(call);
    }
  }
  REQUIRE(temps.size() == 1);
  CHECK(temps[0].path.rfind(dir.path() + "/.port-registry.json.tmp-", 0) == 0);
  CHECK((temps[0].flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL));
  CHECK((temps[0].flags & O_NOFOLLOW) == O_NOFOLLOW);
  CHECK(temps[0].mode == 0600);
}

TEST_CASE("the registry is 0600 and a directory the agent creates is 0700, whatever the umask") {
  TempDir dir;
  const mode_t old_mask = ::umask(0);
  const std::string path = dir.file("made/here/port-registry.json");
  const auto saved = ipa::save_atomically(path, one_assignment());
  ::umask(old_mask);
  REQUIRE(saved.ok());
  CHECK(ipa::test::permissions_of(dir.file("made")) == 0700);
  CHECK(ipa::test::permissions_of(dir.file("made/here")) == 0700);
  CHECK(ipa::test::permissions_of(path) == 0600);
  ipa::LastGoodCopy copy;
  REQUIRE(copy.keep(path, one_assignment()).ok());
  CHECK(ipa::test::permissions_of(ipa::backup_path_for(path)) == 0600);
}

TEST_CASE("a registry that is a symlink is refused, for reading and writing, unless allowed") {
  TempDir dir;
  const std::string target = dir.file("elsewhere.json");
  const std::string link = dir.file("port-registry.json");
  const std::string old_bytes = Registry().serialize();
  ipa::test::write_bytes(target, old_bytes);
  REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);

  const auto loaded = ipa::load_registry(link);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().code == ErrorCode::kUsage);
  CHECK_THAT(loaded.error().message, Catch::Contains("symbolic link") && Catch::Contains(target) &&
                                         Catch::Contains("--allow-unsafe-registry"));
  const auto saved = ipa::save_atomically(link, one_assignment());
  REQUIRE_FALSE(saved.ok());
  CHECK(saved.error().code == ErrorCode::kUsage);
  CHECK(ipa::test::read_bytes(target) == old_bytes);
  struct stat info {};
  REQUIRE(::lstat(link.c_str(), &info) == 0);
  CHECK(S_ISLNK(info.st_mode));

  CHECK(ipa::load_registry(link, RegistryAccess{true}).ok());
  REQUIRE(ipa::save_atomically(link, one_assignment(), RegistryAccess{true}).ok());
  CHECK(ipa::test::read_bytes(target) == one_assignment());
}

TEST_CASE("a registry owned by another user is refused, for reading and writing, unless allowed") {
  if (::geteuid() != 0) {
    ipa::test::cannot_run("needs root to give a file to another user");
    return;
  }
  TempDir dir;
  const std::string path = dir.file("port-registry.json");
  const std::string old_bytes = Registry().serialize();
  ipa::test::write_bytes(path, old_bytes);
  constexpr uid_t kNobody = 65534;
  REQUIRE(::chown(path.c_str(), kNobody, kNobody) == 0);

  const auto loaded = ipa::load_registry(path);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().code == ErrorCode::kUsage);
  CHECK_THAT(loaded.error().message,
             Catch::Contains("uid 65534") && Catch::Contains("--allow-unsafe-registry"));
  const auto saved = ipa::save_atomically(path, one_assignment());
  REQUIRE_FALSE(saved.ok());
  CHECK(saved.error().code == ErrorCode::kUsage);
  CHECK(ipa::test::read_bytes(path) == old_bytes);

  CHECK(ipa::load_registry(path, RegistryAccess{true}).ok());
  CHECK(ipa::save_atomically(path, one_assignment(), RegistryAccess{true}).ok());
}
