// One home for the path helpers every part uses: the directory of a path, its
// file name, and the absolute path Python would store.

#include <catch2/catch.hpp>
#include <string>

#include "base/file_path.hpp"

TEST_CASE("the directory of a path ignores trailing slashes", "[base][file_path]") {
  CHECK(ipa::directory_of("a/b/c") == "a/b");
  CHECK(ipa::directory_of("a/b/") == "a");
  CHECK(ipa::directory_of("/file") == "/");
  CHECK(ipa::directory_of("/") == "/");
  CHECK(ipa::directory_of("file") == ".");
  CHECK(ipa::directory_of("") == ".");
}

TEST_CASE("the file name of a path is its last component", "[base][file_path]") {
  CHECK(ipa::file_name_of("a/b/c.json") == "c.json");
  CHECK(ipa::file_name_of("a/b/") == "b");
  CHECK(ipa::file_name_of("c.json") == "c.json");
  CHECK(ipa::file_name_of("/").empty());
}

TEST_CASE("a name in a directory has one slash between them", "[base][file_path]") {
  CHECK(ipa::path_in("/", "x") == "/x");
  CHECK(ipa::path_in("/a", "x") == "/a/x");
  CHECK(ipa::path_in(".", "x") == "./x");
}

TEST_CASE("python_abspath folds the path as os.path.abspath does", "[base][file_path]") {
  CHECK(ipa::python_abspath("p", "/home/u") == "/home/u/p");
  CHECK(ipa::python_abspath("./a/../b/", "/home/u") == "/home/u/b");
  CHECK(ipa::python_abspath("/x/", "/ignored") == "/x");
  CHECK(ipa::python_abspath("//x", "/") == "//x");
  CHECK(ipa::python_abspath("///x", "/") == "/x");
  CHECK(ipa::python_abspath("..", "/") == "/");
}

TEST_CASE("absolute_path is python_abspath in the working directory", "[base][file_path]") {
  const std::string absolute = ipa::absolute_path("some/where");
  CHECK(absolute.front() == '/');
  CHECK(ipa::file_name_of(absolute) == "where");
  CHECK(ipa::absolute_path("/already/absolute/") == "/already/absolute");
}
