#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"

// Small POSIX helpers shared by the registry's file and lock code. Internal to
// registry/: callers outside use registry_file.hpp and registry_lock.hpp.
namespace ipa::posix {

// Owns one file descriptor and closes it once.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept;
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();
  // Closes now and reports what close(2) said (it can report a deferred write error).
  int close();

 private:
  int fd_ = -1;
};

// "what: strerror(errno)" with the errno captured by the caller.
std::string describe_errno(std::string_view what, int error_number);

// What to do about a failed write in `directory`, by its errno: free space
// (ENOSPC, EDQUOT), a read-only file system (EROFS), permissions (EACCES,
// EPERM), else fix and retry. Without a leading separator.
std::string remedy_for(int error_number, const std::string& directory);

// The directory part of `path` ("." when there is none) and the final component.
std::string parent_directory(const std::string& path);
std::string final_component(const std::string& path);

// mkdir -p with mode 0700 for every directory it creates.
Result<Ok> make_private_directories(const std::string& directory);

// write(2) until every byte is written, retrying on EINTR and short writes.
// Returns 0 or the errno of the failed write.
int write_all(int fd, std::string_view bytes);

// fsync(2) on a directory so that a rename in it survives a power loss.
int fsync_directory(const std::string& directory);

}  // namespace ipa::posix
