// Helpers for the redact tests: a Redactor on given options, and a JSON
// validity check.
#pragma once

#include <simdjson.h>

#include <memory>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "redact/redactor.h"

namespace silt::redact::testing {

inline std::shared_ptr<const Rules> MustCompile(const RedactOptions& o) {
  auto rules = Rules::Compile(o);
  EXPECT_TRUE(rules.ok()) << rules.status();
  return rules.ok() ? *rules : nullptr;
}

// Options with only the named built-in rules on.
inline RedactOptions Only(std::initializer_list<const char*> names) {
  RedactOptions o;
  for (const std::string& b : RedactOptions::BuiltinRuleNames()) {
    bool on = false;
    for (const char* n : names) on = on || b == n;
    o.builtin.push_back(RuleSetting{b, on, Action::kMask, ""});
  }
  return o;
}

inline bool IsValidJson(std::string_view s) {
  simdjson::dom::parser parser;
  simdjson::padded_string p(s);
  return parser.parse(p).error() == simdjson::SUCCESS;
}

class RedactFixture : public ::testing::Test {
 protected:
  void Use(const RedactOptions& o) {
    rules_ = MustCompile(o);
    ASSERT_NE(rules_, nullptr);
    redactor_ = std::make_unique<Redactor>(rules_);
  }
  // Text mode.
  std::string Text(std::string_view s) {
    if (redactor_ == nullptr) Use(RedactOptions{});
    return redactor_->RedactValue(s, /*json=*/false);
  }
  // JSON mode; the result must be valid JSON.
  std::string Json(std::string_view s) {
    if (redactor_ == nullptr) Use(RedactOptions{});
    std::string out = redactor_->RedactValue(s, /*json=*/true);
    EXPECT_TRUE(IsValidJson(out)) << out;
    return out;
  }

  std::shared_ptr<const Rules> rules_;
  std::unique_ptr<Redactor> redactor_;
};

}  // namespace silt::redact::testing
