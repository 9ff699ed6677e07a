#include "store/store.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "common/file.h"
#include "common/metrics.h"
#include "gtest/gtest.h"
#include "store/internal/paths.h"
#include "tests/store/store_test_util.h"

namespace silt::store {
namespace {

using testing::AppendSync;
using testing::Got;
using testing::IdOf;
using testing::MakeBatch;
using testing::ScanAll;
using testing::TempDir;
using testing::TestEntry;
using testing::TestOptions;

constexpr int64_t kDayNs = 86400LL * 1000000000LL;
constexpr int64_t kMay1 = 1714521600LL * 1000000000LL;  // 2024-05-01T00:00Z

class StoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> OpenStore(StoreOptions o) {
    auto s = Store::Open(o);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::unique_ptr<Store> OpenStore() { return OpenStore(opt_); }

  // Entries for stream i of tenant: ts spaced 1ms, some with trace ids.
  static std::vector<TestEntry> Entries(int stream, int n, int64_t t0 = kMay1,
                                        int first = 0) {
    std::vector<TestEntry> v;
    for (int i = first; i < first + n; ++i) {
      v.push_back({"{app=\"s" + std::to_string(stream) + "\"}",
                   t0 + int64_t(i) * 1000000,
                   "{\"level\":\"info\",\"i\":" + std::to_string(i) + "}",
                   i % 2 ? "trace" + std::to_string(i) : "", "", ""});
    }
    return v;
  }

