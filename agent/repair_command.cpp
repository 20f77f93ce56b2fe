#include "agent/repair_command.hpp"

#include <iostream>

#include "agent/exit_codes.hpp"
#include "agent/once_command.hpp"
#include "agent/wall_clock.hpp"
#include "base/log.hpp"
#include "base/printable.hpp"
#include "registry/last_good_copy.hpp"
#include "registry/registry_file.hpp"
#include "registry/registry_lock.hpp"

namespace ipa {
namespace {

// Restores the backup under the lock. Returns false (with the exit code in
// `code`) when there is nothing it may do.
bool restore_last_good(const Config& config, int& code) {
  const std::string& path = config.registry_path;
  const RegistryAccess access{config.allow_unsafe_registry};
  if (auto usable = check_registry_path(path, access); !usable) {
    log_error(usable.error().message);
    code = exit_code_for(usable.error());
    return false;
  }
  auto lock =
      RegistryLock::acquire(lock_path_for(path), std::chrono::milliseconds(config.lock_timeout_ms));
  if (!lock) {
    log_error(lock.error().message);
    code = exit_code_for(lock.error());
    return false;
  }
  auto current = load_registry(path, access);
  if (current) {
    std::cout << "registry " << printable(path) << " is readable; nothing to restore" << std::endl;
    return true;
  }
  const Error& damage = current.error();
  if (damage.code != ErrorCode::kRegistryCorrupt &&
      damage.code != ErrorCode::kRegistryUnsupported) {
    log_error(damage.message);
    code = exit_code_for(damage);
    return false;
  }
  const std::string backup = backup_path_for(path);
  // The copy is trusted no more than the registry: a link or another user's
  // file planted beside it must not become the registry.
  auto good_bytes = read_beside_registry(backup, access);
  if (!good_bytes && good_bytes.error().code == ErrorCode::kUsage) {
    log_error("cannot repair " + path + ": its last good copy " + backup +
              " is a symbolic link or another user's file, which repair does not trust; "
              "nothing was changed: remove the copy and fix the registry by hand, or pass "
              "--allow-unsafe-registry if the copy is yours");
    code = kExitUsage;
    return false;
  }
  if (!good_bytes || !Registry::parse(*good_bytes, backup)) {
    log_error("cannot repair " + path + ": no readable last good copy at " + backup +
              "; fix the file by hand (it is left as it is)");
    code = kExitRegistryUnreadable;
    return false;
  }
  auto corrupt_bytes = read_beside_registry(path, access);
  if (!corrupt_bytes) {
    log_error("cannot repair " + path + ": its bytes cannot be kept aside (" +
              corrupt_bytes.error().message + "); nothing was restored");
    code = exit_code_for(corrupt_bytes.error());
    return false;
  }
  const std::string aside = path + ".corrupt-" + python_local_isoformat_now();
  std::cout << "registry " << printable(path) << " is unreadable (" << printable(damage.message)
            << ")\n"
            << "keeping its bytes at " << printable(aside)
            << " and restoring the last good copy from " << printable(backup) << std::endl;
  if (auto kept = save_atomically(aside, *corrupt_bytes); !kept) {
    log_error(kept.error().message + "; nothing was restored");
    code = exit_code_for(kept.error());
    return false;
  }
  if (auto restored = save_atomically(path, *good_bytes, access); !restored) {
    log_error(restored.error().message);
    code = exit_code_for(restored.error());
    return false;
  }
  std::cout << "restored " << printable(path) << " from " << printable(backup) << std::endl;
  return true;
}

}  // namespace

int run_repair(const Config& config) {
  int code = kExitOk;
  if (!restore_last_good(config, code)) {
    return code;
  }
  std::cout << "reconciling with Docker" << std::endl;
  return run_once(config);
}

}  // namespace ipa
