#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/http_client.h"
#include "common/log.h"
#include "common/time_util.h"

namespace silt::cli {
namespace {

struct Line {
  int64_t ts;
  std::string labels;  // {a="b"}
  std::string labels_json;
  std::string line;
};

const char* kQueryUsage =
    "usage: silt query [--addr URL] [--tenant T] [--since 1h | --from T --to "
    "T]\n"
    "                  [--limit N] [--forward] [--output raw|jsonl|table] "
    "'LOGQL'\n";

int PrintStreams(simdjson::dom::array result, const std::string& output,
                 bool forward) {
  std::vector<Line> lines;
  for (simdjson::dom::element stream : result) {
    simdjson::dom::object labels;
    if (stream["stream"].get(labels)) continue;
    std::string text = "{", json = "{";
    bool first = true;
    for (auto [k, v] : labels) {
      std::string_view val;
      if (v.get(val)) continue;
      if (!first) {
        text += ", ";
        json += ",";
      }
      first = false;
      text += std::string(k) + "=\"" + std::string(val) + "\"";
      json += "\"";
      AppendJsonEscaped(&json, k);
      json += "\":\"";
      AppendJsonEscaped(&json, val);
      json += "\"";
    }
    text += "}";
    json += "}";
    simdjson::dom::array values;
    if (stream["values"].get(values)) continue;
    for (simdjson::dom::element v : values) {
      std::string_view ts, line;
      if (v.at(0).get(ts) || v.at(1).get(line)) continue;
      int64_t ns = 0;
      if (!absl::SimpleAtoi(absl::string_view(ts.data(), ts.size()), &ns))
        continue;
      lines.push_back(Line{ns, text, json, std::string(line)});
    }
  }
  std::stable_sort(lines.begin(), lines.end(),
                   [&](const Line& a, const Line& b) {
                     return forward ? a.ts < b.ts : a.ts > b.ts;
                   });
  for (const Line& l : lines) {
    if (output == "raw") {
      std::printf("%s\n", l.line.c_str());
    } else if (output == "jsonl") {
      std::string out = "{\"ts\":\"" + FormatRfc3339Nanos(l.ts) +
                        "\",\"labels\":" + l.labels_json + ",\"line\":\"";
      AppendJsonEscaped(&out, l.line);
      out += "\"}";
      std::printf("%s\n", out.c_str());
    } else {
      std::printf("%s %s %s\n", FormatRfc3339Nanos(l.ts).c_str(),
                  l.labels.c_str(), l.line.c_str());
    }
  }
  return 0;
}

int PrintMatrix(simdjson::dom::array result, bool vector) {
  for (simdjson::dom::element series : result) {
    simdjson::dom::object metric;
    std::string name = "{";
    if (!series["metric"].get(metric)) {
      bool first = true;
      for (auto [k, v] : metric) {
        std::string_view val;
        if (v.get(val)) continue;
        if (!first) name += ", ";
        first = false;
        name += std::string(k) + "=\"" + std::string(val) + "\"";
      }
    }
    name += "}";
    auto print = [&](simdjson::dom::element pair) {
      double t = 0;
      std::string_view val;
      if (pair.at(0).get(t) || pair.at(1).get(val)) return;
      std::printf("%s %s %.*s\n",
                  FormatRfc3339Nanos(static_cast<int64_t>(t * 1e9)).c_str(),
                  name.c_str(), static_cast<int>(val.size()), val.data());
    };
    if (vector) {
      simdjson::dom::element v;
      if (!series["value"].get(v)) print(v);
    } else {
      simdjson::dom::array values;
      if (series["values"].get(values)) continue;
      for (simdjson::dom::element v : values) print(v);
    }
  }
  return 0;
}

}  // namespace

int RunQuery(const std::vector<std::string>& args) {
  Flags flags;
  flags.Define("addr", DefaultAddr());
  flags.Define("tenant", "");
  flags.Define("since", "1h");
  flags.Define("from", "");
  flags.Define("to", "");
  flags.Define("limit", "100");
  flags.Define("output", "table");
  flags.DefineBool("forward");
  std::vector<std::string> rest;
  if (!flags.Parse(args, &rest) || rest.size() != 1) {
    std::fprintf(stderr, "%s%s", flags.error().c_str(), kQueryUsage);
    return 2;
  }
  std::string output = flags.Get("output");
  if (output != "raw" && output != "jsonl" && output != "table") {
    std::fprintf(stderr, "--output must be raw, jsonl or table\n%s",
                 kQueryUsage);
    return 2;
  }
  auto ep = ParseAddr(flags.Get("addr"));
  if (!ep.ok()) {
    std::fprintf(stderr, "%s\n", std::string(ep.status().message()).c_str());
    return 2;
  }
  int64_t end = NowNanos(), start;
  if (!flags.Get("to").empty()) {
    auto t = ParseLokiTime(flags.Get("to"));
    if (!t.ok()) {
      std::fprintf(stderr, "--to: %s\n",
                   std::string(t.status().message()).c_str());
      return 2;
    }
    end = *t;
  }
  if (!flags.Get("from").empty()) {
    auto t = ParseLokiTime(flags.Get("from"));
    if (!t.ok()) {
      std::fprintf(stderr, "--from: %s\n",
                   std::string(t.status().message()).c_str());
      return 2;
    }
    start = *t;
  } else {
    auto d = ParseDuration(flags.Get("since"));
    if (!d.ok()) {
      std::fprintf(stderr, "--since: %s\n",
                   std::string(d.status().message()).c_str());
      return 2;
    }
    start = end - *d;
  }
  bool forward = flags.GetBool("forward");
  std::string target = absl::StrCat(
      "/loki/api/v1/query_range?query=", UrlEncode(rest[0]), "&start=", start,
      "&end=", end, "&limit=", UrlEncode(flags.Get("limit")),
      "&direction=", forward ? "forward" : "backward");
  std::vector<std::pair<std::string, std::string>> headers;
  if (!flags.Get("tenant").empty()) {
    headers.emplace_back("X-Scope-OrgID", flags.Get("tenant"));
  }
  auto reply = HttpCall(*ep, "GET", target, "", headers);
  if (!reply.ok()) {
    std::fprintf(stderr, "silt query: %s\n",
                 std::string(reply.status().message()).c_str());
    return 1;
  }
  if (reply->status != 200) {
    std::fprintf(stderr, "silt query: %d: %s\n", reply->status,
                 reply->body.c_str());
    return 1;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(reply->body).get(doc)) {
    std::fprintf(stderr, "silt query: the answer is not JSON\n");
    return 1;
  }
  std::string_view type;
  simdjson::dom::array result;
  if (doc["data"]["resultType"].get(type) ||
      doc["data"]["result"].get(result)) {
    std::fprintf(stderr, "silt query: unexpected answer: %s\n",
                 reply->body.c_str());
    return 1;
  }
  if (type == "streams") return PrintStreams(result, output, forward);
  return PrintMatrix(result, type == "vector");
}

int RunLabels(const std::vector<std::string>& args) {
  Flags flags;
  flags.Define("addr", DefaultAddr());
  flags.Define("tenant", "");
  flags.Define("since", "6h");
  std::vector<std::string> rest;
  if (!flags.Parse(args, &rest) || rest.size() > 1) {
    std::fprintf(stderr,
                 "%susage: silt labels [--addr URL] [--tenant T] "
                 "[--since 6h] [NAME]\n",
                 flags.error().c_str());
    return 2;
  }
  auto ep = ParseAddr(flags.Get("addr"));
  auto since = ParseDuration(flags.Get("since"));
  if (!ep.ok() || !since.ok()) {
    std::fprintf(stderr, "silt labels: bad --addr or --since\n");
    return 2;
  }
  int64_t end = NowNanos();
  std::string target =
      rest.empty() ? "/loki/api/v1/labels"
                   : "/loki/api/v1/label/" + UrlEncode(rest[0]) + "/values";
  absl::StrAppend(&target, "?start=", end - *since, "&end=", end);
  std::vector<std::pair<std::string, std::string>> headers;
  if (!flags.Get("tenant").empty()) {
    headers.emplace_back("X-Scope-OrgID", flags.Get("tenant"));
  }
  auto reply = HttpCall(*ep, "GET", target, "", headers);
  if (!reply.ok()) {
    std::fprintf(stderr, "silt labels: %s\n",
                 std::string(reply.status().message()).c_str());
    return 1;
  }
  if (reply->status != 200) {
    std::fprintf(stderr, "silt labels: %d: %s\n", reply->status,
                 reply->body.c_str());
    return 1;
  }
  simdjson::dom::parser parser;
  simdjson::dom::array data;
  if (parser.parse(reply->body)["data"].get(data)) {
    std::fprintf(stderr, "silt labels: unexpected answer: %s\n",
                 reply->body.c_str());
    return 1;
  }
  for (simdjson::dom::element e : data) {
    std::string_view s;
    if (!e.get(s)) std::printf("%.*s\n", static_cast<int>(s.size()), s.data());
  }
  return 0;
}

}  // namespace silt::cli
