// Minimal --name value / --name=value / --bool flag parsing for the CLI's
// client commands. Not thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace silt::cli {

// $SILT_ADDR, else http://127.0.0.1:3100.
std::string DefaultAddr();

class Flags {
 public:
  void Define(const std::string& name, const std::string& default_value) {
    values_[name] = default_value;
  }
  void DefineBool(const std::string& name) { bools_[name] = false; }
  // Fills `rest` with positional arguments. False with error() on a bad flag.
  bool Parse(const std::vector<std::string>& args,
             std::vector<std::string>* rest);
  const std::string& Get(const std::string& name) const {
    return values_.at(name);
  }
  bool GetBool(const std::string& name) const { return bools_.at(name); }
  const std::string& error() const { return error_; }

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> bools_;
  std::string error_;
};

}  // namespace silt::cli
