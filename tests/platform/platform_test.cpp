// platform/'s seams, whichever implementation this build picked (the glibc and
// systemd ones, or with IPA_PORTABLE_PLATFORM the fallbacks a macOS build gets).

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "base/file_path.hpp"
#include "platform/memory.hpp"
#include "platform/service_manager.hpp"
#include "platform/service_notify.hpp"

TEST_CASE("the allocator tuned for one writer still allocates, frees and trims",
          "[platform][memory]") {
  ipa::platform::tune_allocator_for_one_writer(std::size_t{32} << 20U);
  std::vector<std::unique_ptr<std::string>> blocks;
  for (int i = 0; i < 64; ++i) {
    blocks.push_back(std::make_unique<std::string>(std::size_t{1} << 16U, 'x'));
  }
  blocks.clear();
  ipa::platform::return_freed_memory();
  const std::string after(std::size_t{1} << 20U, 'y');
  CHECK(after.size() == std::size_t{1} << 20U);
}

TEST_CASE("the running binary is found by its absolute path", "[platform][service_manager]") {
  const std::string path = ipa::platform::running_binary_path();
  REQUIRE_FALSE(path.empty());
  CHECK(path.front() == '/');
  CHECK(ipa::file_name_of(path) == "platform_tests");
}

TEST_CASE("the native service manager is one the agent can install into",
          "[platform][service_manager]") {
  const ipa::ServiceManager manager = ipa::platform::native_service_manager();
  CHECK((manager == ipa::ServiceManager::kSystemd || manager == ipa::ServiceManager::kLaunchd));
}

TEST_CASE("without a service manager's socket a notification is no error",
          "[platform][service_notify]") {
  ::unsetenv("NOTIFY_SOCKET");
  CHECK(ipa::platform::notify_service_manager("READY=1\nSTATUS=test") == 0);
}
