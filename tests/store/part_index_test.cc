#include "store/internal/part_index.h"

#include <fstream>

#include "absl/strings/str_join.h"
#include "common/file.h"
#include "common/metrics.h"
#include "gtest/gtest.h"
#include "store/internal/grams.h"
#include "store/internal/part_reader.h"
#include "store/internal/part_writer.h"
#include "tests/store/store_test_util.h"
#include "xxhash.h"

namespace silt::store {
namespace {

using testing::AppendSync;
using testing::IdOf;
using testing::MakeBatch;
using testing::TempDir;
using testing::TestEntry;

TEST(GramsTest, LetterRunsOfFourFoldedToLowerCase) {
  std::vector<uint32_t> g;
  AppendGrams("GET /Deadlock2 ab-cd", &g);
  // GET and ab/cd are too short; Deadlock gives 5 grams.
  ASSERT_EQ(g.size(), 5u);
  EXPECT_EQ(g[0], (4u << 15) | (5u << 10) | (1u << 5) | 4u);  // "dead"
  EXPECT_EQ(LiteralGrams("deadLOCK"), LiteralGrams("xx DEADLOCK yy"));
  EXPECT_TRUE(LiteralGrams("404").empty());
  EXPECT_TRUE(LiteralGrams("a-b-c").empty());
  EXPECT_EQ(LiteralGrams("lock lock").size(), 1u);
}

class PartIndexTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string path_ = dir_.path() + "/00000000000000000001.part";

  // 3 streams x 200 entries in small blocks; stream 2's entry 150 says
  // "deadlock"; trace "t<k>" on every 5th entry of every stream.
  void WritePart(const std::string& tenant = "acme") {
    PartWriterOptions o;
    o.target_block_bytes = 2048;
    o.fsync = false;
    auto w = PartWriter::Create(o, path_, tenant);
    ASSERT_TRUE(w.ok()) << w.status();
    for (int s = 1; s <= 3; ++s) {
      ASSERT_TRUE(
          (*w)->StartStream(s, "{app=\"a" + std::to_string(s) + "\"}").ok());
      for (int i = 0; i < 200; ++i) {
        std::string line = "{\"msg\":\"request served " + std::to_string(i) +
                           "\",\"stream\":" + std::to_string(s) + "}";
        if (s == 2 && i == 150) line = "{\"msg\":\"Deadlock detected\"}";
        std::string trace = i % 5 == 0 ? "t" + std::to_string(i / 5) : "";
        EntryView e;
        e.ts_ns = 1000 + i * 10;
        e.line = line;
        e.trace_id = trace;
        ASSERT_TRUE((*w)->Add(e).ok());
      }
    }
    ASSERT_TRUE((*w)->Finish().ok());
    auto r = PartReader::Open(path_);
    ASSERT_TRUE(r.ok()) << r.status();
    part_ = *std::move(r);
    ASSERT_GT(part_->num_blocks(), 10u);
  }

