#include "tests/integration/integration_util.h"

#include <simdjson.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "tests/testing/http_client.h"

namespace silt::testing {

Reply Http(uint16_t port, const std::string& method, const std::string& target,
           const std::string& body,
           std::vector<std::pair<std::string, std::string>> headers) {
  std::map<std::string, std::string> h(headers.begin(), headers.end());
  auto r = method == "GET" ? HttpGet("127.0.0.1", port, target, h)
                           : HttpPost("127.0.0.1", port, target, body, h);
  if (!r.ok()) return Reply{0, std::string(r.status().message())};
  return Reply{r->status, r->body};
}

std::string Esc(const std::string& s) { return UrlEncode(s); }

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::map<std::string, int64_t> CountBy(uint16_t port,
                                       const std::string& selector,
                                       const std::string& label,
                                       int64_t start_ns, int64_t end_ns,
                                       const std::string& tenant) {
  std::map<std::string, int64_t> out;
  std::vector<std::pair<std::string, std::string>> headers;
  if (!tenant.empty()) headers.emplace_back("X-Scope-OrgID", tenant);
  int64_t start = start_ns;
  simdjson::dom::parser parser;
  while (true) {
    Reply r = Http(port, "GET",
                   "/loki/api/v1/query_range?query=" + Esc(selector) +
                       "&start=" + std::to_string(start) + "&end=" +
                       std::to_string(end_ns) + "&limit=5000&direction=forward",
                   "", headers);
    if (r.status != 200) {
      out["__error__"] = -1;
      return out;
    }
    simdjson::dom::array result;
    if (parser.parse(r.body)["data"]["result"].get(result)) {
      out["__error__"] = -1;
      return out;
    }
    int64_t got = 0, max_ts = start;
    for (simdjson::dom::element stream : result) {
      std::string value;
      std::string_view v;
      if (!stream["stream"][label].get(v)) value = std::string(v);
      simdjson::dom::array values;
      if (stream["values"].get(values)) continue;
      for (simdjson::dom::element e : values) {
        std::string_view ts;
        if (e.at(0).get(ts)) continue;
        int64_t ns = std::strtoll(std::string(ts).c_str(), nullptr, 10);
        if (ns > max_ts) max_ts = ns;
        ++out[value];
        ++got;
      }
    }
    if (got < 5000) return out;
    start = max_ts + 1;
  }
}

Corpus MakeCorpus(int lines, int64_t base_ns, const std::string& tag) {
  static const char* kServices[] = {"api", "checkout", "payments", "search",
                                    "auth"};
  static const char* kLevels[] = {"info", "debug", "warn", "error"};
  Corpus c;
  c.base_ns = base_ns;
  c.text.reserve(static_cast<size_t>(lines) * 140);
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < lines; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const char* svc = kServices[x % 5];
    // Skewed levels: mostly info.
    int lv = (x >> 8) % 10;
    const char* level = kLevels[lv < 6 ? 0 : lv < 8 ? 1 : lv < 9 ? 2 : 3];
    int64_t ts = base_ns + static_cast<int64_t>(i) * 1000;
    c.last_ns = ts;
    c.text += "{\"ts\":" + std::to_string(ts) + ",\"service\":\"" + svc +
              "\",\"level\":\"" + level + "\",\"msg\":\"request " +
              std::to_string(i) + " done" + tag +
              "\",\"duration_ms\":" + std::to_string(x % 1000) +
              ",\"http\":{\"status\":" + std::to_string(200 + (x % 5) * 100) +
              "}}\n";
    ++c.per_service[svc];
    ++c.per_level[level];
  }
  return c;
}

double MetricValue(const std::string& text, const std::string& prefix) {
  double sum = 0;
  bool found = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind(prefix, 0) != 0) continue;
    size_t sp = line.rfind(' ');
    sum += std::atof(line.c_str() + sp + 1);
    found = true;
  }
  return found ? sum : -1;
}

bool WaitReceived(uint16_t port, const std::string& input, int64_t n) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    Reply r = Http(port, "GET", "/metrics");
    double v = MetricValue(
        r.body, "silt_lines_received_total{input=\"" + input + "\"}");
    if (v >= static_cast<double>(n)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace silt::testing
