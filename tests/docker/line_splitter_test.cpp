#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "agent/docker/line_splitter.hpp"

namespace {

struct Collected {
  std::vector<std::string> lines;
  std::vector<std::size_t> oversized;
};

void feed(ipa::LineSplitter& splitter, Collected& out, std::string_view bytes) {
  splitter.feed(
      bytes, [&](std::string_view line) { out.lines.emplace_back(line); },
      [&](std::size_t dropped) { out.oversized.push_back(dropped); });
}

}  // namespace

TEST_CASE("a line split across chunks is delivered whole", "[splitter]") {
  ipa::LineSplitter splitter;
  Collected out;
  feed(splitter, out, "{\"a\":");
  feed(splitter, out, "1");
  CHECK(out.lines.empty());
  feed(splitter, out, "}\n{\"b\"");
  feed(splitter, out, ":2}\n");
  CHECK(out.lines == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"});
}

TEST_CASE("every line of a chunk with many lines is delivered in order", "[splitter]") {
  ipa::LineSplitter splitter;
  Collected out;
  std::string chunk;
  for (int i = 0; i < 100; ++i) {
    chunk += std::to_string(i) + "\n";
  }
  feed(splitter, out, chunk);
  REQUIRE(out.lines.size() == 100);
  CHECK(out.lines.front() == "0");
  CHECK(out.lines.back() == "99");
}

TEST_CASE("a trailing carriage return is stripped", "[splitter]") {
  ipa::LineSplitter splitter;
  Collected out;
  feed(splitter, out, "one\r\ntwo\r");
  feed(splitter, out, "\n");
  CHECK(out.lines == std::vector<std::string>{"one", "two"});
}

TEST_CASE("an oversized line is dropped, reported once, and reading resumes at the next newline",
          "[splitter]") {
  ipa::LineSplitter splitter(16);
  Collected out;
  feed(splitter, out, "ok\n0123456789");
  feed(splitter, out, "0123456789");  // crosses the cap
  feed(splitter, out, "0123456789");
  feed(splitter, out, "tail\nnext\n");
  CHECK(out.lines == std::vector<std::string>{"ok", "next"});
  REQUIRE(out.oversized.size() == 1);
  CHECK(out.oversized[0] == 20);
}

TEST_CASE("an oversized line inside one chunk does not swallow the next line", "[splitter]") {
  ipa::LineSplitter splitter(4);
  Collected out;
  feed(splitter, out, "0123456789\nabc\n");
  CHECK(out.lines == std::vector<std::string>{"abc"});
  CHECK(out.oversized.size() == 1);
}

TEST_CASE("a line of exactly the cap is kept", "[splitter]") {
  ipa::LineSplitter splitter(4);
  Collected out;
  feed(splitter, out, "ab");
  feed(splitter, out, "cd\n");
  CHECK(out.lines == std::vector<std::string>{"abcd"});
  CHECK(out.oversized.empty());
}

TEST_CASE("an endless line keeps memory bounded and is reported once", "[splitter]") {
  ipa::LineSplitter splitter;  // 1 MiB
  Collected out;
  const std::string chunk(std::size_t{64} * 1024, 'x');
  for (int i = 0; i < 64 * 16; ++i) {  // 64 MiB without a newline
    feed(splitter, out, chunk);
  }
  CHECK(out.oversized.size() == 1);
  CHECK(out.lines.empty());
  feed(splitter, out, "\n{}\n");
  CHECK(out.lines == std::vector<std::string>{"{}"});
}
