#pragma once

#include <string>
#include <string_view>

namespace ipa {

// `text` made safe for a terminal and for one-line output: control
// characters (C0, DEL, C1) become \n, \t, \r or \xNN; a byte that is not
// UTF-8 becomes \xNN, also when it arrived surrogate-escaped (see
// surrogate_escape.hpp). Printable text, including non-ASCII, stays.
std::string printable(std::string_view text);

}  // namespace ipa
