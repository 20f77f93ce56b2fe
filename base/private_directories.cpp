#include "base/private_directories.hpp"

#include <sys/stat.h>

#include <cerrno>

#include "base/errno_text.hpp"
#include "base/file_path.hpp"

namespace ipa {

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
  const std::string parent = directory_of(directory);
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

}  // namespace ipa
