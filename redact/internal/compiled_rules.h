// Rules::Rep: the compiled rule set (Hyperscan databases, actions, key
// lists). Immutable after Rules::Compile(); shared by every Redactor.
#pragma once

#include <hs/hs.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/metrics.h"
#include "redact/internal/hmac_sha256.h"
#include "redact/redactor.h"

namespace silt::redact {

struct Rules::Rep {
  struct Rule {
    std::string name;
    Action action = Action::kMask;
    int builtin = -1;  // internal::BuiltinId, or -1 for a user rule
    Counter* counter = nullptr;
  };
  // Index = rule id; a record's detection mask has bit min(id, 63).
  std::vector<Rule> rules;
  int secret_key_rule = -1;
  int bearer_rule = -1;
  int card_rule = -1;
  bool has_user_rules = false;

  std::vector<std::string> secret_keys;  // normalised entries
  std::vector<std::string> keep_keys;    // keys kept at any depth
  // "a.b" entries: key b directly inside an object under key a.
  std::vector<std::pair<std::string, std::string>> keep_paths;
  std::unique_ptr<internal::HmacSha256> hmac;

  // Every pattern of every enabled rule but credit_card (ScanCardRuns), no
  // SOM; id = rule id. Null when no rule has a pattern.
  hs_database_t* detect_db = nullptr;
  hs_database_t* locate_db = nullptr;  // user rules, SOM leftmost; id = rule id

  ~Rep();

  static uint64_t Bit(size_t rule) {
    return uint64_t{1} << (rule < 63 ? rule : 63);
  }
  bool Flagged(uint64_t mask, size_t rule) const {
    return (mask & Bit(rule)) != 0;
  }

  bool KeyIsSecret(std::string_view key) const;
  bool KeyIsKept(std::string_view key, std::string_view parent_key) const;
  // Appends the replacement of `value` under `rule` (unescaped text).
  void AppendReplacement(size_t rule, std::string_view value,
                         std::string* out) const;
};

}  // namespace silt::redact
