// Locators for tokens and credentials: emails, JWTs, AWS key ids, bearer
// tokens, URL passwords, key=value secrets.
#include <cstring>
#include <string>

#include "redact/internal/locators.h"

namespace silt::redact::internal {
namespace {

void Add(size_t b, size_t e, uint16_t rule, std::vector<Span>* out) {
  out->push_back(
      Span{static_cast<uint32_t>(b), static_cast<uint32_t>(e), rule});
}

bool IsLocalChar(char c) {
  return IsAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool IsDomainChar(char c) { return IsAlnum(c) || c == '-' || c == '.'; }
bool IsB64Url(char c) { return IsAlnum(c) || c == '_' || c == '-'; }
bool IsToken68(char c) {
  return IsAlnum(c) || c == '.' || c == '_' || c == '~' || c == '+' ||
         c == '/' || c == '-' || c == '=';
}
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Case-insensitive: does `t` hold `word` (lower case) at `pos`?
bool HasCaseless(std::string_view t, size_t pos, std::string_view word) {
  if (pos + word.size() > t.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (Lower(t[pos + i]) != word[i]) return false;
  }
  return true;
}

// Next case-insensitive occurrence of `word` (lower case) at or after pos.
size_t FindCaseless(std::string_view t, size_t pos, std::string_view word) {
  const char first = word[0];
  const char upper = static_cast<char>(first - 32);
  while (pos + word.size() <= t.size()) {
    const char* a = static_cast<const char*>(
        std::memchr(t.data() + pos, first, t.size() - pos));
    const char* b = IsAlpha(first) ? static_cast<const char*>(std::memchr(
                                         t.data() + pos, upper, t.size() - pos))
                                   : nullptr;
    const char* p = a == nullptr ? b : (b == nullptr ? a : std::min(a, b));
    if (p == nullptr) return std::string_view::npos;
    const size_t at = static_cast<size_t>(p - t.data());
    if (HasCaseless(t, at, word)) return at;
    pos = at + 1;
  }
  return std::string_view::npos;
}

}  // namespace

void LocateEmails(std::string_view t, uint16_t rule, std::vector<Span>* out) {
  size_t from = 0;
  size_t last_end = 0;
  while (true) {
    const size_t at = t.find('@', from);
    if (at == std::string_view::npos) return;
    from = at + 1;
    size_t b = at;
    while (b > last_end && IsLocalChar(t[b - 1])) --b;
    while (b < at && t[b] == '.') ++b;
    if (b == at) continue;
    size_t e = at + 1;
    while (e < t.size() && IsDomainChar(t[e])) ++e;
    while (e > at + 1 && (t[e - 1] == '.' || t[e - 1] == '-')) --e;
    // Labels: non-empty, at least two, the last (TLD) letters only, 2+.
    std::string_view domain = t.substr(at + 1, e - at - 1);
    const size_t dot = domain.rfind('.');
    if (dot == std::string_view::npos || dot == 0) continue;
    if (domain.find("..") != std::string_view::npos || domain[0] == '.') {
      continue;
    }
    std::string_view tld = domain.substr(dot + 1);
    bool letters = tld.size() >= 2;
    for (char c : tld) letters = letters && IsAlpha(c);
    if (!letters) continue;
    Add(b, e, rule, out);
    last_end = e;
    from = e;
  }
}

void LocateJwts(std::string_view t, uint16_t rule, std::vector<Span>* out) {
  size_t from = 0;
  while (true) {
    const size_t b = t.find("eyJ", from);
    if (b == std::string_view::npos) return;
    from = b + 3;
    if (b > 0 && IsB64Url(t[b - 1])) continue;
    size_t e = b;
    int dots = 0;
    size_t part_len = 0;
    bool ok = true;
    while (e < t.size()) {
      const char c = t[e];
      if (IsB64Url(c)) {
        ++part_len;
      } else if (c == '.' && dots < 2) {
        if (part_len == 0) {
          ok = false;
          break;
        }
        ++dots;
        part_len = 0;
      } else {
        break;
      }
      ++e;
    }
    if (!ok || dots < 2) continue;
    Add(b, e, rule, out);
    from = e;
  }
}

void LocateAwsKeys(std::string_view t, uint16_t rule, std::vector<Span>* out) {
  for (size_t i = 0; i + 20 <= t.size(); ++i) {
    if (t[i] != 'A' || (t[i + 1] != 'K' && t[i + 1] != 'S') ||
        t[i + 2] != 'I' || t[i + 3] != 'A') {
      continue;
    }
    if (i > 0 && IsAlnum(t[i - 1])) continue;
    bool ok = true;
    for (size_t k = i + 4; k < i + 20 && ok; ++k) {
      ok = IsDigit(t[k]) || (t[k] >= 'A' && t[k] <= 'Z');
    }
    if (!ok || (i + 20 < t.size() && IsAlnum(t[i + 20]))) continue;
    Add(i, i + 20, rule, out);
    i += 19;
  }
}

void LocateBearerTokens(std::string_view t, const TextContext& ctx,
                        uint16_t rule, std::vector<Span>* out) {
  for (std::string_view scheme :
       {std::string_view("bearer"), std::string_view("basic")}) {
    size_t from = 0;
    while (true) {
      const size_t s = FindCaseless(t, from, scheme);
      if (s == std::string_view::npos) break;
      from = s + scheme.size();
      if (s > 0 && IsAlnum(t[s - 1])) continue;
      size_t v = s + scheme.size();
      if (v >= t.size() || !IsSpace(t[v])) continue;
      while (v < t.size() && IsSpace(t[v])) ++v;
      size_t e = v;
      while (e < t.size() && IsToken68(t[e])) ++e;
      if (e == v) continue;
      // Authorization context: the header name just before, or the value of
      // an authorization key that starts with the scheme.
      bool context = false;
      if (ctx.auth_value) {
        size_t k = 0;
        while (k < s && IsSpace(t[k])) ++k;
        context = k == s;
      }
      if (!context) {
        size_t k = s;
        while (k > 0 &&
               (IsSpace(t[k - 1]) || t[k - 1] == '"' || t[k - 1] == '\'' ||
                t[k - 1] == ':' || t[k - 1] == '=' || t[k - 1] == '\\')) {
          --k;
        }
        context = k >= 13 && HasCaseless(t, k - 13, "authorization");
      }
      const bool long_bearer = scheme == "bearer" && e - v >= 16;
      if (!context && !long_bearer) continue;
      if (IsMarkerAt(t, v)) continue;
      Add(v, e, rule, out);
      from = e;
    }
  }
}

void LocateUrlCredentials(std::string_view t, uint16_t rule,
                          std::vector<Span>* out) {
  size_t from = 0;
  while (true) {
    const size_t sep = t.find("://", from);
    if (sep == std::string_view::npos) return;
    from = sep + 3;
    if (sep == 0 || !IsAlnum(t[sep - 1])) continue;  // http, s3, amqps
    const size_t u = sep + 3;
    size_t e = u;
    while (e < t.size()) {
      const char c = t[e];
      if (c == '/' || c == '?' || c == '#' || IsSpace(c) || c == '"' ||
          c == '\'' || c == '<' || c == '>' || c == '\\') {
        break;
      }
      ++e;
    }
    std::string_view region = t.substr(u, e - u);
    const size_t at = region.rfind('@');
    if (at == std::string_view::npos || at + 1 >= region.size()) continue;
    const size_t colon = region.substr(0, at).find(':');
    if (colon == std::string_view::npos || colon + 1 >= at) continue;
    if (IsMarkerAt(t, u + colon + 1)) continue;
    Add(u + colon + 1, u + at, rule, out);
    from = u + at;
  }
}

void LocateSecretKv(std::string_view t, uint16_t rule, std::vector<Span>* out) {
  static constexpr std::string_view kWords[] = {
      "password", "passwd",  "pwd",        "token",     "secret",    "api_key",
      "apikey",   "api-key", "access_key", "accesskey", "access-key"};
  const size_t first = out->size();
  for (std::string_view word : kWords) {
    size_t from = 0;
    while (true) {
      const size_t k = FindCaseless(t, from, word);
      if (k == std::string_view::npos) break;
      from = k + word.size();
      size_t p = k + word.size();
      if (p < t.size() && t[p] == '\\') ++p;
      if (p < t.size() && (t[p] == '"' || t[p] == '\'')) ++p;
      while (p < t.size() && (t[p] == ' ' || t[p] == '\t')) ++p;
      if (p >= t.size() || (t[p] != '=' && t[p] != ':')) continue;
      ++p;
      while (p < t.size() && (t[p] == ' ' || t[p] == '\t')) ++p;
      size_t b = p, e = p;
      if (p < t.size() &&
          (t[p] == '"' || t[p] == '\'' ||
           (t[p] == '\\' && p + 1 < t.size() && t[p + 1] == '"'))) {
        // Quoted: up to the matching quote (a backslash escapes one byte).
        const bool escaped_quote = t[p] == '\\';
        const char q = escaped_quote ? '"' : t[p];
        b = p + (escaped_quote ? 2 : 1);
        e = b;
        while (e < t.size()) {
          if (escaped_quote && t[e] == '\\' && e + 1 < t.size() &&
              t[e + 1] == '"') {
            break;
          }
          if (!escaped_quote && t[e] == '\\') {
            e += 2;
            continue;
          }
          if (!escaped_quote && t[e] == q) break;
          ++e;
        }
        if (e > t.size()) e = t.size();
      } else {
        while (e < t.size()) {
          const char c = t[e];
          if (IsSpace(c) || c == '&' || c == ',' || c == ';' || c == '"' ||
              c == '\'' || c == ')' || c == ']' || c == '}' || c == '<' ||
              c == '>' || c == '\\') {
            break;
          }
          ++e;
        }
      }
      if (e <= b || IsMarkerAt(t, b)) continue;
      // Two words may end at one key ("passwd" inside "db_passwd"): once.
      bool dup = false;
      for (size_t s = first; s < out->size(); ++s) {
        dup = dup || ((*out)[s].begin == b && (*out)[s].end == e);
      }
      if (!dup) Add(b, e, rule, out);
      from = e;
    }
  }
}

}  // namespace silt::redact::internal
