#include "store/internal/wal.h"

#include <filesystem>
#include <fstream>

#include "common/file.h"
#include "gtest/gtest.h"
#include "store/internal/coding.h"
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
  // Segment 1 from runs of records at every alignment, written in groups;
  // checks that replay gives every line back in order.
  void PiecesReplayInOrder(bool direct_io);
  std::vector<size_t> WriteRecords(int n) {
    auto w = WalWriter::Create(dir_.path(), 1, true, /*direct_io=*/true);
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

// Runs of records of many sizes, from buffers at every alignment, written
// in groups of several pieces: direct writes line them up with pads and
// bounce sectors. Every line must come back, in order.
void WalTest::PiecesReplayInOrder(bool direct_io) {
  auto w = WalWriter::Create(dir_.path(), 1, true, direct_io);
  ASSERT_TRUE(w.ok()) << w.status();
  std::vector<std::string> want;
  std::vector<std::string> bufs;  // skew bytes, then a run of records
  std::vector<size_t> skews;
  int n = 0;
  for (size_t line_len : {3u, 700u, 5000u, 20000u, 1u, 9000u}) {
    for (size_t skew : {0u, 1u, 7u, 511u, 4093u}) {
      std::string buf(skew, 'x');
      for (int r = 0; r < 1 + n % 3; ++r) {  // runs of 1 to 3 records
        std::string line(line_len, static_cast<char>('a' + n % 26));
        line += std::to_string(n++);
        want.push_back(line);
        EncodeWalRecord(MakeBatch("t", {{"{a=\"b\"}", n, line, "", "", ""}}),
                        &buf);
      }
      bufs.push_back(std::move(buf));
      skews.push_back(skew);
    }
  }
  uint64_t logical = kWalHeaderSize;
  size_t i = 0;
  for (size_t g = 1; i < bufs.size(); ++g) {  // groups of 1, 2, 3 ... pieces
    std::vector<std::string_view> pieces;
    for (size_t k = 0; k < g && i < bufs.size(); ++k, ++i) {
      pieces.push_back(std::string_view(bufs[i]).substr(skews[i]));
      logical += pieces.back().size();
    }
    ASSERT_TRUE((*w)->Write(pieces, /*sync=*/g % 2 == 0).ok());
  }
  // Only pads are added to what was given.
  EXPECT_GE((*w)->size(), logical);
  if (!direct_io) {
    // Through the page cache: no pads, no zeros after the last record.
    EXPECT_EQ((*w)->direct_align(), 0u);
    EXPECT_EQ((*w)->size(), logical);
    EXPECT_EQ(std::filesystem::file_size(SegPath(1)), logical);
  }
  if ((*w)->direct_align() != 0) {
    EXPECT_EQ(std::filesystem::file_size(SegPath(1)) % (*w)->direct_align(),
              0u);
  }
  w->reset();
  std::vector<std::string> got;
  auto r = ReplayWalSegment(SegPath(1), [&](const WalBatch& b) {
    for (const auto& e : b.entries) got.emplace_back(e.view.line);
  });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->torn_tail);
  EXPECT_FALSE(r->corrupt);
  EXPECT_EQ(got, want);
}

TEST_F(WalTest, PiecesAtAnyAlignmentReplayInOrder) {
  PiecesReplayInOrder(/*direct_io=*/true);
}

TEST_F(WalTest, PiecesWrittenThroughThePageCacheReplayInOrder) {
  PiecesReplayInOrder(/*direct_io=*/false);
}

// A version 1 segment (written before pads and direct writes) replays.
TEST_F(WalTest, ReplaysVersion1Segments) {
  std::string file;
  PutFixed64(&file, kWalMagic);
  PutFixed32(&file, kWalVersion1);
  PutFixed32(&file, 0);
  for (int i = 0; i < 3; ++i) {
    EncodeWalRecord(MakeBatch("t", {{"{a=\"b\"}", i, "v1 " + std::to_string(i),
                                     "", "", ""}}),
                    &file);
  }
  { std::ofstream(SegPath(1), std::ios::binary) << file; }
  WalReplayResult res;
  auto lines = Replay(&res);
  EXPECT_EQ(lines, (std::vector<std::string>{"v1 0", "v1 1", "v1 2"}));
  EXPECT_FALSE(res.torn_tail);
  EXPECT_FALSE(res.corrupt);
}

