#pragma once

#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ipa::test {

// A private directory for one test, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ipa-registry-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

inline unsigned permissions_of(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return 0;
  }
  return info.st_mode & 07777U;
}

inline ino_t inode_of(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? info.st_ino : 0;
}

inline std::vector<std::string> names_in(const std::string& directory) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());  // the directory's order is no order
  return names;
}

// Starts a program with `argv` (argv[0] is its path); returns the child's pid.
inline pid_t spawn(const std::vector<std::string>& argv) {
  std::vector<char*> pointers;
  for (const auto& argument : argv) {
    pointers.push_back(const_cast<char*>(argument.c_str()));
  }
  pointers.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execv(pointers[0], pointers.data());
    ::_exit(127);
  }
  return pid;
}

// The child's exit code, or 128 + signal when it was killed.
inline int wait_for(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) {
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Child processes that a failing test must not leave running: whatever was
// not waited for is killed and reaped on destruction.
class Children {
 public:
  Children() = default;
  Children(const Children&) = delete;
  Children& operator=(const Children&) = delete;
  ~Children() {
    for (const pid_t pid : pids_) {
      ::kill(pid, SIGKILL);
      wait_for(pid);
    }
  }

  void add(pid_t pid) { pids_.push_back(pid); }
  // Waits for every child; true when all exited with 0.
  bool all_succeed() {
    bool succeeded = true;
    for (const pid_t pid : pids_) {
      succeeded = wait_for(pid) == 0 && succeeded;
    }
    pids_.clear();
    return succeeded;
  }

 private:
  std::vector<pid_t> pids_;
};

// Runs `program` to completion and returns what it printed on stdout.
inline std::string output_of(const std::vector<std::string>& argv, int& exit_code) {
  TempDir scratch;
  const std::string captured = scratch.file("stdout");
  std::string command;
  for (const auto& argument : argv) {
    command += "'" + argument + "' ";
  }
  command += "> '" + captured + "'";
  exit_code = std::system(command.c_str());
  return read_bytes(captured);
}

}  // namespace ipa::test
