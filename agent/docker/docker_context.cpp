#include "agent/docker/docker_context.hpp"

#include <dirent.h>
#include <openssl/evp.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <strings.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "base/regular_file.hpp"

namespace ipa {
namespace {

std::string env_value(const Environment& env, const std::string& key) {
  const auto it = env.find(key);
  return it == env.end() ? std::string() : it->second;
}

// config.json and meta.json are small; this is far above any real one, and
// keeps a FIFO or /dev/zero in their place from hanging or filling the agent.
constexpr std::size_t kMaxDockerFileBytes = std::size_t{1} << 20U;

RegularFileRead read_docker_file(const std::string& path) {
  return read_regular_file(path, kMaxDockerFileBytes);
}

// Go's encoding/json matches a struct field to a key exactly, else without
// regard to case; the CLI reads config.json and meta.json that way.
const rapidjson::Value* member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) {
    return nullptr;
  }
  if (const auto exact = object.FindMember(key); exact != object.MemberEnd()) {
    return &exact->value;
  }
  for (const auto& candidate : object.GetObject()) {
    if (::strcasecmp(candidate.name.GetString(), key) == 0) {
      return &candidate.value;
    }
  }
  return nullptr;
}

std::string parse_problem(const rapidjson::Document& document) {
  return std::string("not valid JSON at offset ") + std::to_string(document.GetErrorOffset()) +
         " (" + rapidjson::GetParseError_En(document.GetParseError()) + ")";
}

std::string meta_path(const std::string& config_dir, const std::string& directory) {
  return config_dir + "/contexts/meta/" + directory + "/meta.json";
}

// The docker endpoint of a parsed meta.json, or why there is none usable.
Result<ContextEndpoint> docker_endpoint_of(const rapidjson::Value& meta) {
  if (!meta.IsObject()) {
    return make_error(ErrorCode::kUsage, "is not a JSON object");
  }
  const rapidjson::Value* endpoints = member(meta, "Endpoints");
  if (endpoints != nullptr && !endpoints->IsObject() && !endpoints->IsNull()) {
    return make_error(ErrorCode::kUsage, "has \"Endpoints\" that is not an object");
  }
  const auto docker = endpoints != nullptr && endpoints->IsObject()
                          ? endpoints->FindMember("docker")
                          : meta.MemberEnd();
  if (endpoints == nullptr || !endpoints->IsObject() || docker == endpoints->MemberEnd()) {
    return make_error(ErrorCode::kNotFound, "has no docker endpoint");
  }
  ContextEndpoint endpoint;
  if (docker->value.IsNull()) {
    return endpoint;
  }
  if (!docker->value.IsObject()) {
    return make_error(ErrorCode::kUsage, "has a docker endpoint that is not an object");
  }
  if (const rapidjson::Value* host = member(docker->value, "Host"); host && !host->IsNull()) {
    if (!host->IsString()) {
      return make_error(ErrorCode::kUsage, "has a docker \"Host\" that is not a string");
    }
    endpoint.host = host->GetString();
  }
  if (const rapidjson::Value* skip = member(docker->value, "SkipTLSVerify");
      skip && !skip->IsNull()) {
    if (!skip->IsBool()) {
      return make_error(ErrorCode::kUsage, "has a \"SkipTLSVerify\" that is not true or false");
    }
    endpoint.skip_tls_verify = skip->GetBool();
  }
  return endpoint;
}

}  // namespace

std::string docker_config_dir(const Environment& env) {
  const std::string configured = env_value(env, "DOCKER_CONFIG");
  return configured.empty() ? env_value(env, "HOME") + "/.docker" : configured;
}

