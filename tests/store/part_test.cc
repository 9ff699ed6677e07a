#include <deque>
#include <fstream>

#include "common/file.h"
#include "common/metrics.h"
#include "gtest/gtest.h"
#include "store/internal/compress_pool.h"
#include "store/internal/part_format.h"
#include "store/internal/part_reader.h"
#include "store/internal/part_writer.h"
#include "tests/store/store_test_util.h"

namespace silt::store {
namespace {

using testing::TempDir;

class PartTest : public ::testing::Test {
 protected:
  TempDir dir_;  // first: path_ is built from it
  std::string path_ = dir_.path() + "/00000000000000000001.part";

  // Writes streams 1..nstreams, `per` entries each; returns total entries.
  void WritePart(int nstreams, int per, uint32_t block_bytes = 4096,
                 CompressPool* pool = nullptr, const std::string& path = "") {
    PartWriterOptions o;
    o.target_block_bytes = block_bytes;
    o.pool = pool;
    o.max_blocks_in_flight = 3;
    auto w = PartWriter::Create(o, path.empty() ? path_ : path, "acme");
    ASSERT_TRUE(w.ok()) << w.status();
    // The writer keeps views until Finish: the bytes must live as long.
    std::deque<std::string> keep;
    for (int s = 1; s <= nstreams; ++s) {
      ASSERT_TRUE(
          (*w)->StartStream(s, "{app=\"a" + std::to_string(s) + "\"}").ok());
      for (int i = 0; i < per; ++i) {
        const std::string& line =
            keep.emplace_back("{\"msg\":\"hello " + std::to_string(i) +
                              "\",\"stream\":" + std::to_string(s) + "}");
        const std::string& trace =
            keep.emplace_back(i % 3 == 0 ? "trace" + std::to_string(i) : "");
        EntryView e;
        e.ts_ns = 1000 + i * 10;
        e.line = line;
        e.trace_id = trace;
        ASSERT_TRUE((*w)->Add(e).ok());
      }
    }
    auto info = (*w)->Finish();
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(info->entries, uint64_t(nstreams) * per);
    EXPECT_FALSE(FileExists((path.empty() ? path_ : path) + ".tmp"));
  }

  std::vector<std::pair<int64_t, std::string>> ReadStream(
      const PartReader& r, uint64_t stream, int* damaged = nullptr) {
    std::vector<std::pair<int64_t, std::string>> out;
    auto [b, e] = r.RunsOf(stream);
    for (auto* run = b; run != e; ++run) {
      DecodedBlock block;
      absl::Status s = r.ReadBlock(run->block, &block);
      if (!s.ok()) {
        EXPECT_TRUE(absl::IsDataLoss(s)) << s;
        if (damaged) ++*damaged;
        continue;
      }
      for (uint32_t i = run->first; i < run->first + run->count; ++i) {
        out.emplace_back(block.ts(i), std::string(block.line(i)));
      }
    }
    return out;
  }

  void Corrupt(uint64_t offset, char x) {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(offset);
    char c;
    f.get(c);
    f.seekp(offset);
    f.put(static_cast<char>(c ^ x));
  }
};

TEST_F(PartTest, RoundTripManyStreamsAndBlocks) {
  WritePart(20, 300);
  auto r = PartReader::Open(path_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)->tenant(), "acme");
  EXPECT_EQ((*r)->streams().size(), 20u);
  EXPECT_GT((*r)->num_blocks(), 10u);
  EXPECT_EQ((*r)->min_ts(), 1000);
  EXPECT_EQ((*r)->max_ts(), 1000 + 299 * 10);
  for (int s = 1; s <= 20; ++s) {
    auto got = ReadStream(**r, s);
    ASSERT_EQ(got.size(), 300u);
    for (int i = 0; i < 300; ++i) {
      EXPECT_EQ(got[i].first, 1000 + i * 10);
      EXPECT_EQ(got[i].second, "{\"msg\":\"hello " + std::to_string(i) +
                                   "\",\"stream\":" + std::to_string(s) + "}");
    }
  }
  EXPECT_TRUE(ReadStream(**r, 999).empty());
}

TEST_F(PartTest, PooledCompressionWritesTheSameFile) {
  // Blocks compressed on pool threads are written in the order they were
  // built: the file is byte for byte the one written inline.
  CompressPool pool(3);
  const std::string pooled = dir_.path() + "/00000000000000000002.part";
  WritePart(20, 300);
  WritePart(20, 300, 4096, &pool, pooled);
  std::string a, b;
  ASSERT_TRUE(ReadFileToString(path_, &a).ok());
  ASSERT_TRUE(ReadFileToString(pooled, &b).ok());
  EXPECT_GT(a.size(), 10000u);
  EXPECT_EQ(a, b);
  auto r = PartReader::Open(pooled);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT((*r)->num_blocks(), 10u);
  EXPECT_EQ(ReadStream(**r, 7).size(), 300u);
}

TEST_F(PartTest, WritersReusingBlocksWriteTheSameFile) {
  // Blocks and their buffers go from one writer to the next: a writer of
  // small blocks after one of large ones (stale bytes in every buffer)
  // still writes exactly the file written inline.
  CompressPool pool(2);
  const std::string large = dir_.path() + "/00000000000000000002.part";
  const std::string reused = dir_.path() + "/00000000000000000003.part";
  WritePart(20, 300);
  WritePart(200, 300, 1 << 20, &pool, large);
  WritePart(20, 300, 4096, &pool, reused);
  std::string a, b;
  ASSERT_TRUE(ReadFileToString(path_, &a).ok());
  ASSERT_TRUE(ReadFileToString(reused, &b).ok());
  EXPECT_GT(a.size(), 10000u);
  EXPECT_EQ(a, b);
}

TEST_F(PartTest, SmallStreamsShareABlock) {
  WritePart(50, 2, 1 << 20);
  auto r = PartReader::Open(path_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)->num_blocks(), 1u);
  EXPECT_EQ((*r)->runs().size(), 50u);
  EXPECT_EQ(ReadStream(**r, 37).size(), 2u);
}

