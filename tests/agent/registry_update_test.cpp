// One locked read-modify-write (agent/registry_update.hpp): what it leaves on
// disk whether or not the mutation changed anything.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "agent/registry_update.hpp"
#include "tests/registry/synthetic_registry.hpp"
#include "tests/registry/test_support.hpp"

namespace {

using ipa::Mutation;
using ipa::test::TempDir;

const std::string kLeftover = ".port-registry.json.tmp-4242-00000000deadbeef";
const std::string kCopyLeftover = ".port-registry.json.bak.tmp-4242-00000000deadbeef";

std::vector<std::string> after_update(Mutation mutation) {
  TempDir dir;
  const std::string path = dir.file("port-registry.json");
  ipa::test::write_bytes(path, ipa::test::registry_with(2).serialize());
  ipa::test::write_bytes(dir.file(kLeftover), "{\"as");
  ipa::test::write_bytes(dir.file(kCopyLeftover), "{\"as");
  const auto updated = ipa::update_registry(path, ipa::LockWait{}, [&](ipa::Registry& registry) {
    if (mutation == Mutation::kChanged) {
      registry.set_status(0, ipa::AssignmentStatus::kStale);
    }
    return ipa::Result<Mutation>(mutation);
  });
  REQUIRE(updated.ok());
  CHECK(updated->written == (mutation == Mutation::kChanged));
  return ipa::test::names_in(dir.path());
}

}  // namespace

TEST_CASE("every locked access sweeps the temp files a crashed writer left, saved or not") {
  const std::vector<std::string> expected = {"port-registry.json", "port-registry.json.bak",
                                             "port-registry.lock"};
  CHECK(after_update(Mutation::kUnchanged) == expected);
  CHECK(after_update(Mutation::kChanged) == expected);
}