  std::shared_ptr<PartReader> part_;
};

TEST_F(PartIndexTest, FiltersSkipBlocksWithoutTheWord) {
  WritePart();
  auto idx = PartIndex::Build(*part_, /*fsync=*/false);
  ASSERT_TRUE(idx.ok()) << idx.status();
  EXPECT_TRUE(FileExists(dir_.path() + "/00000000000000000001.pidx"));
  auto grams = LiteralGrams("deadlock");
  auto common = LiteralGrams("request");
  int may = 0;
  uint32_t deadlock_block = UINT32_MAX;
  for (uint32_t b = 0; b < part_->num_blocks(); ++b) {
    DecodedBlock block;
    ASSERT_TRUE(part_->ReadBlock(b, &block).ok());
    bool has = false;
    for (uint32_t i = 0; i < block.size(); ++i) {
      has |= block.line(i).find("Deadlock") != std::string_view::npos;
    }
    if (has) deadlock_block = b;
    // Never a false negative.
    if (has) {
      EXPECT_TRUE((*idx)->BlockMayContain(b, grams));
    }
    may += (*idx)->BlockMayContain(b, grams);
    EXPECT_TRUE((*idx)->BlockMayContain(b, common) || b == deadlock_block);
  }
  ASSERT_NE(deadlock_block, UINT32_MAX);
  // The one block, perhaps a false positive or two.
  EXPECT_LE(may, 3);
  // A literal without grams rules nothing out.
  EXPECT_TRUE((*idx)->BlockMayContain(0, LiteralGrams("42")));
}

TEST_F(PartIndexTest, TraceTableNamesTheBlocks) {
  WritePart();
  auto idx = PartIndex::Build(*part_, false);
  ASSERT_TRUE(idx.ok()) << idx.status();
  for (std::string id : {"t0", "t7", "t39"}) {
    uint64_t h = XXH3_64bits(id.data(), id.size());
    EXPECT_TRUE((*idx)->MayHaveTrace(h));
    auto blocks = (*idx)->TraceBlocks(h);
    ASSERT_TRUE(blocks.ok());
    ASSERT_FALSE(blocks->empty());
    // The id is on one entry of each of the 3 streams: every listed block
    // holds it, and all 3 entries are found.
    int found = 0;
    for (uint32_t b : *blocks) {
      DecodedBlock block;
      ASSERT_TRUE(part_->ReadBlock(b, &block).ok());
      int here = 0;
      for (uint32_t i = 0; i < block.size(); ++i) {
        here += block.entry(i).trace_id == id;
      }
      EXPECT_GT(here, 0) << "block " << b;
      found += here;
    }
    EXPECT_EQ(found, 3);
    // Lines are rebuilt when read: the trace's lines come back whole.
    DecodedBlock only;
    ASSERT_TRUE(part_->ReadBlock((*blocks)[0], &only).ok());
    for (uint32_t i = 0; i < only.size(); ++i) {
      if (only.trace_id(i) != id) continue;
      EXPECT_NE(only.line(i).find("request served"), std::string_view::npos);
    }
  }
  // Ids the part lacks: the in-memory filter (1% false positives) or the
  // table says so.
  int passed = 0;
  for (int i = 0; i < 200; ++i) {
    std::string absent = "no-such-trace-" + std::to_string(i);
    uint64_t h = XXH3_64bits(absent.data(), absent.size());
    auto blocks = (*idx)->TraceBlocks(h);
    ASSERT_TRUE(blocks.ok());
    passed += (*idx)->MayHaveTrace(h);
    EXPECT_TRUE(blocks->empty() || (*idx)->MayHaveTrace(h));
  }
  EXPECT_LE(passed, 10);
}

TEST_F(PartIndexTest, DamagedOrForeignIndexIsDataLoss) {
  WritePart();
  ASSERT_TRUE(PartIndex::Build(*part_, false).ok());
  const std::string ipath = PartIndex::PathFor(path_);
  std::string bytes;
  ASSERT_TRUE(ReadFileToString(ipath, &bytes).ok());
  for (size_t pos :
       {size_t{0}, bytes.size() / 2, bytes.size() - 1, bytes.size() - 40}) {
    std::string bad = bytes;
    bad[pos] ^= 0x20;
    { std::ofstream(ipath, std::ios::binary | std::ios::trunc) << bad; }
    auto idx = PartIndex::Open(*part_);
    EXPECT_TRUE(absl::IsDataLoss(idx.status())) << pos << " " << idx.status();
  }
  {
    std::ofstream(ipath, std::ios::binary | std::ios::trunc)
        << bytes.substr(0, 50);
  }
  EXPECT_TRUE(absl::IsDataLoss(PartIndex::Open(*part_).status()));
  ASSERT_TRUE(RemoveFile(ipath).ok());
  EXPECT_TRUE(absl::IsNotFound(PartIndex::Open(*part_).status()));
  // An index of a different part at the same path.
  ASSERT_TRUE(PartIndex::Build(*part_, false).ok());
  ASSERT_TRUE(ReadFileToString(ipath, &bytes).ok());
  path_ = dir_.path() + "/00000000000000000002.part";
  WritePart("acme2");  // same shape, other bytes
  { std::ofstream(PartIndex::PathFor(path_), std::ios::binary) << bytes; }
  EXPECT_TRUE(absl::IsDataLoss(PartIndex::Open(*part_).status()));
}

class StoreIndexTest : public ::testing::Test {
 protected:
  void Open(bool index = true) {
    store_.reset();
    StoreOptions o;
    o.data_dir = dir_.path();
    o.fsync = false;
    o.target_block_bytes = 1024;
    o.index_parts = index;
    o.index_delay_ms = 0;
    auto s = Store::Open(o);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = *std::move(s);
  }

