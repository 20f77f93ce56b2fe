#include "reconciler/container_name.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdlib>

namespace ipa {
namespace {

std::string md5_hex(const std::string& text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_md5(), nullptr) != 1) {
    // MD5 is always present in OpenSSL's default provider; without it nothing
    // can be matched by name, which is a broken installation, not an input.
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(std::size_t{length} * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0f];
  }
  return hex;
}

}  // namespace

std::string derived_container_name(const std::string& project_path, int port) {
  return "iris_" + md5_hex(project_path).substr(0, 8) + "_" + std::to_string(port);
}

}  // namespace ipa

namespace ipa {

const std::string& ContainerNamer::name_for(const std::string& project_path, int port) {
  auto key = std::make_pair(project_path, port);
  auto found = names_.find(key);
  if (found == names_.end()) {
    found = names_.emplace(std::move(key), derived_container_name(project_path, port)).first;
  }
  return found->second;
}

}  // namespace ipa
