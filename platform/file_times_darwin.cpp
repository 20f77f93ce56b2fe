#include "platform/file_times.hpp"

namespace ipa::platform {

std::int64_t modified_at_ns(const struct stat& info) {
  return to_nanoseconds(info.st_mtimespec);
}

std::int64_t changed_at_ns(const struct stat& info) {
  return to_nanoseconds(info.st_ctimespec);
}

}  // namespace ipa::platform
