#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"

namespace ipa {

// A remote engine reached as the docker CLI reaches it for an ssh:// host:
// `ssh [-l user] [-p port] <options> -- host docker system dial-stdio`
// (cli/connhelper/connhelper.go), whose stdin and stdout carry the HTTP.
struct SshTarget {
  std::string user;  // empty: ssh's own choice (config file, then the login name)
  std::string host;  // as ssh takes it: a name, an alias from ~/.ssh/config, an IP
  std::string port;  // digits, or empty for ssh's own choice
  std::string path;  // the remote socket, or empty for the remote docker's default

  // ssh://[user@]host[:port][/path], read as the docker CLI reads it
  // (cli/connhelper/ssh/ssh.go): a password, a query or a fragment is
  // refused, and so is an empty host. Stricter than the CLI where its
  // shell-quoting would hand ssh a quoted user or host: those are refused
  // too. The error (kUsage) names the URL with any password masked.
  static Result<SshTarget> parse(const std::string& url);

  // The argv of the ssh process, "ssh" first. The remote command is one
  // POSIX-shell-quoted string, as ssh passes it to the remote shell.
  std::vector<std::string> command() const;

  // What a user can run by hand to see what the agent's ssh sees:
  // "ssh -o BatchMode=yes -p 2222 me@host docker version".
  std::string manual_check() const;

 private:
  std::string host_option() const;
};

}  // namespace ipa
