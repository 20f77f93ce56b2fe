#pragma once

#include <sys/stat.h>

#include <cstdint>

// A file's times to the nanosecond: POSIX 2008 names them st_mtim and
// st_ctim, macOS st_mtimespec and st_ctimespec. Whole seconds (st_mtime)
// cannot tell two writes within one second apart.
namespace ipa::platform {

inline std::int64_t to_nanoseconds(const struct timespec& time) {
  return static_cast<std::int64_t>(time.tv_sec) * 1'000'000'000 + time.tv_nsec;
}

std::int64_t modified_at_ns(const struct stat& info);
std::int64_t changed_at_ns(const struct stat& info);

}  // namespace ipa::platform
