#include "base/unique_fd.hpp"

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace ipa {

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

}  // namespace ipa