  std::vector<std::string> PartFiles() {
    std::vector<std::string> out;
    for (auto& e : std::filesystem::recursive_directory_iterator(dir_.path() +
                                                                 "/parts")) {
      if (e.path().extension() == ".part") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  TempDir dir_;
  // kill -9 under load, then reopen: every acknowledged entry is there.
  void KillNineKeepsAcked();
  StoreOptions opt_ = TestOptions(dir_.path());
};

TEST_F(StoreTest, RoundTripManyStreamsAndTenants) {
  auto store = OpenStore();
  for (std::string tenant : {"default", "acme", "x/y"}) {
    for (int s = 0; s < 10; ++s) {
      ASSERT_TRUE(
          AppendSync(store.get(), MakeBatch(tenant, Entries(s, 200))).ok());
    }
  }
  auto check = [&](const Store& st) {
    for (std::string tenant : {"default", "acme", "x/y"}) {
      for (int s = 0; s < 10; ++s) {
        auto got = ScanAll(
            st, tenant, {IdOf(tenant, "{app=\"s" + std::to_string(s) + "\"}")});
        ASSERT_EQ(got.size(), 200u) << tenant << s;
        for (int i = 0; i < 200; ++i) {
          EXPECT_EQ(got[i].ts_ns, kMay1 + int64_t(i) * 1000000);
          EXPECT_EQ(got[i].trace_id, i % 2 ? "trace" + std::to_string(i) : "");
        }
      }
    }
  };
  check(*store);  // from the head
  EXPECT_EQ(store->stats().head_entries, 6000u);
  ASSERT_TRUE(store->Flush().ok());
  EXPECT_EQ(store->stats().head_entries, 0u);
  EXPECT_GT(store->stats().parts, 0u);
  check(*store);  // from parts
  store.reset();
  store = OpenStore();
  check(*store);  // after reopen

  int streams = 0;
  store->ForEachStream(
      [&](std::string_view tenant, uint64_t id, const Labels& labels) {
        ++streams;
        EXPECT_EQ(id, StreamId(tenant, LabelsToString(labels)));
      });
  EXPECT_EQ(streams, 30);
}

TEST_F(StoreTest, MergesHeadAndPartsAndRespectsRange) {
  auto store = OpenStore();
  ASSERT_TRUE(AppendSync(store.get(), MakeBatch("t", Entries(1, 50))).ok());
  ASSERT_TRUE(store->Flush().ok());
  ASSERT_TRUE(
      AppendSync(store.get(), MakeBatch("t", Entries(1, 50, kMay1, 50))).ok());
  uint64_t id = IdOf("t", "{app=\"s1\"}");
  auto got = ScanAll(*store, "t", {id});
  ASSERT_EQ(got.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(got[i].ts_ns, kMay1 + i * 1000000LL);
  got = ScanAll(*store, "t", {id}, kMay1 + 40 * 1000000LL,
                kMay1 + 60 * 1000000LL);
  ASSERT_EQ(got.size(), 20u);
  EXPECT_EQ(got.front().ts_ns, kMay1 + 40 * 1000000LL);

  ScanOptions o;
  o.tenant = "t";
  o.streams = {id};
  StreamStats st = store->Stats(o);
  EXPECT_EQ(st.entries, 100u);
  EXPECT_GE(st.chunks, 2u);
  o.start_ns = kMay1 + 40 * 1000000LL;
  o.end_ns = kMay1 + 60 * 1000000LL;
  EXPECT_EQ(store->Stats(o).entries, 20u);
}

TEST_F(StoreTest, BackwardScanAndEarlyStop) {
  auto store = OpenStore();
  ASSERT_TRUE(AppendSync(store.get(), MakeBatch("t", Entries(1, 300))).ok());
  ASSERT_TRUE(store->Flush().ok());
  ASSERT_TRUE(
      AppendSync(store.get(), MakeBatch("t", Entries(1, 10, kMay1, 300))).ok());
  uint64_t id = IdOf("t", "{app=\"s1\"}");
  auto got = ScanAll(*store, "t", {id}, 0, INT64_MAX, /*backward=*/true);
  ASSERT_EQ(got.size(), 310u);
  for (int i = 0; i < 310; ++i) {
    EXPECT_EQ(got[i].ts_ns, kMay1 + (309 - i) * 1000000LL);
  }
  ScanOptions o;
  o.tenant = "t";
  o.streams = {id};
  o.backward = true;
  int n = 0;
  ASSERT_TRUE(store
                  ->Scan(o,
                         [&](uint64_t, const EntryView& e) {
                           EXPECT_EQ(e.ts_ns, kMay1 + (309 - n) * 1000000LL);
                           return ++n < 15;
                         })
                  .ok());
  EXPECT_EQ(n, 15);
}

TEST_F(StoreTest, BoundSkipsRunsEntirelyPastIt) {
  // Three parts of 100 entries each; a backward scan bounded at entry 250
  // returns every entry from 250 on and reads neither older part.
  auto store = OpenStore();
  for (int p = 0; p < 3; ++p) {
    ASSERT_TRUE(
        AppendSync(store.get(), MakeBatch("t", Entries(1, 100, kMay1, p * 100)))
            .ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  const std::atomic<int64_t> bound{kMay1 + 250 * 1000000LL};
  ScanOptions o;
  o.tenant = "t";
  o.streams = {IdOf("t", "{app=\"s1\"}")};
  o.backward = true;
  o.bound_ns = &bound;
  std::vector<int64_t> got;
  ASSERT_TRUE(store
                  ->Scan(o,
                         [&](uint64_t, const EntryView& e) {
                           got.push_back(e.ts_ns);
                           return true;
                         })
                  .ok());
  ASSERT_GE(got.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(got[i], kMay1 + (299 - i) * 1000000LL);
  }
  for (int64_t ts : got) EXPECT_GE(ts, kMay1 + 200 * 1000000LL);
  // Forward, the bound cuts newer runs instead.
  const std::atomic<int64_t> fwd{kMay1 + 50 * 1000000LL};
  o.backward = false;
  o.bound_ns = &fwd;
  got.clear();
  ASSERT_TRUE(store
                  ->Scan(o,
                         [&](uint64_t, const EntryView& e) {
                           got.push_back(e.ts_ns);
                           return true;
                         })
                  .ok());
  ASSERT_GE(got.size(), 51u);
  for (int i = 0; i <= 50; ++i) EXPECT_EQ(got[i], kMay1 + i * 1000000LL);
  for (int64_t ts : got) EXPECT_LT(ts, kMay1 + 100 * 1000000LL);
}

TEST_F(StoreTest, BlockSharedByStreamsIsReadOncePerScan) {
  // 24 parts (more than a plain LRU of a few blocks holds), each one block
  // shared by 5 small streams: scanning the 5 streams, each merged across
  // every part in turn, reads each block once.
  auto store = OpenStore();
  constexpr int kParts = 24, kStreams = 5;
  std::vector<uint64_t> ids;
  for (int s = 0; s < kStreams; ++s) {
    ids.push_back(IdOf("t", "{app=\"s" + std::to_string(s) + "\"}"));
  }
  std::sort(ids.begin(), ids.end());
  for (int p = 0; p < kParts; ++p) {
    std::vector<TestEntry> v;
    for (int s = 0; s < kStreams; ++s) {
      auto e = Entries(s, 4, kMay1, p * 4);
      v.insert(v.end(), e.begin(), e.end());
    }
    ASSERT_TRUE(AppendSync(store.get(), MakeBatch("t", v)).ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  ASSERT_EQ(PartFiles().size(), size_t{kParts});
  const uint64_t before = Metrics().blocks_read.With({}).value();
  auto got = ScanAll(*store, "t", ids);
  EXPECT_EQ(got.size(), size_t{kParts * kStreams * 4});
  EXPECT_EQ(Metrics().blocks_read.With({}).value() - before, size_t{kParts});
}

TEST_F(StoreTest, DedupAcrossPartsWalAndHead) {
  auto store = OpenStore();
  auto batch = MakeBatch("t", Entries(1, 20));
  ASSERT_TRUE(AppendSync(store.get(), batch).ok());
  ASSERT_TRUE(store->Flush().ok());
  ASSERT_TRUE(AppendSync(store.get(), batch).ok());  // redelivered
  ASSERT_TRUE(AppendSync(store.get(), batch).ok());
  uint64_t id = IdOf("t", "{app=\"s1\"}");
  EXPECT_EQ(ScanAll(*store, "t", {id}).size(), 20u);
  EXPECT_EQ(ScanAll(*store, "t", {id}, 0, INT64_MAX, true).size(), 20u);
  ASSERT_TRUE(store->Flush().ok());
  EXPECT_EQ(ScanAll(*store, "t", {id}).size(), 20u);
  // Same ts, different line: both kept.
  ASSERT_TRUE(AppendSync(store.get(),
                         MakeBatch("t", {{"{app=\"s1\"}", kMay1, "other"}}))
                  .ok());
  EXPECT_EQ(ScanAll(*store, "t", {id}).size(), 21u);
}

TEST_F(StoreTest, DayPartitioning) {
  auto store = OpenStore();
  std::vector<TestEntry> v = {{"{a=\"1\"}", kMay1 - 1, "apr30"},
                              {"{a=\"1\"}", kMay1, "may1"},
                              {"{a=\"1\"}", kMay1 + kDayNs + 5, "may2"}};
  ASSERT_TRUE(AppendSync(store.get(), MakeBatch("acme", v)).ok());
  ASSERT_TRUE(store->Flush().ok());
  auto files = PartFiles();
  ASSERT_EQ(files.size(), 3u);
  EXPECT_NE(files[0].find("/parts/acme/20240430/"), std::string::npos);
  EXPECT_NE(files[1].find("/parts/acme/20240501/"), std::string::npos);
  EXPECT_NE(files[2].find("/parts/acme/20240502/"), std::string::npos);
  auto got = ScanAll(*store, "acme", {IdOf("acme", "{a=\"1\"}")});
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].line, "apr30");
  EXPECT_EQ(got[2].line, "may2");
}

TEST_F(StoreTest, TenantsAreIsolated) {
  auto store = OpenStore();
  ASSERT_TRUE(AppendSync(store.get(), MakeBatch("a", Entries(1, 5))).ok());
  ASSERT_TRUE(AppendSync(store.get(), MakeBatch("b", Entries(1, 7))).ok());
  uint64_t ida = IdOf("a", "{app=\"s1\"}");
  uint64_t idb = IdOf("b", "{app=\"s1\"}");
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(ScanAll(*store, "a", {ida}).size(), 5u);
    EXPECT_EQ(ScanAll(*store, "b", {idb}).size(), 7u);
    EXPECT_TRUE(ScanAll(*store, "a", {idb}).empty());
    EXPECT_TRUE(ScanAll(*store, "b", {ida}).empty());
    EXPECT_TRUE(ScanAll(*store, "c", {ida, idb}).empty());
    ASSERT_TRUE(store->Flush().ok());
  }
}

// The child appends, waits for OK callbacks, then dies without any cleanup.
TEST_F(StoreTest, WalReplayAfterCrash) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto s = Store::Open(opt_);
    if (!s.ok()) _exit(2);
    for (int k = 0; k < 10; ++k) {
      if (!AppendSync(s->get(), MakeBatch("t", Entries(k, 100))).ok()) _exit(3);
    }
    kill(getpid(), SIGKILL);
  }
  int status;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_TRUE(PartFiles().empty());
  auto store = OpenStore();
  for (int k = 0; k < 10; ++k) {
    auto got = ScanAll(*store, "t",
                       {IdOf("t", "{app=\"s" + std::to_string(k) + "\"}")});
    EXPECT_EQ(got.size(), 100u);
  }
  int n = 0;
  store->ForEachStream([&](std::string_view, uint64_t, const Labels&) { ++n; });
  EXPECT_EQ(n, 10);
  // A cut now turns the replayed head into parts and drops the old WAL.
  ASSERT_TRUE(store->Flush().ok());
  EXPECT_FALSE(PartFiles().empty());
  store.reset();
  store = OpenStore();
  EXPECT_EQ(store->stats().head_entries, 0u);
  EXPECT_EQ(ScanAll(*store, "t", {IdOf("t", "{app=\"s3\"}")}).size(), 100u);
}

// kill -9 at an arbitrary moment under load: every acknowledged entry is
// there after reopen.
void StoreTest::KillNineKeepsAcked() {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  opt_.head_max_bytes = 64 << 10;  // cuts happen while we kill
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto s = Store::Open(opt_);
    if (!s.ok()) _exit(2);
    std::atomic<int> acked{0};
    for (int k = 0;; ++k) {
      (*s)->Append(MakeBatch("t", Entries(0, 10, kMay1, k * 10)),
                   [k, fd = fds[1]](absl::Status st) {
                     if (st.ok()) {
                       int32_t v = k;
                       (void)!write(fd, &v, 4);
                     }
                   });
      if (k % 50 == 0) usleep(1000);
    }
  }
  close(fds[1]);
  usleep(300 * 1000);
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
  std::set<int32_t> acked;
  int32_t v;
  while (read(fds[0], &v, 4) == 4) acked.insert(v);
  close(fds[0]);
  ASSERT_GT(acked.size(), 10u);
  auto store = OpenStore();
  auto got = ScanAll(*store, "t", {IdOf("t", "{app=\"s0\"}")});
  std::set<int64_t> ts;
  for (const Got& g : got) ts.insert(g.ts_ns);
  EXPECT_EQ(ts.size(), got.size());  // no duplicates
  for (int32_t k : acked) {
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(ts.count(kMay1 + int64_t(k * 10 + i) * 1000000))
          << "batch " << k << " entry " << i;
    }
  }
}

TEST_F(StoreTest, KillNineKeepsEveryAcknowledgedEntry) { KillNineKeepsAcked(); }

// The same with the WAL written with direct I/O (pads, bounce sectors).
TEST_F(StoreTest, KillNineKeepsEveryAcknowledgedEntryWithDirectWal) {
  opt_.wal_direct_io = true;
  KillNineKeepsAcked();
}

// One batch whose records take turns between streams: each stream gets
// exactly its own entries, with their ids and metadata, from the head, after
// a WAL replay and from parts.
TEST_F(StoreTest, InterleavedStreamsInOneBatchKeepTheirEntries) {
  std::vector<TestEntry> mixed;
  for (int i = 0; i < 300; ++i) {
    const int s = (i * 7) % 3;  // 0, 1, 2 in turn, unevenly spaced
    mixed.push_back({"{app=\"m" + std::to_string(s) + "\"}",
                     kMay1 + int64_t(i) * 1000000, "line " + std::to_string(i),
                     i % 4 == 0 ? "tr" + std::to_string(i) : "",
                     i % 5 == 0 ? "sp" + std::to_string(i) : "",
                     i % 6 == 0 ? "{\"k\":" + std::to_string(i) + "}" : ""});
  }
  auto check = [&](const Store& st) {
    for (int s = 0; s < 3; ++s) {
      auto got =
          ScanAll(st, "t", {IdOf("t", "{app=\"m" + std::to_string(s) + "\"}")});
      std::vector<int> want;
      for (int i = 0; i < 300; ++i) {
        if ((i * 7) % 3 == s) want.push_back(i);
      }
      ASSERT_EQ(got.size(), want.size()) << s;
      for (size_t k = 0; k < want.size(); ++k) {
        const TestEntry& e = mixed[want[k]];
        EXPECT_EQ(got[k].ts_ns, e.ts_ns);
        EXPECT_EQ(got[k].line, e.line);
        EXPECT_EQ(got[k].trace_id, e.trace_id);
        EXPECT_EQ(got[k].span_id, e.span_id);
        EXPECT_EQ(got[k].metadata, e.metadata);
      }
    }
  };
  {
    auto store = OpenStore();
    ASSERT_TRUE(AppendSync(store.get(), MakeBatch("t", mixed)).ok());
    check(*store);
    // Leak-free "crash": keep the WAL the destructor would cut.
    std::filesystem::copy(dir_.path() + "/wal", dir_.path() + "/wal.copy");
  }
  std::filesystem::remove_all(dir_.path() + "/wal");
  std::filesystem::remove_all(dir_.path() + "/parts");
  std::filesystem::rename(dir_.path() + "/wal.copy", dir_.path() + "/wal");
  auto store = OpenStore();
  check(*store);  // replayed from the WAL
  ASSERT_TRUE(store->Flush().ok());
  check(*store);  // from parts
}

TEST_F(StoreTest, TornWalTailIsIgnored) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(AppendSync(store.get(), MakeBatch("t", Entries(1, 10))).ok());
    // Leak-free "crash": copy the WAL away before the destructor cuts it.
    std::filesystem::copy(dir_.path() + "/wal", dir_.path() + "/wal.copy");
  }
  std::filesystem::remove_all(dir_.path() + "/wal");
  std::filesystem::remove_all(dir_.path() + "/parts");
  std::filesystem::rename(dir_.path() + "/wal.copy", dir_.path() + "/wal");
  // Append half a record to the segment.
  std::string seg;
  for (auto& e : std::filesystem::directory_iterator(dir_.path() + "/wal")) {
    seg = e.path().string();
  }
  {
    std::ofstream f(seg, std::ios::app | std::ios::binary);
    f << std::string("\x40\x00\x00\x00garbage", 11);
  }
  uint64_t before = Metrics().corruptions.With({"wal"}).value();
  auto store = OpenStore();
  EXPECT_EQ(ScanAll(*store, "t", {IdOf("t", "{app=\"s1\"}")}).size(), 10u);
  EXPECT_EQ(Metrics().corruptions.With({"wal"}).value(), before);
}

