// The ingestion pipeline: worker threads take RecordBatches from every
// source and run parse -> redact -> index -> store on them. A batch's
// callback runs once its entries are durable (or failed to be).
// Thread-safe.
#pragma once

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "common/record_batch.h"
#include "index/stream_index.h"
#include "parse/parser.h"
#include "redact/redactor.h"
#include "store/store.h"

namespace silt::server {

struct PipelineOptions {
  int workers = 2;
  parse::ParseOptions parse;
  // Compiled redaction rules shared by the workers (each has its own
  // Redactor); null: no redaction.
  std::shared_ptr<const redact::Rules> redact;
};

class Pipeline {
 public:
  using Done = std::function<void(absl::Status)>;

  Pipeline(const PipelineOptions& options, index::StreamIndex* index,
           store::Store* store);
  ~Pipeline();  // Stop()

  // Queues the batch. `done` runs exactly once, from a worker or the store's
  // commit thread: OK once durable; kUnavailable after Stop().
  // Memory is bounded by the sources (they cap their batches in flight).
  void Submit(RecordBatch&& batch, Done done);

  // Waits until every batch submitted before the call has been handed to
  // the store (not necessarily durable: Store::Flush() waits for that).
  void Drain();

  // Finishes the queued batches, then stops the workers. Idempotent.
  void Stop();

 private:
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

}  // namespace silt::server
