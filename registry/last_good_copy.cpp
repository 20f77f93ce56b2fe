#include "registry/last_good_copy.hpp"

#include <sys/stat.h>

#include <functional>
#include <string_view>

#include "base/atomic_write.hpp"
#include "base/errno_text.hpp"
#include "platform/file_times.hpp"
#include "registry/registry_file.hpp"
#include "registry/write_remedy.hpp"

namespace ipa {

std::string backup_path_for(const std::string& registry_path) {
  return registry_path + ".bak";
}

std::optional<LastGoodCopy::Identity> LastGoodCopy::identity_of(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return std::nullopt;
  }
  return Identity{static_cast<std::int64_t>(info.st_dev), static_cast<std::int64_t>(info.st_ino),
                  static_cast<std::int64_t>(info.st_size), platform::modified_at_ns(info),
                  platform::changed_at_ns(info)};
}

void LastGoodCopy::remember(const std::string& path, std::size_t hash) {
  const auto identity = identity_of(path);
  seen_ = identity ? std::optional<Seen>(Seen{path, *identity, hash}) : std::nullopt;
}

// No fsync: the copy is a fallback for a registry that a Python writer
// truncated, and the bytes it holds were just read from, or fsynced to, the
// registry itself. A power cut can at worst leave an old or empty copy, which
// `repair` rejects when it does not parse, so an fsync on every change of the
// registry would buy little.
Result<Ok> LastGoodCopy::keep(const std::string& registry_path, const std::string& bytes) {
  const std::string backup = backup_path_for(registry_path);
  const std::size_t hash = std::hash<std::string_view>{}(bytes);
  // While the copy is the file seen last, what it holds is known: no read
  // either way, whether `bytes` are those (an update that changed nothing) or
  // not (every write). Anything else is read back to compare.
  const auto identity = identity_of(backup);
  if (seen_ && identity && seen_->path == backup && seen_->identity == *identity) {
    if (seen_->hash == hash) {
      return Ok{};
    }
  } else if (auto current = read_beside_registry(backup, RegistryAccess{});
             current && *current == bytes) {
    // Not followed, and only this user's: a link or a foreign file planted at
    // the copy's path is replaced, never trusted.
    remember(backup, hash);
    return Ok{};
  }
  const auto failure = write_file_atomically(backup, bytes, AtomicWriteOptions{0600, false});
  if (!failure) {
    remember(backup, hash);
    return Ok{};
  }
  seen_.reset();
  if (failure->step == AtomicWriteFailure::Step::kRename) {
    return make_error(
        ErrorCode::kIo,
        describe_errno("cannot replace the last good registry copy " + backup, failure->error) +
            "; move it away if it is not a file");
  }
  return make_error(ErrorCode::kIo, "cannot keep the last good registry copy " + backup + ": " +
                                        describe(*failure) + "; " +
                                        remedy_for(failure->error, failure->directory));
}

}  // namespace ipa
