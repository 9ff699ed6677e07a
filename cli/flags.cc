#include "cli/flags.h"

#include <cstdlib>

namespace silt::cli {

std::string DefaultAddr() {
  const char* env = std::getenv("SILT_ADDR");
  return env && *env ? env : "http://127.0.0.1:3100";
}

bool Flags::Parse(const std::vector<std::string>& args,
                  std::vector<std::string>* rest) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      rest->insert(rest->end(), args.begin() + i + 1, args.end());
      return true;
    }
    if (a.size() < 3 || a.rfind("--", 0) != 0) {
      rest->push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool has_value = false;
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (bools_.count(name)) {
      bools_[name] = !has_value || value == "true" || value == "1";
      continue;
    }
    if (!values_.count(name)) {
      error_ = "unknown flag --" + name + "\n";
      return false;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        error_ = "flag --" + name + " needs a value\n";
        return false;
      }
      value = args[++i];
    }
    values_[name] = value;
  }
  return true;
}

}  // namespace silt::cli
