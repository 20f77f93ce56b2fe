#include "registry/registry_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <string_view>
#include <utility>
#include <vector>

#include "base/atomic_write.hpp"
#include "base/errno_text.hpp"
#include "base/file_path.hpp"
#include "base/log.hpp"
#include "base/private_directories.hpp"
#include "base/regular_file.hpp"
#include "base/unique_fd.hpp"
#include "base/write_all.hpp"
#include "registry/last_good_copy.hpp"
#include "registry/registry_lock.hpp"
#include "registry/write_remedy.hpp"

namespace ipa {
namespace {

// Temp files are only ever created under the registry lock, which the caller
// holds, so any temp file of these `names` present now was left by a writer
// that crashed. One read of the directory for all of them.
void remove_stale_temps(const std::string& directory, std::initializer_list<std::string> names) {
  DIR* listing = ::opendir(directory.c_str());
  if (listing == nullptr) {
    return;  // the save that follows reports an unusable directory
  }
  std::vector<std::string> prefixes;
  for (const std::string& name : names) {
    prefixes.push_back(atomic_write_temp_prefix(name));
  }
  while (const dirent* entry = ::readdir(listing)) {
    const std::string_view entry_name(entry->d_name);
    const bool temp = std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) {
      return entry_name.substr(0, p.size()) == p;
    });
    if (!temp) {
      continue;
    }
    if (::unlinkat(::dirfd(listing), entry->d_name, 0) != 0 && errno != ENOENT) {
      log_warn(describe_errno(
          "cannot remove the stale temp file " + path_in(directory, entry->d_name), errno));
    }
  }
  ::closedir(listing);
}

// With --allow-unsafe-registry a symlinked registry (dotfiles) stays a
// symlink: the file it names is replaced.
std::string resolve_symlink(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0 || !S_ISLNK(info.st_mode)) {
    return path;
  }
  std::array<char, PATH_MAX> resolved{};
  if (::realpath(path.c_str(), resolved.data()) == nullptr) {
    return path;
  }
  return resolved.data();
}

// Overwrites without O_TRUNC and cuts the tail afterwards: until then a crash
// leaves the old length, and a failure mid-write can put the old bytes back
// into blocks the file already owns.
int overwrite(int fd, std::string_view bytes) {
  if (::lseek(fd, 0, SEEK_SET) != 0) {
    return errno;
  }
  if (const int error = write_all(fd, bytes); error != 0) {
    return error;
  }
  if (::ftruncate(fd, static_cast<off_t>(bytes.size())) != 0) {
    return errno;
  }
  return ::fsync(fd) == 0 ? 0 : errno;
}

// A bind-mounted registry cannot be renamed over (EBUSY): rewrite it in place,
// as Python writers do, still under the lock.
Result<Ok> write_in_place(const std::string& path, std::string_view bytes) {
  auto old_bytes = read_file(path);
  if (!old_bytes) {
    return old_bytes.error();
  }
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    return make_error(ErrorCode::kIo, describe_errno("cannot open " + path +
                                                         " to rewrite it in "
                                                         "place (it is a bind mount)",
                                                     errno));
  }
  const int error = overwrite(fd.get(), bytes);
  if (error == 0) {
    return Ok{};
  }
  const bool restored = overwrite(fd.get(), *old_bytes) == 0;
  return make_error(ErrorCode::kIo,
                    describe_errno("cannot rewrite the bind-mounted registry " + path, error) +
                        (restored ? "; its old content was put back"
                                  : "; it may be damaged, run `iris-port-agent repair`") +
                        "; free space or fix the mount and retry");
}

std::string link_target(const std::string& path) {
  std::array<char, PATH_MAX> target{};
  const ssize_t length = ::readlink(path.c_str(), target.data(), target.size() - 1);
  if (length <= 0) {
    return "";
  }
  return " to " + std::string(target.data(), static_cast<std::size_t>(length));
}

Error unsafe_error(const std::string& path, const std::string& what) {
  return make_error(ErrorCode::kUsage, "refusing the registry " + path + ": " + what +
                                           "; point --registry at a file of your own, or pass "
                                           "--allow-unsafe-registry if this is intended");
}

// Far above any real registry (a thousand assignments take about 200 KB) and
// small enough that reading what is at the path cannot exhaust memory.
constexpr std::size_t kMaxRegistryBytes = std::size_t{16} << 20U;

