#include "ingest/internal/tail_paths.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/testing/temp_dir.h"

namespace silt::ingest::internal {
namespace {

Labels L(std::initializer_list<Label> l) {
  Labels out(l);
  Canonicalize(&out);
  return out;
}

TEST(TailPathsTest, PodsPath) {
  EXPECT_EQ(PathLabels("/var/log/pods/prod_api-7d9f8b6c5-x2k4p_0b1c2d3e-aaaa/"
                       "api/0.log"),
            L({{"namespace", "prod"},
               {"pod", "api-7d9f8b6c5-x2k4p"},
               {"container", "api"}}));
  // A rotated name keeps the labels; any prefix before pods/ works.
  EXPECT_EQ(PathLabels("/host/var/log/pods/kube-system_coredns-1_u/coredns/"
                       "3.log.20240501-120000"),
            L({{"namespace", "kube-system"},
               {"pod", "coredns-1"},
               {"container", "coredns"}}));
}

TEST(TailPathsTest, ContainersPath) {
  const std::string id(64, 'a');
  EXPECT_EQ(PathLabels("/var/log/containers/checkout-7d9f-x2k4p_shop_"
                       "checkout-app-" +
                       id + ".log"),
            L({{"namespace", "shop"},
               {"pod", "checkout-7d9f-x2k4p"},
               {"container", "checkout-app"}}));
}

TEST(TailPathsTest, OtherPathsGiveFilename) {
  for (const std::string p :
       {"/var/log/app.log", "/var/log/pods/bad/0.log",
        "/var/log/containers/short_id_c-abc.log", "relative/x.log"}) {
    EXPECT_EQ(PathLabels(p), L({{"filename", p}})) << p;
  }
}

TEST(TailPathsTest, CompressedNames) {
  EXPECT_TRUE(IsCompressedName("/x/0.log.20240501-120000.gz"));
  EXPECT_TRUE(IsCompressedName("a.zst"));
  EXPECT_FALSE(IsCompressedName("/x/0.log.20240501-120000"));
  EXPECT_FALSE(IsCompressedName("/x/gz.log"));
}

TEST(TailPathsTest, GlobsAndWatchDirs) {
  silt::testing::TempDir dir;
  namespace fs = std::filesystem;
  fs::create_directories(dir.path() + "/pods/a_p_u/c");
  fs::create_directories(dir.path() + "/pods/b_q_v/d");
  std::ofstream(dir.path() + "/pods/a_p_u/c/0.log") << "x\n";
  std::ofstream(dir.path() + "/pods/b_q_v/d/0.log") << "y\n";
  std::ofstream(dir.path() + "/pods/b_q_v/d/0.log.1.gz") << "z";
  const std::string pattern = dir.path() + "/pods/*/*/*.log";
  EXPECT_EQ(GlobFiles(pattern),
            (std::vector<std::string>{dir.path() + "/pods/a_p_u/c/0.log",
                                      dir.path() + "/pods/b_q_v/d/0.log"}));
  EXPECT_EQ(GlobWatchDirs(pattern),
            (std::vector<std::string>{
                dir.path() + "/pods", dir.path() + "/pods/a_p_u",
                dir.path() + "/pods/a_p_u/c", dir.path() + "/pods/b_q_v",
                dir.path() + "/pods/b_q_v/d"}));
  EXPECT_EQ(GlobWatchDirs(dir.path() + "/pods/a_p_u/c/*.log"),
            (std::vector<std::string>{dir.path() + "/pods/a_p_u/c"}));
  EXPECT_TRUE(MatchesAny({"*/b_q_v/*"}, dir.path() + "/pods/b_q_v/d/0.log"));
  EXPECT_FALSE(MatchesAny({"*/b_q_v/*"}, dir.path() + "/pods/a_p_u/c/0.log"));
}

}  // namespace
}  // namespace silt::ingest::internal
