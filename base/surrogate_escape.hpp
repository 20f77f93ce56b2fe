#pragma once

#include <string>
#include <string_view>

namespace ipa {

// Bytes from the operating system (argv, getcwd) as Python's os.fsdecode
// reads them: valid UTF-8 stays as it is; every byte of an invalid sequence
// becomes the lone surrogate U+DC00+byte ("surrogateescape"), held here in
// its three-byte generalized UTF-8 form (ED B2 80 .. ED B3 BF), which is what
// the registry's JSON reader makes of Python's "\udcff" and what its writer
// turns back into it. Distinct byte strings stay distinct.
std::string surrogate_escaped(std::string_view bytes);

// The length of the well-formed UTF-8 sequence at `index` (no overlongs, no
// surrogates, nothing above U+10FFFF), or 0 when there is none.
std::size_t utf8_sequence_length(std::string_view bytes, std::size_t index);

// The byte U+DC80..U+DCFF stands for when `text` at `index` holds one
// (three bytes), else -1.
int escaped_byte_at(std::string_view text, std::size_t index);

}  // namespace ipa