  // 4 streams x 100 entries; trace "tr<k>" on entries k*10 of each
  // stream (one trace spans the 4 streams), "panic" in one line.
  std::vector<TestEntry> Entries(int64_t base) {
    std::vector<TestEntry> out;
    for (int s = 0; s < 4; ++s) {
      for (int i = 0; i < 100; ++i) {
        TestEntry e;
        e.labels = "{app=\"s" + std::to_string(s) + "\"}";
        e.ts_ns = base + i * 1000 + s;
        e.line = "request " + std::to_string(i) + " of s" + std::to_string(s) +
                 (s == 3 && i == 42 ? " kernel panic" : "");
        if (i % 10 == 0) e.trace_id = "tr" + std::to_string(base + i / 10);
        out.push_back(e);
      }
    }
    return out;
  }

  std::vector<std::string> Trace(const std::string& id) {
    std::vector<std::string> out;
    EXPECT_TRUE(store_
                    ->LookupTrace("default", id, 0, INT64_MAX,
                                  [&](uint64_t, const EntryView& e) {
                                    EXPECT_EQ(e.trace_id, id);
                                    out.emplace_back(e.line);
                                    return true;
                                  })
                    .ok());
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreIndexTest, TraceLookupOverHeadIndexedAndUnindexedParts) {
  Open(/*index=*/false);
  // Part 1 (written without indexing), part 2 (indexed later), head.
  ASSERT_TRUE(AppendSync(store_.get(), MakeBatch("default", Entries(0))).ok());
  ASSERT_TRUE(store_->Flush().ok());
  std::vector<std::string> want = {"request 0 of s0", "request 0 of s1",
                                   "request 0 of s2", "request 0 of s3"};
  EXPECT_EQ(Trace("tr0"), want);  // unindexed part: read in full
  Open(/*index=*/true);           // indexes part 1 at start
  ASSERT_TRUE(
      AppendSync(store_.get(), MakeBatch("default", Entries(1'000'000))).ok());
  ASSERT_TRUE(store_->Flush().ok());
  ASSERT_TRUE(
      AppendSync(store_.get(), MakeBatch("default", Entries(2'000'000))).ok());
  store_->WaitIndexed();
  std::vector<std::string> files;
  for (const auto& f : std::filesystem::directory_iterator(
           dir_.path() + "/parts/default/19700101")) {
    files.push_back(f.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files.size(), 4u)
      << absl::StrJoin(files, " ");  // 2 parts, 2 indexes
  EXPECT_EQ(Trace("tr0"), want);
  EXPECT_EQ(Trace("tr1000009").size(), 4u);  // part 2
  EXPECT_EQ(Trace("tr2000003").size(), 4u);  // head
  EXPECT_EQ(Trace("tr2000003")[2], "request 30 of s2");
  EXPECT_TRUE(Trace("absent").empty());
  // Time bounds apply.
  std::vector<std::string> bounded;
  ASSERT_TRUE(store_
                  ->LookupTrace("default", "tr0", 1, 3,
                                [&](uint64_t, const EntryView& e) {
                                  bounded.emplace_back(e.line);
                                  return true;
                                })
                  .ok());
  EXPECT_EQ(bounded,
            (std::vector<std::string>{"request 0 of s1", "request 0 of s2"}));
  // Another tenant sees nothing.
  int other = 0;
  ASSERT_TRUE(store_
                  ->LookupTrace("other", "tr0", 0, INT64_MAX,
                                [&](uint64_t, const EntryView&) {
                                  ++other;
                                  return true;
                                })
                  .ok());
  EXPECT_EQ(other, 0);
}

TEST_F(StoreIndexTest, ScanWithLiteralsSkipsBlocksAndStaysExact) {
  Open();
  ASSERT_TRUE(AppendSync(store_.get(), MakeBatch("default", Entries(0))).ok());
  ASSERT_TRUE(store_->Flush().ok());
  store_->WaitIndexed();
  ScanOptions o;
  for (int s = 0; s < 4; ++s)
    o.streams.push_back(
        IdOf("default", "{app=\"s" + std::to_string(s) + "\"}"));
  std::sort(o.streams.begin(), o.streams.end());
  o.must_contain = {"panic"};
  const uint64_t skipped_before = Metrics().blocks_skipped.With({}).value();
  std::vector<std::string> lines;
  ASSERT_TRUE(store_
                  ->Scan(o,
                         [&](uint64_t, const EntryView& e) {
                           lines.emplace_back(e.line);
                           return true;
                         })
                  .ok());
  EXPECT_EQ(lines, (std::vector<std::string>{"request 42 of s3 kernel panic"}));
  EXPECT_GT(Metrics().blocks_skipped.With({}).value(), skipped_before + 5);
  // A literal without grams is still applied exactly.
  o.must_contain = {"42 "};
  lines.clear();
  ASSERT_TRUE(store_
                  ->Scan(o,
                         [&](uint64_t, const EntryView& e) {
                           lines.emplace_back(e.line);
                           return true;
                         })
                  .ok());
  EXPECT_EQ(lines.size(), 4u);
  // Parallel scans see the same entries.
  o.must_contain = {"request"};
  std::atomic<int> n{0};
  ASSERT_TRUE(store_
                  ->ParallelScan(o, 3,
                                 [&](int w, uint64_t, const EntryView&) {
                                   EXPECT_LT(w, 3);
                                   ++n;
                                   return true;
                                 })
                  .ok());
  EXPECT_EQ(n.load(), 400);
}

TEST_F(StoreIndexTest, OrphanAndDamagedIndexesAreReplaced) {
  Open();
  ASSERT_TRUE(AppendSync(store_.get(), MakeBatch("default", Entries(0))).ok());
  ASSERT_TRUE(store_->Flush().ok());
  store_->WaitIndexed();
  store_.reset();
  const std::string day = dir_.path() + "/parts/default/19700101/";
  const std::string ipath = day + "00000000000000000001.pidx";
  ASSERT_TRUE(FileExists(ipath));
  { std::ofstream(ipath, std::ios::binary | std::ios::trunc) << "garbage"; }
  { std::ofstream(day + "00000000000000000099.pidx") << "orphan"; }
  const uint64_t corrupt = Metrics().corruptions.With({"part_index"}).value();
  Open();
  store_->WaitIndexed();
  EXPECT_FALSE(FileExists(day + "00000000000000000099.pidx"));
  EXPECT_EQ(Metrics().corruptions.With({"part_index"}).value(), corrupt + 1);
  EXPECT_EQ(Trace("tr5").size(), 4u);
  store_.reset();
  Open();  // the rebuilt index opens cleanly
  EXPECT_EQ(Metrics().corruptions.With({"part_index"}).value(), corrupt + 1);
}

}  // namespace
}  // namespace silt::store
