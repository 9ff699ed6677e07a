// Helpers shared by the store tests: temp dirs and batch builders.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "common/labels.h"
#include "common/record_batch.h"
#include "store/store.h"

namespace silt::store::testing {

// A fresh directory under /tmp, removed at destruction.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/silt_store_test_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct TestEntry {
  std::string labels;  // e.g. {app="api"}
  int64_t ts_ns = 0;
  std::string line;
  std::string trace_id = {};
  std::string span_id = {};
  std::string metadata = {};
};

inline uint64_t IdOf(const std::string& tenant, const std::string& labels) {
  Labels l;
  ParseLabels(labels, &l);
  return StreamId(tenant, LabelsToString(l));
}

inline RecordBatch MakeBatch(const std::string& tenant,
                             const std::vector<TestEntry>& entries) {
  RecordBatch b;
  b.tenant = tenant;
  for (const TestEntry& e : entries) {
    Labels l;
    ParseLabels(e.labels, &l);
    std::string key = LabelsToString(l);
    uint32_t si = 0;
    for (; si < b.streams.size(); ++si) {
      if (b.streams[si].key == key) break;
    }
    if (si == b.streams.size()) {
      BatchStream s;
      s.labels = l;
      s.key = key;
      s.id = StreamId(tenant, key);
      b.streams.push_back(s);
    }
    uint32_t i = b.Append(e.line, 0, e.ts_ns);
    b.record(i).stream = si;
    if (!e.trace_id.empty()) b.SetTraceId(i, e.trace_id);
    if (!e.span_id.empty()) b.SetSpanId(i, e.span_id);
    if (!e.metadata.empty()) b.SetMetadata(i, e.metadata);
  }
  return b;
}

// Appends and waits for the callback.
inline absl::Status AppendSync(Store* store, const RecordBatch& b) {
  std::promise<absl::Status> p;
  auto f = p.get_future();
  store->Append(b, [&p](absl::Status s) { p.set_value(s); });
  return f.get();
}

struct Got {
  uint64_t stream;
  int64_t ts_ns;
  std::string line;
  std::string trace_id;
  std::string span_id;
  std::string metadata;
  bool operator==(const Got&) const = default;
};

inline std::vector<Got> ScanAll(const Store& store, const std::string& tenant,
                                std::vector<uint64_t> streams,
                                int64_t start = 0, int64_t end = INT64_MAX,
                                bool backward = false) {
  std::sort(streams.begin(), streams.end());
  ScanOptions o;
  o.tenant = tenant;
  o.streams = streams;
  o.start_ns = start;
  o.end_ns = end;
  o.backward = backward;
  std::vector<Got> out;
  absl::Status s = store.Scan(o, [&](uint64_t id, const EntryView& e) {
    out.push_back(Got{id, e.ts_ns, std::string(e.line), std::string(e.trace_id),
                      std::string(e.span_id), std::string(e.metadata)});
    return true;
  });
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

inline StoreOptions TestOptions(const std::string& dir) {
  StoreOptions o;
  o.data_dir = dir;
  o.target_block_bytes = 4096;  // many blocks even in small tests
  return o;
}

}  // namespace silt::store::testing
