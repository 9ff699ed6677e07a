#include "parse/internal/stream_interner.h"

#include <utility>

namespace silt::parse::internal {

void StreamInterner::Reset(RecordBatch* batch) {
  batch_ = batch;
  batch->streams.clear();
  by_signature_.clear();
  by_key_.clear();
}

uint32_t StreamInterner::Add(std::string_view signature, Labels labels) {
  if (labels.empty()) {
    labels = batch_->fallback_labels;
  }
  Canonicalize(&labels);
  std::string key = LabelsToString(labels);
  auto [it, inserted] =
      by_key_.try_emplace(key, static_cast<uint32_t>(batch_->streams.size()));
  if (inserted) {
    BatchStream stream;
    stream.labels = std::move(labels);
    stream.key = std::move(key);
    batch_->streams.push_back(std::move(stream));
  }
  by_signature_.emplace(std::string(signature), it->second);
  return it->second;
}

}  // namespace silt::parse::internal
