// Labels of a tailed file from its path: Kubernetes pod log paths give
// namespace, pod and container; any other path gives `filename`
// (ingest/tail_format.md). Also the glob helpers of the tail input.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/labels.h"

namespace silt::ingest::internal {

// /var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log[.<rotated suffix>]
// and /var/log/containers/<pod>_<ns>_<container>-<64 hex>.log; the
// directories may sit under any prefix (a hostPath mounted elsewhere).
// Otherwise {filename=path}. Canonical.
Labels PathLabels(const std::string& path);

// True for names of compressed files, which are never tailed.
bool IsCompressedName(std::string_view path);

// Regular files matching `pattern` (glob(3); sorted).
std::vector<std::string> GlobFiles(const std::string& pattern);

// The directories to watch so that new files under `pattern` are seen: the
// deepest directory without wildcards, then every directory matching each
// longer prefix of the pattern's directory part.
std::vector<std::string> GlobWatchDirs(const std::string& pattern);

// fnmatch(3) with FNM_PATHNAME off: `*` also crosses `/`, as Promtail's
// exclude globs do for `**`-less patterns.
bool MatchesAny(const std::vector<std::string>& patterns,
                const std::string& path);

}  // namespace silt::ingest::internal
