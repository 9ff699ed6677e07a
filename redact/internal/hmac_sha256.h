// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for the `hash` action.
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace silt::redact::internal {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(std::string_view data);

// A key prepared once (the padded inner and outer blocks), then used for
// many messages.
class HmacSha256 {
 public:
  explicit HmacSha256(std::string_view key);
  Sha256Digest Mac(std::string_view message) const;

 private:
  std::array<uint8_t, 64> ipad_{};
  std::array<uint8_t, 64> opad_{};
};

}  // namespace silt::redact::internal
