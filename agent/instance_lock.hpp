#pragma once

#include <memory>
#include <string>

#include "base/result.hpp"

namespace ipa {

// One agent per registry: an exclusive lock on `<registry stem>.agent.pid`
// beside the registry, holding the agent's pid. Only agents share this file,
// so Boost.Interprocess's record lock serves; the registry's own lock must be
// flock(2) to exclude Python.
class InstanceLock {
 public:
  ~InstanceLock();
  InstanceLock(InstanceLock&&) noexcept;
  InstanceLock& operator=(InstanceLock&&) noexcept;

  // kConflict, naming the running agent's pid, when another agent holds it.
  static Result<InstanceLock> acquire(const std::string& registry_path);

  // The pid of the agent running on this registry, or 0 if none is.
  static long running_agent_pid(const std::string& registry_path);

 private:
  struct Impl;
  explicit InstanceLock(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

std::string instance_lock_path_for(const std::string& registry_path);

}  // namespace ipa
