#include "ingest/internal/tail_checkpoint.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "xxhash.h"

namespace silt::ingest::internal {
namespace {

std::string Hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(v));
  return buf;
}

bool ParseHex16(std::string_view s, uint64_t* out) {
  if (s.size() != 16) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return false;
    }
    v = v << 4 | static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  uint64_t v = 0;
  for (char c : s) {
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

std::string EscapePath(std::string_view p) {
  std::string out;
  for (unsigned char c : p) {
    if (c <= 0x20 || c >= 0x7f || c == '%') {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

bool UnescapePath(std::string_view p, std::string* out) {
  out->clear();
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] != '%') {
      out->push_back(p[i]);
      continue;
    }
    if (i + 2 >= p.size()) return false;
    int v = 0;
    for (int k = 1; k <= 2; ++k) {
      char c = p[i + k];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v |= c - 'a' + 10;
      } else {
        return false;
      }
    }
    out->push_back(static_cast<char>(v));
    i += 2;
  }
  return !out->empty();
}

std::vector<std::string_view> SplitSpaces(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    const size_t sp = s.find(' ');
    out.push_back(s.substr(0, sp));
    if (sp == std::string_view::npos) return out;
    s.remove_prefix(sp + 1);
  }
}

absl::Status Damaged(std::string_view what) {
  return absl::DataLossError("tail checkpoint: " + std::string(what));
}

}  // namespace

std::string EncodeCheckpoint(const std::vector<CheckpointEntry>& entries) {
  std::string out(kCheckpointHeader);
  out += '\n';
  for (const CheckpointEntry& e : entries) {
    absl::StrAppend(&out, "f ", e.dev, " ", e.ino, " ", e.fp_len, " ",
                    Hex16(e.fp_hash), " ", e.state.offset, " ", e.state.skip[0],
                    " ", e.state.skip[1], " ", e.state.skip[2], " ",
                    EscapePath(e.path), "\n");
  }
  const uint64_t check = XXH64(out.data(), out.size(), 0);
  absl::StrAppend(&out, "end ", entries.size(), " ", Hex16(check), "\n");
  return out;
}

absl::StatusOr<std::vector<CheckpointEntry>> DecodeCheckpoint(
    std::string_view text) {
  if (text.substr(0, kCheckpointHeader.size()) != kCheckpointHeader ||
      text.size() <= kCheckpointHeader.size() ||
      text[kCheckpointHeader.size()] != '\n') {
    return Damaged("no 'silt-tail-checkpoint 1' header");
  }
  const size_t end_at = text.rfind("\nend ");
  if (end_at == std::string_view::npos || text.back() != '\n') {
    return Damaged("no trailer (cut short?)");
  }
  std::string_view body = text.substr(0, end_at + 1);
  std::vector<std::string_view> trailer =
      SplitSpaces(text.substr(end_at + 1, text.size() - end_at - 2));
  uint64_t count = 0, check = 0;
  if (trailer.size() != 3 || !ParseU64(trailer[1], &count) ||
      !ParseHex16(trailer[2], &check)) {
    return Damaged("bad trailer");
  }
  if (XXH64(body.data(), body.size(), 0) != check) {
    return Damaged("checksum mismatch");
  }
  std::vector<CheckpointEntry> out;
  std::string_view rest = body.substr(kCheckpointHeader.size() + 1);
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    std::vector<std::string_view> f = SplitSpaces(line);
    CheckpointEntry e;
    if (f.size() != 10 || f[0] != "f" || !ParseU64(f[1], &e.dev) ||
        !ParseU64(f[2], &e.ino) || !ParseU64(f[3], &e.fp_len) ||
        !ParseHex16(f[4], &e.fp_hash) || !ParseU64(f[5], &e.state.offset) ||
        !ParseU64(f[6], &e.state.skip[0]) ||
        !ParseU64(f[7], &e.state.skip[1]) ||
        !ParseU64(f[8], &e.state.skip[2]) || !UnescapePath(f[9], &e.path)) {
      return Damaged("bad entry '" + std::string(line) + "'");
    }
    out.push_back(std::move(e));
  }
  if (out.size() != count) return Damaged("entry count mismatch");
  return out;
}

absl::StatusOr<std::vector<CheckpointEntry>> LoadCheckpoint(
    const std::string& path) {
  if (!FileExists(path)) return std::vector<CheckpointEntry>{};
  std::string text;
  absl::Status st = ReadFileToString(path, &text);
  if (!st.ok()) return st;
  return DecodeCheckpoint(text);
}

absl::Status SaveCheckpoint(const std::string& path,
                            const std::vector<CheckpointEntry>& entries) {
  const std::string dir = DirName(path);
  if (!IsDirectory(dir)) {
    absl::Status st = CreateDirs(dir);
    if (!st.ok()) return st;
  }
  return WriteFileAtomically(path, EncodeCheckpoint(entries));
}

bool FingerprintFd(int fd, uint64_t len, uint64_t* hash) {
  char buf[kFingerprintBytes];
  if (len > sizeof(buf)) return false;
  size_t got = 0;
  while (got < len) {
    ssize_t n = pread(fd, buf + got, len - got, static_cast<off_t>(got));
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  *hash = XXH64(buf, len, 0);
  return true;
}

}  // namespace silt::ingest::internal
