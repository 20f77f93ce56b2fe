#pragma once

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace ipa::test {

// A fresh directory under /tmp, removed with everything in it at the end of the test.
struct TempDir {
  std::string path;
  TempDir() {
    char pattern[] = "/tmp/ipa-base-test-XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~TempDir() {
    const std::string command = "rm -rf '" + path + "'";
    (void)std::system(command.c_str());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace ipa::test
