#pragma once

#include <string>
#include <string_view>

namespace ipa {

// "what: strerror(errno)" with the errno captured by the caller.
std::string describe_errno(std::string_view what, int error_number);

}  // namespace ipa
