#pragma once

#include <cstddef>
#include <string>

namespace ipa {

// A small file read without ever blocking or growing without end: a FIFO is
// opened with O_NONBLOCK and refused, like a device or a socket, and nothing
// past `max_bytes` is read. For the settings files the user and the docker CLI
// keep; the registry has its own reader with its own cap.
struct RegularFileRead {
  std::string bytes;
  // 0, or why there are no bytes: the errno of the open or read (ENOENT: no
  // such file), EISDIR (a directory), ENODEV (not a regular file) or EFBIG
  // (larger than max_bytes).
  int error = 0;
};

RegularFileRead read_regular_file(const std::string& path, std::size_t max_bytes);

// Reads the opened `fd` to its end into `bytes`, at most `max_bytes`.
// `expected_size` (what fstat said) sizes the first read; a file that grew
// since is read on, up to the cap. Returns 0, EFBIG (more than max_bytes) or
// the errno of a failed read. The one bounded reader behind
// read_regular_file and the registry's own.
int read_to_end(int fd, std::size_t expected_size, std::size_t max_bytes, std::string& bytes);

// The reason for `error`, as a person reads it: "is a directory", "is not a
// regular file (a device, FIFO or socket)", "is larger than 1 MiB",
// "cannot be read: Permission denied".
std::string describe_read_error(int error, std::size_t max_bytes);

}  // namespace ipa
