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
#include <random>
#include <utility>
#include <vector>

#include "base/log.hpp"
#include "registry/posix_io.hpp"
#include "registry/registry_lock.hpp"

namespace ipa {
namespace {

using posix::describe_errno;
using posix::UniqueFd;

// Temp files are named ".<name>.tmp-<pid>-<random>" beside the file they replace.
std::string temp_prefix_for(const std::string& name) {
  return "." + name + ".tmp-";
}

std::string random_hex() {
  std::random_device device;
  std::array<char, 17> buffer{};
  const unsigned long long value = (static_cast<unsigned long long>(device()) << 32U) |
                                   static_cast<unsigned long long>(device());
  const auto length = std::snprintf(buffer.data(), buffer.size(), "%016llx", value);
  return {buffer.data(), static_cast<std::size_t>(length)};
}

std::string join(const std::string& directory, const std::string& name) {
  return directory == "/" ? "/" + name : directory + "/" + name;
}

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
    prefixes.push_back(temp_prefix_for(name));
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
      log_warn(describe_errno("cannot remove the stale temp file " + join(directory, entry->d_name),
                              errno));
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

struct TempFile {
  UniqueFd fd;
  std::string path;
};

Result<TempFile> create_temp_beside(const std::string& directory, const std::string& name) {
  constexpr int kAttempts = 16;  // random names collide only by accident
  int last_error = EEXIST;
  for (int attempt = 0; attempt < kAttempts && last_error == EEXIST; ++attempt) {
    TempFile temp;
    temp.path =
        join(directory, temp_prefix_for(name) + std::to_string(::getpid()) + "-" + random_hex());
    temp.fd = UniqueFd(
        ::open(temp.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (temp.fd.valid()) {
      return temp;
    }
    last_error = errno;
  }
  return make_error(ErrorCode::kIo,
                    describe_errno("cannot create a temp file in " + directory, last_error) + "; " +
                        posix::remedy_for(last_error, directory));
}

// Writes `bytes` to a new temp file beside `directory/name`, fsynced when
// `durable`. The temp file is gone again when this fails.
Result<std::string> write_temp_beside(const std::string& directory, const std::string& name,
                                      std::string_view bytes, bool durable) {
  auto temp = create_temp_beside(directory, name);
  if (!temp) {
    return temp.error();
  }
  int error = posix::write_all(temp->fd.get(), bytes);
  if (error == 0 && durable && ::fsync(temp->fd.get()) != 0) {
    error = errno;
  }
  const int close_error = temp->fd.close();
  if (error == 0) {
    error = close_error;
  }
  if (error != 0) {
    ::unlink(temp->path.c_str());
    // The temp file's random name stays out of the message: a retry that
    // fails the same way must read the same, so that it is reported once.
    return make_error(ErrorCode::kIo,
                      describe_errno("cannot write a temp file in " + directory, error) + "; " +
                          posix::remedy_for(error, directory));
  }
  return std::move(temp->path);
}

// Overwrites without O_TRUNC and cuts the tail afterwards: until then a crash
// leaves the old length, and a failure mid-write can put the old bytes back
// into blocks the file already owns.
int overwrite(int fd, std::string_view bytes) {
  if (::lseek(fd, 0, SEEK_SET) != 0) {
    return errno;
  }
  if (const int error = posix::write_all(fd, bytes); error != 0) {
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
  // Read straight into the result; one byte more than the size fstat saw, so
  // a file that grew meanwhile is noticed and read on, up to the cap.
  std::string bytes(static_cast<std::size_t>(info.st_size) + 1, '\0');
  std::size_t used = 0;
  while (true) {
    if (used == bytes.size()) {
      if (used > kMaxRegistryBytes) {
        return too_big_error(path);
      }
      bytes.resize(bytes.size() * 2);
    }
    const ssize_t count = ::read(fd.get(), bytes.data() + used, bytes.size() - used);
    if (count == 0) {
      bytes.resize(used);
      return bytes;
    }
    if (count < 0) {
      if (errno == EINTR) {
        continue;
      }
      return make_error(ErrorCode::kIo, describe_errno("cannot read " + path, errno));
    }
    used += static_cast<std::size_t>(count);
  }
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
  const std::string name = posix::final_component(path);
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
  const std::string directory = posix::parent_directory(target);
  const std::string name = posix::final_component(target);
  auto made = posix::make_private_directories(directory);
  if (!made) {
    return made;
  }
  remove_stale_temps(directory, {name});
  auto temp = write_temp_beside(directory, name, bytes, true);
  if (!temp) {
    return save_error(path, temp.error().message);
  }
  if (::rename(temp->c_str(), target.c_str()) != 0) {
    const int error = errno;
    // Unlinking first frees the space the temp file took for the in-place write.
    ::unlink(temp->c_str());
    if (error == EBUSY) {
      return write_in_place(target, bytes);
    }
    return save_error(path, describe_errno("cannot rename a temp file over it", error) + "; " +
                                posix::remedy_for(error, directory));
  }
  if (const int error = posix::fsync_directory(directory); error != 0) {
    // The new registry is in place and readable; only its durability is in doubt.
    log_warn(describe_errno("saved " + path + " but could not fsync " + directory, error));
  }
  return Ok{};
}

void remove_leftover_temps(const std::string& registry_path) {
  const std::string directory = posix::parent_directory(registry_path);
  remove_stale_temps(directory, {posix::final_component(registry_path),
                                 posix::final_component(backup_path_for(registry_path))});
}

std::string backup_path_for(const std::string& registry_path) {
  return registry_path + ".bak";
}

// No fsync: the copy is a fallback for a registry that a Python writer
// truncated, and the bytes it holds were just read from, or fsynced to, the
// registry itself. A power cut can at worst leave an old or empty copy, which
// `repair` rejects when it does not parse, so an fsync on every change of the
// registry would buy little.
Result<Ok> keep_last_good(const std::string& registry_path, const std::string& bytes) {
  const std::string backup = backup_path_for(registry_path);
  // Not followed: a link planted at the copy's path is replaced, never read.
  if (auto current = read_opened(backup, true); current && *current == bytes) {
    return Ok{};
  }
  const std::string directory = posix::parent_directory(backup);
  auto temp = write_temp_beside(directory, posix::final_component(backup), bytes, false);
  if (!temp) {
    return make_error(ErrorCode::kIo, "cannot keep the last good registry copy " + backup + ": " +
                                          temp.error().message);
  }
  if (::rename(temp->c_str(), backup.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp->c_str());
    return make_error(
        ErrorCode::kIo,
        describe_errno("cannot replace the last good registry copy " + backup, error) +
            "; move it away if it is not a file");
  }
  return Ok{};
}

}  // namespace ipa