// A version 2 segment with a pad between records, built by hand.
class WalPadTest : public WalTest {
 protected:
  void SetUp() override {
    PutFixed64(&file_, kWalMagic);
    PutFixed32(&file_, kWalVersion);
    PutFixed32(&file_, 0);
    EncodeWalRecord(MakeBatch("t", {{"{a=\"b\"}", 1, "one", "", "", ""}}),
                    &file_);
    pad_at_ = file_.size();
    PutFixed32(&file_, kWalPadFlag | 20);
    file_.append(16, '\0');
    EncodeWalRecord(MakeBatch("t", {{"{a=\"b\"}", 2, "two", "", "", ""}}),
                    &file_);
  }
  void Save(const std::string& bytes) {
    std::ofstream(SegPath(1), std::ios::binary) << bytes;
  }
  std::string file_;
  size_t pad_at_ = 0;
};

TEST_F(WalPadTest, PadIsSkipped) {
  Save(file_);
  WalReplayResult res;
  EXPECT_EQ(Replay(&res), (std::vector<std::string>{"one", "two"}));
  EXPECT_FALSE(res.torn_tail);
  EXPECT_FALSE(res.corrupt);
}

TEST_F(WalPadTest, DamagedPadIsCorrupt) {
  file_[pad_at_ + 9] = 1;
  Save(file_);
  WalReplayResult res;
  EXPECT_EQ(Replay(&res), (std::vector<std::string>{"one"}));
  EXPECT_TRUE(res.corrupt);
}

TEST_F(WalPadTest, PadCutShortIsTorn) {
  Save(file_.substr(0, pad_at_ + 10));
  WalReplayResult res;
  EXPECT_EQ(Replay(&res), (std::vector<std::string>{"one"}));
  EXPECT_TRUE(res.torn_tail);
  EXPECT_FALSE(res.corrupt);
}

// Version 1 has no pads: the same bytes there are damage.
TEST_F(WalPadTest, PadInVersion1IsCorrupt) {
  file_[8] = static_cast<char>(kWalVersion1);
  Save(file_);
  WalReplayResult res;
  EXPECT_EQ(Replay(&res), (std::vector<std::string>{"one"}));
  EXPECT_TRUE(res.corrupt);
}

// With an order, entries are written in it (a stream's entries of a batch
// together); entry_data still maps each batch record to its own line, and
// the record decodes to the same entries, reordered.
TEST(WalEncodeTest, OrderedEntriesKeepTheirData) {
  RecordBatch b = MakeBatch("t", {{"{a=\"1\"}", 1, "one", "tr1", "", ""},
                                  {"{a=\"2\"}", 2, "two", "", "sp2", ""},
                                  {"{a=\"1\"}", 3, "three", "", "", "{}"},
                                  {"{a=\"2\"}", 4, "four", "", "", ""}});
  const std::vector<uint32_t> order = {0, 2, 1, 3};
  std::string buf(WalRecordBound(b), '\0');
  std::vector<const char*> data(b.size());
  const size_t n = EncodeWalRecordTo(b, buf.data(), data.data(), order.data());
  for (size_t i = 0; i < b.size(); ++i) {
    EXPECT_EQ(std::string_view(data[i], b.line(i).size()), b.line(i));
  }
  WalBatch w;
  ASSERT_TRUE(
      DecodeWalPayload(std::string_view(buf.data() + kWalRecordHeaderSize,
                                        n - kWalRecordHeaderSize),
                       &w)
          .ok());
  ASSERT_EQ(w.entries.size(), 4u);
  std::vector<std::string> lines;
  for (const auto& e : w.entries) lines.emplace_back(e.view.line);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "three", "two", "four"}));
  EXPECT_EQ(w.entries[0].view.trace_id, "tr1");
  EXPECT_EQ(w.entries[1].view.metadata, "{}");
  EXPECT_EQ(w.entries[2].view.span_id, "sp2");
  EXPECT_EQ(w.entries[3].view.ts_ns, 4);
}

}  // namespace
}  // namespace silt::store
