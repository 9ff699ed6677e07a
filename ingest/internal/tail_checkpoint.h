// The tail input's checkpoint file: per followed file, its identity and the
// position a restart resumes from. Format and rules: ingest/tail_format.md.
// Pure encode/decode plus an atomic save; not synchronised.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ingest/internal/tail_envelope.h"

namespace silt::ingest::internal {

inline constexpr std::string_view kCheckpointHeader = "silt-tail-checkpoint 1";
inline constexpr size_t kFingerprintBytes = 256;

// Where to resume one file: the start of the oldest unfinished record, and
// per stream the end of the last line already stored (0: none past offset).
struct ResumeState {
  uint64_t offset = 0;
  uint64_t skip[kStreamKinds] = {0, 0, 0};
  bool operator==(const ResumeState&) const = default;
};

struct CheckpointEntry {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t fp_len = 0;   // bytes hashed: min(kFingerprintBytes, bytes read)
  uint64_t fp_hash = 0;  // XXH64 seed 0 of the first fp_len bytes
  ResumeState state;
  std::string path;
  bool operator==(const CheckpointEntry&) const = default;
};

std::string EncodeCheckpoint(const std::vector<CheckpointEntry>& entries);
// kDataLoss naming what is wrong for a damaged or foreign file.
absl::StatusOr<std::vector<CheckpointEntry>> DecodeCheckpoint(
    std::string_view text);

// Reads `path`; a missing file is an empty list. kDataLoss if damaged.
absl::StatusOr<std::vector<CheckpointEntry>> LoadCheckpoint(
    const std::string& path);
// tmp + fdatasync + rename + fsync of the directory (creating it).
absl::Status SaveCheckpoint(const std::string& path,
                            const std::vector<CheckpointEntry>& entries);

// XXH64 of the first `len` bytes of the open file `fd`; false if the file
// is shorter or cannot be read.
bool FingerprintFd(int fd, uint64_t len, uint64_t* hash);

}  // namespace silt::ingest::internal
