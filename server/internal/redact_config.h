// The `redact:` section of silt's YAML config and the --redact* flags.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "redact/redactor.h"

namespace YAML {
class Node;
}

namespace silt::server::internal {

// redact:
//   enabled: true
//   rules:                       # built-in rules: on/off, or a mapping
//     credit_card: {action: last4}
//     ipv4: true
//     email: false
//   user_rules:
//     - {name: employee_id, regex: 'EMP-[0-9]{6}', action: hash}
//   secret_keys: [password, token, ...]   # replaces the default list
//   extra_secret_keys: [pin]              # added to it
//   keep_fields: [trace_id, ...]          # replaces the default list
//   hash_key: "..."                       # or the env var below
//   hash_key_env: SILT_REDACT_HASH_KEY
// A scalar (`redact: off`) switches redaction as a whole.
// kInvalidArgument naming the key for anything else.
absl::Status ParseRedactYaml(const YAML::Node& node,
                             redact::RedactOptions* options);

// --redact on|off
absl::Status SetRedactEnabled(const std::string& value,
                              redact::RedactOptions* options);
// --redact-enable / --redact-disable NAME[,NAME...]: built-in or user rules.
absl::Status SetRedactRules(const std::string& names, bool enabled,
                            redact::RedactOptions* options);

}  // namespace silt::server::internal
