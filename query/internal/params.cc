#include "query/internal/params.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "common/time_util.h"

namespace silt::query {
const std::string* GetParam(const Params& params, const char* name) {
  auto it = params.find(name);
  if (it == params.end() || it->second.empty()) return nullptr;
  return &it->second;
}

absl::StatusOr<int64_t> TimeParam(const Params& params, const char* name,
                                  int64_t dflt) {
  const std::string* v = GetParam(params, name);
  if (v == nullptr) return dflt;
  auto t = ParseLokiTime(*v);
  if (!t.ok()) {
    return absl::InvalidArgumentError(
        "invalid parameter \"" + std::string(name) +
        "\": " + std::string(t.status().message()));
  }
  return *t;
}

absl::StatusOr<TimeBounds> ParseBounds(const Params& params, int64_t now_ns,
                                       int64_t default_since_ns) {
  int64_t since = default_since_ns;
  if (const std::string* s = GetParam(params, "since")) {
    auto d = ParseDuration(*s);
    if (!d.ok()) {
      return absl::InvalidArgumentError("invalid parameter \"since\": " +
                                        std::string(d.status().message()));
    }
    since = *d;
  }
  TimeBounds b;
  auto end = TimeParam(params, "end", now_ns);
  if (!end.ok()) return end.status();
  b.end_ns = *end;
  // A future end would push the default start forward; Loki anchors the
  // look-back at now in that case.
  auto start = TimeParam(params, "start", std::min(b.end_ns, now_ns) - since);
  if (!start.ok()) return start.status();
  b.start_ns = *start;
  if (b.end_ns < b.start_ns) {
    return absl::InvalidArgumentError(
        "end timestamp must not be before or equal to start time");
  }
  return b;
}

absl::StatusOr<size_t> ParseLimit(const Params& params, size_t max_limit) {
  const std::string* v = GetParam(params, "limit");
  if (v == nullptr) return std::min<size_t>(100, max_limit);
  char* end = nullptr;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (end != v->c_str() + v->size()) {
    return absl::InvalidArgumentError("invalid parameter \"limit\": \"" + *v +
                                      "\" is not an integer");
  }
  if (n <= 0) {
    return absl::InvalidArgumentError("limit must be a positive value");
  }
  if (static_cast<unsigned long long>(n) > max_limit) {
    return absl::InvalidArgumentError(
        "max entries limit per query exceeded, limit > max_entries_limit (" +
        std::to_string(n) + " > " + std::to_string(max_limit) + ")");
  }
  return static_cast<size_t>(n);
}

absl::StatusOr<bool> ParseBackward(const Params& params) {
  const std::string* v = GetParam(params, "direction");
  if (v == nullptr) return true;
  std::string d = absl::AsciiStrToLower(*v);
  if (d == "backward") return true;
  if (d == "forward") return false;
  return absl::InvalidArgumentError("invalid direction \"" + *v +
                                    "\": expecting forward or backward");
}

absl::StatusOr<int64_t> ParseStep(const Params& params,
                                  const TimeBounds& bounds) {
  const std::string* v = GetParam(params, "step");
  if (v == nullptr) {
    int64_t secs = (bounds.end_ns - bounds.start_ns) / 1'000'000'000 / 250;
    return std::max<int64_t>(secs, 1) * 1'000'000'000;
  }
  auto d = ParseDuration(*v);
  if (!d.ok()) {
    return absl::InvalidArgumentError("invalid parameter \"step\": " +
                                      std::string(d.status().message()));
  }
  if (*d <= 0) {
    return absl::InvalidArgumentError(
        "zero or negative query resolution step widths are not accepted. "
        "Try a positive integer");
  }
  if ((bounds.end_ns - bounds.start_ns) / *d > 11000) {
    return absl::InvalidArgumentError(
        "exceeded maximum resolution of 11,000 points per timeseries. Try "
        "decreasing the query resolution (?step=XX)");
  }
  return *d;
}

}  // namespace silt::query
