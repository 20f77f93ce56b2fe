#pragma once

#include <string>
#include <string_view>

// Paths as strings, without touching the file system (absolute_path aside,
// which asks for the working directory).
namespace ipa {

// The directory part of `path` ("." when there is none, "/" for a file in
// the root) and its final component. Trailing slashes are ignored: "a/b/"
// names the same file as "a/b".
std::string directory_of(const std::string& path);
std::string file_name_of(const std::string& path);

// `name` inside `directory`, with one slash between them.
std::string path_in(const std::string& directory, const std::string& name);

// Python's os.path.abspath(path) run in `cwd` (absolute): "." and ".."
// folded, repeated and trailing slashes dropped, symlinks left alone, and, as
// POSIX allows and Python does, a leading "//" (exactly two) kept.
std::string python_abspath(std::string_view path, std::string_view cwd);

// python_abspath in the working directory: what Python would store for `path`.
std::string absolute_path(const std::string& path);

}  // namespace ipa
