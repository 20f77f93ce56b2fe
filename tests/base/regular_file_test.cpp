// Settings files (the agent's config, the docker CLI's config.json and
// meta.json) are read without ever blocking or growing without end.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <string>

#include "base/regular_file.hpp"
#include "tests/base/temp_dir.hpp"

using ipa::test::TempDir;

TEST_CASE("a regular file within the cap is read whole", "[base][regular_file]") {
  const TempDir dir;
  const std::string path = dir.path + "/config.json";
  std::ofstream(path) << R"({"currentContext": "colima"})";
  const auto read = ipa::read_regular_file(path, 1024);
  CHECK(read.error == 0);
  CHECK(read.bytes == R"({"currentContext": "colima"})");
}

TEST_CASE("a FIFO is refused at once instead of waiting for a writer", "[base][regular_file]") {
  const TempDir dir;
  const std::string path = dir.path + "/config.json";
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  const auto read = ipa::read_regular_file(path, 1024);
  CHECK(read.error == ENODEV);
  CHECK(ipa::describe_read_error(read.error, 1024) ==
        "is not a regular file (a device, FIFO or socket)");
}

TEST_CASE("a device that never ends is refused", "[base][regular_file]") {
  const auto read = ipa::read_regular_file("/dev/zero", 1024);
  CHECK(read.error == ENODEV);
  CHECK(read.bytes.empty());
}

TEST_CASE("a file over the cap is refused, not read", "[base][regular_file]") {
  const TempDir dir;
  const std::string path = dir.path + "/meta.json";
  std::ofstream(path) << std::string(1025, 'x');
  const auto read = ipa::read_regular_file(path, 1024);
  CHECK(read.error == EFBIG);
  CHECK(read.bytes.empty());
  CHECK(ipa::describe_read_error(EFBIG, std::size_t{1} << 20U) == "is larger than 1 MiB");
}

TEST_CASE("a directory and a missing file say which", "[base][regular_file]") {
  const TempDir dir;
  CHECK(ipa::read_regular_file(dir.path, 1024).error == EISDIR);
  CHECK(ipa::read_regular_file(dir.path + "/missing", 1024).error == ENOENT);
  CHECK(ipa::describe_read_error(EISDIR, 1024) == "is a directory");
}
