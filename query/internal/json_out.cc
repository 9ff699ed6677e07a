#include "query/internal/json_out.h"

#include <cmath>
#include <cstdio>

#include "common/log.h"

namespace silt::query {

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  AppendJsonEscaped(out, s);
  out->push_back('"');
}

void AppendLabelsObject(std::string* out, const Labels& labels) {
  out->push_back('{');
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(out, name);
    out->push_back(':');
    AppendJsonString(out, value);
  }
  out->push_back('}');
}

void AppendStats(std::string* out, const QueryStats& s) {
  double secs = s.exec_seconds > 0 ? s.exec_seconds : 1e-9;
  char buf[512];
  std::snprintf(
      buf, sizeof(buf),
      "\"stats\":{\"summary\":{\"bytesProcessedPerSecond\":%llu,"
      "\"linesProcessedPerSecond\":%llu,\"totalBytesProcessed\":%llu,"
      "\"totalLinesProcessed\":%llu,\"execTime\":%.9f,\"queueTime\":0,"
      "\"subqueries\":0,\"totalEntriesReturned\":%llu}}",
      static_cast<unsigned long long>(s.bytes_scanned / secs),
      static_cast<unsigned long long>(s.entries_scanned / secs),
      static_cast<unsigned long long>(s.bytes_scanned),
      static_cast<unsigned long long>(s.entries_scanned), s.exec_seconds,
      static_cast<unsigned long long>(s.entries_returned));
  out->append(buf);
}

std::string StreamsBody(const std::vector<LogStream>& streams,
                        const QueryStats& stats) {
  std::string out;
  size_t bytes = 256;
  for (const auto& s : streams) {
    for (const auto& e : s.entries) bytes += e.line.size() + 40;
  }
  out.reserve(bytes);
  out +=
      "{\"status\":\"success\",\"data\":{\"resultType\":\"streams\",\"result\":"
      "[";
  for (size_t i = 0; i < streams.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"stream\":";
    AppendLabelsObject(&out, streams[i].labels);
    out += ",\"values\":[";
    bool first = true;
    for (const LogEntry& e : streams[i].entries) {
      if (!first) out += ',';
      first = false;
      out += "[\"";
      out += std::to_string(e.ts_ns);
      out += "\",";
      AppendJsonString(&out, e.line);
      // Structured metadata is stored as a compact JSON object already.
      if (e.metadata.size() > 2 && e.metadata.front() == '{') {
        out += ',';
        out += e.metadata;
      }
      out += ']';
    }
    out += "]}";
  }
  out += "],";
  AppendStats(&out, stats);
  out += "}}";
  return out;
}

std::string StringListBody(const std::vector<std::string>& values) {
  std::string out = "{\"status\":\"success\",\"data\":[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(&out, values[i]);
  }
  out += "]}";
  return out;
}

std::string SeriesBody(const std::vector<Labels>& series) {
  std::string out = "{\"status\":\"success\",\"data\":[";
  for (size_t i = 0; i < series.size(); ++i) {
    if (i > 0) out += ',';
    AppendLabelsObject(&out, series[i]);
  }
  out += "]}";
  return out;
}

std::string FormatSampleValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  // Shortest form that reads back to the same double, as Go's
  // strconv.FormatFloat(v, 'f', -1, 64) would for typical values.
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find('e') != std::string::npos && std::fabs(v) < 1e21 &&
      std::fabs(v) >= 1e-4) {
    std::snprintf(buf, sizeof(buf), "%.6f", v);
    s = buf;
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

void AppendSampleTime(std::string* out, int64_t ts_ns) {
  int64_t ms = ts_ns / 1'000'000;
  int64_t secs = ms / 1000;
  int64_t frac = ms % 1000;
  *out += std::to_string(secs);
  if (frac != 0) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), ".%03lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    *out += f;
  }
}

}  // namespace silt::query
