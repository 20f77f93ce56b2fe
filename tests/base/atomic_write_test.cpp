// Every file the product writes is replaced whole: a reader sees the old file
// or the new one, and a failed write leaves neither a temp file nor a change.

#include <dirent.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/atomic_write.hpp"
#include "base/private_directories.hpp"
#include "tests/base/temp_dir.hpp"

namespace {

using ipa::test::TempDir;

std::string contents(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> entries(const std::string& directory) {
  std::vector<std::string> names;
  DIR* listing = ::opendir(directory.c_str());
  while (const dirent* entry = ::readdir(listing)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") {
      names.push_back(name);
    }
  }
  ::closedir(listing);
  return names;
}

mode_t mode_of(const std::string& path) {
  struct stat info {};
  ::stat(path.c_str(), &info);
  return info.st_mode & 0777U;
}

}  // namespace

TEST_CASE("an atomic write creates or replaces the file and leaves nothing beside it",
          "[base][atomic_write]") {
  const TempDir dir;
  const std::string path = dir.path + "/file.json";
  REQUIRE_FALSE(ipa::write_file_atomically(path, "first"));
  CHECK(contents(path) == "first");
  REQUIRE_FALSE(ipa::write_file_atomically(path, "second, longer", {0600, false}));
  CHECK(contents(path) == "second, longer");
  CHECK(entries(dir.path) == std::vector<std::string>{"file.json"});
}

TEST_CASE("an atomic write gives the new file the mode asked for", "[base][atomic_write]") {
  const TempDir dir;
  const mode_t old_mask = ::umask(022);
  REQUIRE_FALSE(ipa::write_file_atomically(dir.path + "/private", "x"));
  REQUIRE_FALSE(ipa::write_file_atomically(dir.path + "/shared", "x", {0644, true}));
  ::umask(old_mask);
  CHECK(mode_of(dir.path + "/private") == 0600);
  CHECK(mode_of(dir.path + "/shared") == 0644);
}

TEST_CASE("an atomic write into a missing directory fails at the temp file and says where",
          "[base][atomic_write]") {
  const TempDir dir;
  const auto failure = ipa::write_file_atomically(dir.path + "/missing/file", "x");
  REQUIRE(failure);
  CHECK(failure->step == ipa::AtomicWriteFailure::Step::kCreateTemp);
  CHECK(failure->error == ENOENT);
  CHECK(ipa::describe(*failure) ==
        "cannot create a temp file in " + dir.path + "/missing: No such file or directory");
}

TEST_CASE("an atomic write that cannot rename removes its temp file and leaves the target",
          "[base][atomic_write]") {
  const TempDir dir;
  const std::string target = dir.path + "/taken";
  REQUIRE(::mkdir(target.c_str(), 0700) == 0);
  REQUIRE(std::ofstream(target + "/inside").good());
  const auto failure = ipa::write_file_atomically(target, "x");
  REQUIRE(failure);
  CHECK(failure->step == ipa::AtomicWriteFailure::Step::kRename);
  CHECK(entries(dir.path) == std::vector<std::string>{"taken"});
  CHECK(entries(target) == std::vector<std::string>{"inside"});
}

TEST_CASE("temp files are named after the file they replace", "[base][atomic_write]") {
  CHECK(ipa::atomic_write_temp_prefix("port-registry.json") == ".port-registry.json.tmp-");
}

TEST_CASE("private directories are made with mode 0700, parents included",
          "[base][private_directories]") {
  const TempDir dir;
  const std::string deep = dir.path + "/a/b";
  REQUIRE(ipa::make_private_directories(deep).ok());
  CHECK(mode_of(dir.path + "/a") == 0700);
  CHECK(mode_of(deep) == 0700);
  CHECK(ipa::make_private_directories(deep).ok());
  REQUIRE(std::ofstream(dir.path + "/file").good());
  const auto refused = ipa::make_private_directories(dir.path + "/file");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message == dir.path + "/file exists but is not a directory; move it away");
}
