#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "base/result.hpp"

namespace ipa {

// Python's Path.with_suffix(".lock"): "a/port-registry.json" ->
// "a/port-registry.lock", "a/x.tar.gz" -> "a/x.tar.lock", "a/reg" -> "a/reg.lock".
std::string lock_path_for(const std::string& registry_path);

// An exclusive flock(2) on the registry's lock file, taken exactly as
// py-filelock takes it, so Python writers and this program exclude each other.
// A lock won on a file that is no longer the one at the path (deleted by an
// older py-filelock) is dropped and retried. The lock file is never truncated
// or deleted; a missing directory is created with mode 0700. Released on
// destruction.
class RegistryLock {
 public:
  RegistryLock(RegistryLock&& other) noexcept;
  RegistryLock& operator=(RegistryLock&& other) noexcept;
  RegistryLock(const RegistryLock&) = delete;
  RegistryLock& operator=(const RegistryLock&) = delete;
  ~RegistryLock();  // releases

  // One attempt that never blocks: kLockBusy when another process holds it,
  // kIo when the lock file cannot be opened (a symlink, permissions).
  static Result<RegistryLock> try_acquire(const std::string& lock_path);

  // Polls every `poll` until `timeout`; kLockTimeout with a message naming the
  // lock file and what to do. For short-lived commands only, never the loop.
  static Result<RegistryLock> acquire(
      const std::string& lock_path, std::chrono::milliseconds timeout = std::chrono::seconds(5),
      std::chrono::milliseconds poll = std::chrono::milliseconds(50));

 private:
  explicit RegistryLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace ipa
