// The redact stage: finds secrets and personal data in the lines, structured
// metadata and stream labels of a RecordBatch and replaces them, before
// anything reaches disk. Rules, actions and escaping: redact/redact_format.md.
//
// Rules::Compile() builds one Hyperscan database for every enabled rule; the
// result is immutable and shared by all workers. Each worker thread owns one
// Redactor (its own scratch space). Keeps <hs/hs.h> out of this header.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/record_batch.h"

namespace silt::redact {

enum class Action {
  kMask,   // [REDACTED:<rule>]
  kLast4,  // [REDACTED:<rule>] + the value's last four characters
  kHash,   // [<rule>:<12 hex of HMAC-SHA256>]
};
// "mask", "last4", "hash".
absl::StatusOr<Action> ParseAction(std::string_view text);
const char* ActionName(Action action);

// A built-in rule switched or given an action (regex empty), or a user rule
// (regex set).
struct RuleSetting {
  std::string name;
  bool enabled = true;
  Action action = Action::kMask;
  std::string regex;  // user rules: Hyperscan syntax, searched in values
};

struct RedactOptions {
  bool enabled = true;  // false: no redaction at all (Compile returns null)
  // Overrides of built-in rules by name; a later entry for a name wins.
  std::vector<RuleSetting> builtin;
  // User rules, after the built-ins, in this order. Names must be unique
  // and must not be a built-in's.
  std::vector<RuleSetting> user;
  // JSON keys whose whole value `secret_key` replaces (see the format doc
  // for how a key matches an entry).
  std::vector<std::string> secret_keys = DefaultSecretKeys();
  // Key of the `hash` action. The environment variable named hash_key_env,
  // when set and not empty, wins over hash_key.
  std::string hash_key;
  std::string hash_key_env = "SILT_REDACT_HASH_KEY";
  // Keys whose values content rules never touch (trace/span ids and
  // timestamps, at any depth; "a.b" also means key b inside object a).
  std::vector<std::string> keep_fields = DefaultKeepFields();

  static std::vector<std::string> DefaultSecretKeys();
  static std::vector<std::string> DefaultKeepFields();
  // Built-in rule names in id order, and whether each is on by default.
  static std::vector<std::string> BuiltinRuleNames();
  static bool BuiltinOnByDefault(std::string_view name);
};

class Rules {
 public:
  // Compiles every enabled rule. kInvalidArgument naming the rule for an
  // unknown built-in, a duplicate name, a bad or anchored regex, one that
  // matches the empty string, or a `hash` rule without a key. Returns null
  // (and OK) when options.enabled is false or no rule is enabled.
  static absl::StatusOr<std::shared_ptr<const Rules>> Compile(
      const RedactOptions& options);
  ~Rules();

  // Enabled rules, in id order (built-ins first).
  std::vector<std::string> rule_names() const;

  struct Rep;
  const Rep& rep() const { return *rep_; }

 private:
  Rules();
  std::unique_ptr<Rep> rep_;
};

class Redactor {
 public:
  // `rules` must not be null.
  explicit Redactor(std::shared_ptr<const Rules> rules);
  ~Redactor();
  Redactor(const Redactor&) = delete;
  Redactor& operator=(const Redactor&) = delete;

  // Redacts every record's line (ReplaceLine for the lines that change),
  // structured metadata and stream label values of `batch`; counts
  // silt_redactions_total. Trace and span ids in the side arena, timestamps
  // and every other column are left as they are. Never fails.
  void Redact(RecordBatch* batch);

  // Redacts one value outside a batch: a JSON document when `json` (text
  // when it does not parse), else text. Counts silt_redactions_total too.
  std::string RedactValue(std::string_view value, bool json);

 private:
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

}  // namespace silt::redact