std::string context_directory_name(const std::string& context) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(context.data(), context.size(), digest.data(), &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

CurrentContext read_current_context(const std::string& config_dir) {
  const std::string path = config_dir + "/config.json";
  const RegularFileRead file = read_docker_file(path);
  if (file.error == ENOENT || file.error == ENOTDIR) {
    return {};
  }
  const std::string consequence =
      "; going on without its currentContext, as the docker CLI does (fix or remove the file)";
  if (file.error != 0) {
    return {std::nullopt, "docker CLI config " + path + " " +
                              describe_read_error(file.error, kMaxDockerFileBytes) + consequence};
  }
  rapidjson::Document document;
  document.Parse(file.bytes.data(), file.bytes.size());
  if (document.HasParseError() || !document.IsObject()) {
    const std::string problem =
        document.HasParseError() ? parse_problem(document) : "not a JSON object";
    return {std::nullopt, "docker CLI config " + path + " is " + problem + consequence};
  }
  const rapidjson::Value* current = member(document, "currentContext");
  if (current == nullptr || current->IsNull()) {
    return {};
  }
  if (!current->IsString()) {
    return {std::nullopt, "docker CLI config " + path +
                              " has a currentContext that is not a string" + consequence};
  }
  std::string name = current->GetString();
  return {name.empty() ? std::nullopt : std::optional<std::string>(std::move(name)), ""};
}

Result<ContextEndpoint> read_context(const std::string& config_dir, const std::string& context,
                                     const std::string& origin) {
  const std::string directory = context_directory_name(context);
  const std::string path = meta_path(config_dir, directory);
  const std::string which = "docker context \"" + context + "\" (named by " + origin + ")";
  const RegularFileRead file = read_docker_file(path);
  if (file.error == ENOENT || file.error == ENOTDIR) {
    return make_error(ErrorCode::kUsage,
                      which + " does not exist: there is no " + path +
                          "; list the contexts with 'docker context ls' and name one of them");
  }
  if (file.error != 0) {
    return make_error(ErrorCode::kUsage, path + " of " + which + " " +
                                             describe_read_error(file.error, kMaxDockerFileBytes) +
                                             "; check the file");
  }
  rapidjson::Document document;
  document.Parse(file.bytes.data(), file.bytes.size());
  auto endpoint =
      document.HasParseError()
          ? Result<ContextEndpoint>(make_error(ErrorCode::kUsage, parse_problem(document)))
          : docker_endpoint_of(document);
  if (!endpoint) {
    const std::string remedy =
        endpoint.error().code == ErrorCode::kNotFound
            ? "; give it one with 'docker context update " + context + " --docker host=...'"
            : "; fix the file, or remove and recreate the context with "
              "'docker context rm' and 'docker context create'";
    return make_error(ErrorCode::kUsage,
                      path + " of " + which + " " + endpoint.error().message + remedy);
  }
  const std::string tls_dir = config_dir + "/contexts/tls/" + directory + "/docker";
  struct stat info {};
  if (::stat(tls_dir.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    endpoint->tls_dir = tls_dir;
  }
  return endpoint;
}

std::vector<std::pair<std::string, std::string>> list_contexts(const std::string& config_dir) {
  std::vector<std::pair<std::string, std::string>> contexts;
  const std::string root = config_dir + "/contexts/meta";
  DIR* dir = ::opendir(root.c_str());
  if (dir == nullptr) {
    return contexts;
  }
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') {
      continue;
    }
    const RegularFileRead file = read_docker_file(meta_path(config_dir, entry->d_name));
    rapidjson::Document document;
    document.Parse(file.bytes.data(), file.bytes.size());
    if (file.error != 0 || document.HasParseError() || !document.IsObject()) {
      continue;
    }
    const rapidjson::Value* name = member(document, "Name");
    if (name == nullptr || !name->IsString()) {
      continue;
    }
    const auto endpoint = docker_endpoint_of(document);
    contexts.emplace_back(name->GetString(), endpoint ? endpoint->host : "");
  }
  ::closedir(dir);
  std::sort(contexts.begin(), contexts.end());
  return contexts;
}

}  // namespace ipa
