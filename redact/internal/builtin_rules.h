// The built-in rules: names, defaults, Hyperscan detection patterns (loose
// supersets for raw line bytes) and locators (exact spans in decoded text).
// See redact/redact_format.md. Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "redact/internal/span.h"

namespace silt::redact::internal {

enum BuiltinId : int {
  kCreditCard,
  kEmail,
  kJwt,
  kAwsAccessKey,
  kBearerToken,
  kUrlCredentials,
  kSecretKv,
  kSecretKey,
  kIpv4,
  kIpv6,
  kUsSsn,
  kIban,
  kBuiltinCount,
};

struct DetectPattern {
  std::string expression;
  unsigned flags = 0;  // HS_FLAG_* (HS_FLAG_CASELESS where needed)
};

const char* BuiltinName(int id);
bool BuiltinOnByDefault(int id);
int FindBuiltin(std::string_view name);  // -1 if none

// Detection patterns of rule `id`. secret_key's are built from the
// (normalised) secret key list.
std::vector<DetectPattern> BuiltinDetectPatterns(
    int id, const std::vector<std::string>& secret_keys);

// Appends the spans of rule `id` in `text`, tagged `rule`. secret_key has no
// locator (the JSON walker applies it).
void LocateBuiltin(int id, std::string_view text, const TextContext& ctx,
                   uint16_t rule, std::vector<Span>* out);

// Secret key list entries, normalised: lower case, `-` `.` and spaces as `_`.
std::string NormalizeSecretKey(std::string_view entry);
// Whether `key` matches the normalised entry (see the format doc).
bool KeyMatchesSecret(std::string_view key, std::string_view entry);
// Whether `key` names an Authorization header (authorization,
// proxy-authorization, any case).
bool KeyIsAuthorization(std::string_view key);

// Luhn check over the digits of `digits` (other bytes skipped).
bool LuhnValid(std::string_view digits);

}  // namespace silt::redact::internal
