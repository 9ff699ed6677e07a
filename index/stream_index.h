// The stream index: per tenant, every stream's label set, and inverted
// postings (label name -> value -> stream ids) to answer selectors without a
// scan. Rebuilt at start from the store's stream tables. Thread-safe
// (reader/writer lock; registering a known stream takes only the read lock).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "common/record_batch.h"
#include "index/matcher.h"

namespace silt::index {

class StreamIndex {
 public:
  StreamIndex();
  ~StreamIndex();

  // Adds a stream (idempotent). `key` is LabelsToString(labels).
  void Add(std::string_view tenant, uint64_t id, const Labels& labels);

  // The index stage: sets batch->streams[i].id = StreamId(tenant, key) and
  // adds every stream of the batch.
  void Resolve(RecordBatch* batch);

  // Ids of the tenant's streams whose labels satisfy every matcher, sorted.
  // REQUIRES: matchers non-empty.
  std::vector<uint64_t> Match(std::string_view tenant,
                              const std::vector<Matcher>& matchers) const;

  // Every stream id of the tenant, sorted.
  std::vector<uint64_t> Streams(std::string_view tenant) const;

  // Labels of one stream, if known.
  std::optional<Labels> Get(std::string_view tenant, uint64_t id) const;

  // Sorted distinct label names / values of the tenant. With `streams`, only
  // over those streams.
  std::vector<std::string> LabelNames(
      std::string_view tenant,
      const std::vector<uint64_t>* streams = nullptr) const;
  std::vector<std::string> LabelValues(
      std::string_view tenant, std::string_view name,
      const std::vector<uint64_t>* streams = nullptr) const;

  size_t stream_count() const;

 private:
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

}  // namespace silt::index
