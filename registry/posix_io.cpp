#include "registry/posix_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace ipa::posix {

UniqueFd::UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  close();
}

int UniqueFd::release() {
  return std::exchange(fd_, -1);
}

int UniqueFd::close() {
  if (fd_ < 0) {
    return 0;
  }
  // No retry on EINTR: Linux has already released the descriptor.
  const int result = ::close(std::exchange(fd_, -1));
  return result == 0 ? 0 : errno;
}

std::string describe_errno(std::string_view what, int error_number) {
  std::string text(what);
  text += ": ";
  text += std::strerror(error_number);
  return text;
}

std::string remedy_for(int error_number, const std::string& directory) {
  switch (error_number) {
    case ENOSPC:
    case EDQUOT:
      return "free space on the file system of " + directory + " and retry";
    case EROFS:
      return directory +
             " is on a read-only file system: make it writable or point --registry "
             "at a writable place";
    case EACCES:
    case EPERM:
      return "make " + directory + " writable for this user, or point --registry elsewhere";
    default:
      return "fix this and retry";
  }
}

namespace {

// "a/b/" names the same file as "a/b"; only a lone "/" keeps its slash.
std::string_view without_trailing_slashes(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
  }
  return path;
}

}  // namespace

std::string parent_directory(const std::string& path) {
  const std::string_view trimmed = without_trailing_slashes(path);
  const auto slash = trimmed.rfind('/');
  if (slash == std::string_view::npos) {
    return ".";
  }
  if (slash == 0) {
    return "/";
  }
  return std::string(trimmed.substr(0, slash));
}

std::string final_component(const std::string& path) {
  const std::string_view trimmed = without_trailing_slashes(path);
  const auto slash = trimmed.rfind('/');
  return std::string(slash == std::string_view::npos ? trimmed : trimmed.substr(slash + 1));
}

Result<Ok> make_private_directories(const std::string& directory) {
  struct stat info {};
  if (::stat(directory.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) {
      return Ok{};
    }
    return make_error(ErrorCode::kIo, directory + " exists but is not a directory; move it away");
  }
  if (errno != ENOENT) {
    return make_error(ErrorCode::kIo,
                      describe_errno("cannot inspect directory " + directory, errno));
  }
  const std::string parent = parent_directory(directory);
  if (parent != directory) {
    auto parent_made = make_private_directories(parent);
    if (!parent_made) {
      return parent_made;
    }
  }
  // EEXIST: another process created it between our stat and mkdir.
  if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
    return make_error(ErrorCode::kIo, describe_errno("cannot create directory " + directory +
                                                         " (check its parent's permissions)",
                                                     errno));
  }
  return Ok{};
}

int write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return 0;
}

int fsync_directory(const std::string& directory) {
  UniqueFd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    return errno;
  }
  return ::fsync(fd.get()) == 0 ? 0 : errno;
}

}  // namespace ipa::posix
