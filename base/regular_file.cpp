#include "base/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/unique_fd.hpp"

namespace ipa {
RegularFileRead read_regular_file(const std::string& path, std::size_t max_bytes) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) {
    return {"", errno};
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    return {"", errno};
  }
  if (S_ISDIR(info.st_mode)) {
    return {"", EISDIR};
  }
  if (!S_ISREG(info.st_mode)) {
    return {"", ENODEV};
  }
  if (static_cast<std::size_t>(info.st_size) > max_bytes) {
    return {"", EFBIG};
  }
  std::string bytes;
  if (const int error =
          read_to_end(fd.get(), static_cast<std::size_t>(info.st_size), max_bytes, bytes);
      error != 0) {
    return {"", error};
  }
  return {std::move(bytes), 0};
}

int read_to_end(int fd, std::size_t expected_size, std::size_t max_bytes, std::string& bytes) {
  // One byte more than expected, so that a file that grew is noticed and read on.
  bytes.assign(std::min(expected_size, max_bytes) + 1, '\0');
  std::size_t used = 0;
  while (true) {
    if (used == bytes.size()) {
      if (used > max_bytes) {
        return EFBIG;
      }
      bytes.resize(std::min(bytes.size() * 2, max_bytes + 1));
    }
    const ssize_t count = ::read(fd, bytes.data() + used, bytes.size() - used);
    if (count == 0) {
      bytes.resize(used);
      return 0;
    }
    if (count < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    used += static_cast<std::size_t>(count);
  }
}

std::string describe_read_error(int error, std::size_t max_bytes) {
  switch (error) {
    case EISDIR:
      return "is a directory";
    case ENODEV:
      return "is not a regular file (a device, FIFO or socket)";
    case EFBIG:
      return max_bytes % (std::size_t{1} << 20U) == 0
                 ? "is larger than " + std::to_string(max_bytes >> 20U) + " MiB"
                 : "is larger than " + std::to_string(max_bytes >> 10U) + " KiB";
    default:
      return std::string("cannot be read: ") + std::strerror(error);
  }
}

}  // namespace ipa
