#include "registry/write_remedy.hpp"

#include <cerrno>

namespace ipa {

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

}  // namespace ipa