Error too_big_error(const std::string& path) {
  return make_error(ErrorCode::kRegistryCorrupt,
                    path + " is larger than " + std::to_string(kMaxRegistryBytes >> 20U) +
                        " MiB, far more than any registry; it was not read: move it away and "
                        "retry (it is left as it is)");
}

// Opens and reads `path`. With `no_follow`, a symlink at `path` fails with
// ELOOP instead of being followed, so the check and the read see one file.
// `check` inspects the opened file before its bytes are read.
Result<std::string> read_opened(const std::string& path, bool no_follow,
                                const std::function<Result<Ok>(const struct stat&)>& check = {}) {
  // O_NONBLOCK: a FIFO put at the registry path must not hang the agent.
  UniqueFd fd(
      ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | (no_follow ? O_NOFOLLOW : 0)));
  if (!fd.valid()) {
    if (errno == ENOENT) {
      return make_error(ErrorCode::kNotFound, path + " does not exist");
    }
    if (errno == ELOOP && no_follow) {
      return unsafe_error(path, "it is a symbolic link" + link_target(path));
    }
    return make_error(ErrorCode::kIo, describe_errno("cannot open " + path, errno));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    return make_error(ErrorCode::kIo, describe_errno("cannot inspect " + path, errno));
  }
  if (S_ISDIR(info.st_mode)) {
    return make_error(ErrorCode::kIo, path +
                                          " is a directory, not a registry file; move it away "
                                          "or pass --registry with a file path");
  }
  if (!S_ISREG(info.st_mode)) {
    return make_error(ErrorCode::kIo, path + " is not a regular file; move it away");
  }
  if (check) {
    if (auto checked = check(info); !checked) {
      return checked.error();
    }
  }
  if (static_cast<std::size_t>(info.st_size) > kMaxRegistryBytes) {
    return too_big_error(path);
  }
  std::string bytes;
  const int error =
      read_to_end(fd.get(), static_cast<std::size_t>(info.st_size), kMaxRegistryBytes, bytes);
  if (error == EFBIG) {
    return too_big_error(path);
  }
  if (error != 0) {
    return make_error(ErrorCode::kIo, describe_errno("cannot read " + path, error));
  }
  return bytes;
}

// Another user's file: the agent, run with privileges, must not be talked
// into rewriting it (and a file someone else controls is no trusted input).
Result<Ok> check_owner(const std::string& path, const struct stat& info) {
  if (info.st_uid == ::geteuid()) {
    return Ok{};
  }
  return unsafe_error(path, "it belongs to uid " + std::to_string(info.st_uid) +
                                ", not to this user (uid " + std::to_string(::geteuid()) + ")");
}

Error not_a_file_error(const std::string& path, const std::string& what) {
  return make_error(ErrorCode::kUsage, "the registry path " + path + " " + what +
                                           "; pass --registry with a file path such as "
                                           "~/.iris-devtester/port-registry.json");
}

// The registry's own shape: a file name, which its lock file is not.
Result<Ok> check_registry_name(const std::string& path) {
  if (path.empty()) {
    return make_error(ErrorCode::kUsage,
                      "the registry path is empty; pass --registry with a file path such as "
                      "~/.iris-devtester/port-registry.json");
  }
  const std::string name = file_name_of(path);
  if (path.back() == '/' || name == "." || name == ".." || name == "/") {
    return not_a_file_error(path, "names a directory, not a file");
  }
  if (lock_path_for(path) == path) {
    return not_a_file_error(path, "ends in .lock, so it would be its own lock file");
  }
  return Ok{};
}

// Whatever is at the lock path already must be a lock file: flock on a
// directory or a device would fail, or lock something that is not ours.
Result<Ok> check_lock_file(const std::string& lock_path) {
  struct stat info {};
  if (::lstat(lock_path.c_str(), &info) != 0 || S_ISREG(info.st_mode)) {
    return Ok{};
  }
  const std::string what = S_ISDIR(info.st_mode)   ? "a directory"
                           : S_ISLNK(info.st_mode) ? "a symbolic link" + link_target(lock_path)
                                                   : "not a regular file";
  return make_error(ErrorCode::kUsage, "the registry lock " + lock_path + " is " + what +
                                           ", not a lock file; move it away and retry");
}

