// The last good copy (registry/last_good_copy.hpp): `<registry>.bak`, what
// `repair` restores from, rewritten only when it would change.

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "registry/last_good_copy.hpp"
#include "tests/registry/synthetic_registry.hpp"
#include "tests/registry/test_support.hpp"

namespace {

using ipa::test::registry_with;
using ipa::test::TempDir;

// Rewrites the file's bytes where they are: same inode, same size.
void overwrite_in_place(const std::string& path, const std::string& bytes) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST_CASE("the last good copy is written only when it changes") {
  TempDir dir;
  const std::string path = dir.file("port-registry.json");
  const std::string backup = ipa::backup_path_for(path);
  CHECK(backup == path + ".bak");
  const std::string first = registry_with(1).serialize();
  ipa::LastGoodCopy copy;
  REQUIRE(copy.keep(path, first).ok());
  CHECK(ipa::test::read_bytes(backup) == first);
  CHECK(ipa::test::permissions_of(backup) == 0600);
  const auto inode = ipa::test::inode_of(backup);

  REQUIRE(copy.keep(path, first).ok());
  CHECK(ipa::test::inode_of(backup) == inode);
  ipa::LastGoodCopy another_writer;
  REQUIRE(another_writer.keep(path, first).ok());
  CHECK(ipa::test::inode_of(backup) == inode);

  const std::string second = registry_with(2).serialize();
  REQUIRE(copy.keep(path, second).ok());
  CHECK(ipa::test::read_bytes(backup) == second);
  CHECK(ipa::test::inode_of(backup) != inode);
  CHECK(ipa::test::names_in(dir.path()) == std::vector<std::string>{"port-registry.json.bak"});
}

TEST_CASE("a copy changed behind the writer's back within the same second is written again") {
  TempDir dir;
  const std::string path = dir.file("port-registry.json");
  const std::string backup = ipa::backup_path_for(path);
  const std::string bytes = registry_with(1).serialize();
  ipa::LastGoodCopy copy;
  REQUIRE(copy.keep(path, bytes).ok());
  // Same inode, same size, almost surely the same second: only the times to
  // the nanosecond say that the file changed.
  overwrite_in_place(backup, std::string(bytes.size(), 'x'));
  REQUIRE(copy.keep(path, bytes).ok());
  CHECK(ipa::test::read_bytes(backup) == bytes);
}

TEST_CASE("a link planted at the copy's path is replaced, never followed") {
  TempDir dir;
  const std::string path = dir.file("port-registry.json");
  const std::string bytes = registry_with(1).serialize();
  ipa::test::write_bytes(dir.file("elsewhere"), bytes);
  REQUIRE(::symlink(dir.file("elsewhere").c_str(), ipa::backup_path_for(path).c_str()) == 0);
  ipa::LastGoodCopy copy;
  REQUIRE(copy.keep(path, bytes).ok());
  struct stat info {};
  REQUIRE(::lstat(ipa::backup_path_for(path).c_str(), &info) == 0);
  CHECK(S_ISREG(info.st_mode));
  CHECK(ipa::test::read_bytes(dir.file("elsewhere")) == bytes);
}
