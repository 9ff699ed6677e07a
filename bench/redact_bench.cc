// BM_RedactBatch: the redact stage with the default rules over realistic
// container logs from silt_loggen (seed 42, ~0.5% of lines with a planted
// secret), cut into 256 KiB batches laid out as the TCP input lays them out
// (lines and their newlines back to back in the arena). Checks that exactly
// the lines with a secret change. BM_RedactBatchAllRules turns on the
// off-by-default rules too. BM_RedactReferenceParse is the reference in the
// same run: the parse stage over the same batches.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/loggen.h"
#include "common/record_batch.h"
#include "parse/parser.h"
#include "redact/redactor.h"

namespace silt::redact {
namespace {

constexpr uint64_t kLines = 20000;
constexpr size_t kBatchBytes = 256 * 1024;

struct Corpus {
  std::string text;  // NDJSON
  bench::LogGenCounts counts;
};

const Corpus& GetCorpus() {
  static const Corpus* corpus = [] {
    auto* c = new Corpus;
    bench::LogGenOptions opt;
    opt.seed = 42;
    c->text = bench::GenerateLogs(kLines, opt, &c->counts);
    return c;
  }();
  return *corpus;
}

// Cuts the corpus into batches the way the TCP input fills them.
void FillBatches(const Corpus& corpus, std::vector<RecordBatch>* batches) {
  batches->clear();
  std::string_view rest = corpus.text;
  while (!rest.empty()) {
    size_t take = std::min(kBatchBytes, rest.size());
    const size_t nl = rest.rfind('\n', take - 1);
    if (nl != std::string_view::npos && take < rest.size()) take = nl + 1;
    RecordBatch& b = batches->emplace_back();
    b.input = "bench";
    b.received_ns = 1714557600000000000;
    b.fallback_labels = {{"job", "bench"}};
    char* dst = b.Reserve(take);
    std::memcpy(dst, rest.data(), take);
    b.CommitBytes(take);
    size_t off = 0;
    while (off < take) {
      size_t end = rest.find('\n', off);
      if (end == std::string_view::npos || end >= take) end = take;
      b.AddRecord(static_cast<uint32_t>(off), static_cast<uint32_t>(end - off));
      off = end + 1;
    }
    rest.remove_prefix(take);
  }
}

void Prepare(std::vector<RecordBatch>* batches) {
  static parse::Parser* parser = new parse::Parser();
  FillBatches(GetCorpus(), batches);
  for (RecordBatch& b : *batches) parser->Parse(&b);
}

std::shared_ptr<const Rules> Compiled(bool all) {
  RedactOptions options;
  if (all) {
    for (const std::string& name : RedactOptions::BuiltinRuleNames()) {
      options.builtin.push_back(RuleSetting{name, true, Action::kMask, ""});
    }
  }
  auto rules = Rules::Compile(options);
  if (!rules.ok()) {
    std::fprintf(stderr, "redact_bench: %s\n",
                 std::string(rules.status().message()).c_str());
    std::abort();
  }
  return *rules;
}

void RunRedact(benchmark::State& state, bool all) {
  Redactor redactor(Compiled(all));
  std::vector<RecordBatch> batches;
  size_t changed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Prepare(&batches);
    std::vector<std::vector<std::string>> before(batches.size());
    for (size_t k = 0; k < batches.size(); ++k) {
      for (size_t i = 0; i < batches[k].size(); ++i) {
        before[k].emplace_back(batches[k].line(i));
      }
    }
    state.ResumeTiming();
    for (RecordBatch& b : batches) redactor.Redact(&b);
    state.PauseTiming();
    changed = 0;
    for (size_t k = 0; k < batches.size(); ++k) {
      for (size_t i = 0; i < batches[k].size(); ++i) {
        changed += batches[k].line(i) != before[k][i];
      }
    }
    state.ResumeTiming();
  }
  const Corpus& corpus = GetCorpus();
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(corpus.text.size()));
  state.counters["lines_changed"] = static_cast<double>(changed);
  state.counters["lines_with_secret"] =
      static_cast<double>(corpus.counts.with_secret);
  if (!all && changed != corpus.counts.with_secret) {
    state.SkipWithError("the lines changed are not the lines with a secret");
  }
}

void BM_RedactBatch(benchmark::State& state) { RunRedact(state, false); }
void BM_RedactBatchAllRules(benchmark::State& state) { RunRedact(state, true); }

void BM_RedactReferenceParse(benchmark::State& state) {
  parse::Parser parser;
  std::vector<RecordBatch> batches;
  for (auto _ : state) {
    state.PauseTiming();
    FillBatches(GetCorpus(), &batches);
    state.ResumeTiming();
    for (RecordBatch& b : batches) parser.Parse(&b);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(GetCorpus().text.size()));
}

BENCHMARK(BM_RedactBatch)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RedactBatchAllRules)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RedactReferenceParse)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace silt::redact
