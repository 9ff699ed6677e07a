#include "ingest/tail_source.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/file.h"
#include "common/metrics.h"
#include "ingest/internal/tail_checkpoint.h"
#include "tests/testing/temp_dir.h"

namespace silt::ingest {
namespace {

using namespace std::chrono_literals;

struct Rec {
  std::string line;
  Labels labels;
  int64_t ts_ns;
  Reject reject;
};

// Keeps every record handed over, with its origin labels. In hold mode the
// `done` callbacks wait for Release().
class Recorder {
 public:
  BatchSink Sink() {
    return [this](RecordBatch&& b, std::function<void(absl::Status)> done) {
      std::unique_lock<std::mutex> lock(mu_);
      EXPECT_TRUE(b.sync_ack);
      EXPECT_TRUE(b.source_ts_fallback);
      EXPECT_EQ(b.input, "tail");
      for (size_t i = 0; i < b.size(); ++i) {
        const Record& r = b.record(i);
        recs_.push_back(
            {std::string(b.line(i)), b.origins[r.origin], r.ts_ns, r.reject});
      }
      ++batches_;
      cv_.notify_all();
      if (hold_) {
        held_.push_back(std::move(done));
        return;
      }
      lock.unlock();
      done(absl::OkStatus());
    };
  }
  void Hold(bool h) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = h;
  }
  void Release(absl::Status st = absl::OkStatus()) {
    std::vector<std::function<void(absl::Status)>> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_);
    }
    for (auto& d : held) d(st);
  }
  bool WaitCount(size_t n, std::chrono::milliseconds t = 10s) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, t, [&] { return recs_.size() >= n; });
  }
  std::vector<Rec> recs() {
    std::lock_guard<std::mutex> lock(mu_);
    return recs_;
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return recs_.size();
  }
  int batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }
  size_t held() {
    std::lock_guard<std::mutex> lock(mu_);
    return held_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Rec> recs_;
  std::vector<std::function<void(absl::Status)>> held_;
  bool hold_ = false;
  int batches_ = 0;
};

void Append(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::app | std::ios::binary);
  f << text;
}

std::string Lines(const std::string& tag, int from, int n) {
  std::string s;
  for (int i = from; i < from + n; ++i) {
    s += "{\"msg\":\"" + tag + " " + std::to_string(i) + "\"}\n";
  }
  return s;
}

std::map<std::string, int> CountByLabel(const std::vector<Rec>& recs,
                                        const std::string& name) {
  std::map<std::string, int> out;
  for (const Rec& r : recs) {
    const std::string* v = FindLabel(r.labels, name);
    ++out[v ? *v : ""];
  }
  return out;
}

