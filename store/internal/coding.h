// Little-endian fixed-width and LEB128 varint encoding shared by the part and
// WAL formats. Header-only; pure functions.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace silt::store {

inline void PutFixed32(std::string* out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);  // x86-64 and aarch64 are little-endian
  out->append(b, 4);
}
inline void PutFixed64(std::string* out, uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out->append(b, 8);
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline char* EncodeVarint64(char* dst, uint64_t v) {
  auto* p = reinterpret_cast<unsigned char*>(dst);
  while (v >= 0x80) {
    *p++ = static_cast<unsigned char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<unsigned char>(v);
  return reinterpret_cast<char*>(p);
}
inline void PutVarint64(std::string* out, uint64_t v) {
  char b[10];
  out->append(b, EncodeVarint64(b, v) - b);
}
inline void PutVarint32(std::string* out, uint32_t v) { PutVarint64(out, v); }

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

// A cursor over bytes that fails (sticky) instead of reading past the end.
class Decoder {
 public:
  Decoder(const char* p, size_t n) : p_(p), end_(p + n) {}
  explicit Decoder(std::string_view s) : Decoder(s.data(), s.size()) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return end_ - p_; }
  const char* pos() const { return p_; }

  uint64_t Varint64() {
    uint64_t v = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      if (p_ >= end_) return Fail();
      uint8_t b = static_cast<uint8_t>(*p_++);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
    return Fail();
  }
  uint32_t Varint32() {
    uint64_t v = Varint64();
    if (v > UINT32_MAX) return Fail();
    return static_cast<uint32_t>(v);
  }
  uint64_t Fixed64() {
    if (remaining() < 8) return Fail();
    uint64_t v = DecodeFixed64(p_);
    p_ += 8;
    return v;
  }
  uint32_t Fixed32() {
    if (remaining() < 4) return Fail();
    uint32_t v = DecodeFixed32(p_);
    p_ += 4;
    return v;
  }
  std::string_view Bytes(size_t n) {
    if (remaining() < n) {
      Fail();
      return {};
    }
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }
  std::string_view LengthPrefixed() { return Bytes(Varint32()); }

 private:
  uint64_t Fail() {
    ok_ = false;
    p_ = end_;
    return 0;
  }
  const char* p_;
  const char* end_;
  bool ok_ = true;
};

}  // namespace silt::store
