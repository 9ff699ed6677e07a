// Tail input: follows log files found by glob, as Fluent Bit's tail and
// Promtail do on a Kubernetes node. Design, identity and rotation rules,
// envelopes and the checkpoint file: ingest/tail_format.md.
//
// One thread serves every file: inotify on their directories (or polling
// without it), round robin over files with new bytes with a per-file read
// budget, lines of several files batched together. Docker json-file and CRI
// envelopes are unwrapped (partials joined per stream); Kubernetes path
// labels (namespace, pod, container) or `filename`, plus `stream`, are the
// batch's origin labels, which win over fields of the line.
//
// Backpressure: at most max_inflight_batches / max_inflight_bytes in the
// sink; past that the thread stops reading until a batch is done. Nothing is
// dropped. Checkpoints move only after a batch's `done` said OK.
// Thread-safe Start/Stop.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ingest/tcp_source.h"  // BatchSink

namespace silt::ingest {

struct TailOptions {
  std::vector<std::string> globs;      // e.g. /var/log/pods/*/*/*.log
  std::vector<std::string> exclude;    // fnmatch patterns over the full path
  int64_t rescan_interval_ms = 10000;  // globs again; stat open files
  int64_t poll_interval_ms = 250;      // without inotify: stat open files
  bool use_inotify = true;
  // Files found by the first scan without a checkpoint: from their start,
  // or from their end. Files that appear later are always read whole.
  bool read_from_end = false;
  std::string checkpoint_path;  // "" keeps no checkpoint
  int64_t checkpoint_interval_ms = 1000;
  // A rotated or deleted file is closed once drained and unchanged this long.
  int64_t rotate_wait_ms = 5000;
  size_t max_line_bytes = 256 * 1024;
  size_t read_budget_bytes = 256 * 1024;  // per file per turn
  size_t batch_bytes = 1 << 20;
  int max_inflight_batches = 16;
  size_t max_inflight_bytes = 64u << 20;
  std::string tenant = "default";
};

class TailSource {
 public:
  // Loads the checkpoint and starts the thread (the first scan runs there).
  // kInvalidArgument for bad options; kDataLoss never (a damaged checkpoint
  // is logged, counted and ignored).
  static absl::StatusOr<std::unique_ptr<TailSource>> Start(
      const TailOptions& options, BatchSink sink);
  ~TailSource();  // Stop()

  // Stops reading, hands the lines already read to the sink, waits for
  // their `done`, writes the checkpoint. Idempotent.
  void Stop();

  // Files followed now (open descriptors), for tests and metrics.
  size_t files() const;

 private:
  struct Rep;
  explicit TailSource(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace silt::ingest