class TailSourceTest : public ::testing::Test {
 protected:
  TailOptions Options() {
    TailOptions o;
    o.globs = {dir_.path() + "/*.log"};
    o.checkpoint_path = dir_.path() + "/ckpt/checkpoints";
    o.rescan_interval_ms = 50;
    o.poll_interval_ms = 20;
    o.rotate_wait_ms = 200;
    o.checkpoint_interval_ms = 20;
    return o;
  }
  void StartSource(const TailOptions& o) {
    auto s = TailSource::Start(o, rec_.Sink());
    ASSERT_TRUE(s.ok()) << s.status();
    src_ = std::move(s).value();
  }
  // Waits until the checkpoint says `path` is at `offset`.
  bool WaitCheckpoint(const std::string& path, uint64_t offset) {
    for (int i = 0; i < 500; ++i) {
      auto e = internal::LoadCheckpoint(dir_.path() + "/ckpt/checkpoints");
      if (e.ok()) {
        for (const auto& entry : *e) {
          if (entry.path == path && entry.state.offset == offset) return true;
        }
      }
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  silt::testing::TempDir dir_;
  Recorder rec_;
  std::unique_ptr<TailSource> src_;
};

TEST_F(TailSourceTest, ReadsExistingAndAppendedLinesWithFilenameLabel) {
  const std::string a = dir_.File("a.log"), b = dir_.File("b.log");
  Append(a, Lines("a", 0, 100));
  Append(b, Lines("b", 0, 50));
  Append(dir_.File("c.log.1.gz"), "compressed, never read\n");
  StartSource(Options());
  ASSERT_TRUE(rec_.WaitCount(150));
  Append(a, Lines("a", 100, 25));
  ASSERT_TRUE(rec_.WaitCount(175));
  std::this_thread::sleep_for(100ms);
  auto by = CountByLabel(rec_.recs(), "filename");
  EXPECT_EQ(by, (std::map<std::string, int>{{a, 125}, {b, 50}}));
  EXPECT_EQ(rec_.recs()[0].ts_ns, 0);  // raw lines: the parser decides
}

TEST_F(TailSourceTest, SymlinkedFileIsWatchedAtItsTarget) {
  // /var/log/containers/*.log are symlinks into /var/log/pods: writes show
  // up in the target's directory.
  TailOptions o = Options();
  o.globs = {dir_.path() + "/containers/*.log"};
  o.rescan_interval_ms = 60000;  // growth must come from inotify
  std::filesystem::create_directories(dir_.path() + "/containers");
  std::filesystem::create_directories(dir_.path() + "/pods/c");
  const std::string target = dir_.path() + "/pods/c/0.log";
  Append(target, Lines("t", 0, 3));
  std::filesystem::create_symlink(target, dir_.path() + "/containers/c.log");
  StartSource(o);
  ASSERT_TRUE(rec_.WaitCount(3));
  Append(target, Lines("t", 3, 4));
  ASSERT_TRUE(rec_.WaitCount(7, 3s)) << rec_.count();
  auto recs = rec_.recs();
  EXPECT_EQ(*FindLabel(recs[6].labels, "filename"),
            dir_.path() + "/containers/c.log");
}

TEST_F(TailSourceTest, PollingWithoutInotify) {
  TailOptions o = Options();
  o.use_inotify = false;
  const std::string a = dir_.File("a.log");
  Append(a, Lines("a", 0, 10));
  StartSource(o);
  ASSERT_TRUE(rec_.WaitCount(10));
  Append(a, Lines("a", 10, 10));
  Append(dir_.File("new.log"), Lines("n", 0, 5));
  ASSERT_TRUE(rec_.WaitCount(25));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(rec_.count(), 25u);
}

TEST_F(TailSourceTest, RenameRotationWhileWriting) {
  const std::string a = dir_.File("app.log");
  Append(a, Lines("gen1", 0, 200));
  StartSource(Options());
  ASSERT_TRUE(rec_.WaitCount(200));
  // The writer still has the old file open: lines written to it after the
  // rename must be read from the kept descriptor.
  std::ofstream old_writer(a, std::ios::app);
  ASSERT_EQ(::rename(a.c_str(), dir_.File("app.log.1").c_str()), 0);
  Append(a, Lines("gen2", 0, 300));
  old_writer << Lines("gen1", 200, 20);
  old_writer.flush();
  ASSERT_TRUE(rec_.WaitCount(520));
  // Past rotate_wait the old one is closed.
  for (int i = 0; i < 300 && src_->files() != 1; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(src_->files(), 1u);
  EXPECT_EQ(rec_.count(), 520u);
}

TEST_F(TailSourceTest, CopyTruncate) {
  const std::string a = dir_.File("app.log");
  Append(a, Lines("before", 0, 100));
  StartSource(Options());
  ASSERT_TRUE(rec_.WaitCount(100));
  ASSERT_EQ(::truncate(a.c_str(), 0), 0);
  // Let the tailer see the shrink before the writer refills the file.
  std::this_thread::sleep_for(150ms);
  Append(a, Lines("after", 0, 40));
  ASSERT_TRUE(rec_.WaitCount(140));
  std::this_thread::sleep_for(100ms);
  auto recs = rec_.recs();
  ASSERT_EQ(recs.size(), 140u);
  EXPECT_EQ(recs[100].line, "{\"msg\":\"after 0\"}");
}

TEST_F(TailSourceTest, CopyTruncateRefilledPastTheOffsetIsSeenByFingerprint) {
  TailOptions o = Options();
  o.use_inotify = false;
  o.poll_interval_ms = 10000;  // only the rescan-paced fingerprint check
  o.rescan_interval_ms = 100;
  const std::string a = dir_.File("app.log");
  Append(a, Lines("old", 0, 10));
  StartSource(o);
  ASSERT_TRUE(rec_.WaitCount(10));
  // Truncate and refill with more bytes than before, at once.
  {
    std::ofstream f(a, std::ios::trunc);
    f << Lines("new", 0, 30);
  }
  ASSERT_TRUE(rec_.WaitCount(40, 5s)) << rec_.count();
  std::this_thread::sleep_for(300ms);
  auto recs = rec_.recs();
  ASSERT_EQ(recs.size(), 40u);
  EXPECT_EQ(recs[10].line, "{\"msg\":\"new 0\"}");
}

TEST_F(TailSourceTest, CopyTruncateRefilledIsSeenWhenTheFileWakes) {
  TailOptions o = Options();
  o.rescan_interval_ms = 60000;  // no help from the periodic check
  const std::string a = dir_.File("app.log");
  Append(a, Lines("old", 0, 10));
  StartSource(o);
  ASSERT_TRUE(rec_.WaitCount(10));
  std::this_thread::sleep_for(50ms);
  {
    std::ofstream f(a, std::ios::trunc);
    f << Lines("new", 0, 30);
  }
  ASSERT_TRUE(rec_.WaitCount(40, 5s)) << rec_.count();
  std::this_thread::sleep_for(200ms);
  auto recs = rec_.recs();
  ASSERT_EQ(recs.size(), 40u);
  EXPECT_EQ(recs[10].line, "{\"msg\":\"new 0\"}");
}

TEST_F(TailSourceTest, DeleteAndRecreate) {
  const std::string a = dir_.File("app.log");
  Append(a, Lines("one", 0, 30));
  StartSource(Options());
  ASSERT_TRUE(rec_.WaitCount(30));
  ASSERT_EQ(::unlink(a.c_str()), 0);
  Append(a, Lines("two", 0, 12));
  ASSERT_TRUE(rec_.WaitCount(42));
  for (int i = 0; i < 300 && src_->files() != 1; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(src_->files(), 1u);
  EXPECT_EQ(rec_.count(), 42u);
}

TEST_F(TailSourceTest, RestartResumesExactlyAndPartialLineWaits) {
  const std::string a = dir_.File("app.log");
  Append(a, Lines("x", 0, 50) + "{\"msg\":\"split");
  StartSource(Options());
  ASSERT_TRUE(rec_.WaitCount(50));
  std::this_thread::sleep_for(100ms);
  src_->Stop();
  EXPECT_EQ(rec_.count(), 50u);
  Append(a, " line\"}\n" + Lines("x", 50, 5));
  StartSource(Options());
  ASSERT_TRUE(rec_.WaitCount(56));
  std::this_thread::sleep_for(100ms);
  auto recs = rec_.recs();
  ASSERT_EQ(recs.size(), 56u);
  EXPECT_EQ(recs[50].line, "{\"msg\":\"split line\"}");
}

TEST_F(TailSourceTest, CheckpointMovesOnlyAfterDone) {
  const std::string a = dir_.File("app.log");
  const std::string text = Lines("x", 0, 20);
  Append(a, text);
  rec_.Hold(true);
  StartSource(Options());
  ASSERT_TRUE(rec_.WaitCount(20));
  ASSERT_TRUE(WaitCheckpoint(a, 0));
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(WaitCheckpoint(a, 0));  // still not durable
  rec_.Release();
  EXPECT_TRUE(WaitCheckpoint(a, text.size()));
}

TEST_F(TailSourceTest, FailedBatchIsReadAgain) {
  const std::string a = dir_.File("app.log");
  Append(a, Lines("x", 0, 10));
  rec_.Hold(true);
  StartSource(Options());
  ASSERT_TRUE(rec_.WaitCount(10));
  rec_.Hold(false);
  rec_.Release(absl::ResourceExhaustedError("disk full"));
  // After the back-off the same lines come again; nothing is skipped.
  ASSERT_TRUE(rec_.WaitCount(20, 5s));
  auto recs = rec_.recs();
  EXPECT_EQ(recs[10].line, recs[0].line);
  EXPECT_TRUE(WaitCheckpoint(a, Lines("x", 0, 10).size()));
}

TEST_F(TailSourceTest, BackpressureStopsReadingAndDropsNothing) {
  TailOptions o = Options();
  o.max_inflight_batches = 2;
  o.read_budget_bytes = 16 * 1024;
  o.batch_bytes = 16 * 1024;
  const std::string a = dir_.File("big.log");
  const int kLines = 20000;
  Append(a, Lines("big", 0, kLines));
  rec_.Hold(true);
  StartSource(o);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(rec_.batches(), 2);  // stopped at the in-flight cap
  EXPECT_LT(rec_.count(), static_cast<size_t>(kLines));
  rec_.Hold(false);
  rec_.Release();
  ASSERT_TRUE(rec_.WaitCount(kLines));
  std::this_thread::sleep_for(100ms);
  auto recs = rec_.recs();
  ASSERT_EQ(recs.size(), static_cast<size_t>(kLines));
  for (int i = 0; i < kLines; ++i) {
    ASSERT_EQ(recs[i].line, "{\"msg\":\"big " + std::to_string(i) + "\"}");
  }
}

TEST_F(TailSourceTest, FairReadingBusyFileDoesNotStarveOthers) {
  TailOptions o = Options();
  o.read_budget_bytes = 64 * 1024;
  const std::string big = dir_.File("0big.log");
  const int kBig = 200000;  // ~5 MB
  Append(big, Lines("big", 0, kBig));
  for (int i = 0; i < 20; ++i) {
    Append(dir_.File("small" + std::to_string(i) + ".log"), Lines("s", 0, 10));
  }
  StartSource(o);
  ASSERT_TRUE(rec_.WaitCount(kBig + 200, 30s));
  auto recs = rec_.recs();
  size_t last_small = 0;
  for (size_t i = 0; i < recs.size(); ++i) {
    if (recs[i].line.find("\"s ") != std::string::npos) last_small = i;
  }
  // Every small file got its turn within the first round, long before the
  // busy file was done.
  EXPECT_LT(last_small, recs.size() / 10);
}

TEST_F(TailSourceTest, InodeReuseWithAnotherFingerprintIsANewFile) {
  const std::string a = dir_.File("app.log");
  const std::string text = Lines("new", 0, 8);
  Append(a, text);
  struct stat st;
  ASSERT_EQ(::stat(a.c_str(), &st), 0);
  // A checkpoint of an older file that had the same inode.
  internal::CheckpointEntry e;
  e.dev = st.st_dev;
  e.ino = st.st_ino;
  e.fp_len = 20;
  e.fp_hash = 12345;
  e.state.offset = 40;
  e.path = a;
  ASSERT_TRUE(
      internal::SaveCheckpoint(dir_.path() + "/ckpt/checkpoints", {e}).ok());
  StartSource(Options());
  ASSERT_TRUE(rec_.WaitCount(8));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(rec_.count(), 8u);
}

TEST_F(TailSourceTest, DamagedCheckpointIsCountedAndFilesReadAsNew) {
  const std::string a = dir_.File("app.log");
  Append(a, Lines("x", 0, 12));
  std::filesystem::create_directories(dir_.path() + "/ckpt");
  Append(dir_.path() + "/ckpt/checkpoints", "silt-tail-checkpoint 1\nf 1 2");
  Counter& damaged = Metrics().corruptions.With({"tail_checkpoint"});
  const uint64_t before = damaged.value();
  StartSource(Options());
  ASSERT_TRUE(rec_.WaitCount(12));
  EXPECT_EQ(damaged.value(), before + 1);
  // The next checkpoint written is a good one.
  EXPECT_TRUE(WaitCheckpoint(a, Lines("x", 0, 12).size()));
}

TEST_F(TailSourceTest, ReadFromEndSkipsWhatIsThereAtStart) {
  TailOptions o = Options();
  o.read_from_end = true;
  const std::string a = dir_.File("app.log");
  Append(a, Lines("old", 0, 10) + "{\"msg\":\"half");
  StartSource(o);
  // The first scan has placed the file at its end.
  for (int i = 0; i < 500 && src_->files() == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(src_->files(), 1u);
  Append(a, "\"}\n" + Lines("new", 0, 3));
  ASSERT_TRUE(rec_.WaitCount(4));
  std::this_thread::sleep_for(100ms);
  auto recs = rec_.recs();
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[0].line, "{\"msg\":\"half\"}");
}

TEST_F(TailSourceTest, CriFileStreamLabelAndEnvelopeTime) {
  const std::string a = dir_.File("cri.log");
  Append(a,
         "2024-05-01T12:00:00.000000001Z stdout P part1 \n"
         "2024-05-01T12:00:00.000000002Z stderr F err line\n"
         "2024-05-01T12:00:00.000000003Z stdout F part2\n");
  StartSource(Options());
  ASSERT_TRUE(rec_.WaitCount(2));
  std::this_thread::sleep_for(100ms);
  auto recs = rec_.recs();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].line, "err line");
  EXPECT_EQ(*FindLabel(recs[0].labels, "stream"), "stderr");
  EXPECT_EQ(recs[1].line, "part1 part2");
  EXPECT_EQ(*FindLabel(recs[1].labels, "stream"), "stdout");
  EXPECT_EQ(recs[1].ts_ns % 1000000000, 1);
}

}  // namespace
}  // namespace silt::ingest
