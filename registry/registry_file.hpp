#pragma once

#include <string>

#include "base/result.hpp"
#include "registry/registry.hpp"

namespace ipa {

// A registry as read from disk, with the bytes it came from (to detect "no
// change" and to keep as the last good copy).
struct LoadedRegistry {
  Registry registry;
  std::string bytes;  // empty when the file did not exist
  bool existed = false;
};

// How far to trust what is at the registry path. By default a registry that
// is a symbolic link, or a file owned by another user, is refused (kUsage):
// either can make the agent read, or replace, a file it was never meant to
// touch (a link planted in a shared directory, another user's file when run
// with privileges). --allow-unsafe-registry sets allow_unsafe.
struct RegistryAccess {
  bool allow_unsafe = false;
};

// Everything a command must know before it creates anything for `path` (a
// lock file, a directory): that it names a file and is not its own lock file
// (`reg.lock`), and that what is there already is a regular file (not a
// directory, device or FIFO), of this user and no symlink (see
// RegistryAccess), and that its lock path holds no directory or link. A
// missing registry is fine. Errors are kUsage; nothing is touched.
Result<Ok> check_registry_path(const std::string& path, RegistryAccess access);

// Reads the registry, or a file the agent keeps beside it (the last good
// copy), under the registry's rules: no symlink and this user's (unless
// `access` allows), a regular file, at most 16 MiB.
Result<std::string> read_beside_registry(const std::string& path, RegistryAccess access);

// Reads and validates the registry at `path`. A missing file is an empty
// registry. A directory, unreadable bytes, a file over 16 MiB (kRegistryCorrupt)
// or a bad schema are errors; the file is never touched. An unsafe registry (see RegistryAccess) is
// a kUsage error.
Result<LoadedRegistry> load_registry(const std::string& path, RegistryAccess access = {});

// Reads the raw bytes; kNotFound if missing, kIo for a directory or any
// other file that is not a regular one, or a failed read.
Result<std::string> read_file(const std::string& path);

// Replaces `path` with `bytes` through write_file_atomically (base/atomic_write.hpp,
// mode 0600, durable). Falls back to an in-place write when rename fails with
// EBUSY (bind-mounted file). Creates a missing directory with mode 0700.
// Temp files a crashed writer left are not its business: the caller sweeps
// them once per locked access (remove_leftover_temps).
// An unsafe registry (see RegistryAccess) is refused (kUsage) and left alone;
// when allowed, a symlink at `path` is kept and the file it names is replaced.
// On failure (kIo) the old registry is left as it was and no temp file remains.
// The caller must hold the registry lock.
Result<Ok> save_atomically(const std::string& path, const std::string& bytes,
                           RegistryAccess access = {});

// Removes the temp files (of the registry and of its last good copy) that a
// writer killed mid-save left: one read of the directory they are in. The
// caller holds the registry lock: temp files are only ever made under it, so
// none is live. `access` as for the save (an allowed symlink's target).
void remove_leftover_temps(const std::string& registry_path, RegistryAccess access = {});

}  // namespace ipa
