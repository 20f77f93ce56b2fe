#include "base/file_path.hpp"

#include <unistd.h>

#include <algorithm>
#include <vector>

namespace ipa {
namespace {

// "a/b/" names the same file as "a/b"; only a lone "/" keeps its slash.
std::string_view without_trailing_slashes(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
  }
  return path;
}

}  // namespace

std::string directory_of(const std::string& path) {
  const std::string_view trimmed = without_trailing_slashes(path);
  const auto slash = trimmed.rfind('/');
  if (slash == std::string_view::npos) {
    return ".";
  }
  if (slash == 0) {
    return "/";
  }
  return std::string(trimmed.substr(0, slash));
}

std::string file_name_of(const std::string& path) {
  const std::string_view trimmed = without_trailing_slashes(path);
  const auto slash = trimmed.rfind('/');
  return std::string(slash == std::string_view::npos ? trimmed : trimmed.substr(slash + 1));
}

std::string path_in(const std::string& directory, const std::string& name) {
  return directory == "/" ? "/" + name : directory + "/" + name;
}

std::string python_abspath(std::string_view path, std::string_view cwd) {
  std::string joined;
  if (path.empty() || path.front() != '/') {
    joined.append(cwd);
    // posixpath.join: no slash added after one that is there ("/" + "x" is "/x").
    if (cwd.empty() || cwd.back() != '/') {
      joined += '/';
    }
  }
  joined.append(path);
  // posixpath.normpath: exactly two leading slashes stay two.
  const bool two_slashes = joined.rfind("//", 0) == 0 && joined.rfind("///", 0) != 0;
  std::vector<std::string_view> parts;
  const std::string_view whole(joined);
  std::size_t start = 0;
  while (start <= whole.size()) {
    const std::size_t slash = std::min(whole.find('/', start), whole.size());
    const std::string_view part = whole.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty()) {
        parts.pop_back();
      }
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = slash + 1;
  }
  std::string result;
  if (two_slashes) {
    result += '/';
  }
  for (const std::string_view part : parts) {
    result += '/';
    result.append(part);
  }
  if (parts.empty()) {
    result += '/';
  }
  return result;
}

std::string absolute_path(const std::string& path) {
  std::vector<char> cwd(4096);
  return python_abspath(path, ::getcwd(cwd.data(), cwd.size()) != nullptr ? cwd.data() : "");
}

}  // namespace ipa
