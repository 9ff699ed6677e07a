// One followed file of the tail input: its descriptor and identity, the
// bytes read so far, the partial line waiting for its LF, the assembler,
// and the queue of resume states waiting for their batches to be durable.
// States and transitions: ingest/tail_format.md. Owned and used by the tail
// thread only; not thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <string>

#include "absl/status/status.h"
#include "common/labels.h"
#include "ingest/internal/tail_assembler.h"
#include "ingest/internal/tail_checkpoint.h"

namespace silt::ingest::internal {

class TailFile {
 public:
  enum class State : uint8_t { kActive, kDraining, kClosed };

  struct ReadResult {
    size_t bytes = 0;        // bytes read from the file this turn
    bool eof = false;        // reached the end of what is there now
    bool truncated = false;  // the file shrank: read again from 0
  };

  // Takes ownership of `fd`. `labels` are the path labels (origin).
  TailFile(uint64_t id, int fd, std::string path, dev_t dev, ino_t ino,
           Labels labels, size_t max_line_bytes, EnvelopeDecoder* decoder);
  ~TailFile();  // closes the descriptor
  TailFile(const TailFile&) = delete;
  TailFile& operator=(const TailFile&) = delete;

  // Starts reading at `state` (resume, or {} for the beginning, or
  // {offset=size} to skip what is there).
  void Resume(const ResumeState& state);

  // Reads up to `budget` bytes into `scratch` (grown as needed; the tail
  // thread shares one) and hands every record completed to `emit`.
  ReadResult Read(size_t budget, std::string* scratch,
                  TailAssembler::Emit emit);

  // copytruncate or a changed fingerprint: the next generation starts at 0.
  void Restart();
  // True if the first bytes no longer hash to the saved fingerprint.
  bool FingerprintChanged();
  // Brings the fingerprint up to min(kFingerprintBytes, bytes read).
  void UpdateFingerprint();

  // End of the followed life: emits the joined lines and the last line
  // without LF; state becomes kClosed. The descriptor stays open until the
  // object goes (so a failed batch can still be read again).
  void Close(TailAssembler::Emit emit);

  // The file's size now (fstat), or -1.
  int64_t Size() const;

  uint64_t id() const { return id_; }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  void set_path(std::string p) { path_ = std::move(p); }
  dev_t dev() const { return dev_; }
  ino_t ino() const { return ino_; }
  const Labels& labels() const { return labels_; }
  uint64_t read_offset() const { return read_offset_; }
  uint32_t generation() const { return generation_; }
  Format format() const { return assembler_.format(); }
  ResumeState AssemblerState() const { return assembler_.State(); }

  // Checkpoint bookkeeping (see TailSource): states waiting for batches.
  struct Mark {
    uint64_t batch_seq;
    ResumeState state;
    bool done = false;
  };
  std::deque<Mark>& marks() { return marks_; }
  const ResumeState& committed() const { return committed_; }
  void set_committed(const ResumeState& s) { committed_ = s; }
  CheckpointEntry Entry() const;
  // Seeds the fingerprint from a checkpoint entry that matched.
  void SetFingerprint(uint64_t len, uint64_t hash) {
    fp_len_ = len;
    fp_hash_ = hash;
  }

  State state = State::kActive;
  bool queued = false;             // on the ready queue
  int64_t unchanged_since_ms = 0;  // draining: last time it grew
  // Origins of this file in the batch being built (per stream), valid while
  // origin_batch equals that batch's sequence number.
  uint64_t origin_batch = 0;
  uint32_t origin_index[kStreamKinds] = {};

 private:
  const uint64_t id_;
  int fd_;
  std::string path_;
  const dev_t dev_;
  const ino_t ino_;
  const Labels labels_;
  const size_t max_physical_bytes_;
  TailAssembler assembler_;

  uint64_t read_offset_ = 0;  // next byte to read
  std::string carry_;         // bytes after the last LF
  bool skipping_ = false;     // carry_ holds a cut line; dropping to its LF
  bool at_eof_ = false;       // the last read reached the end
  uint64_t carry_start_ = 0;  // file offset of carry_[0]
  uint32_t generation_ = 0;
  uint64_t fp_len_ = 0;
  uint64_t fp_hash_ = 0;
  std::deque<Mark> marks_;
  ResumeState committed_;
};

}  // namespace silt::ingest::internal
