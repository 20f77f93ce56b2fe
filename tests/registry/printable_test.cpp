// What a person sees of a path or message: one line, no terminal escapes.
#include <catch2/catch.hpp>

#include "base/printable.hpp"
#include "base/surrogate_escape.hpp"

TEST_CASE("control characters and bytes that are not UTF-8 are shown escaped, the rest as is") {
  CHECK(ipa::printable("/home/j\xc3\xb6rg/\xe2\x82\xac") == "/home/j\xc3\xb6rg/\xe2\x82\xac");
  CHECK(ipa::printable("a\nb\rc\td") == "a\\nb\\rc\\td");
  CHECK(ipa::printable("\x1b[31mred\x07\x7f") == "\\x1b[31mred\\x07\\x7f");
  CHECK(ipa::printable("\xc2\x9b"
                       "2J") == "\\xc2\\x9b2J");  // C1 CSI
  CHECK(ipa::printable("/p/x\xff\xfe") == "/p/x\\xff\\xfe");
  // The same bytes after surrogateescape read as the user typed them.
  CHECK(ipa::printable(ipa::surrogate_escaped("/p/x\xff\xfe")) == "/p/x\\xff\\xfe");
  CHECK(ipa::printable("\xe2\x82") == "\\xe2\\x82");
}
