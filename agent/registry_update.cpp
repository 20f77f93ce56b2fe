#include "agent/registry_update.hpp"

#include "base/log.hpp"
#include "registry/registry_file.hpp"
#include "registry/registry_lock.hpp"

namespace ipa {

Result<UpdateOutcome> update_registry(const std::string& registry_path, LockWait wait,
                                      LastGoodCopy& last_good,
                                      const std::function<Result<Mutation>(Registry&)>& mutate,
                                      RegistryAccess access) {
  // Before the lock file is created: a refused registry leaves no trace.
  if (auto usable = check_registry_path(registry_path, access); !usable) {
    return usable.error();
  }
  const std::string lock_path = lock_path_for(registry_path);
  auto lock = wait.timeout ? RegistryLock::acquire(lock_path, *wait.timeout)
                           : RegistryLock::try_acquire(lock_path);
  if (!lock) {
    return lock.error();
  }
  // Temp files are only created under the lock we now hold, so any present
  // were left by a writer that died. Swept here, once per locked access, and
  // not only by a save: a restarted agent may have nothing to save.
  remove_leftover_temps(registry_path, access);
  auto loaded = load_registry(registry_path, access);
  if (!loaded) {
    return loaded.error();
  }
  // What we just read parsed: it is the newest good copy, even if a Python
  // writer made it. It is kept unless a successful write supersedes it at
  // once: copying it before the write would put a read and a copy of the
  // whole file between an event and the registry showing it.
  const auto keep_loaded = [&] {
    if (loaded->existed) {
      if (auto kept = last_good.keep(registry_path, loaded->bytes); !kept) {
        log_warn(kept.error().message);
      }
    }
  };
  Registry& registry = loaded->registry;
  auto mutated = mutate(registry);
  if (!mutated) {
    keep_loaded();
    return mutated.error();
  }
  UpdateOutcome outcome;
  if (*mutated == Mutation::kUnchanged) {
    keep_loaded();
    outcome.bytes = std::move(loaded->bytes);
    return outcome;
  }
  outcome.bytes = registry.serialize();
  if (auto saved = save_atomically(registry_path, outcome.bytes, access); !saved) {
    keep_loaded();
    return saved.error();
  }
  outcome.written = true;
  if (auto kept = last_good.keep(registry_path, outcome.bytes); !kept) {
    log_warn(kept.error().message);
  }
  return outcome;
}

Result<UpdateOutcome> update_registry(const std::string& registry_path, LockWait wait,
                                      const std::function<Result<Mutation>(Registry&)>& mutate,
                                      RegistryAccess access) {
  LastGoodCopy last_good;
  return update_registry(registry_path, wait, last_good, mutate, access);
}

}  // namespace ipa
