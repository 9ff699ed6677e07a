// Splits a byte stream into records: newline-delimited lines (a trailing
// "\r" is stripped, empty lines are skipped) and RFC 6587 octet-counted
// frames ("<len> <len bytes>"), chosen per frame: a frame whose first bytes
// are ASCII digits followed by a space is octet-counted, anything else is a
// line. So one connection may mix both.
//
// The splitter does not own bytes. The caller keeps the unconsumed tail of
// the stream contiguous and presents it again with new bytes appended; the
// splitter remembers how far it already looked, so a long line arriving in
// tiny pieces is scanned once.
//
// Records longer than max_line_bytes are emitted cut to max_line_bytes and
// marked truncated; the rest of that record is consumed and dropped.
// Not thread-safe; one splitter per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace silt::ingest::internal {

struct SplitRecord {
  size_t offset;  // relative to the `data` passed to Consume/Finish
  size_t length;
  bool truncated;
};

class LineSplitter {
 public:
  // Longest octet-count prefix accepted ("999999999 "); longer digit runs
  // are read as an ordinary line.
  static constexpr size_t kMaxCountDigits = 9;

  explicit LineSplitter(size_t max_line_bytes)
      : max_line_bytes_(max_line_bytes == 0 ? 1 : max_line_bytes) {}

  // `data[0, size)` is the unconsumed tail: the bytes not consumed by the
  // previous call, followed by new bytes. Calls emit(const SplitRecord&) for
  // each complete record. Returns how many bytes from `data` are consumed;
  // the caller drops them and presents the rest again next time.
  template <typename Emit>
  size_t Consume(const char* data, size_t size, Emit&& emit);

  // End of stream: emits the partial record left in `data[0, size)` (the
  // unconsumed tail), if any, and resets the splitter.
  template <typename Emit>
  void Finish(const char* data, size_t size, Emit&& emit);

  // Bytes of the unconsumed tail already looked at (for tests).
  size_t scanned() const { return scanned_; }

 private:
  enum class State : uint8_t {
    kFrameStart,  // at the first byte of a frame
    kLine,        // inside a newline-terminated line
    kSkipLine,    // dropping the rest of an over-long line up to '\n'
    kOctet,       // inside an octet-counted frame; body_left_ bytes to go
    kSkipOctet,   // dropping the rest of an over-long octet frame
  };

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  // Emits a line data[start, end) (end excludes '\n'); strips one '\r'.
  template <typename Emit>
  void EmitLine(const char* data, size_t start, size_t end, Emit&& emit) {
    if (end > start && data[end - 1] == '\r') --end;
    size_t len = end - start;
    if (len == 0) return;
    if (len > max_line_bytes_) {
      emit(SplitRecord{start, max_line_bytes_, true});
    } else {
      emit(SplitRecord{start, len, false});
    }
  }

  size_t max_line_bytes_;
  State state_ = State::kFrameStart;
  size_t scanned_ = 0;     // kLine: bytes of the current line already scanned
  size_t body_left_ = 0;   // kOctet / kSkipOctet
  size_t header_len_ = 0;  // kOctet: "<len> " bytes before the body
};

template <typename Emit>
size_t LineSplitter::Consume(const char* data, size_t size, Emit&& emit) {
  size_t pos = 0;  // start of the current (unfinished) frame
  while (pos < size) {
    switch (state_) {
      case State::kFrameStart: {
        if (!IsDigit(data[pos])) {
          state_ = State::kLine;
          scanned_ = 0;
          break;
        }
        // Digits then a space: octet counting. Decide once enough bytes are
        // here; otherwise wait for more.
        size_t i = pos;
        size_t len = 0;
        while (i < size && i - pos < kMaxCountDigits + 1 && IsDigit(data[i])) {
          len = len * 10 + static_cast<size_t>(data[i] - '0');
          ++i;
        }
        if (i == size && i - pos <= kMaxCountDigits) return pos;  // need more
        if (i - pos <= kMaxCountDigits && data[i] == ' ') {
          header_len_ = i + 1 - pos;
          body_left_ = len;
          state_ = State::kOctet;
        } else {
          state_ = State::kLine;
          scanned_ = 0;
        }
        break;
      }
      case State::kLine: {
        const char* from = data + pos + scanned_;
        size_t avail = size - pos - scanned_;
        const void* nl = avail ? std::memchr(from, '\n', avail) : nullptr;
        if (nl != nullptr) {
          size_t end = static_cast<const char*>(nl) - data;
          EmitLine(data, pos, end, emit);
          pos = end + 1;
          state_ = State::kFrameStart;
          scanned_ = 0;
          break;
        }
        scanned_ = size - pos;
        // Two bytes beyond the limit without a newline: longer than the
        // limit even if the last byte is the '\r' of a "\r\n".
        if (scanned_ >= max_line_bytes_ + 2) {
          emit(SplitRecord{pos, max_line_bytes_, true});
          state_ = State::kSkipLine;
          scanned_ = 0;
          return size;
        }
        return pos;
      }
      case State::kSkipLine: {
        const void* nl = std::memchr(data + pos, '\n', size - pos);
        if (nl == nullptr) return size;
        pos = static_cast<const char*>(nl) - data + 1;
        state_ = State::kFrameStart;
        break;
      }
      case State::kOctet: {
        size_t body = pos + header_len_;
        if (body_left_ > max_line_bytes_) {
          if (size - body < max_line_bytes_) return pos;
          emit(SplitRecord{body, max_line_bytes_, true});
          body_left_ -= max_line_bytes_;
          pos = body + max_line_bytes_;
          state_ = State::kSkipOctet;
          break;
        }
        if (size - body < body_left_) return pos;
        size_t end = body + body_left_;
        // A frame's own trailing newline is not part of the message.
        size_t trim = end;
        if (trim > body && data[trim - 1] == '\n') --trim;
        if (trim > body && data[trim - 1] == '\r') --trim;
        if (trim > body) emit(SplitRecord{body, trim - body, false});
        pos = end;
        state_ = State::kFrameStart;
        break;
      }
      case State::kSkipOctet: {
        size_t take = size - pos < body_left_ ? size - pos : body_left_;
        pos += take;
        body_left_ -= take;
        if (body_left_ == 0) state_ = State::kFrameStart;
        break;
      }
    }
  }
  return pos;
}

template <typename Emit>
void LineSplitter::Finish(const char* data, size_t size, Emit&& emit) {
  switch (state_) {
    case State::kFrameStart:
    case State::kLine:
      // A partial octet header ("12") is just a short line.
      EmitLine(data, 0, size, emit);
      break;
    case State::kOctet: {
      // Disconnected inside the frame: keep what arrived of the body.
      size_t body = header_len_ < size ? header_len_ : size;
      size_t len = size - body;
      if (len > max_line_bytes_) {
        emit(SplitRecord{body, max_line_bytes_, true});
      } else if (len > 0) {
        emit(SplitRecord{body, len, false});
      }
      break;
    }
    case State::kSkipLine:
    case State::kSkipOctet:
      break;
  }
  state_ = State::kFrameStart;
  scanned_ = 0;
  body_left_ = 0;
  header_len_ = 0;
}

}  // namespace silt::ingest::internal