// What is at `path` before a save replaces it: nothing, or a regular file of
// ours. rename(2) replaces a link itself, never the file it names, so a link
// that appears after this check cannot redirect the write either.
Result<Ok> check_save_target(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    return Ok{};  // missing (created below) or unreadable (the save reports it)
  }
  if (S_ISLNK(info.st_mode)) {
    return unsafe_error(path, "it is a symbolic link" + link_target(path));
  }
  return check_owner(path, info);
}

Error save_error(const std::string& path, const std::string& what) {
  return make_error(ErrorCode::kIo, "cannot save the registry " + path + ": " + what +
                                        " (the registry was left as it was)");
}

}  // namespace

Result<std::string> read_file(const std::string& path) {
  return read_opened(path, false);
}

Result<Ok> check_registry_path(const std::string& path, RegistryAccess access) {
  if (auto named = check_registry_name(path); !named) {
    return named;
  }
  struct stat info {};
  if (::lstat(path.c_str(), &info) == 0) {
    if (S_ISLNK(info.st_mode) && !access.allow_unsafe) {
      return unsafe_error(path, "it is a symbolic link" + link_target(path));
    }
    if (S_ISLNK(info.st_mode) && ::stat(path.c_str(), &info) != 0) {
      return Ok{};  // a dangling link allowed by --allow-unsafe-registry: a new registry
    }
    if (S_ISDIR(info.st_mode)) {
      return not_a_file_error(path, "is a directory");
    }
    if (!S_ISREG(info.st_mode)) {
      return not_a_file_error(path, "is not a regular file (a device, FIFO or socket)");
    }
    if (!access.allow_unsafe) {
      if (auto owned = check_owner(path, info); !owned) {
        return owned;
      }
    }
  }
  return check_lock_file(lock_path_for(path));
}

Result<std::string> read_beside_registry(const std::string& path, RegistryAccess access) {
  if (access.allow_unsafe) {
    return read_opened(path, false);
  }
  return read_opened(path, true, [&](const struct stat& info) { return check_owner(path, info); });
}

Result<LoadedRegistry> load_registry(const std::string& path, RegistryAccess access) {
  auto bytes = read_beside_registry(path, access);
  if (!bytes) {
    if (bytes.error().code == ErrorCode::kNotFound) {
      return LoadedRegistry{};
    }
    return bytes.error();
  }
  auto registry = Registry::parse(*bytes, path);
  if (!registry) {
    return registry.error();
  }
  return LoadedRegistry{std::move(registry).value(), std::move(bytes).value(), true};
}

Result<Ok> save_atomically(const std::string& path, const std::string& bytes,
                           RegistryAccess access) {
  if (!access.allow_unsafe) {
    if (auto safe = check_save_target(path); !safe) {
      return safe.error();
    }
  }
  const std::string target = access.allow_unsafe ? resolve_symlink(path) : path;
  const std::string directory = directory_of(target);
  auto made = make_private_directories(directory);
  if (!made) {
    return made;
  }
  const auto failure = write_file_atomically(target, bytes);
  if (!failure) {
    return Ok{};
  }
  switch (failure->step) {
    case AtomicWriteFailure::Step::kCreateTemp:
    case AtomicWriteFailure::Step::kWriteTemp:
      return save_error(path, describe(*failure) + "; " + remedy_for(failure->error, directory));
    case AtomicWriteFailure::Step::kRename:
      if (failure->error == EBUSY) {
        return write_in_place(target, bytes);
      }
      return save_error(path, describe(*failure) + "; " + remedy_for(failure->error, directory));
    case AtomicWriteFailure::Step::kSyncDirectory:
      // The new registry is in place and readable; only its durability is in doubt.
      log_warn(
          describe_errno("saved " + path + " but could not fsync " + directory, failure->error));
      break;
  }
  return Ok{};
}

void remove_leftover_temps(const std::string& registry_path, RegistryAccess access) {
  // A save writes beside the file it replaces (a symlink's target, when
  // allowed); the copy lives beside the path as given.
  const std::string target = access.allow_unsafe ? resolve_symlink(registry_path) : registry_path;
  const std::string backup = backup_path_for(registry_path);
  if (directory_of(target) == directory_of(backup)) {
    remove_stale_temps(directory_of(target), {file_name_of(target), file_name_of(backup)});
    return;
  }
  remove_stale_temps(directory_of(target), {file_name_of(target)});
  remove_stale_temps(directory_of(backup), {file_name_of(backup)});
}

}  // namespace ipa
