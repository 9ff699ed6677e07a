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

}  // namespace
}  // namespace silt::server
