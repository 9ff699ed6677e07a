#include "common/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace silt {

namespace {

// zlib counts in uInt; feed it at most this much at a time.
constexpr size_t kMaxChunk = std::numeric_limits<uInt>::max() / 2;

}  // namespace

absl::StatusOr<std::string> GzipDecompress(std::string_view in,
                                           size_t max_output_bytes) {
  z_stream zs{};
  // 15 window bits + 32: detect the gzip or zlib header.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) {
    return absl::InternalError("gzip: inflateInit2 failed");
  }
  std::string out;
  out.resize(std::min<size_t>(std::max<size_t>(in.size() * 4, 4096),
                              max_output_bytes + 1));
  size_t produced = 0;
  const unsigned char* next = reinterpret_cast<const unsigned char*>(in.data());
  size_t left = in.size();
  absl::Status status;
  for (;;) {
    if (produced == out.size()) {
      if (out.size() > max_output_bytes) {
        status = absl::ResourceExhaustedError(
            "gzip: decompressed body is larger than " +
            std::to_string(max_output_bytes) + " bytes");
        break;
      }
      out.resize(std::min(out.size() * 2, max_output_bytes + 1));
    }
    size_t in_chunk = std::min(left, kMaxChunk);
    size_t out_chunk = std::min(out.size() - produced, kMaxChunk);
    zs.next_in = const_cast<unsigned char*>(next);
    zs.avail_in = static_cast<uInt>(in_chunk);
    zs.next_out = reinterpret_cast<unsigned char*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(out_chunk);
    int rc = inflate(&zs, Z_NO_FLUSH);
    size_t used_in = in_chunk - zs.avail_in;
    next += used_in;
    left -= used_in;
    produced += out_chunk - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (left == 0) break;
      // Another gzip member follows (e.g. `cat a.gz b.gz`).
      if (inflateReset(&zs) != Z_OK) {
        status = absl::InvalidArgumentError("gzip: cannot reset stream");
        break;
      }
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_out > 0) {
      // No progress with output room left: the input ended early.
      status = absl::InvalidArgumentError("gzip: truncated stream");
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      status = absl::InvalidArgumentError(
          std::string("gzip: corrupt stream: ") + (zs.msg ? zs.msg : "?"));
      break;
    }
    if (left == 0 && zs.avail_out > 0) {
      status = absl::InvalidArgumentError("gzip: truncated stream");
      break;
    }
  }
  inflateEnd(&zs);
  if (!status.ok()) return status;
  if (produced > max_output_bytes) {
    return absl::ResourceExhaustedError(
        "gzip: decompressed body is larger than " +
        std::to_string(max_output_bytes) + " bytes");
  }
  out.resize(produced);
  return out;
}

absl::StatusOr<std::string> GzipCompress(std::string_view in, int level) {
  z_stream zs{};
  // 15 window bits + 16: write a gzip header and trailer.
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return absl::InvalidArgumentError("gzip: bad compression level");
  }
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(in.size())) + 64);
  size_t produced = 0;
  const unsigned char* next = reinterpret_cast<const unsigned char*>(in.data());
  size_t left = in.size();
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (produced == out.size()) out.resize(out.size() * 2);
    size_t in_chunk = std::min(left, kMaxChunk);
    size_t out_chunk = std::min(out.size() - produced, kMaxChunk);
    zs.next_in = const_cast<unsigned char*>(next);
    zs.avail_in = static_cast<uInt>(in_chunk);
    zs.next_out = reinterpret_cast<unsigned char*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(out_chunk);
    rc = deflate(&zs, in_chunk == left ? Z_FINISH : Z_NO_FLUSH);
    next += in_chunk - zs.avail_in;
    left -= in_chunk - zs.avail_in;
    produced += out_chunk - zs.avail_out;
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      deflateEnd(&zs);
      return absl::InternalError("gzip: deflate failed");
    }
  }
  deflateEnd(&zs);
  out.resize(produced);
  return out;
}

}  // namespace silt
