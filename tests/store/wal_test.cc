#include "store/internal/wal.h"

#include <fstream>

#include "common/file.h"
#include "gtest/gtest.h"
#include "store/internal/paths.h"
#include "store/internal/wal_format.h"
#include "tests/store/store_test_util.h"

namespace silt::store {
namespace {

using testing::MakeBatch;
using testing::TempDir;

class WalTest : public ::testing::Test {
 protected:
  std::string SegPath(uint64_t seq) {
    return dir_.path() + "/" + SeqFileName(seq, kWalSuffix);
  }
  // Writes `n` single-entry records to segment 1; returns record sizes.
  std::vector<size_t> WriteRecords(int n) {
    auto w = WalWriter::Create(dir_.path(), 1, true);
    EXPECT_TRUE(w.ok()) << w.status();
    std::vector<size_t> sizes;
    for (int i = 0; i < n; ++i) {
      std::string buf;
      EncodeWalRecord(
          MakeBatch("t", {{"{a=\"b\"}", 100 + i, "line " + std::to_string(i),
                           "tr", "sp", "{\"k\":1}"}}),
          &buf);
      sizes.push_back(buf.size());
      EXPECT_TRUE((*w)->Write(buf).ok());
    }
    return sizes;
  }
  std::vector<std::string> Replay(WalReplayResult* res) {
    std::vector<std::string> lines;
    auto r = ReplayWalSegment(SegPath(1), [&](const WalBatch& b) {
      EXPECT_EQ(b.tenant, "t");
      for (const auto& e : b.entries) lines.emplace_back(e.view.line);
    });
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok()) *res = *r;
    return lines;
  }
  void Truncate(uint64_t size) {
    std::filesystem::resize_file(SegPath(1), size);
  }
  void Flip(uint64_t off) {
    std::fstream f(SegPath(1), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(off);
    char c;
    f.get(c);
    f.seekp(off);
    f.put(static_cast<char>(c ^ 0x20));
  }
  TempDir dir_;
};

TEST_F(WalTest, EncodeDecodeRoundTrip) {
  std::string buf;
  auto batch = MakeBatch("acme", {{"{a=\"1\"}", -5, "neg ts", "", "", ""},
                                  {"{a=\"2\"}", 7, "x", "t1", "s1", "{}"},
                                  {"{a=\"1\"}", 9, "", "", "", ""}});
  EncodeWalRecord(batch, &buf);
  WalBatch b;
  ASSERT_TRUE(DecodeWalPayload(std::string_view(buf).substr(12), &b).ok());
  EXPECT_EQ(b.tenant, "acme");
  ASSERT_EQ(b.streams.size(), 2u);
  EXPECT_EQ(b.streams[1].second, "{a=\"2\"}");
  ASSERT_EQ(b.entries.size(), 3u);
  EXPECT_EQ(b.entries[0].view.ts_ns, -5);
  EXPECT_EQ(b.entries[1].stream, 1u);
  EXPECT_EQ(b.entries[1].view.trace_id, "t1");
  EXPECT_EQ(b.entries[1].view.span_id, "s1");
  EXPECT_EQ(b.entries[1].view.metadata, "{}");
  EXPECT_EQ(b.entries[2].view.line, "");
}

TEST_F(WalTest, ReplaysAllRecords) {
  WriteRecords(5);
  WalReplayResult res;
  auto lines = Replay(&res);
  EXPECT_EQ(lines.size(), 5u);
  EXPECT_FALSE(res.torn_tail);
  EXPECT_FALSE(res.corrupt);
}

TEST_F(WalTest, TornTailIsIgnored) {
  auto sizes = WriteRecords(3);
  uint64_t full = kWalHeaderSize + sizes[0] + sizes[1] + sizes[2];
  for (uint64_t cut : {uint64_t{1}, uint64_t{5}, sizes[2] - 1}) {
    Truncate(full - cut);
    WalReplayResult res;
    auto lines = Replay(&res);
    EXPECT_EQ(lines.size(), 2u) << cut;
    EXPECT_TRUE(res.torn_tail);
    EXPECT_FALSE(res.corrupt);
  }
}

TEST_F(WalTest, GarbageInLastRecordIsTornNotCorrupt) {
  auto sizes = WriteRecords(3);
  Flip(kWalHeaderSize + sizes[0] + sizes[1] + 20);
  WalReplayResult res;
  EXPECT_EQ(Replay(&res).size(), 2u);
  EXPECT_TRUE(res.torn_tail);
  EXPECT_FALSE(res.corrupt);
}

TEST_F(WalTest, ZeroTailIsTorn) {
  WriteRecords(2);
  {
    std::ofstream f(SegPath(1), std::ios::app | std::ios::binary);
    f << std::string(100, '\0');
  }
  WalReplayResult res;
  EXPECT_EQ(Replay(&res).size(), 2u);
  EXPECT_TRUE(res.torn_tail);
  EXPECT_FALSE(res.corrupt);
}

TEST_F(WalTest, CorruptionInTheMiddleSkipsRestOfSegment) {
  auto sizes = WriteRecords(4);
  Flip(kWalHeaderSize + sizes[0] + 20);  // inside record 1's payload
  WalReplayResult res;
  auto lines = Replay(&res);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "line 0");
  EXPECT_TRUE(res.corrupt);
}

TEST_F(WalTest, BadHeaderIsCorrupt) {
  WriteRecords(1);
  Flip(0);
  WalReplayResult res;
  EXPECT_TRUE(Replay(&res).empty());
  EXPECT_TRUE(res.corrupt);
}

}  // namespace
}  // namespace silt::store
