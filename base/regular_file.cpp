#include "base/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ipa {
namespace {

class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

RegularFileRead read_regular_file(const std::string& path, std::size_t max_bytes) {
  const Descriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) {
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
  // One byte more than allowed: a file that grew since fstat is still caught.
  std::string bytes(max_bytes + 1, '\0');
  std::size_t used = 0;
  while (used < bytes.size()) {
    const ssize_t count = ::read(fd.get(), bytes.data() + used, bytes.size() - used);
    if (count == 0) {
      break;
    }
    if (count < 0) {
      if (errno == EINTR) {
        continue;
      }
      return {"", errno};
    }
    used += static_cast<std::size_t>(count);
  }
  if (used > max_bytes) {
    return {"", EFBIG};
  }
  bytes.resize(used);
  return {std::move(bytes), 0};
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
