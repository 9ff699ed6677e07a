// BytesMap: byte strings -> uint32, for lookups that start over with every
// batch. The keys are copied into one byte buffer and Clear() keeps every
// allocation, so a batch like the previous one costs no allocation at all.
// Open addressing with the full 64-bit hash kept per slot. Not thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace silt::parse::internal {

// A fast non-cryptographic hash of short byte strings (8 bytes a step).
inline uint64_t HashBytes(std::string_view s) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (s.size() * 0xC2B2AE3D27D4EB4Full);
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
  }
  if (i < s.size()) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
  }
  h ^= h >> 29;
  h *= 0x94D049BB133111EBull;
  return h ^ (h >> 32);
}

class BytesMap {
 public:
  static constexpr uint32_t kNone = 0xffffffff;

  BytesMap() : slots_(kMinSlots) {}

  // Empties the map, keeping its memory.
  void Clear() {
    if (count_ == 0) return;
    for (Slot& s : slots_) s.value = kNone;
    bytes_.clear();
    count_ = 0;
  }

  // The value of `key`, or kNone.
  uint32_t Find(std::string_view key) const {
    const uint64_t h = HashBytes(key);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.value == kNone) return kNone;
      if (Matches(s, h, key)) return s.value;
    }
  }

  // Maps `key` to `value` unless `key` is present. Returns the value held.
  uint32_t Insert(std::string_view key, uint32_t value) {
    if ((count_ + 1) * 2 > slots_.size()) Grow();
    const uint64_t h = HashBytes(key);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.value == kNone) {
        s.hash = h;
        s.off = static_cast<uint32_t>(bytes_.size());
        s.len = static_cast<uint32_t>(key.size());
        s.value = value;
        bytes_.append(key.data(), key.size());
        ++count_;
        return value;
      }
      if (Matches(s, h, key)) return s.value;
    }
  }

  size_t size() const { return count_; }

 private:
  static constexpr size_t kMinSlots = 64;

  struct Slot {
    uint64_t hash = 0;
    uint32_t off = 0;
    uint32_t len = 0;
    uint32_t value = kNone;
  };

  bool Matches(const Slot& s, uint64_t h, std::string_view key) const {
    return s.hash == h && s.len == key.size() &&
           std::memcmp(bytes_.data() + s.off, key.data(), key.size()) == 0;
  }

  void Grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.value == kNone) continue;
      size_t i = s.hash & mask;
      while (slots_[i].value != kNone) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;  // size a power of two, at most half full
  std::string bytes_;        // the keys, back to back
  size_t count_ = 0;
};

}  // namespace silt::parse::internal
