#include "server/internal/redact_config.h"

#include <yaml-cpp/yaml.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status.h"

namespace silt::server::internal {
namespace {

using redact::RedactOptions;
using redact::RuleSetting;

absl::Status Bad(absl::string_view key, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("redact.", key, ": ", what));
}

absl::StatusOr<bool> ParseBool(const std::string& v) {
  if (v == "true" || v == "on" || v == "yes") return true;
  if (v == "false" || v == "off" || v == "no") return false;
  return absl::InvalidArgumentError(
      absl::StrCat("expected true/false or on/off, not '", v, "'"));
}

bool IsBuiltin(const std::string& name) {
  for (const std::string& b : RedactOptions::BuiltinRuleNames()) {
    if (b == name) return true;
  }
  return false;
}

RuleSetting* BuiltinSetting(const std::string& name, RedactOptions* o) {
  for (RuleSetting& s : o->builtin) {
    if (s.name == name) return &s;
  }
  RuleSetting s;
  s.name = name;
  s.enabled = RedactOptions::BuiltinOnByDefault(name);
  o->builtin.push_back(s);
  return &o->builtin.back();
}

absl::StatusOr<std::vector<std::string>> StringList(const YAML::Node& n,
                                                    const std::string& key) {
  if (!n.IsSequence()) return Bad(key, "must be a list of strings");
  std::vector<std::string> out;
  for (const auto& e : n) out.push_back(e.as<std::string>());
  return out;
}

absl::Status ParseRuleBody(const YAML::Node& body, const std::string& where,
                           RuleSetting* s, bool user) {
  if (body.IsScalar()) {
    absl::StatusOr<bool> on = ParseBool(body.as<std::string>());
    if (!on.ok()) return Bad(where, on.status().message());
    s->enabled = *on;
    return absl::OkStatus();
  }
  if (!body.IsMap()) return Bad(where, "must be true/false or a mapping");
  for (const auto& kv : body) {
    const std::string k = kv.first.as<std::string>();
    const std::string v = kv.second.as<std::string>();
    if (k == "enabled") {
      absl::StatusOr<bool> on = ParseBool(v);
      if (!on.ok()) return Bad(where + ".enabled", on.status().message());
      s->enabled = *on;
    } else if (k == "action") {
      absl::StatusOr<redact::Action> a = redact::ParseAction(v);
      if (!a.ok()) return Bad(where + ".action", a.status().message());
      s->action = *a;
    } else if (user && k == "name") {
      s->name = v;
    } else if (user && k == "regex") {
      s->regex = v;
    } else {
      return Bad(where, absl::StrCat("unknown key '", k, "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseRedactYaml(const YAML::Node& node, RedactOptions* o) {
  if (node.IsScalar()) return SetRedactEnabled(node.as<std::string>(), o);
  if (!node.IsMap()) {
    return absl::InvalidArgumentError("redact: must be on/off or a mapping");
  }
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (key == "enabled") {
      absl::StatusOr<bool> on = ParseBool(v.as<std::string>());
      if (!on.ok()) return Bad(key, on.status().message());
      o->enabled = *on;
    } else if (key == "rules") {
      if (!v.IsMap())
        return Bad(key,
                   "must map rule names to true/false or "
                   "{enabled, action}");
      for (const auto& rule : v) {
        const std::string name = rule.first.as<std::string>();
        if (!IsBuiltin(name)) {
          return Bad(key, absl::StrCat("unknown built-in rule '", name,
                                       "' (user rules go under user_rules)"));
        }
        RETURN_IF_ERROR(ParseRuleBody(rule.second, "rules." + name,
                                      BuiltinSetting(name, o), false));
      }
    } else if (key == "user_rules") {
      if (!v.IsSequence())
        return Bad(key, "must be a list of {name, regex, action}");
      for (const auto& rule : v) {
        RuleSetting s;
        RETURN_IF_ERROR(ParseRuleBody(rule, "user_rules", &s, true));
        if (s.name.empty() || s.regex.empty()) {
          return Bad(key, "every user rule needs a name and a regex");
        }
        o->user.push_back(std::move(s));
      }
    } else if (key == "secret_keys") {
      ASSIGN_OR_RETURN(o->secret_keys, StringList(v, key));
    } else if (key == "extra_secret_keys") {
      ASSIGN_OR_RETURN(std::vector<std::string> extra, StringList(v, key));
      o->secret_keys.insert(o->secret_keys.end(), extra.begin(), extra.end());
    } else if (key == "keep_fields") {
      ASSIGN_OR_RETURN(o->keep_fields, StringList(v, key));
    } else if (key == "hash_key") {
      o->hash_key = v.as<std::string>();
    } else if (key == "hash_key_env") {
      o->hash_key_env = v.as<std::string>();
    } else {
      return Bad(key, "unknown key");
    }
  }
  return absl::OkStatus();
}

absl::Status SetRedactEnabled(const std::string& value, RedactOptions* o) {
  absl::StatusOr<bool> on = ParseBool(value);
  if (!on.ok()) return on.status();
  o->enabled = *on;
  return absl::OkStatus();
}

absl::Status SetRedactRules(const std::string& names, bool enabled,
                            RedactOptions* o) {
  for (absl::string_view part : absl::StrSplit(names, ',')) {
    const std::string name(absl::StripAsciiWhitespace(part));
    if (name.empty()) continue;
    if (IsBuiltin(name)) {
      BuiltinSetting(name, o)->enabled = enabled;
      continue;
    }
    bool found = false;
    for (RuleSetting& s : o->user) {
      if (s.name == name) {
        s.enabled = enabled;
        found = true;
      }
    }
    if (!found) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown redaction rule '", name,
          "' (a built-in rule, or a user rule from the config file)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace silt::server::internal
