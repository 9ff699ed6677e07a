#include "server/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/testing/temp_dir.h"

namespace silt::server {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    std::string path = dir_.File("silt.yaml");
    std::ofstream(path) << text;
    return path;
  }
  testing::TempDir dir_;
};

TEST_F(ConfigTest, DefaultsAreTheDesigns) {
  Config c;
  EXPECT_EQ(c.data_dir, "./silt-data");
  EXPECT_EQ(c.http_listen, "127.0.0.1:3100");
  EXPECT_EQ(c.tcp_listen, "127.0.0.1:9514");
  EXPECT_EQ(c.max_line_bytes, 256u * 1024);
}

TEST_F(ConfigTest, FileThenFlagsOverride) {
  std::string path = Write(
      "data_dir: /var/lib/silt\nhttp_listen: 0.0.0.0:3100\n"
      "max_line_bytes: 1MiB\ntcp_listen: \"off\"\n"
      "labels:\n  app: [app, kubernetes.labels.app]\n  level: severity\n");
  Config c;
  ASSERT_TRUE(
      ApplyFlags({"--http-listen", "127.0.0.1:0", "--config", path}, &c).ok());
  EXPECT_EQ(c.data_dir, "/var/lib/silt");
  EXPECT_EQ(c.http_listen, "127.0.0.1:0");  // the flag wins over the file
  EXPECT_EQ(c.tcp_listen, "off");
  EXPECT_EQ(c.max_line_bytes, 1u << 20);
  ASSERT_EQ(c.labels.size(), 2u);
  EXPECT_EQ(c.labels[0].label, "app");
  EXPECT_EQ(c.labels[0].paths.size(), 2u);
  EXPECT_EQ(c.labels[1].paths[0], "severity");
}

TEST_F(ConfigTest, EveryFlagHasAKey) {
  Config c;
  ASSERT_TRUE(ApplyFlags({"--data-dir=/d", "--tcp-listen", "off",
                          "--max-tcp-connections", "7", "--zstd-level", "9",
                          "--head-max-age", "30s", "--log-level", "debug",
                          "--workers", "3"},
                         &c)
                  .ok());
  EXPECT_EQ(c.data_dir, "/d");
  EXPECT_EQ(c.max_tcp_connections, 7);
  EXPECT_EQ(c.zstd_level, 9);
  EXPECT_EQ(c.head_max_age_ms, 30000);
  EXPECT_EQ(c.workers, 3);
  std::string path = Write("max_tcp_connections: 9\nzstd_level: 5\n");
  ASSERT_TRUE(LoadConfigFile(path, &c).ok());
  EXPECT_EQ(c.max_tcp_connections, 9);
  EXPECT_EQ(c.zstd_level, 5);
}

TEST_F(ConfigTest, TailKeysListsAndRepeatedFlags) {
  Config c;
  const std::string path = Write(
      "tail:\n  - /var/log/pods/*/*/*.log\n  - /var/log/app/*.log\n"
      "tail_exclude: \"*/kube-system_*\"\n"
      "tail_read_from: end\ntail_rescan_interval: 5s\n"
      "tail_poll_interval: 100ms\ntail_inotify: false\n"
      "tail_rotate_wait: 2s\ntail_checkpoint_path: /x/ckpt\n"
      "tail_tenant: node-logs\n");
  ASSERT_TRUE(ApplyFlags({"--config", path, "--tail", "/a/*.log", "--tail=/b/*",
                          "--tail-exclude", "*.tmp"},
                         &c)
                  .ok());
  EXPECT_EQ(c.tail_globs, (std::vector<std::string>{"/var/log/pods/*/*/*.log",
                                                    "/var/log/app/*.log",
                                                    "/a/*.log", "/b/*"}));
  EXPECT_EQ(c.tail_exclude,
            (std::vector<std::string>{"*/kube-system_*", "*.tmp"}));
  EXPECT_TRUE(c.tail_read_from_end);
  EXPECT_EQ(c.tail_rescan_interval_ms, 5000);
  EXPECT_EQ(c.tail_poll_interval_ms, 100);
  EXPECT_FALSE(c.tail_inotify);
  EXPECT_EQ(c.tail_rotate_wait_ms, 2000);
  EXPECT_EQ(c.tail_checkpoint_path, "/x/ckpt");
  EXPECT_EQ(c.tail_tenant, "node-logs");
  EXPECT_FALSE(ApplyFlags({"--tail-read-from", "middle"}, &c).ok());
  EXPECT_FALSE(ApplyFlags({"--tail-inotify", "yes"}, &c).ok());
}

