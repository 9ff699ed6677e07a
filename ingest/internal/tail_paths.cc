#include "ingest/internal/tail_paths.h"

#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>

namespace silt::ingest::internal {
namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Labels Kube(std::string_view ns, std::string_view pod,
            std::string_view container) {
  Labels l = {{"container", std::string(container)},
              {"namespace", std::string(ns)},
              {"pod", std::string(pod)}};
  Canonicalize(&l);
  return l;
}

bool HasWildcard(std::string_view s) {
  return s.find_first_of("*?[") != std::string_view::npos;
}

}  // namespace

Labels PathLabels(const std::string& path) {
  std::vector<std::string_view> parts = Split(path, '/');
  const size_t n = parts.size();
  // .../pods/<ns>_<pod>_<uid>/<container>/<file>
  if (n >= 4 && parts[n - 4] == "pods") {
    std::vector<std::string_view> f = Split(parts[n - 3], '_');
    std::string_view file = parts[n - 1];
    if (f.size() == 3 && !f[0].empty() && !f[1].empty() &&
        !parts[n - 2].empty() && file.find(".log") != std::string_view::npos) {
      return Kube(f[0], f[1], parts[n - 2]);
    }
  }
  // .../containers/<pod>_<ns>_<container>-<id>.log
  if (n >= 2 && parts[n - 2] == "containers") {
    std::string_view file = parts[n - 1];
    size_t dot = file.find(".log");
    if (dot != std::string_view::npos) {
      std::vector<std::string_view> f = Split(file.substr(0, dot), '_');
      if (f.size() == 3) {
        size_t dash = f[2].rfind('-');
        if (dash != std::string_view::npos && dash > 0 &&
            f[2].size() - dash - 1 == 64 && IsHex(f[2].substr(dash + 1)) &&
            !f[0].empty() && !f[1].empty()) {
          return Kube(f[1], f[0], f[2].substr(0, dash));
        }
      }
    }
  }
  return Labels{{"filename", path}};
}

bool IsCompressedName(std::string_view path) {
  for (std::string_view ext : {".gz", ".bz2", ".xz", ".zst", ".zip", ".tgz"}) {
    if (path.size() >= ext.size() &&
        path.substr(path.size() - ext.size()) == ext) {
      return true;
    }
  }
  return false;
}

static std::vector<std::string> Glob(const std::string& pattern, bool dirs) {
  std::vector<std::string> out;
  glob_t g{};
  int flags = dirs ? GLOB_ONLYDIR : 0;
  if (glob(pattern.c_str(), flags, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) {
      struct stat st;
      if (stat(g.gl_pathv[i], &st) != 0) continue;
      if (dirs ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)) {
        out.emplace_back(g.gl_pathv[i]);
      }
    }
  }
  globfree(&g);
  return out;
}

std::vector<std::string> GlobFiles(const std::string& pattern) {
  return Glob(pattern, false);
}

std::vector<std::string> GlobWatchDirs(const std::string& pattern) {
  std::vector<std::string> out;
  size_t slash = pattern.rfind('/');
  std::string dir = slash == std::string::npos ? "." : pattern.substr(0, slash);
  if (dir.empty()) dir = "/";
  std::vector<std::string_view> parts = Split(dir, '/');
  std::string prefix;
  bool wild = false;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) prefix += '/';
    prefix += parts[i];
    if (!wild && HasWildcard(parts[i])) {
      // The literal directory above the first wildcard.
      std::string literal = prefix.substr(0, prefix.size() - parts[i].size());
      if (literal.size() > 1 && literal.back() == '/') literal.pop_back();
      if (literal.empty()) literal = "/";
      out.push_back(literal);
      wild = true;
    }
    if (wild) {
      for (std::string& d : Glob(prefix, true)) out.push_back(std::move(d));
    }
  }
  if (!wild) out.push_back(dir);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool MatchesAny(const std::vector<std::string>& patterns,
                const std::string& path) {
  for (const std::string& p : patterns) {
    if (fnmatch(p.c_str(), path.c_str(), 0) == 0) return true;
  }
  return false;
}

}  // namespace silt::ingest::internal
