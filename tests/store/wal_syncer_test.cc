#include "store/internal/wal_syncer.h"

#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "store/internal/paths.h"
#include "store/internal/wal_format.h"
#include "store/store.h"
#include "tests/store/store_test_util.h"

namespace silt::store {
namespace {

using testing::IdOf;
using testing::MakeBatch;
using testing::ScanAll;
using testing::TempDir;
using testing::TestOptions;

std::string Record(int i) {
  std::string buf;
  EncodeWalRecord(MakeBatch("t", {{"{a=\"b\"}", 100 + i,
                                   "line " + std::to_string(i), "", "", ""}}),
                  &buf);
  return buf;
}

// Requests run in the order they were made, on the syncer's thread, each
// callback after its sync; Drain waits for all of them.
TEST(WalSyncerTest, RunsRequestsInOrderOffTheCaller) {
  TempDir dir;
  auto w = WalWriter::Create(dir.path(), 1, true, false, /*sync=*/false);
  ASSERT_TRUE(w.ok()) << w.status();
  std::shared_ptr<WalWriter> wal = std::move(w).value();
  std::mutex mu;
  std::vector<int> order;
  std::atomic<int> on_caller{0};
  const auto caller = std::this_thread::get_id();
  WalSyncer syncer;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(wal->Write(Record(i), /*sync=*/false).ok());
    std::vector<WalSyncer::Callback> cbs;
    for (int k = 0; k < 2; ++k) {
      cbs.push_back([&, i](absl::Status s) {
        EXPECT_TRUE(s.ok()) << s;
        if (std::this_thread::get_id() == caller) ++on_caller;
        std::lock_guard<std::mutex> l(mu);
        order.push_back(i);
      });
    }
    syncer.Sync(wal, /*dir=*/i == 0, std::move(cbs));
  }
  syncer.Drain();
  std::vector<int> want;
  for (int i = 0; i < 50; ++i) want.insert(want.end(), {i, i});
  std::lock_guard<std::mutex> l(mu);
  EXPECT_EQ(order, want);
  EXPECT_EQ(on_caller.load(), 0);
}

// Syncs while another thread keeps writing the same segment: every record
// is replayed, in order; the destructor runs what is still queued.
TEST(WalSyncerTest, SyncsWhileTheSegmentIsWritten) {
  TempDir dir;
  auto w = WalWriter::Create(dir.path(), 1, true, false, /*sync=*/false);
  ASSERT_TRUE(w.ok()) << w.status();
  std::shared_ptr<WalWriter> wal = std::move(w).value();
  std::atomic<int> ran{0};
  {
    WalSyncer syncer;
    std::thread writer([&] {
      for (int i = 0; i < 300; ++i) {
        ASSERT_TRUE(wal->Write(Record(i), /*sync=*/false).ok());
      }
    });
    for (int i = 0; i < 100; ++i) {
      syncer.Sync(wal, i == 0, {[&](absl::Status s) {
                    EXPECT_TRUE(s.ok()) << s;
                    ++ran;
                  }});
    }
    writer.join();
  }
  EXPECT_EQ(ran.load(), 100);
  wal.reset();
  int next = 0;
  auto r = ReplayWalSegment(
      dir.path() + "/" + SeqFileName(1, kWalSuffix), [&](const WalBatch& b) {
        for (const auto& e : b.entries) {
          EXPECT_EQ(e.view.line, "line " + std::to_string(next));
          ++next;
        }
      });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(next, 300);
  EXPECT_FALSE(r->torn_tail);
}

// Batches that wait for their sync and batches that do not, interleaved,
// across many segment rotations: each callback runs once with OK, and every
// entry is there after a reopen.
TEST(WalSyncerTest, MixedSyncAcksAcrossRotations) {
  TempDir dir;
  StoreOptions o = TestOptions(dir.path());
  o.head_max_bytes = 16 << 10;  // a cut, so a new segment, every few batches
  o.wal_sync_interval_ms = 5;
  constexpr int kBatches = 400;
  {
    auto s = Store::Open(o);
    ASSERT_TRUE(s.ok()) << s.status();
    std::atomic<int> ok{0}, calls{0};
    std::vector<std::promise<void>> done(kBatches);
    for (int i = 0; i < kBatches; ++i) {
      RecordBatch b = MakeBatch(
          "t",
          {{"{a=\"1\"}", 1000 + 2 * i,
            "line " + std::to_string(i) + std::string(200, 'x'), "", "", ""},
           {"{a=\"2\"}", 1000 + 2 * i + 1, "other", "", "", ""}});
      b.sync_ack = i % 3 == 0;
      (*s)->Append(b, [&, i](absl::Status st) {
        if (st.ok()) ++ok;
        ++calls;
        done[i].set_value();
      });
    }
    for (auto& d : done) d.get_future().wait();
    EXPECT_EQ(ok.load(), kBatches);
    EXPECT_EQ(calls.load(), kBatches);
  }
  auto s = Store::Open(o);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(ScanAll(**s, "t", {IdOf("t", "{a=\"1\"}")}).size(),
            static_cast<size_t>(kBatches));
  EXPECT_EQ(ScanAll(**s, "t", {IdOf("t", "{a=\"2\"}")}).size(),
            static_cast<size_t>(kBatches));
}

}  // namespace
}  // namespace silt::store
