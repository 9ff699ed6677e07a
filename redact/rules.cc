#include <cstdlib>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "redact/internal/builtin_rules.h"
#include "redact/internal/compiled_rules.h"
#include "redact/redactor.h"

namespace silt::redact {
namespace {

using internal::BuiltinId;

// `^`, `$`, `\A`, `\z`, `\Z` outside a character class: anchors would be
// relative to a whole batch, not to a value, so they are refused.
bool HasAnchor(std::string_view re) {
  bool in_class = false;
  for (size_t i = 0; i < re.size(); ++i) {
    const char c = re[i];
    if (c == '\\') {
      if (i + 1 < re.size() && !in_class) {
        const char n = re[i + 1];
        if (n == 'A' || n == 'z' || n == 'Z') return true;
      }
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
      // A ']' right after '[' or '[^' is a literal member.
      if (i + 1 < re.size() && re[i + 1] == '^') ++i;
      if (i + 1 < re.size() && re[i + 1] == ']') ++i;
      continue;
    }
    if (c == '^' || c == '$') return true;
  }
  return false;
}

std::string HsError(hs_compile_error_t* err) {
  std::string msg = err != nullptr && err->message != nullptr
                        ? err->message
                        : "unknown Hyperscan error";
  if (err != nullptr) hs_free_compile_error(err);
  return msg;
}

}  // namespace

absl::StatusOr<Action> ParseAction(std::string_view text) {
  if (text == "mask") return Action::kMask;
  if (text == "last4") return Action::kLast4;
  if (text == "hash") return Action::kHash;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown action '", std::string(text), "' (mask, last4 or hash)"));
}

const char* ActionName(Action action) {
  switch (action) {
    case Action::kMask:
      return "mask";
    case Action::kLast4:
      return "last4";
    case Action::kHash:
      return "hash";
  }
  return "mask";
}

std::vector<std::string> RedactOptions::DefaultSecretKeys() {
  return {"password",      "passwd",        "pwd",        "secret",
          "token",         "api_key",       "access_key", "private_key",
          "client_secret", "authorization", "cookie",     "set_cookie",
          "credentials"};
}

std::vector<std::string> RedactOptions::DefaultKeepFields() {
  return {"trace_id",  "traceId", "traceID",   "trace.id",    "span_id",
          "spanId",    "spanID",  "span.id",   "traceparent", "time",
          "timestamp", "ts",      "@timestamp"};
}

std::vector<std::string> RedactOptions::BuiltinRuleNames() {
  std::vector<std::string> names;
  for (int i = 0; i < internal::kBuiltinCount; ++i) {
    names.emplace_back(internal::BuiltinName(i));
  }
  return names;
}

bool RedactOptions::BuiltinOnByDefault(std::string_view name) {
  const int id = internal::FindBuiltin(name);
  return id >= 0 && internal::BuiltinOnByDefault(id);
}

Rules::Rules() : rep_(std::make_unique<Rep>()) {}
Rules::~Rules() = default;

Rules::Rep::~Rep() {
  if (detect_db != nullptr) hs_free_database(detect_db);
  if (locate_db != nullptr) hs_free_database(locate_db);
}

std::vector<std::string> Rules::rule_names() const {
  std::vector<std::string> names;
  for (const auto& r : rep_->rules) names.push_back(r.name);
  return names;
}

absl::StatusOr<std::shared_ptr<const Rules>> Rules::Compile(
    const RedactOptions& options) {
  if (!options.enabled) return std::shared_ptr<const Rules>();
  std::shared_ptr<Rules> rules(new Rules());
  Rep& rep = *rules->rep_;

  // Built-ins: defaults, then the overrides in order.
  bool enabled[internal::kBuiltinCount];
  Action actions[internal::kBuiltinCount];
  for (int i = 0; i < internal::kBuiltinCount; ++i) {
    enabled[i] = internal::BuiltinOnByDefault(i);
    actions[i] = Action::kMask;
  }
  for (const RuleSetting& s : options.builtin) {
    const int id = internal::FindBuiltin(s.name);
    if (id < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("redact: unknown rule '", s.name, "' (built-in rules: ",
                       absl::StrJoin(RedactOptions::BuiltinRuleNames(), ", "),
                       "; user rules need a regex)"));
    }
    enabled[id] = s.enabled;
    actions[id] = s.action;
  }
  for (const std::string& k : options.secret_keys) {
    std::string n = internal::NormalizeSecretKey(k);
    if (!n.empty()) rep.secret_keys.push_back(std::move(n));
  }
  for (int i = 0; i < internal::kBuiltinCount; ++i) {
    if (!enabled[i]) continue;
    if (i == internal::kSecretKey && rep.secret_keys.empty()) continue;
    rep.rules.push_back(Rep::Rule{internal::BuiltinName(i), actions[i], i});
  }
  std::set<std::string> names;
  for (int i = 0; i < internal::kBuiltinCount; ++i) {
    names.insert(internal::BuiltinName(i));
  }
  for (const RuleSetting& s : options.user) {
    if (s.name.empty()) {
      return absl::InvalidArgumentError("redact: a user rule has no name");
    }
    for (char c : s.name) {
      if (!internal::IsWordChar(c)) {
        return absl::InvalidArgumentError(
            absl::StrCat("redact: rule '", s.name,
                         "': names are letters, digits and underscores"));
      }
    }
    if (!names.insert(s.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("redact: rule '", s.name,
                       "' is defined twice or is a "
                       "built-in rule's name"));
    }
    if (s.regex.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("redact: rule '", s.name, "' has no regex"));
    }
    if (HasAnchor(s.regex)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "redact: rule '", s.name,
          "': anchors (^ $ \\A \\z \\Z) are not supported; the regex is "
          "searched anywhere inside values"));
    }
    if (!s.enabled) continue;
    rep.rules.push_back(Rep::Rule{s.name, s.action, -1});
    rep.has_user_rules = true;
  }

  for (size_t i = 0; i < rep.rules.size(); ++i) {
    const Rep::Rule& r = rep.rules[i];
    if (r.builtin == internal::kSecretKey)
      rep.secret_key_rule = static_cast<int>(i);
    if (r.builtin == internal::kBearerToken)
      rep.bearer_rule = static_cast<int>(i);
    if (r.builtin == internal::kCreditCard) rep.card_rule = static_cast<int>(i);
  }
  if (rep.rules.empty()) return std::shared_ptr<const Rules>();

  // The HMAC key: the environment wins, then the config.
  std::string key = options.hash_key;
  if (!options.hash_key_env.empty()) {
    const char* env = std::getenv(options.hash_key_env.c_str());
    if (env != nullptr && *env != '\0') key = env;
  }
  for (const Rep::Rule& r : rep.rules) {
    if (r.action == Action::kHash && key.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "redact: rule '", r.name, "' uses action hash but no key is set (",
          "redact.hash_key, or the environment variable ",
          options.hash_key_env.empty() ? "named by redact.hash_key_env"
                                       : options.hash_key_env,
          ")"));
    }
  }
  if (!key.empty()) rep.hmac = std::make_unique<internal::HmacSha256>(key);

  for (const std::string& f : options.keep_fields) {
    const size_t dot = f.find('.');
    rep.keep_keys.push_back(f);  // a literal dotted key, too
    if (dot != std::string::npos && dot > 0 && dot + 1 < f.size()) {
      rep.keep_paths.emplace_back(f.substr(0, dot), f.substr(dot + 1));
    }
  }

  // The detection database: every pattern of every rule, no SOM (credit_card
  // is found by ScanCardRuns instead, see card_scan.h).
  std::vector<std::string> exprs;
  std::vector<unsigned> flags, ids;
  for (size_t i = 0; i < rep.rules.size(); ++i) {
    const Rep::Rule& r = rep.rules[i];
    if (r.builtin >= 0) {
      for (auto& p :
           internal::BuiltinDetectPatterns(r.builtin, rep.secret_keys)) {
        exprs.push_back(std::move(p.expression));
        flags.push_back(p.flags);
        ids.push_back(static_cast<unsigned>(i));
      }
    }
  }
  for (size_t i = 0; i < rep.rules.size(); ++i) {
    if (rep.rules[i].builtin >= 0) continue;
    for (const RuleSetting& s : options.user) {
      if (s.name == rep.rules[i].name) exprs.push_back(s.regex);
    }
    // No HS_FLAG_DOTALL: `.` stops at a newline, so a match in the batch
    // scan cannot run from one line into the next through it.
    flags.push_back(0);
    ids.push_back(static_cast<unsigned>(i));
  }
  auto compile = [&](unsigned extra_flags, size_t from,
                     hs_database_t** db) -> absl::Status {
    std::vector<const char*> ptrs;
    std::vector<unsigned> fl;
    for (size_t k = from; k < exprs.size(); ++k) {
      ptrs.push_back(exprs[k].c_str());
      fl.push_back(flags[k] | extra_flags);
    }
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(ptrs.data(), fl.data(), ids.data() + from,
                         static_cast<unsigned>(ptrs.size()), HS_MODE_BLOCK,
                         nullptr, db, &err) == HS_SUCCESS) {
      return absl::OkStatus();
    }
    const int bad = err != nullptr ? err->expression : -1;
    std::string msg = HsError(err);
    std::string rule = bad >= 0 ? rep.rules[ids[from + bad]].name : "?";
    return absl::InvalidArgumentError(absl::StrCat(
        "redact: rule '", rule, "': ",
        extra_flags != 0 ? "cannot locate matches: " : "invalid regex: ", msg));
  };
  // User rules first on their own, so a bad one is named even when the
  // database as a whole would also fail for another reason.
  size_t first_user = exprs.size();
  for (size_t k = 0; k < exprs.size(); ++k) {
    if (rep.rules[ids[k]].builtin < 0) {
      first_user = k;
      break;
    }
  }
  if (rep.has_user_rules) {
    absl::Status st = compile(HS_FLAG_SOM_LEFTMOST, first_user, &rep.locate_db);
    if (!st.ok()) {
      // Name a syntax error as such: compile without SOM for the message.
      hs_database_t* plain = nullptr;
      absl::Status plain_st = compile(0, first_user, &plain);
      if (plain != nullptr) hs_free_database(plain);
      return plain_st.ok() ? st : plain_st;
    }
  }
  if (!exprs.empty()) {
    if (absl::Status st = compile(0, 0, &rep.detect_db); !st.ok()) return st;
  }

  for (Rep::Rule& r : rep.rules) {
    r.counter = &Metrics().redactions.With({r.name});
  }
  return std::shared_ptr<const Rules>(std::move(rules));
}

