// BM_StoreAppend / BM_StoreCut: the store's write path over loggen's
// container logs (parsed and indexed as the pipeline does): Append of
// 256 KiB batches into a fresh store (WAL written, fsync off), and the cut
// of the resulting head into part files (sort, block columns, trace table,
// zstd, write). Both check that every entry is stored.
// BM_ZstdLevel1Reference is the reference in the same run: zstd level 1
// (the hot parts' level) over the same raw bytes in 1 MiB blocks.
#include <benchmark/benchmark.h>
#include <unistd.h>
#include <zstd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench/loggen.h"
#include "common/record_batch.h"
#include "index/stream_index.h"
#include "parse/parser.h"
#include "store/store.h"

namespace silt::store {
namespace {

constexpr uint64_t kLines = 100000;  // ~38 MB: about a head's worth
constexpr size_t kBatchBytes = 256 << 10;

struct Workload {
  std::string raw;  // the NDJSON bytes
  std::vector<RecordBatch> batches;
  uint64_t lines = 0;
};

const Workload& GetWorkload() {
  static const Workload* w = [] {
    auto* w = new Workload;
    bench::LogGenerator gen;
    gen.Generate(kLines, &w->raw);
    parse::Parser parser;
    index::StreamIndex index;
    size_t pos = 0;
    while (pos < w->raw.size()) {
      RecordBatch b;
      b.input = "bench";
      b.received_ns = 1714564800000000000;
      b.fallback_labels = {{"source", "bench"}};
      b.sync_ack = false;
      size_t start = pos;
      while (pos < w->raw.size() && pos - start < kBatchBytes) {
        size_t nl = w->raw.find('\n', pos);
        b.Append(std::string_view(w->raw).substr(pos, nl - pos));
        pos = nl + 1;
      }
      parser.Parse(&b);
      index.Resolve(&b);
      w->lines += b.size();
      w->batches.push_back(std::move(b));
    }
    return w;
  }();
  return *w;
}

class TempStore {
 public:
  explicit TempStore(int zstd_level = 1) {
    dir_ = std::filesystem::temp_directory_path() /
           ("silt-store-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    StoreOptions o;
    o.data_dir = dir_.string();
    o.fsync = false;
    o.zstd_level = zstd_level;
    o.head_max_bytes = size_t{1} << 40;  // cut only when the bench says
    store_ = std::move(Store::Open(o)).value();
  }
  ~TempStore() {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Store* get() { return store_.get(); }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

void AppendAll(const Workload& w, Store* store) {
  for (const RecordBatch& b : w.batches) {
    store->Append(b, [](absl::Status) {});
  }
}

void BM_StoreAppend(benchmark::State& state) {
  const Workload& w = GetWorkload();
  uint64_t stored = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto store = std::make_unique<TempStore>();
    state.ResumeTiming();
    AppendAll(w, store->get());
    state.PauseTiming();
    stored = store->get()->stats().head_entries;
    store.reset();
    state.ResumeTiming();
  }
  if (stored != w.lines) state.SkipWithError("wrong answer: entries lost");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(w.raw.size()));
}
BENCHMARK(BM_StoreAppend)
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond);

void BM_StoreCut(benchmark::State& state) {
  const Workload& w = GetWorkload();
  StoreStats st;
  for (auto _ : state) {
    state.PauseTiming();
    auto store = std::make_unique<TempStore>(static_cast<int>(state.range(0)));
    AppendAll(w, store->get());
    state.ResumeTiming();
    if (!store->get()->Flush().ok()) state.SkipWithError("flush failed");
    state.PauseTiming();
    st = store->get()->stats();
    store.reset();
    state.ResumeTiming();
  }
  if (st.head_entries != 0 || st.parts == 0) {
    state.SkipWithError("wrong answer: head not cut into parts");
  }
  state.counters["part_bytes"] = static_cast<double>(st.part_bytes);
  state.counters["blocks"] = static_cast<double>(st.blocks);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(w.raw.size()));
}
BENCHMARK(BM_StoreCut)
    ->Arg(1)
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond);

// The parse stage over the same batches (re-parsed each round), at the
// batch size of the TCP input: per-batch costs (streams, labels) count.
void BM_ParseLoggenBatches(benchmark::State& state) {
  const Workload& w = GetWorkload();
  parse::Parser parser;
  std::vector<RecordBatch> batches;
  for (const RecordBatch& b : w.batches) {
    RecordBatch copy;
    for (size_t i = 0; i < b.size(); ++i) copy.Append(b.line(i));
    batches.push_back(std::move(copy));
  }
  size_t streams = 0;
  for (auto _ : state) {
    streams = 0;
    for (RecordBatch& b : batches) {
      b.received_ns = 1714564800000000000;
      parser.Parse(&b);
      streams += b.streams.size();
    }
  }
  state.counters["streams_per_batch"] =
      static_cast<double>(streams) / static_cast<double>(batches.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(w.raw.size()));
}
BENCHMARK(BM_ParseLoggenBatches)->Unit(benchmark::kMillisecond);

void BM_ZstdLevel1Reference(benchmark::State& state) {
  const Workload& w = GetWorkload();
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::string out(ZSTD_compressBound(1 << 20), '\0');
  size_t total = 0;
  for (auto _ : state) {
    total = 0;
    for (size_t pos = 0; pos < w.raw.size(); pos += 1 << 20) {
      const size_t n = std::min<size_t>(1 << 20, w.raw.size() - pos);
      total += ZSTD_compressCCtx(cctx, out.data(), out.size(),
                                 w.raw.data() + pos, n, 1);
    }
    benchmark::DoNotOptimize(total);
  }
  ZSTD_freeCCtx(cctx);
  state.counters["zstd_bytes"] = static_cast<double>(total);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(w.raw.size()));
}
BENCHMARK(BM_ZstdLevel1Reference)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace silt::store
