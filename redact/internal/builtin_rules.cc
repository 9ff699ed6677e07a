#include "redact/internal/builtin_rules.h"

#include <hs/hs.h>

#include "redact/internal/locators.h"

namespace silt::redact::internal {
namespace {

struct Builtin {
  const char* name;
  bool on_by_default;
};

constexpr Builtin kBuiltins[kBuiltinCount] = {
    {"credit_card", true},    {"email", true},        {"jwt", true},
    {"aws_access_key", true}, {"bearer_token", true}, {"url_credentials", true},
    {"secret_kv", true},      {"secret_key", true},   {"ipv4", false},
    {"ipv6", false},          {"us_ssn", false},      {"iban", false},
};

// Regex text for a secret key entry: each `_` may be written `_`, `-`, `.`,
// a space or nothing; other bytes are literal.
std::string SecretKeyExpression(std::string_view entry) {
  std::string re;
  for (char c : entry) {
    if (c == '_') {
      re += "[_.\\- ]?";
    } else if (IsAlnum(c)) {
      re += c;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x",
                    static_cast<unsigned>(static_cast<unsigned char>(c)));
      re += hex;
    }
  }
  return re;
}

}  // namespace

const char* BuiltinName(int id) { return kBuiltins[id].name; }
bool BuiltinOnByDefault(int id) { return kBuiltins[id].on_by_default; }

int FindBuiltin(std::string_view name) {
  for (int i = 0; i < kBuiltinCount; ++i) {
    if (name == kBuiltins[i].name) return i;
  }
  return -1;
}

std::vector<DetectPattern> BuiltinDetectPatterns(
    int id, const std::vector<std::string>& secret_keys) {
  // Raw line bytes: JSON strings may hold `\"` and `\/` escapes.
  switch (id) {
    case kCreditCard:
      // Detected by ScanCardRuns (card_scan.h), not by the database: the
      // digit-class automaton would be the database's slowest part.
      return {};
    case kEmail:
      return {
          {"[A-Za-z0-9._%+\\-]@[A-Za-z0-9.\\-]*[A-Za-z0-9\\-]\\.[A-Za-z]"
           "{2}",
           0}};
    case kJwt:
      return {{"eyJ[A-Za-z0-9_\\-]+\\.[A-Za-z0-9_\\-]+\\.", 0}};
    case kAwsAccessKey:
      return {{"A[KS]IA[A-Z0-9]{16}", 0}};
    case kBearerToken:
      return {{"(?:bearer|basic)\\s+[A-Za-z0-9._~+/=\\-]", HS_FLAG_CASELESS}};
    case kUrlCredentials:
      return {{":(?:\\\\?/){2}[^\\s/?#@\"\\\\]*:[^\\s/?#\"\\\\]*@", 0}};
    case kSecretKv:
      return {
          {"(?:passw(?:or)?d|pwd|token|secret|api[_\\-]?key|access[_\\-]?"
           "key)\\\\?[\"']?\\s*[=:]",
           HS_FLAG_CASELESS}};
    case kSecretKey: {
      if (secret_keys.empty()) return {};
      std::string re = "(?:";
      for (size_t i = 0; i < secret_keys.size(); ++i) {
        if (i) re += '|';
        re += SecretKeyExpression(secret_keys[i]);
      }
      // The key's closing quote, escaped once per level of nested JSON.
      re += ")\\\\*\"\\s*:";
      return {{re, HS_FLAG_CASELESS}};
    }
    case kIpv4:
      return {{"\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}", 0}};
    case kIpv6:
      return {{"[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7}", 0}, {"::", 0}};
    case kUsSsn:
      return {{"\\d{3}-\\d{2}-\\d{4}", 0}};
    case kIban:
      return {{"[A-Z]{2}\\d{2} ?[A-Z0-9]{4}", 0}};
  }
  return {};
}

void LocateBuiltin(int id, std::string_view text, const TextContext& ctx,
                   uint16_t rule, std::vector<Span>* out) {
  switch (id) {
    case kCreditCard:
      LocateCreditCards(text, rule, out);
      return;
    case kEmail:
      LocateEmails(text, rule, out);
      return;
    case kJwt:
      LocateJwts(text, rule, out);
      return;
    case kAwsAccessKey:
      LocateAwsKeys(text, rule, out);
      return;
    case kBearerToken:
      LocateBearerTokens(text, ctx, rule, out);
      return;
    case kUrlCredentials:
      LocateUrlCredentials(text, rule, out);
      return;
    case kSecretKv:
      LocateSecretKv(text, rule, out);
      return;
    case kIpv4:
      LocateIpv4(text, rule, out);
      return;
    case kIpv6:
      LocateIpv6(text, rule, out);
      return;
    case kUsSsn:
      LocateUsSsn(text, rule, out);
      return;
    case kIban:
      LocateIbans(text, rule, out);
      return;
    default:
      return;
  }
}

std::string NormalizeSecretKey(std::string_view entry) {
  std::string out;
  for (char c : entry) {
    out += (c == '-' || c == '.' || c == ' ') ? '_' : Lower(c);
  }
  return out;
}

bool KeyMatchesSecret(std::string_view key, std::string_view entry) {
  size_t i = key.size(), j = entry.size();
  while (j > 0) {
    const char e = entry[j - 1];
    if (e == '_') {
      if (i > 0) {
        const char k = key[i - 1];
        if (k == '_' || k == '-' || k == '.' || k == ' ') --i;
      }
      --j;
      continue;
    }
    if (i == 0 || Lower(key[i - 1]) != e) return false;
    --i;
    --j;
  }
  return true;
}

bool KeyIsAuthorization(std::string_view key) {
  return KeyMatchesSecret(key, "authorization") &&
         (key.size() == 13 || KeyMatchesSecret(key, "proxy_authorization"));
}

bool IsMarkerAt(std::string_view text, size_t pos) {
  std::string_view rest = text.substr(std::min(pos, text.size()));
  if (rest.starts_with("[REDACTED:")) return true;
  // [<rule>:<12 hex>]
  if (rest.empty() || rest[0] != '[') return false;
  size_t i = 1;
  while (i < rest.size() && i < 64 && IsWordChar(rest[i])) ++i;
  if (i == 1 || i + 14 > rest.size() || rest[i] != ':') return false;
  for (size_t k = i + 1; k < i + 13; ++k) {
    const char c = rest[k];
    if (!IsDigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return rest[i + 13] == ']';
}

}  // namespace silt::redact::internal
