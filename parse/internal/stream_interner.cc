#include "parse/internal/stream_interner.h"

#include <utility>

namespace silt::parse::internal {

void StreamInterner::Reset(RecordBatch* batch) {
  batch_ = batch;
  batch->streams.clear();
  by_signature_.Clear();
  by_key_.Clear();
  origin_cache_.assign(batch->origins.size(), nullptr);
}

StreamInterner::Cache* StreamInterner::CacheFor(uint32_t origin) {
  if (origin >= origin_cache_.size()) return nullptr;
  Cache*& c = origin_cache_[origin];
  if (c == nullptr) {
    // Everything the labels depend on besides the signature.
    context_ = LabelsToString(batch_->origins[origin]);
    context_.push_back('\0');
    context_ += LabelsToString(batch_->fallback_labels);
    c = &cache_[context_];
  }
  return c;
}

uint32_t StreamInterner::FindCached(std::string_view signature,
                                    uint32_t origin) {
  Cache* c = CacheFor(origin);
  if (c == nullptr) return kNone;
  auto it = c->find(absl::string_view(signature.data(), signature.size()));
  if (it == c->end()) return kNone;
  return Intern(signature, it->second);
}

uint32_t StreamInterner::Add(std::string_view signature, uint32_t origin,
                             Labels labels) {
  if (labels.empty()) {
    labels = batch_->fallback_labels;
  }
  Canonicalize(&labels);
  BatchStream stream;
  stream.key = LabelsToString(labels);
  stream.labels = std::move(labels);
  if (Cache* c = CacheFor(origin)) {
    if (cached_ >= kMaxCached) {
      // Dropping everything keeps the bound simple; the live streams come
      // back within a batch or two.
      cache_.clear();
      cached_ = 0;
      origin_cache_.assign(origin_cache_.size(), nullptr);
      c = CacheFor(origin);
    }
    if (c->try_emplace(std::string(signature), stream).second) ++cached_;
  }
  return Intern(signature, stream);
}

uint32_t StreamInterner::Intern(std::string_view signature,
                                const BatchStream& stream) {
  const uint32_t next = static_cast<uint32_t>(batch_->streams.size());
  const uint32_t index = by_key_.Insert(stream.key, next);
  if (index == next) {
    BatchStream& s = batch_->AddStream();
    s.labels = stream.labels;
    s.key = stream.key;
    s.id = stream.id;
  }
  by_signature_.Insert(signature, index);
  return index;
}

}  // namespace silt::parse::internal
