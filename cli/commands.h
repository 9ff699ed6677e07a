// The silt CLI's client commands: query, labels, ingest, trace. Each returns
// the process exit code (0 ok, 1 failure, 2 usage).
#pragma once

#include <string>
#include <vector>

namespace silt::cli {

int RunQuery(const std::vector<std::string>& args);
int RunLabels(const std::vector<std::string>& args);
int RunIngest(const std::vector<std::string>& args);
int RunTrace(const std::vector<std::string>& args);

}  // namespace silt::cli
