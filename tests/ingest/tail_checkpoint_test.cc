#include "ingest/internal/tail_checkpoint.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "common/file.h"
#include "tests/testing/temp_dir.h"
#include "xxhash.h"

namespace silt::ingest::internal {
namespace {

std::vector<CheckpointEntry> Sample() {
  CheckpointEntry a;
  a.dev = 2049;
  a.ino = 1835012;
  a.fp_len = 256;
  a.fp_hash = 0x9f1c0b5e77a3d210ull;
  a.state.offset = 4096;
  a.state.skip[1] = 4321;
  a.path = "/var/log/pods/prod_api-7d9f_0b1c/api/0.log";
  CheckpointEntry b;
  b.dev = 1;
  b.ino = 2;
  b.path = "/tmp/with space/and%percent\nnewline.log";
  return {a, b};
}

TEST(TailCheckpointTest, RoundTripsAndEscapesPaths) {
  const std::string text = EncodeCheckpoint(Sample());
  EXPECT_EQ(text.rfind("silt-tail-checkpoint 1\n", 0), 0u);
  EXPECT_NE(text.find("/tmp/with%20space/and%25percent%0anewline.log"),
            std::string::npos);
  auto back = DecodeCheckpoint(text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, Sample());
  auto empty = DecodeCheckpoint(EncodeCheckpoint({}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(TailCheckpointTest, DamageIsDataLoss) {
  const std::string good = EncodeCheckpoint(Sample());
  std::string flipped = good;
  flipped[40] ^= 1;
  std::string cut = good.substr(0, good.size() - 10);
  std::string foreign = "hello\n";
  std::string dropped = good;
  dropped.erase(good.find("f 1 2"),
                good.find('\n', good.find("f 1 2")) - good.find("f 1 2") + 1);
  for (const std::string& bad : {flipped, cut, foreign, dropped}) {
    auto r = DecodeCheckpoint(bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << bad;
  }
}

TEST(TailCheckpointTest, SaveCreatesDirAndLoadReadsBack) {
  silt::testing::TempDir dir;
  const std::string path = dir.path() + "/tail/sub/checkpoints";
  auto missing = LoadCheckpoint(path);
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->empty());
  ASSERT_TRUE(SaveCheckpoint(path, Sample()).ok());
  EXPECT_FALSE(FileExists(path + ".tmp"));
  auto back = LoadCheckpoint(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, Sample());
}

TEST(TailCheckpointTest, GoldenVersion1StillReads) {
  // tests/data/tail/checkpoints.v1: written by version 1; keep it reading.
  std::string text;
  ASSERT_TRUE(ReadFileToString(std::string(SILT_SOURCE_DIR) +
                                   "/tests/data/tail/checkpoints.v1",
                               &text)
                  .ok());
  auto entries = DecodeCheckpoint(text);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0], Sample()[0]);
  EXPECT_EQ((*entries)[1].path, "/var/log/app/with space.log");
  EXPECT_EQ((*entries)[1].fp_hash, 0x0123456789abcdefull);
  EXPECT_EQ((*entries)[1].state.offset, 120u);
  // And a byte changed anywhere is caught.
  for (size_t i = 0; i < text.size(); i += 7) {
    std::string bad = text;
    bad[i] = bad[i] == 'x' ? 'y' : 'x';
    EXPECT_FALSE(DecodeCheckpoint(bad).ok()) << i;
  }
}

TEST(TailCheckpointTest, FingerprintOfFirstBytes) {
  silt::testing::TempDir dir;
  const std::string path = dir.File("f");
  ASSERT_TRUE(WriteFileAtomically(path, "0123456789").ok());
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  uint64_t h = 0;
  ASSERT_TRUE(FingerprintFd(fd, 4, &h));
  EXPECT_EQ(h, XXH64("0123", 4, 0));
  EXPECT_FALSE(FingerprintFd(fd, 11, &h));  // shorter than asked
  ::close(fd);
}

}  // namespace
}  // namespace silt::ingest::internal
