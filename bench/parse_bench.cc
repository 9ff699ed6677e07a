// BM_ParseBatch: the parse stage over a batch of realistic container log
// lines (250-400 byte JSON objects, ~14 fields, Kubernetes metadata nested,
// a trace id on most lines, 1% plain text). Checks the stream count and
// the rejects it expects. BM_SimdjsonWalkReference is the reference in the
// same run: simdjson On Demand touching every top-level field of the same
// lines and extracting nothing.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "common/labels.h"
#include "common/record_batch.h"
#include "parse/parser.h"

namespace silt::parse {
namespace {

constexpr int kLines = 16384;

struct Corpus {
  std::vector<std::string> lines;
  size_t bytes = 0;
  size_t expected_streams = 0;
  size_t expected_rejects = 0;
};

// Deterministic, so expectations can be computed while generating.
class Rng {
 public:
  uint32_t Next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state_ >> 33);
  }
  uint32_t Below(uint32_t n) { return Next() % n; }

 private:
  uint64_t state_ = 42;
};

const Corpus& GetCorpus() {
  static const Corpus* corpus = [] {
    auto* c = new Corpus;
    Rng rng;
    const char* kServices[] = {"checkout", "cart",    "payments", "search",
                               "frontend", "catalog", "shipping", "auth"};
    const char* kLevels[] = {"info", "info", "info", "debug", "warn", "error"};
    const char* kPaths[] = {"/api/v1/orders/", "/api/v1/cart/items/",
                            "/healthz",
                            "/api/v2/search?q=shoes&page=", "/static/js/app."};
    const char* kMsgs[] = {
        "request completed", "cache miss, loading from database",
        "user authenticated", "retrying upstream call after timeout",
        "payment declined by issuer: insufficient funds"};
    std::set<std::string> streams;
    bool text_stream = false;
    for (int i = 0; i < kLines; ++i) {
      if (rng.Below(100) == 0) {
        c->lines.push_back("panic: runtime error: index out of range [" +
                           std::to_string(i) + "] with length 3 goroutine " +
                           std::to_string(rng.Below(10000)) + " [running]");
        ++c->expected_rejects;
        text_stream = true;
        continue;
      }
      const int s = static_cast<int>(rng.Below(8));
      const std::string service = kServices[s];
      const std::string pod = service + "-7d9f8c6b5-" +
                              static_cast<char>('a' + rng.Below(3)) + "x2kq";
      const std::string level = kLevels[rng.Below(6)];
      const std::string ns = s < 4 ? "prod" : "staging";
      char ts[64];
      std::snprintf(ts, sizeof(ts), "2024-05-01T10:%02u:%02u.%09uZ",
                    rng.Below(60), rng.Below(60), rng.Below(1000000000));
      char trace[33];
      std::snprintf(trace, sizeof(trace), "%08x%08x%08x%08x", rng.Next(),
                    rng.Next(), rng.Next(), rng.Next());
      std::string line =
          "{\"time\":\"" + std::string(ts) + "\",\"level\":\"" + level +
          "\",\"msg\":\"" + kMsgs[rng.Below(5)] +
          "\",\"kubernetes\":{\"namespace_name\":\"" + ns +
          "\",\"pod_name\":\"" + pod +
          "\",\"container_name\":\"app\",\"labels\":{\"app\":\"" + service +
          "\"}}";
      if (rng.Below(10) != 0) {
        line += ",\"trace_id\":\"" + std::string(trace) + "\",\"span_id\":\"" +
                std::string(trace, 16) + "\"";
      }
      line += ",\"http\":{\"method\":\"GET\",\"path\":\"" +
              std::string(kPaths[rng.Below(5)]) +
              std::to_string(rng.Below(100000)) +
              "\",\"status\":" + std::to_string(200 + rng.Below(4) * 100) +
              "},\"duration_ms\":" + std::to_string(rng.Below(5000)) + "." +
              std::to_string(rng.Below(10)) +
              ",\"bytes\":" + std::to_string(rng.Below(1 << 20)) +
              ",\"caller\":\"handler.go:" + std::to_string(rng.Below(400)) +
              "\"}";
      Labels labels = {{"service", service},
                       {"namespace", ns},
                       {"pod", pod},
                       {"container", "app"},
                       {"level", level}};
      Canonicalize(&labels);
      streams.insert(LabelsToString(labels));
      c->lines.push_back(std::move(line));
    }
    for (const std::string& l : c->lines) c->bytes += l.size();
    c->expected_streams = streams.size() + (text_stream ? 1 : 0);
    return c;
  }();
  return *corpus;
}

void Fill(const Corpus& corpus, RecordBatch* batch) {
  batch->Reset();
  batch->input = "bench";
  batch->received_ns = 1714557600000000000;
  batch->fallback_labels = {{"job", "bench"}};
  for (const std::string& line : corpus.lines) batch->Append(line);
}

void BM_ParseBatch(benchmark::State& state) {
  const Corpus& corpus = GetCorpus();
  Parser parser;
  RecordBatch batch;
  for (auto _ : state) {
    state.PauseTiming();
    Fill(corpus, &batch);  // Parse fills columns; start each round clean
    state.ResumeTiming();
    parser.Parse(&batch);
  }
  size_t rejects = 0, traced = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch.record(i).reject != Reject::kNone) ++rejects;
    if (batch.record(i).trace_len != 0) ++traced;
  }
  if (batch.streams.size() != corpus.expected_streams ||
      rejects != corpus.expected_rejects || traced == 0 ||
      batch.record(0).ts_ns == batch.received_ns) {
    state.SkipWithError("wrong answer: streams/rejects/trace ids differ");
  }
  state.counters["streams"] = static_cast<double>(batch.streams.size());
  state.counters["lines"] = static_cast<double>(batch.size());
  state.counters["avg_line_bytes"] =
      static_cast<double>(corpus.bytes) / static_cast<double>(batch.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(corpus.bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(batch.size()));
}
BENCHMARK(BM_ParseBatch)->Unit(benchmark::kMillisecond);

// Reference: the floor simdjson itself sets on the same bytes.
void BM_SimdjsonWalkReference(benchmark::State& state) {
  const Corpus& corpus = GetCorpus();
  RecordBatch batch;
  Fill(corpus, &batch);
  simdjson::ondemand::parser parser;
  size_t objects = 0;
  for (auto _ : state) {
    objects = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      const Record& r = batch.record(i);
      simdjson::ondemand::document doc;
      if (parser
              .iterate(batch.arena_data() + r.offset, r.length,
                       batch.arena_bytes() + kBatchPadding - r.offset)
              .get(doc)) {
        continue;
      }
      simdjson::ondemand::object object;
      if (doc.get_object().get(object)) continue;
      size_t fields = 0;
      bool ok = true;
      for (auto field : object) {
        if (field.error()) {
          ok = false;
          break;
        }
        ++fields;
      }
      if (ok && fields > 0) ++objects;
    }
    benchmark::DoNotOptimize(objects);
  }
  if (objects != corpus.lines.size() - corpus.expected_rejects) {
    state.SkipWithError("wrong answer: object count differs");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(corpus.bytes));
}
BENCHMARK(BM_SimdjsonWalkReference)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace silt::parse