bool Rules::Rep::KeyIsSecret(std::string_view key) const {
  if (secret_key_rule < 0) return false;
  for (const std::string& e : secret_keys) {
    if (internal::KeyMatchesSecret(key, e)) return true;
  }
  return false;
}

bool Rules::Rep::KeyIsKept(std::string_view key,
                           std::string_view parent_key) const {
  for (const std::string& k : keep_keys) {
    if (key == k) return true;
  }
  for (const auto& [parent, child] : keep_paths) {
    if (key == child && parent_key == parent) return true;
  }
  return false;
}

void Rules::Rep::AppendReplacement(size_t rule, std::string_view value,
                                   std::string* out) const {
  const Rule& r = rules[rule];
  std::string digits;
  if (static_cast<int>(rule) == card_rule) {
    for (char c : value) {
      if (internal::IsDigit(c)) digits += c;
    }
    value = digits;
  }
  switch (r.action) {
    case Action::kHash: {
      static const char kHex[] = "0123456789abcdef";
      internal::Sha256Digest mac = hmac->Mac(value);
      *out += '[';
      *out += r.name;
      *out += ':';
      for (int i = 0; i < 6; ++i) {
        *out += kHex[mac[i] >> 4];
        *out += kHex[mac[i] & 15];
      }
      *out += ']';
      return;
    }
    case Action::kLast4: {
      // Last four code points, when more than eight.
      size_t cps = 0, cut = value.size();
      for (size_t i = value.size(); i-- > 0;) {
        if ((static_cast<unsigned char>(value[i]) & 0xC0) != 0x80) {
          ++cps;
          if (cps == 4) cut = i;
        }
      }
      *out += "[REDACTED:";
      *out += r.name;
      *out += ']';
      if (cps > 8) out->append(value.substr(cut));
      return;
    }
    case Action::kMask:
      break;
  }
  *out += "[REDACTED:";
  *out += r.name;
  *out += ']';
}

}  // namespace silt::redact
