#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "registry/last_good_copy.hpp"
#include "registry/registry.hpp"
#include "registry/registry_file.hpp"

namespace ipa {

// How to take the registry lock: one attempt (the watch loop) or waiting up to
// a timeout (one-shot commands).
struct LockWait {
  std::optional<std::chrono::milliseconds> timeout;  // nullopt: one attempt
};

struct UpdateOutcome {
  bool written = false;  // false: the change left the bytes as they were
  std::string bytes;     // the registry as it now is on disk
};

// What a mutation did: kChanged is the only reason to write.
enum class Mutation { kUnchanged, kChanged };

// One read-modify-write under the registry lock: lock, sweep the temp files a
// crashed writer left, read (a missing file is empty; a corrupt one is an
// error and stays untouched), mutate, save atomically only if the mutation
// changed something, keep the last good copy, unlock. `mutate` may fail; then
// nothing is written. `access` says whether a symlinked or foreign registry
// is accepted (--allow-unsafe-registry). A writer that updates again and
// again passes the same `last_good` each time (see LastGoodCopy).
Result<UpdateOutcome> update_registry(const std::string& registry_path, LockWait wait,
                                      LastGoodCopy& last_good,
                                      const std::function<Result<Mutation>(Registry&)>& mutate,
                                      RegistryAccess access = {});

// The same, for a command that updates once.
Result<UpdateOutcome> update_registry(const std::string& registry_path, LockWait wait,
                                      const std::function<Result<Mutation>(Registry&)>& mutate,
                                      RegistryAccess access = {});

}  // namespace ipa
