#include "agent/registry_update.hpp"

#include "base/log.hpp"
#include "registry/registry_file.hpp"
#include "registry/registry_lock.hpp"

namespace ipa {

Result<UpdateOutcome> update_registry(const std::string& registry_path, LockWait wait,
                                      const std::function<Result<Mutation>(Registry&)>& mutate) {
  const std::string lock_path = lock_path_for(registry_path);
  auto lock = wait.timeout ? RegistryLock::acquire(lock_path, *wait.timeout)
                           : RegistryLock::try_acquire(lock_path);
  if (!lock) {
    return lock.error();
  }
  auto loaded = load_registry(registry_path);
  if (!loaded) {
    return loaded.error();
  }
  if (loaded->existed) {
    // What we just read parsed: it is the newest good copy, even if a Python
    // writer made it.
    if (auto kept = keep_last_good(registry_path, loaded->bytes); !kept) {
      log_warn(kept.error().message);
    }
  }
  Registry& registry = loaded->registry;
  auto mutated = mutate(registry);
  if (!mutated) {
    return mutated.error();
  }
  UpdateOutcome outcome;
  if (*mutated == Mutation::kUnchanged) {
    outcome.bytes = std::move(loaded->bytes);
    return outcome;
  }
  outcome.bytes = registry.serialize();
  if (auto saved = save_atomically(registry_path, outcome.bytes); !saved) {
    return saved.error();
  }
  outcome.written = true;
  if (auto kept = keep_last_good(registry_path, outcome.bytes); !kept) {
    log_warn(kept.error().message);
  }
  return outcome;
}

}  // namespace ipa
