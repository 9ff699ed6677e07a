// silt trace ID: every entry of one trace, all services, as a timeline.
#include <simdjson.h>

#include <cstdio>

#include "absl/strings/numbers.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/http_client.h"
#include "common/time_util.h"

namespace silt::cli {
namespace {

const char* kTraceUsage =
    "usage: silt trace [--addr URL] [--tenant T] [--from T] [--to T] "
    "[--output table|jsonl] TRACE_ID\n";

std::string Label(simdjson::dom::object labels, const char* name) {
  std::string_view v;
  if (labels[name].get(v)) return "-";
  return std::string(v);
}

// "+1.234s" from the first entry; milliseconds below a minute.
std::string Offset(int64_t ns) {
  char buf[32];
  if (ns < 60'000'000'000LL) {
    std::snprintf(buf, sizeof(buf), "+%.3fs", static_cast<double>(ns) / 1e9);
  } else {
    std::snprintf(buf, sizeof(buf), "+%lldm%06.3fs",
                  static_cast<long long>(ns / 60'000'000'000LL),
                  static_cast<double>(ns % 60'000'000'000LL) / 1e9);
  }
  return buf;
}

}  // namespace

int RunTrace(const std::vector<std::string>& args) {
  Flags flags;
  flags.Define("addr", DefaultAddr());
  flags.Define("tenant", "");
  flags.Define("from", "");
  flags.Define("to", "");
  flags.Define("output", "table");
  std::vector<std::string> rest;
  if (!flags.Parse(args, &rest) || rest.size() != 1 || rest[0].empty()) {
    std::fprintf(stderr, "%s%s", flags.error().c_str(), kTraceUsage);
    return 2;
  }
  const std::string output = flags.Get("output");
  if (output != "table" && output != "jsonl") {
    std::fprintf(stderr, "--output must be table or jsonl\n%s", kTraceUsage);
    return 2;
  }
  auto ep = ParseAddr(flags.Get("addr"));
  if (!ep.ok()) {
    std::fprintf(stderr, "%s\n", std::string(ep.status().message()).c_str());
    return 2;
  }
  std::string target = "/api/v1/trace/" + UrlEncode(rest[0]);
  std::string sep = "?";
  for (const char* bound : {"from", "to"}) {
    if (flags.Get(bound).empty()) continue;
    auto t = ParseLokiTime(flags.Get(bound));
    if (!t.ok()) {
      std::fprintf(stderr, "--%s: %s\n", bound,
                   std::string(t.status().message()).c_str());
      return 2;
    }
    target += sep + (bound == std::string("from") ? "start=" : "end=") +
              std::to_string(*t);
    sep = "&";
  }
  std::vector<std::pair<std::string, std::string>> headers;
  if (!flags.Get("tenant").empty()) {
    headers.emplace_back("X-Scope-OrgID", flags.Get("tenant"));
  }
  auto reply = HttpCall(*ep, "GET", target, "", headers);
  if (!reply.ok()) {
    std::fprintf(stderr, "silt trace: %s\n",
                 std::string(reply.status().message()).c_str());
    return 1;
  }
  if (reply->status != 200) {
    std::fprintf(stderr, "silt trace: %d: %s\n", reply->status,
                 reply->body.c_str());
    return 1;
  }
  simdjson::dom::parser parser;
  simdjson::dom::array entries;
  if (parser.parse(reply->body)["data"]["entries"].get(entries)) {
    std::fprintf(stderr, "silt trace: unexpected answer: %s\n",
                 reply->body.c_str());
    return 1;
  }
  if (entries.size() == 0) {
    std::fprintf(stderr, "silt trace: no entries for trace %s\n",
                 rest[0].c_str());
    return 1;
  }
  int64_t first = -1;
  for (simdjson::dom::element e : entries) {
    std::string_view ts_text, line;
    simdjson::dom::object stream;
    int64_t ts = 0;
    if (e["ts"].get(ts_text) || e["line"].get(line) ||
        e["stream"].get(stream) ||
        !absl::SimpleAtoi(absl::string_view(ts_text.data(), ts_text.size()),
                          &ts)) {
      continue;
    }
    if (first < 0) first = ts;
    if (output == "jsonl") {
      std::printf("%s\n", simdjson::minify(e).c_str());
      continue;
    }
    std::printf("%-10s %-24s %-16s %-5s %.*s\n", Offset(ts - first).c_str(),
                FormatRfc3339Nanos(ts).c_str(),
                Label(stream, "service").c_str(),
                Label(stream, "level").c_str(), static_cast<int>(line.size()),
                line.data());
  }
  return 0;
}

}  // namespace silt::cli
