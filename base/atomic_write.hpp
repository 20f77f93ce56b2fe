#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace ipa {

// What every file the product writes goes through: a reader (the service
// manager, a Python writer, the agent after a crash) sees the old file or the
// new one, never a part of either.

struct AtomicWriteOptions {
  mode_t mode = 0600;  // of the new file, before the umask
  // fsync the file before the rename and its directory after it, so that the
  // new file survives a power cut. Without, a power cut may leave the old
  // file or an empty one.
  bool durable = true;
};

// Where an atomic write stopped, and the errno it stopped on.
struct AtomicWriteFailure {
  enum class Step {
    kCreateTemp,
    kWriteTemp,     // the write, the fsync or the close of the temp file
    kRename,        // the temp file is removed again; `path` is as it was
    kSyncDirectory  // after the rename: the new file is in place, only its durability is in doubt
  };
  Step step = Step::kCreateTemp;
  int error = 0;
  std::string directory;  // where the temp file was made
};

// "cannot create a temp file in <directory>: <strerror>" and so on, by step.
// The temp file's random name stays out: a retry that fails the same way must
// read the same, so that it is reported once.
std::string describe(const AtomicWriteFailure& failure);

// Temp files for a file named `name` are "<prefix><pid>-<random>" beside it;
// a sweep of what a killed writer left finds them by this prefix.
std::string atomic_write_temp_prefix(const std::string& name);

// Replaces `path`, whose directory must exist, with `bytes`: a new temp file
// beside it (O_CREAT|O_EXCL|O_NOFOLLOW), write, fsync, close, rename over
// `path`, fsync the directory. A symlink at `path` is replaced, never
// followed. Whenever it stops before the rename succeeds, the temp file is
// gone and `path` is untouched. nullopt: done.
std::optional<AtomicWriteFailure> write_file_atomically(const std::string& path,
                                                        std::string_view bytes,
                                                        const AtomicWriteOptions& options = {});

}  // namespace ipa
