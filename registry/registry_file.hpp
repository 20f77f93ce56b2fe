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

// Reads and validates the registry at `path`. A missing file is an empty
// registry. A directory, unreadable bytes or a bad schema are errors; the file
// is never touched.
Result<LoadedRegistry> load_registry(const std::string& path);

// Reads the raw bytes; kNotFound if missing, kIo for a directory or any
// other file that is not a regular one, or a failed read.
Result<std::string> read_file(const std::string& path);

// Replaces `path` with `bytes`: temp file beside it (O_CREAT|O_EXCL|O_NOFOLLOW,
// 0600), write, fsync, rename, fsync the directory. Falls back to an in-place
// write when rename fails with EBUSY (bind-mounted file). Creates a missing
// directory with mode 0700. Removes temp files a crashed writer left behind.
// A symlink at `path` is kept and the file it names is replaced. On failure
// (kIo) the old registry is left as it was and no temp file remains.
// The caller must hold the registry lock.
Result<Ok> save_atomically(const std::string& path, const std::string& bytes);

// The last good copy: `<path>.bak` (mode 0600), rewritten only when `bytes`
// differ from it. `bytes` must be a registry that parsed. The caller holds
// the registry lock, as for save_atomically.
std::string backup_path_for(const std::string& registry_path);
Result<Ok> keep_last_good(const std::string& registry_path, const std::string& bytes);

}  // namespace ipa