TEST_F(StoreTest, CorruptedBlockIsSkippedAndCounted) {
  opt_.target_block_bytes = 1024;
  {
    auto store = OpenStore();
    ASSERT_TRUE(AppendSync(store.get(), MakeBatch("t", Entries(1, 500))).ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  auto files = PartFiles();
  ASSERT_EQ(files.size(), 1u);
  {
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('\xff');
    f.put('\x00');
  }
  uint64_t before = Metrics().corruptions.With({"block"}).value();
  auto store = OpenStore();
  auto got = ScanAll(*store, "t", {IdOf("t", "{app=\"s1\"}")});
  EXPECT_LT(got.size(), 500u);
  EXPECT_GT(got.size(), 400u);
  EXPECT_EQ(got.back().ts_ns, kMay1 + 499 * 1000000LL);
  EXPECT_EQ(Metrics().corruptions.With({"block"}).value(), before + 1);
}

TEST_F(StoreTest, TruncatedPartIsSkippedAtOpen) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(AppendSync(store.get(), MakeBatch("t", Entries(1, 50))).ok());
    ASSERT_TRUE(store->Flush().ok());
    ASSERT_TRUE(AppendSync(store.get(), MakeBatch("t", Entries(2, 50))).ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  auto files = PartFiles();
  ASSERT_EQ(files.size(), 2u);
  auto size = *FileSize(files[0]);
  std::filesystem::resize_file(files[0], size - 7);
  uint64_t before = Metrics().corruptions.With({"part"}).value();
  auto store = OpenStore();
  EXPECT_EQ(Metrics().corruptions.With({"part"}).value(), before + 1);
  EXPECT_TRUE(ScanAll(*store, "t", {IdOf("t", "{app=\"s1\"}")}).empty());
  EXPECT_EQ(ScanAll(*store, "t", {IdOf("t", "{app=\"s2\"}")}).size(), 50u);
  EXPECT_TRUE(FileExists(files[0]));  // kept for inspection
}

TEST_F(StoreTest, GroupCommitWithManyConcurrentAppenders) {
  opt_.commit_delay_us = 200;
  auto store = OpenStore();
  uint64_t before = Metrics().entries_stored.With({}).value();
  constexpr int kThreads = 16, kBatches = 50;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        if (AppendSync(store.get(), MakeBatch("t", Entries(t, 5, kMay1, b * 5)))
                .ok()) {
          ++ok;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kBatches);
  EXPECT_EQ(Metrics().entries_stored.With({}).value() - before,
            uint64_t(kThreads * kBatches * 5));
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(ScanAll(*store, "t",
                      {IdOf("t", "{app=\"s" + std::to_string(t) + "\"}")})
                  .size(),
              size_t(kBatches * 5));
  }
}

TEST_F(StoreTest, BackgroundCutBySize) {
  opt_.head_max_bytes = 32 << 10;
  auto store = OpenStore();
  for (int b = 0; b < 20; ++b) {
    ASSERT_TRUE(
        AppendSync(store.get(), MakeBatch("t", Entries(1, 100, kMay1, b * 100)))
            .ok());
  }
  for (int i = 0; i < 50 && store->stats().parts == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GT(store->stats().parts, 0u);
  EXPECT_EQ(ScanAll(*store, "t", {IdOf("t", "{app=\"s1\"}")}).size(), 2000u);
}

TEST_F(StoreTest, SecondOpenOfADataDirIsRefused) {
  auto store = OpenStore();
  auto second = Store::Open(opt_);
  EXPECT_TRUE(absl::IsUnavailable(second.status())) << second.status();
  store.reset();
  EXPECT_NE(OpenStore(), nullptr);
}

TEST_F(StoreTest, MetadataAndIdsSurvive) {
  auto store = OpenStore();
  ASSERT_TRUE(
      AppendSync(store.get(), MakeBatch("t", {{"{a=\"1\"}", 5, "l", "tr", "sp",
                                               "{\"user\":\"x\"}"}}))
          .ok());
  for (int round = 0; round < 2; ++round) {
    auto got = ScanAll(*store, "t", {IdOf("t", "{a=\"1\"}")});
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], (Got{IdOf("t", "{a=\"1\"}"), 5, "l", "tr", "sp",
                           "{\"user\":\"x\"}"}));
    ASSERT_TRUE(store->Flush().ok());
  }
}

}  // namespace
}  // namespace silt::store

