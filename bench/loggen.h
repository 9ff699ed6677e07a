// Deterministic generator of realistic Kubernetes container logs, one JSON
// object per line (NDJSON), for benchmarks and load tests.
//
// Ten services, each with its own log style (Go zap, Java logback, Python
// structlog, Node behind a Fluent Bit `kubernetes` envelope), message
// templates, namespace, pods and level mix. About 60% of lines belong to a
// request trace (`trace_id` 32 hex + `span_id` 16 hex, or `traceId`/`spanId`
// in the Java style); a request walks over several services, so its lines are
// spread over consecutive lines of different streams, interleaved with other
// requests. About 0.5% of lines carry a secret (email, Luhn-valid card number,
// `password=` in a URL query, a Bearer JWT, an AWS access key id). Exactly one
// line in `malformed_every` is not JSON (truncated JSON or plain text).
// Timestamps (RFC3339, ns or us precision) strictly increase from
// `start_ns`, so no two lines are identical.
//
// The same options give the same bytes on every machine: the only source of
// randomness is a xoshiro256** seeded from `seed`.
//
// Label fields follow silt's default label paths: service (`service` or
// `kubernetes.labels.app`), namespace (`namespace` or
// `kubernetes.namespace_name`), pod, container, level (`level` or
// `severity`; spelled "INFO", "warning", ... by style).
//
// Not thread-safe; use one generator per thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace silt::bench {

struct LogGenOptions {
  uint64_t seed = 42;
  int64_t start_ns = 1714564800000000000;  // 2024-05-01T12:00:00Z
  // Gap between consecutive lines: uniform in [1us, 2 * mean_step_ns].
  int64_t mean_step_ns = 300000;
  // Line i (0-based) is malformed iff i % malformed_every == a seed-derived
  // offset in [0, malformed_every). 0 disables malformed lines.
  uint32_t malformed_every = 10000;
  double trace_fraction = 0.6;     // lines that belong to a request trace
  double secret_fraction = 0.005;  // lines that carry one secret
};

// What a generated stream contains; what a benchmark checks its answer with.
struct LogGenCounts {
  uint64_t lines = 0;
  uint64_t bytes = 0;  // including the '\n' of every line
  uint64_t malformed = 0;
  uint64_t with_trace = 0;   // well-formed lines with a trace id
  uint64_t with_secret = 0;  // well-formed lines with one secret
  // Well-formed lines per (service, level) label values; levels are silt's
  // normalised names: "debug", "info", "warn", "error".
  std::map<std::pair<std::string, std::string>, uint64_t> per_service_level;

  uint64_t PerLevel(std::string_view level) const;
  uint64_t PerService(std::string_view service) const;
};

class LogGenerator {
 public:
  explicit LogGenerator(const LogGenOptions& options = {});
  ~LogGenerator();
  LogGenerator(const LogGenerator&) = delete;
  LogGenerator& operator=(const LogGenerator&) = delete;

  // Appends the next line, with its trailing '\n', to *out.
  void Next(std::string* out);
  // Appends the next n lines to *out.
  void Generate(uint64_t n, std::string* out);
  // Counts of everything generated so far.
  LogGenCounts counts() const;

  // The service label values, in a fixed order.
  static std::vector<std::string> Services();

 private:
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

// n lines for `options`; *counts (if not null) receives their counts.
std::string GenerateLogs(uint64_t n, const LogGenOptions& options = {},
                         LogGenCounts* counts = nullptr);

}  // namespace silt::bench