TEST_F(ConfigTest, KafkaKeysListsAndRepeatedFlags) {
  const std::string path = Write(
      "kafka_brokers: k0:9092,k1:9092\nkafka_topics: [app, audit]\n"
      "kafka_group: silt-prod\nkafka_tenant: team-a\n"
      "kafka_options:\n  fetch.min.bytes: 1\n  security.protocol: SSL\n"
      "kafka_max_inflight_bytes: 8MiB\nkafka_pause_after: 3s\n");
  Config c;
  ASSERT_TRUE(LoadConfigFile(path, &c).ok());
  EXPECT_EQ(c.kafka_brokers, "k0:9092,k1:9092");
  EXPECT_EQ(c.kafka_topics, (std::vector<std::string>{"app", "audit"}));
  EXPECT_EQ(c.kafka_group, "silt-prod");
  EXPECT_EQ(c.kafka_tenant, "team-a");
  EXPECT_EQ(c.kafka_max_inflight_bytes, 8u << 20);
  EXPECT_EQ(c.kafka_pause_after_ms, 3000);
  using Props = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(c.kafka_options,
            (Props{{"fetch.min.bytes", "1"}, {"security.protocol", "SSL"}}));

  // Flags: topics repeat (or a,b) and replace the file's list; an option
  // given again wins over the file's.
  ASSERT_TRUE(
      ApplyFlags({"--config", path, "--kafka-topic", "x", "--kafka-topic=y,z",
                  "--kafka-option", "security.protocol=SASL_SSL",
                  "--kafka-option", "session.timeout.ms=6000"},
                 &c)
          .ok());
  EXPECT_EQ(c.kafka_topics, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(c.kafka_options, (Props{{"fetch.min.bytes", "1"},
                                    {"security.protocol", "SASL_SSL"},
                                    {"session.timeout.ms", "6000"}}));

  Config bad;
  EXPECT_FALSE(ApplyFlags({"--kafka-option", "no-equals-sign"}, &bad).ok());
  EXPECT_FALSE(ApplyFlags({"--kafka-topic", "a,,b"}, &bad).ok());
  EXPECT_FALSE(LoadConfigFile(Write("kafka_topics: app\n"), &bad).ok());
}

TEST_F(ConfigTest, ErrorsNameTheKey) {
  Config c;
  absl::Status st = LoadConfigFile(Write("no_such_key: 1\n"), &c);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("no_such_key"), std::string::npos);
  st = LoadConfigFile(Write("zstd_level: fast\n"), &c);
  EXPECT_NE(st.message().find("zstd_level"), std::string::npos);
  st = ApplyFlags({"--bogus", "1"}, &c);
  EXPECT_NE(st.message().find("--bogus"), std::string::npos);
  EXPECT_EQ(LoadConfigFile(dir_.File("missing.yaml"), &c).code(),
            absl::StatusCode::kNotFound);
  st = LoadConfigFile(Write("a: [unclosed\n"), &c);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ConfigTest, RedactSectionAndFlags) {
  Config c;
  EXPECT_TRUE(c.redact.enabled);
  std::string path = Write(
      "redact:\n"
      "  rules:\n"
      "    credit_card: {action: last4}\n"
      "    email: false\n"
      "    ipv4: true\n"
      "  user_rules:\n"
      "    - {name: employee_id, regex: 'EMP-[0-9]{6}', action: hash}\n"
      "  extra_secret_keys: [pin]\n"
      "  hash_key: abc\n"
      "  hash_key_env: MY_KEY\n");
  ASSERT_TRUE(ApplyFlags({"--config", path, "--redact-disable",
                          "employee_id,jwt", "--redact-enable", "us_ssn"},
                         &c)
                  .ok());
  const redact::RedactOptions& r = c.redact;
  auto find = [&](const std::string& name) -> const redact::RuleSetting* {
    for (const auto& s : r.builtin) {
      if (s.name == name) return &s;
    }
    return nullptr;
  };
  ASSERT_NE(find("credit_card"), nullptr);
  EXPECT_EQ(find("credit_card")->action, redact::Action::kLast4);
  EXPECT_TRUE(find("credit_card")->enabled);
  EXPECT_FALSE(find("email")->enabled);
  EXPECT_TRUE(find("ipv4")->enabled);
  EXPECT_FALSE(find("jwt")->enabled);
  EXPECT_TRUE(find("us_ssn")->enabled);
  ASSERT_EQ(r.user.size(), 1u);
  EXPECT_EQ(r.user[0].name, "employee_id");
  EXPECT_EQ(r.user[0].regex, "EMP-[0-9]{6}");
  EXPECT_EQ(r.user[0].action, redact::Action::kHash);
  EXPECT_FALSE(r.user[0].enabled);  // the flag wins
  EXPECT_EQ(r.secret_keys.back(), "pin");
  EXPECT_EQ(r.hash_key, "abc");
  EXPECT_EQ(r.hash_key_env, "MY_KEY");
  // The options compile: the rule list is what the config says.
  auto rules = redact::Rules::Compile(r);
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_EQ(
      (*rules)->rule_names(),
      (std::vector<std::string>{"credit_card", "aws_access_key", "bearer_token",
                                "url_credentials", "secret_kv", "secret_key",
                                "ipv4", "us_ssn"}));

  Config off;
  ASSERT_TRUE(ApplyFlags({"--redact", "off"}, &off).ok());
  EXPECT_FALSE(off.redact.enabled);
  Config off_yaml;
  ASSERT_TRUE(LoadConfigFile(Write("redact: off\n"), &off_yaml).ok());
  EXPECT_FALSE(off_yaml.redact.enabled);
}

TEST_F(ConfigTest, RedactErrorsNameTheKey) {
  Config c;
  absl::Status st =
      LoadConfigFile(Write("redact:\n  rules:\n    cards: true\n"), &c);
  EXPECT_NE(st.message().find("unknown built-in rule 'cards'"),
            std::string::npos)
      << st;
  st = LoadConfigFile(Write("redact:\n  rules:\n    email: {action: blur}\n"),
                      &c);
  EXPECT_NE(st.message().find("redact.rules.email.action"), std::string::npos)
      << st;
  st = LoadConfigFile(Write("redact:\n  colour: red\n"), &c);
  EXPECT_NE(st.message().find("redact.colour"), std::string::npos) << st;
  st = LoadConfigFile(Write("redact:\n  user_rules:\n    - {name: x}\n"), &c);
  EXPECT_NE(st.message().find("needs a name and a regex"), std::string::npos)
      << st;
  st = ApplyFlags({"--redact-enable", "nope"}, &c);
  EXPECT_NE(st.message().find("unknown redaction rule 'nope'"),
            std::string::npos)
      << st;
  st = ApplyFlags({"--redact", "maybe"}, &c);
  EXPECT_NE(st.message().find("--redact"), std::string::npos) << st;
}

}  // namespace
}  // namespace silt::server
