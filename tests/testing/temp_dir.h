// A temporary directory for a test: created under /tmp (or $TMPDIR) with
// mkdtemp, removed with everything in it when the object goes away.
#pragma once

#include <string>

namespace silt::testing {

class TempDir {
 public:
  TempDir();   // aborts the test binary if the directory cannot be made
  ~TempDir();  // recursive delete; errors are ignored
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string File(const std::string& name) const;

 private:
  std::string path_;
};

}  // namespace silt::testing
