// The stage over whole batches: detection over the arena mapped back to
// records, kept fields, metadata, labels, actions, user rules, counting,
// and start-up errors.
#include "redact/redactor.h"

#include <stdlib.h>

#include <random>
#include <string>

#include "common/metrics.h"
#include "common/record_batch.h"
#include "gtest/gtest.h"
#include "tests/redact/redact_test_util.h"

namespace silt::redact {
namespace {

using testing::IsValidJson;
using testing::MustCompile;
using testing::Only;
using testing::RedactFixture;

uint64_t Redactions(const std::string& rule) {
  return Metrics().redactions.With({rule}).value();
}

class RedactorTest : public RedactFixture {
 protected:
  // Lines back to back in the arena with nothing between them (as Loki push
  // appends them), parsed-looking: JSON unless `text`.
  void Fill(const std::vector<std::string>& lines) {
    batch_.Reset();
    for (const std::string& l : lines) {
      const uint32_t i = batch_.Append(l);
      if (l.empty() || l[0] != '{')
        batch_.record(i).reject = Reject::kInvalidJson;
    }
  }
  void Run() {
    if (redactor_ == nullptr) Use(RedactOptions{});
    redactor_->Redact(&batch_);
  }
  RecordBatch batch_;
};

TEST_F(RedactorTest, OnlyTheLinesWithSecretsChangeWhereverTheMatchEnds) {
  // The first line ends with digits the second one starts with: no match
  // may leak across records.
  Fill({R"({"n":"order 4111111)", R"(111111111 x"})",
        R"({"email":"a@example.com"})", "plain text bob@example.org",
        R"({"ok":true})", R"({"card":"4111 1111 1111 1111"})"});
  const std::string second(batch_.line(1));
  Run();
  EXPECT_EQ(batch_.line(0), R"({"n":"order 4111111)");
  EXPECT_EQ(batch_.line(1), second);
  EXPECT_EQ(batch_.line(2), R"({"email":"[REDACTED:email]"})");
  EXPECT_EQ(batch_.line(3), "plain text [REDACTED:email]");
  EXPECT_EQ(batch_.line(4), R"({"ok":true})");
  EXPECT_EQ(batch_.line(5), R"({"card":"[REDACTED:credit_card]"})");
}

TEST_F(RedactorTest, NewlineSeparatedArenaAsFromTcp) {
  batch_.Reset();
  const std::string text =
      "{\"a\":\"x@y.io\"}\n{\"b\":1}\r\n{\"password\":\"p\"}\n";
  char* dst = batch_.Reserve(text.size());
  std::memcpy(dst, text.data(), text.size());
  batch_.CommitBytes(text.size());
  batch_.AddRecord(0, 14);
  batch_.AddRecord(15, 7);
  batch_.AddRecord(24, 16);
  Run();
  EXPECT_EQ(batch_.line(0), R"({"a":"[REDACTED:email]"})");
  EXPECT_EQ(batch_.line(1), R"({"b":1})");
  EXPECT_EQ(batch_.line(2), R"({"password":"[REDACTED:secret_key]"})");
}

TEST_F(RedactorTest, RecordsOutOfArenaOrder) {
  batch_.Reset();
  batch_.Append(R"({"a":"x@y.io"})");
  batch_.Append(R"({"b":"4111111111111111"})");
  std::swap(batch_.record(0), batch_.record(1));
  Run();
  EXPECT_EQ(batch_.line(0), R"({"b":"[REDACTED:credit_card]"})");
  EXPECT_EQ(batch_.line(1), R"({"a":"[REDACTED:email]"})");
}

TEST_F(RedactorTest, TraceIdsTimestampsAndUuidsAreKept) {
  // All-digit ids that would pass as cards, under the kept keys.
  Fill(
      {R"({"trace_id":"4111111111111111","span_id":"5555555555554444",)"
       R"("ts":4111111111111111,"time":"4111111111111111","x":"5105105105105100",)"
       R"("trace":{"id":"4012888888881881"},"request_id":"12345678-1234-1234-1234-123456789012"})"});
  batch_.SetTraceId(0, "4111111111111111");
  batch_.SetSpanId(0, "5555555555554444");
  Run();
  EXPECT_EQ(
      batch_.line(0),
      R"({"trace_id":"4111111111111111","span_id":"5555555555554444",)"
      R"("ts":4111111111111111,"time":"4111111111111111","x":"[REDACTED:credit_card]",)"
      R"("trace":{"id":"4012888888881881"},"request_id":"12345678-1234-1234-1234-123456789012"})");
  EXPECT_EQ(batch_.trace_id(0), "4111111111111111");
  EXPECT_EQ(batch_.span_id(0), "5555555555554444");
}

TEST_F(RedactorTest, TraceIdTextInANonJsonLineIsKept) {
  Fill({"trace=4111111111111111 card=4111111111111111"});
  batch_.SetTraceId(0, "4111111111111111");
  Run();
  // The id's text may not be touched, wherever it stands.
  EXPECT_EQ(batch_.line(0), "trace=4111111111111111 card=4111111111111111");
}

TEST_F(RedactorTest, TruncatedJsonIsRedactedAsText) {
  Fill({R"({"msg":"card 4111111111111111 by a@b.io","password":"hunt)"});
  batch_.record(0).reject = Reject::kTruncated;
  Run();
  EXPECT_EQ(
      batch_.line(0),
      R"({"msg":"card [REDACTED:credit_card] by [REDACTED:email]","password":"[REDACTED:secret_kv])");
}

TEST_F(RedactorTest, StructuredMetadataIsRedacted) {
  Fill({R"({"m":"x"})", R"({"m":"y"})"});
  batch_.SetMetadata(0, R"({"user":"a@b.io","trace_id":"4111111111111111"})");
  batch_.SetMetadata(1, R"({"api_key":"k","pod":"p"})");
  Run();
  EXPECT_EQ(batch_.metadata(0),
            R"({"user":"[REDACTED:email]","trace_id":"4111111111111111"})");
  EXPECT_EQ(batch_.metadata(1),
            R"({"api_key":"[REDACTED:secret_key]","pod":"p"})");
}

TEST_F(RedactorTest, StreamLabelsAreRedactedAndTheKeyRecomputed) {
  Fill({R"({"m":"x"})"});
  BatchStream s;
  s.labels = {
      {"owner", "alice@example.com"}, {"service", "api"}, {"token", "abc"}};
  s.key = "stale";
  batch_.streams.push_back(s);
  BatchStream clean;
  clean.labels = {{"service", "api"}};
  clean.key = LabelsToString(clean.labels);
  batch_.streams.push_back(clean);
  Run();
  const Labels want = {{"owner", "[REDACTED:email]"},
                       {"service", "api"},
                       {"token", "[REDACTED:secret_key]"}};
  EXPECT_EQ(batch_.streams[0].labels, want);
  EXPECT_EQ(batch_.streams[0].key, "");  // the index stage recomputes it
  EXPECT_EQ(batch_.streams[1].key, LabelsToString(clean.labels));
}

TEST_F(RedactorTest, RedactingTwiceChangesNothing) {
  const std::string line =
      R"({"password":"p","msg":"token=abc mail a@b.io card 4111111111111111",)"
      R"("h":{"Authorization":"Bearer abcdefghijklmnopqrstuvwxyz"}})";
  RedactOptions o;
  o.hash_key = "k";
  o.builtin.push_back(RuleSetting{"email", true, Action::kHash, ""});
  Use(o);
  const std::string once = Json(line);
  EXPECT_NE(once, line);
  EXPECT_EQ(Json(once), once);
  EXPECT_EQ(Text(Text(line)), Text(line));
}

TEST_F(RedactorTest, CountsPerRule) {
  const uint64_t email = Redactions("email");
  const uint64_t card = Redactions("credit_card");
  Fill({R"({"a":"x@y.io z@w.io"})", "4111111111111111"});
  Run();
  EXPECT_EQ(Redactions("email") - email, 2u);
  EXPECT_EQ(Redactions("credit_card") - card, 1u);
}

class ActionTest : public RedactFixture {};

TEST_F(ActionTest, MaskLast4Hash) {
  RedactOptions o;
  o.hash_key = "secret key";
  o.builtin.push_back(RuleSetting{"credit_card", true, Action::kLast4, ""});
  o.builtin.push_back(RuleSetting{"email", true, Action::kHash, ""});
  o.builtin.push_back(RuleSetting{"secret_kv", true, Action::kLast4, ""});
  Use(o);
  EXPECT_EQ(Text("4111 1111 1111 1234 "), "4111 1111 1111 1234 ");  // Luhn
  EXPECT_EQ(Text("4111 1111 1111 1111"), "[REDACTED:credit_card]1111");
  EXPECT_EQ(Text("password=short"), "password=[REDACTED:secret_kv]");
  EXPECT_EQ(Text("password=longer-value"), "password=[REDACTED:secret_kv]alue");
  const std::string h1 = Text("a@b.io");
  EXPECT_EQ(h1.size(), std::string("[email:").size() + 12 + 1) << h1;
  EXPECT_EQ(h1.substr(0, 7), "[email:");
  EXPECT_EQ(Text("x a@b.io y"), "x " + h1 + " y");  // equal values correlate
  EXPECT_NE(Text("c@b.io"), h1);
}

TEST_F(ActionTest, HashIsTheHmacSha256OfTheValue) {
  RedactOptions o;
  o.builtin.push_back(RuleSetting{"email", true, Action::kHash, ""});
  o.builtin.push_back(RuleSetting{"credit_card", true, Action::kHash, ""});
  o.hash_key = "key";
  Use(o);
  // First 6 bytes of HMAC-SHA256("key", value); a card hashes its digits.
  EXPECT_EQ(Text("alice@example.com"), "[email:7f5869472f79]");
  EXPECT_EQ(Text("4111-1111-1111-1111"), "[credit_card:d7deb2f89396]");
  EXPECT_EQ(Text("4111 1111 1111 1111"), "[credit_card:d7deb2f89396]");
  o.hash_key = "other";
  Use(o);
  EXPECT_NE(Text("alice@example.com"), "[email:7f5869472f79]");
}

TEST_F(ActionTest, TheEnvironmentKeyWins) {
  RedactOptions o = Only({"email"});
  o.builtin.push_back(RuleSetting{"email", true, Action::kHash, ""});
  o.hash_key = "from-config";
  o.hash_key_env = "SILT_REDACT_TEST_KEY";
  unsetenv("SILT_REDACT_TEST_KEY");
  Use(o);
  const std::string config_hash = Text("a@b.io");
  setenv("SILT_REDACT_TEST_KEY", "from-env", 1);
  Use(o);
  const std::string env_hash = Text("a@b.io");
  unsetenv("SILT_REDACT_TEST_KEY");
  EXPECT_NE(config_hash, env_hash);
  o.hash_key = "from-env";
  Use(o);
  EXPECT_EQ(Text("a@b.io"), env_hash);
}

class UserRuleTest : public RedactFixture {};

TEST_F(UserRuleTest, RegexAndAction) {
  RedactOptions o = Only({});
  o.hash_key = "k";
  o.user.push_back(
      RuleSetting{"employee_id", true, Action::kMask, "EMP-[0-9]{6}"});
  o.user.push_back(RuleSetting{"ticket", true, Action::kHash, "(?i)tkt[0-9]+"});
  Use(o);
  EXPECT_EQ(Text("by EMP-123456 and EMP-12"),
            "by [REDACTED:employee_id] and EMP-12");
  EXPECT_EQ(Json(R"({"who":"EMP-654321","n":"TKT77"})").substr(0, 36),
            R"({"who":"[REDACTED:employee_id]","n":)");
  // Overlapping matches of one rule become one span.
  o.user = {RuleSetting{"digits", true, Action::kMask, "[0-9]{3,}"}};
  Use(o);
  EXPECT_EQ(Text("id 123456789 end"), "id [REDACTED:digits] end");
  EXPECT_EQ(rules_->rule_names(), std::vector<std::string>{"digits"});
}

TEST(RulesCompileTest, ClearStartUpErrorsNamingTheRule) {
  auto error = [](RedactOptions o) {
    auto r = Rules::Compile(o);
    return r.ok() ? std::string("ok") : std::string(r.status().message());
  };
  RedactOptions o;
  o.user = {RuleSetting{"bad_one", true, Action::kMask, "a(b"}};
  EXPECT_NE(error(o).find("'bad_one'"), std::string::npos) << error(o);
  o.user = {RuleSetting{"anchored", true, Action::kMask, "^abc"}};
  EXPECT_NE(error(o).find("'anchored': anchors"), std::string::npos)
      << error(o);
  o.user = {RuleSetting{"empty", true, Action::kMask, "a*"}};
  EXPECT_NE(error(o).find("'empty'"), std::string::npos) << error(o);
  o.user = {RuleSetting{"email", true, Action::kMask, "x+"}};
  EXPECT_NE(error(o).find("'email'"), std::string::npos) << error(o);
  o.user = {RuleSetting{"no_regex", true, Action::kMask, ""}};
  EXPECT_NE(error(o).find("'no_regex' has no regex"), std::string::npos);
  o.user.clear();
  o.builtin = {RuleSetting{"credit_cards", true, Action::kMask, ""}};
  EXPECT_NE(error(o).find("unknown rule 'credit_cards'"), std::string::npos);
  o.builtin = {RuleSetting{"email", true, Action::kHash, ""}};
  o.hash_key_env = "SILT_REDACT_UNSET_KEY";
  EXPECT_NE(error(o).find("'email' uses action hash but no key"),
            std::string::npos)
      << error(o);
  // Classes may hold ^ and $ as members.
  o.builtin.clear();
  o.user = {RuleSetting{"klass", true, Action::kMask, "[$^]x[^a]"}};
  EXPECT_EQ(error(o), "ok");
}

TEST(RulesCompileTest, OffOrEmptyMeansNoRules) {
  RedactOptions o;
  o.enabled = false;
  EXPECT_EQ(*Rules::Compile(o), nullptr);
  EXPECT_EQ(*Rules::Compile(Only({})), nullptr);
  EXPECT_EQ(MustCompile(RedactOptions{})->rule_names(),
            (std::vector<std::string>{
                "credit_card", "email", "jwt", "aws_access_key", "bearer_token",
                "url_credentials", "secret_kv", "secret_key"}));
}

TEST_F(RedactorTest, ArbitraryBytesNeverBreakIt) {
  Use(Only({"credit_card", "email", "jwt", "aws_access_key", "bearer_token",
            "url_credentials", "secret_kv", "secret_key", "ipv4", "ipv6",
            "us_ssn", "iban"}));
  std::mt19937 rng(7);
  const std::string alphabet = "{}[]\":,\\u0aZ9 @.-=/eyJAKIA4111passwordtoken";
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> lines;
    for (int k = 0; k < 8; ++k) {
      std::string l = k % 2 ? "{\"a\":\"" : "";
      const int n = static_cast<int>(rng() % 120);
      for (int i = 0; i < n; ++i) {
        l += rng() % 4 == 0 ? static_cast<char>(rng() % 256)
                            : alphabet[rng() % alphabet.size()];
      }
      lines.push_back(l);
    }
    Fill(lines);
    for (size_t i = 0; i < batch_.size(); ++i) {
      batch_.record(i).reject =
          IsValidJson(batch_.line(i)) ? Reject::kNone : Reject::kInvalidJson;
    }
    std::vector<bool> valid;
    for (size_t i = 0; i < batch_.size(); ++i)
      valid.push_back(IsValidJson(batch_.line(i)));
    Run();
    for (size_t i = 0; i < batch_.size(); ++i) {
      if (valid[i]) {
        EXPECT_TRUE(IsValidJson(batch_.line(i))) << batch_.line(i);
      }
    }
  }
}

}  // namespace
}  // namespace silt::redact