namespace silt::store {
namespace {

class UnsyncedAckTest : public ::testing::TestWithParam<bool> {};

// Batches with sync_ack=false (plain TCP) are acknowledged once written;
// the WAL is synced later. With or without fsync, the store must neither
// spin nor hang at shutdown, and the entries come back after a reopen.
TEST_P(UnsyncedAckTest, AcknowledgedAfterWriteAndReplayed) {
  TempDir dir;
  StoreOptions o = TestOptions(dir.path());
  o.fsync = GetParam();
  o.wal_sync_interval_ms = 20;
  {
    auto s = Store::Open(o);
    ASSERT_TRUE(s.ok()) << s.status();
    RecordBatch b = MakeBatch("t", {{"{a=\"1\"}", 5, "x", "", "", ""},
                                    {"{a=\"1\"}", 6, "y", "", "", ""}});
    b.sync_ack = false;
    ASSERT_TRUE(AppendSync(s->get(), b).ok());
    // Past the sync interval with nothing pending: the commit thread syncs
    // and goes back to waiting.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto s = Store::Open(o);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(ScanAll(**s, "t", {IdOf("t", "{a=\"1\"}")}).size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(FsyncOnOff, UnsyncedAckTest, ::testing::Bool());

}  // namespace
}  // namespace silt::store
