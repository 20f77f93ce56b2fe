#include "base/atomic_write.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <random>

#include "base/errno_text.hpp"
#include "base/file_path.hpp"
#include "base/unique_fd.hpp"
#include "base/write_all.hpp"

namespace ipa {
namespace {

std::string random_hex() {
  std::random_device device;
  std::array<char, 17> buffer{};
  const unsigned long long value = (static_cast<unsigned long long>(device()) << 32U) |
                                   static_cast<unsigned long long>(device());
  const auto length = std::snprintf(buffer.data(), buffer.size(), "%016llx", value);
  return {buffer.data(), static_cast<std::size_t>(length)};
}

struct TempFile {
  UniqueFd fd;
  std::string path;
};

// 0 and the open temp file, or the errno of the last attempt.
int create_temp_beside(const std::string& directory, const std::string& name, mode_t mode,
                       TempFile& temp) {
  constexpr int kAttempts = 16;  // random names collide only by accident
  int last_error = EEXIST;
  for (int attempt = 0; attempt < kAttempts && last_error == EEXIST; ++attempt) {
    temp.path = path_in(directory, atomic_write_temp_prefix(name) + std::to_string(::getpid()) +
                                       "-" + random_hex());
    temp.fd = UniqueFd(
        ::open(temp.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (temp.fd.valid()) {
      return 0;
    }
    last_error = errno;
  }
  return last_error;
}

// Writes, fsyncs when `durable`, and closes; 0 or the first errno.
int fill(TempFile& temp, std::string_view bytes, bool durable) {
  int error = write_all(temp.fd.get(), bytes);
  if (error == 0 && durable && ::fsync(temp.fd.get()) != 0) {
    error = errno;
  }
  const int close_error = temp.fd.close();
  return error != 0 ? error : close_error;
}

int fsync_directory(const std::string& directory) {
  const UniqueFd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    return errno;
  }
  return ::fsync(fd.get()) == 0 ? 0 : errno;
}

}  // namespace

std::string describe(const AtomicWriteFailure& failure) {
  using Step = AtomicWriteFailure::Step;
  switch (failure.step) {
    case Step::kCreateTemp:
      return describe_errno("cannot create a temp file in " + failure.directory, failure.error);
    case Step::kWriteTemp:
      return describe_errno("cannot write a temp file in " + failure.directory, failure.error);
    case Step::kRename:
      return describe_errno("cannot rename a temp file over it", failure.error);
    case Step::kSyncDirectory:
      return describe_errno("cannot fsync " + failure.directory, failure.error);
  }
  return describe_errno("cannot write in " + failure.directory, failure.error);
}

std::string atomic_write_temp_prefix(const std::string& name) {
  return "." + name + ".tmp-";
}

std::optional<AtomicWriteFailure> write_file_atomically(const std::string& path,
                                                        std::string_view bytes,
                                                        const AtomicWriteOptions& options) {
  using Step = AtomicWriteFailure::Step;
  const std::string directory = directory_of(path);
  TempFile temp;
  if (const int error = create_temp_beside(directory, file_name_of(path), options.mode, temp);
      error != 0) {
    return AtomicWriteFailure{Step::kCreateTemp, error, directory};
  }
  if (const int error = fill(temp, bytes, options.durable); error != 0) {
    ::unlink(temp.path.c_str());
    return AtomicWriteFailure{Step::kWriteTemp, error, directory};
  }
  if (::rename(temp.path.c_str(), path.c_str()) != 0) {
    const int error = errno;
    // Unlinked before the caller goes on: a fallback may need the space it took.
    ::unlink(temp.path.c_str());
    return AtomicWriteFailure{Step::kRename, error, directory};
  }
  if (options.durable) {
    if (const int error = fsync_directory(directory); error != 0) {
      return AtomicWriteFailure{Step::kSyncDirectory, error, directory};
    }
  }
  return std::nullopt;
}

}  // namespace ipa
