#pragma once

#include <string_view>

namespace ipa {

// write(2) until every byte is written, retrying on EINTR and short writes.
// Returns 0 or the errno of the failed write.
int write_all(int fd, std::string_view bytes);

}  // namespace ipa
