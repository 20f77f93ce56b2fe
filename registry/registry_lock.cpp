#include "registry/registry_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <utility>

#include "base/errno_text.hpp"
#include "base/file_path.hpp"
#include "base/private_directories.hpp"
#include "base/unique_fd.hpp"
#include "registry/write_remedy.hpp"

namespace ipa {
namespace {

// Python's PurePath.suffix: the last dot of the name starts the suffix unless
// it is the first or the last character (".hidden" and "a." have none).
std::size_t suffix_start(const std::string& name) {
  const auto dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == name.size()) {
    return name.size();
  }
  return dot;
}

// A lock file deleted by its holder (py-filelock 3.20.4 to 3.29.4 did so on
// release) can still be locked through a descriptor opened before the unlink,
// while a newcomer locks a fresh file at the path: both would "hold" the lock.
// Only a lock on the inode the path names right now counts.
bool still_at_path(int fd, const std::string& lock_path) {
  struct stat held {};
  struct stat named {};
  if (::fstat(fd, &held) != 0 || ::stat(lock_path.c_str(), &named) != 0) {
    return false;
  }
  return held.st_nlink > 0 && held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

Error busy_error(const std::string& lock_path) {
  return make_error(ErrorCode::kLockBusy, lock_path + " is locked by another process");
}

Error open_error(const std::string& lock_path, int error_number) {
  if (error_number == ELOOP) {
    return make_error(ErrorCode::kIo, lock_path +
                                          " is a symbolic link, which the registry lock refuses; "
                                          "remove it and try again");
  }
  if (error_number == EISDIR) {
    return make_error(ErrorCode::kUsage, "the registry lock " + lock_path +
                                             " is a directory, not a lock file; move it away "
                                             "and retry");
  }
  return make_error(ErrorCode::kIo,
                    describe_errno("cannot open the registry lock " + lock_path, error_number) +
                        "; " + remedy_for(error_number, directory_of(lock_path)));
}

Error timeout_error(const std::string& lock_path, std::chrono::milliseconds waited) {
  std::string message = "another process has held the registry lock ";
  message += lock_path;
  message += " for ";
  message += std::to_string(waited.count());
  message += " ms; wait for it to finish and retry, or find it with `fuser -v ";
  message += lock_path;
  message += "`";
  return make_error(ErrorCode::kLockTimeout, std::move(message));
}

// Attempts before reporting busy when the lock file keeps being swapped under us.
constexpr int kSwapRetries = 8;

}  // namespace

std::string lock_path_for(const std::string& registry_path) {
  const std::string name = file_name_of(registry_path);
  const std::string directory = registry_path.substr(0, registry_path.rfind(name));
  return directory + name.substr(0, suffix_start(name)) + ".lock";
}

RegistryLock::RegistryLock(RegistryLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

RegistryLock& RegistryLock::operator=(RegistryLock&& other) noexcept {
  if (this != &other) {
    RegistryLock released(std::move(*this));
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

RegistryLock::~RegistryLock() {
  if (fd_ >= 0) {
    // Unlock explicitly: a forked child sharing the descriptor would otherwise keep it locked.
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

Result<RegistryLock> RegistryLock::try_acquire(const std::string& lock_path) {
  auto directory = make_private_directories(directory_of(lock_path));
  if (!directory) {
    return directory.error();
  }
  for (int attempt = 0; attempt < kSwapRetries; ++attempt) {
    // Like py-filelock: no O_TRUNC, the file's content is nobody's business.
    UniqueFd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd.valid()) {
      return open_error(lock_path, errno);
    }
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK || errno == EINTR) {
        return busy_error(lock_path);
      }
      return make_error(ErrorCode::kIo, describe_errno("cannot lock " + lock_path, errno));
    }
    if (still_at_path(fd.get(), lock_path)) {
      return RegistryLock(fd.release());
    }
    // Closing drops the flock on the orphaned inode; try the file now at the path.
  }
  return busy_error(lock_path);
}

Result<RegistryLock> RegistryLock::acquire(const std::string& lock_path,
                                           std::chrono::milliseconds timeout,
                                           std::chrono::milliseconds poll) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto lock = try_acquire(lock_path);
    if (lock || lock.error().code != ErrorCode::kLockBusy) {
      return lock;
    }
    if (std::chrono::steady_clock::now() + poll > deadline) {
      return timeout_error(lock_path, timeout);
    }
    std::this_thread::sleep_for(poll);
  }
}

}  // namespace ipa
