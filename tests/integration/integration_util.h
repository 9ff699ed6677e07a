// Helpers shared by the integration tests: an HTTP call to a running silt,
// counting a query's entries by paging through query_range, and a
// deterministic corpus with known per-label counts.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace silt::testing {

struct Reply {
  int status = 0;  // 0: could not connect
  std::string body;
};

Reply Http(uint16_t port, const std::string& method, const std::string& target,
           const std::string& body = "",
           std::vector<std::pair<std::string, std::string>> headers = {});

std::string Esc(const std::string& s);  // URL-encode

// Every entry matching `selector` in [start_ns, end_ns), counted by the
// value of `label` in the stream labels ("" if absent), by paging forward
// through query_range (limit 5000). -1 in "__error__" on an HTTP error.
std::map<std::string, int64_t> CountBy(uint16_t port,
                                       const std::string& selector,
                                       const std::string& label,
                                       int64_t start_ns, int64_t end_ns,
                                       const std::string& tenant = "");

// A deterministic NDJSON corpus: `lines` JSON lines over 5 services and 4
// levels, unique nanosecond timestamps from `base_ns` (1 µs apart).
struct Corpus {
  std::string text;
  std::map<std::string, int64_t> per_service;
  std::map<std::string, int64_t> per_level;
  int64_t base_ns = 0;
  int64_t last_ns = 0;
};
Corpus MakeCorpus(int lines, int64_t base_ns, const std::string& tag = "");

// Value of a Prometheus sample line `name{labels} value`, summed over the
// samples whose text starts with `prefix`. -1 if none.
double MetricValue(const std::string& metrics_text, const std::string& prefix);

// Polls /metrics until silt_lines_received_total{input=...} >= n (30 s).
bool WaitReceived(uint16_t port, const std::string& input, int64_t n);

int64_t NowNs();

}  // namespace silt::testing
