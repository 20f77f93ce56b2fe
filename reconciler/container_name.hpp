#pragma once

#include <map>
#include <string>
#include <utility>

namespace ipa {

// The name iris-devtester gives a project's container:
// iris_<first 8 hex digits of md5(project_path)>_<port>.
std::string derived_container_name(const std::string& project_path, int port);

// Remembers derived names: MD5 per assignment per event would dominate the
// cost of applying a burst to a large registry.
class ContainerNamer {
 public:
  const std::string& name_for(const std::string& project_path, int port);

 private:
  std::map<std::pair<std::string, int>, std::string> names_;
};

}  // namespace ipa