TEST_F(PartTest, CorruptedBlockIsDataLossAndConfined) {
  WritePart(3, 200);
  auto r = PartReader::Open(path_);
  ASSERT_TRUE(r.ok());
  // Damage the first block (stream 1's first run).
  Corrupt(10, 0x55);
  int damaged = 0;
  auto got1 = ReadStream(**r, 1, &damaged);
  EXPECT_EQ(damaged, 1);
  EXPECT_LT(got1.size(), 200u);
  EXPECT_GT(got1.size(), 0u);
  damaged = 0;
  EXPECT_EQ(ReadStream(**r, 3, &damaged).size(), 200u);
  EXPECT_EQ(damaged, 0);
}

TEST_F(PartTest, TruncatedFooterIsDataLoss) {
  WritePart(2, 10);
  auto size = FileSize(path_);
  ASSERT_TRUE(size.ok());
  for (uint64_t cut : {uint64_t{1}, uint64_t{30}, *size - 10, *size}) {
    std::string data;
    ASSERT_TRUE(ReadFileToString(path_, &data).ok());
    std::string p2 = dir_.path() + "/cut.part";
    ASSERT_TRUE(WriteFileAtomically(p2, data.substr(0, *size - cut)).ok());
    auto r = PartReader::Open(p2);
    EXPECT_TRUE(absl::IsDataLoss(r.status())) << cut << " " << r.status();
  }
}

TEST_F(PartTest, BadMagicVersionOrIndexIsDataLoss) {
  WritePart(2, 10);
  auto size = *FileSize(path_);
  std::string orig;
  ASSERT_TRUE(ReadFileToString(path_, &orig).ok());
  for (uint64_t off : {size - 1, size - kPartFooterSize + kFooterVersion,
                       size - kPartFooterSize - 3, size - kPartFooterSize}) {
    ASSERT_TRUE(WriteFileAtomically(path_, orig).ok());
    Corrupt(off, 0x01);
    auto r = PartReader::Open(path_);
    EXPECT_TRUE(absl::IsDataLoss(r.status())) << off << " " << r.status();
  }
}

// Any single damaged byte is detected (kDataLoss) or harmless; never a
// crash or a wrong line.
TEST_F(PartTest, RandomByteFlipsNeverCrash) {
  WritePart(4, 100);
  std::string orig;
  ASSERT_TRUE(ReadFileToString(path_, &orig).ok());
  uint64_t seed = 12345;
  for (int iter = 0; iter < 300; ++iter) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    std::string data = orig;
    size_t off = (seed >> 33) % data.size();
    data[off] = static_cast<char>(data[off] ^ (1 + (seed & 0x7f)));
    ASSERT_TRUE(WriteFileAtomically(path_, data).ok());
    auto r = PartReader::Open(path_);
    if (!r.ok()) {
      EXPECT_TRUE(absl::IsDataLoss(r.status())) << r.status();
      continue;
    }
    for (int s = 1; s <= 4; ++s) {
      for (const auto& [ts, line] : ReadStream(**r, s)) {
        // What decodes is what was written.
        EXPECT_EQ(line.rfind("{\"msg\":\"hello ", 0), 0u) << off;
      }
    }
  }
}

// A v1 part written by the first writer: every later reader must read it.
TEST_F(PartTest, GoldenV1PartStillReads) {
  const std::string golden =
      std::string(SILT_SOURCE_DIR) + "/tests/data/store/v1.part";
  if (getenv("SILT_REGEN_GOLDEN") != nullptr) {
    path_ = golden;
    WritePart(3, 5, 1 << 20);
  }
  auto r = PartReader::Open(golden);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)->tenant(), "acme");
  ASSERT_EQ((*r)->streams().size(), 3u);
  EXPECT_EQ((*r)->streams()[1].second, "{app=\"a2\"}");
  auto got = ReadStream(**r, 2);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[4].first, 1040);
  EXPECT_EQ(got[4].second, "{\"msg\":\"hello 4\",\"stream\":2}");
  auto [b, e] = (*r)->RunsOf(3);
  ASSERT_EQ(e - b, 1);
  DecodedBlock block;
  ASSERT_TRUE((*r)->ReadBlock(b->block, &block).ok());
  EXPECT_EQ(block.entry(b->first + 3).trace_id, "trace3");
}

}  // namespace
}  // namespace silt::store
