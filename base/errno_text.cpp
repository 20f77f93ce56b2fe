#include "base/errno_text.hpp"

#include <cstring>

namespace ipa {

std::string describe_errno(std::string_view what, int error_number) {
  std::string text(what);
  text += ": ";
  text += std::strerror(error_number);
  return text;
}

}  // namespace ipa
