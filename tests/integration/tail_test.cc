// End-to-end: the real silt binary tailing files (Docker json-file, CRI,
// raw), rotation, restarts after SIGTERM and kill -9, Kubernetes labels,
// 1,000 files. Counts are exact and come from query_range.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/time_util.h"
#include "tests/integration/integration_util.h"
#include "tests/integration/silt_process.h"
#include "tests/testing/temp_dir.h"

namespace silt::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Envelope times of the test lines: unique, an hour ago, 1 µs apart.
const int64_t kBase = NowNs() - 3600'000'000'000LL;
const int64_t kEnd = kBase + 3600'000'000'000LL;

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// One Docker json-file line whose inner line is a JSON object without a time
// of its own, so the entry takes the envelope's time.
std::string DockerLine(const std::string& tag, int i,
                       const std::string& stream = "stdout",
                       bool partial = false) {
  const std::string inner =
      "{\"level\":\"info\",\"msg\":\"" + tag + " " + std::to_string(i) + "\"}";
  return "{\"log\":\"" + Escape(inner) + (partial ? "" : "\\n") +
         "\",\"stream\":\"" + stream + "\",\"time\":\"" +
         FormatRfc3339Nanos(kBase + i * 1000LL) + "\"}\n";
}

std::string DockerLines(const std::string& tag, int from, int n) {
  std::string s;
  for (int i = from; i < from + n; ++i) s += DockerLine(tag, i);
  return s;
}

std::string CriLine(int i, const std::string& stream, char tag,
                    const std::string& msg) {
  return FormatRfc3339Nanos(kBase + i * 1000LL) + " " + stream + " " + tag +
         " " + msg + "\n";
}

void Append(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::app | std::ios::binary);
  f << text;
}

class TailTest : public ::testing::Test {
 protected:
  void StartSilt(std::vector<std::string> globs) {
    std::vector<std::string> flags = {"--tail-rescan-interval", "200ms",
                                      "--tail-rotate-wait", "300ms"};
    for (auto& g : globs) {
      flags.push_back("--tail");
      flags.push_back(g);
    }
    silt_ = std::make_unique<SiltProcess>(dir_.path() + "/data", flags);
    ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  }
  std::map<std::string, int64_t> Count(const std::string& selector,
                                       const std::string& label) {
    return CountBy(silt_->http_port(), selector, label, kBase, kEnd);
  }
  int64_t Total(const std::string& selector = "{filename=~\".+\"}") {
    int64_t n = 0;
    for (auto& [k, v] : Count(selector, "filename")) {
      if (k == "__error__") return -1;
      n += v;
    }
    return n;
  }
  // Waits until `selector` holds `n` entries (30 s), then checks that the
  // count stays there (nothing late, nothing repeated).
  void ExpectTotal(int64_t n,
                   const std::string& selector = "{filename=~\".+\"}") {
    int64_t got = -1;
    for (int i = 0; i < 300 && (got = Total(selector)) < n; ++i) {
      std::this_thread::sleep_for(100ms);
    }
    std::this_thread::sleep_for(500ms);
    const Reply metrics = Http(silt_->http_port(), "GET", "/metrics");
    EXPECT_EQ(Total(selector), n) << metrics.body.substr(0, 3000) << "\n"
                                  << silt_->stderr_text().substr(0, 2000);
  }

  TempDir dir_;
  std::unique_ptr<SiltProcess> silt_;
};

TEST_F(TailTest, SigtermRestartMidFileWithPartialLinesStoresEachLineOnce) {
  const std::string log = dir_.File("app.log");
  // 3,000 lines, a Docker partial chunk (a record waiting for its end), and
  // half a physical line without its LF.
  std::string first =
      DockerLines("x", 0, 3000) + DockerLine("x", 3000, "stdout", true);
  std::string second = DockerLine("x", 3001);
  Append(log, first + second.substr(0, 25));
  StartSilt({dir_.path() + "/*.log"});
  ExpectTotal(3000);
  ASSERT_EQ(silt_->Terminate(), 0) << silt_->stderr_text();
  EXPECT_TRUE(fs::exists(dir_.path() + "/data/tail/checkpoints"));
  Append(log, second.substr(25) + DockerLines("x", 3002, 1000));
  ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  // 3,000 + the joined partial (3000+3001) + 1,000.
  ExpectTotal(4001);
  auto joined = Count("{filename=~\".+\"} |= \"x 3000\"", "stream");
  EXPECT_EQ(joined, (std::map<std::string, int64_t>{{"stdout", 1}}));
}

TEST_F(TailTest, KillNineMidFileThenRestartStoresEveryLineOnce) {
  const std::string log = dir_.File("big.log");
  const int kLines = 200000;
  Append(log, DockerLines("k", 0, kLines));
  StartSilt({dir_.path() + "/*.log"});
  ASSERT_TRUE(WaitReceived(silt_->http_port(), "tail", 1));
  const double at_kill =
      MetricValue(Http(silt_->http_port(), "GET", "/metrics").body,
                  "silt_lines_received_total{input=\"tail\"}");
  silt_->Kill9();
  std::printf("killed after %.0f of %d lines were read\n", at_kill, kLines);
  ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  ExpectTotal(kLines);
  // Once more with everything read: a kill -9 now repeats nothing.
  silt_->Kill9();
  ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  Append(log, DockerLines("k", kLines, 10));
  ExpectTotal(kLines + 10);
}

TEST_F(TailTest, FileDeletedWhileSiltIsDown) {
  const std::string a = dir_.File("a.log"), b = dir_.File("b.log");
  Append(a, DockerLines("a", 0, 100));
  Append(b, DockerLines("b", 100, 100));
  StartSilt({dir_.path() + "/*.log"});
  ExpectTotal(200);
  ASSERT_EQ(silt_->Terminate(), 0);
  fs::remove(a);
  Append(b, DockerLines("b", 200, 50));
  ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  ExpectTotal(250);
  EXPECT_EQ(Count("{filename=~\".+\"}", "filename"),
            (std::map<std::string, int64_t>{{a, 100}, {b, 150}}));
}

TEST_F(TailTest, FileReplacedWhileSiltIsDownIsReadFromItsStart) {
  // Delete and create while silt is down: the new file often gets the freed
  // inode back; the fingerprint tells it from the old one either way.
  const std::string a = dir_.File("app.log");
  Append(a, DockerLines("old", 0, 300));
  StartSilt({dir_.path() + "/*.log"});
  ExpectTotal(300);
  struct stat before;
  ASSERT_EQ(::stat(a.c_str(), &before), 0);
  ASSERT_EQ(silt_->Terminate(), 0);
  fs::remove(a);
  // Longer than the old file, so only the fingerprint can tell.
  Append(a, DockerLines("new", 300, 500));
  struct stat after;
  ASSERT_EQ(::stat(a.c_str(), &after), 0);
  std::printf("inode %s\n",
              before.st_ino == after.st_ino ? "reused" : "not reused");
  ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  ExpectTotal(800);
}

TEST_F(TailTest, FileRotatedWhileSiltIsDownIsDrainedFromItsNewName) {
  const std::string a = dir_.File("0.log");
  Append(a, DockerLines("r", 0, 300));
  StartSilt({dir_.path() + "/*.log"});
  ExpectTotal(300);
  ASSERT_EQ(silt_->Terminate(), 0);
  // Written after silt stopped, then rotated away before it comes back.
  Append(a, DockerLines("r", 300, 50));
  fs::rename(a, a + ".20240501-120000");
  Append(a, DockerLines("r", 350, 20));
  ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  ExpectTotal(370);
}

TEST_F(TailTest, CopyTruncateAndJoinedLineOverTheLimit) {
  const std::string a = dir_.File("app.log");
  std::vector<std::string> flags = {"--tail", dir_.path() + "/*.log",
                                    "--max-line-bytes", "1KiB"};
  silt_ = std::make_unique<SiltProcess>(dir_.path() + "/data", flags);
  ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  // 2,000 bytes in four CRI chunks: stored cut at 1 KiB, marked, counted.
  std::string text;
  for (int i = 0; i < 3; ++i)
    text += CriLine(i, "stdout", 'P', std::string(500, 'a' + i));
  text += CriLine(3, "stdout", 'F', std::string(500, 'z'));
  for (int i = 4; i < 104; ++i)
    text += CriLine(i, "stdout", 'F', "before " + std::to_string(i));
  Append(a, text);
  ExpectTotal(101);
  const Reply m = Http(silt_->http_port(), "GET", "/metrics");
  EXPECT_EQ(
      MetricValue(
          m.body,
          "silt_lines_rejected_total{input=\"tail\",reason=\"line_too_long\"}"),
      1);
  // copytruncate: the copy is not followed; the file starts over.
  fs::copy_file(a, a + ".1");
  ASSERT_EQ(::truncate(a.c_str(), 0), 0);
  for (int i = 0; i < 100; ++i) {
    const Reply r = Http(silt_->http_port(), "GET", "/metrics");
    if (MetricValue(r.body, "silt_tail_events_total{event=\"truncated\"}") >= 1)
      break;
    std::this_thread::sleep_for(20ms);
  }
  std::string more;
  for (int i = 104; i < 154; ++i)
    more += CriLine(i, "stdout", 'F', "after " + std::to_string(i));
  Append(a, more);
  ExpectTotal(151);
}

TEST_F(TailTest, TailedLinesGoToTheConfiguredTenant) {
  Append(dir_.File("a.log"), DockerLines("t", 0, 10));
  silt_ = std::make_unique<SiltProcess>(
      dir_.path() + "/data",
      std::vector<std::string>{"--tail", dir_.path() + "/*.log",
                               "--tail-tenant", "team-a"});
  ASSERT_TRUE(silt_->Start()) << silt_->stderr_text();
  ASSERT_TRUE(WaitReceived(silt_->http_port(), "tail", 10));
  std::map<std::string, int64_t> got;
  for (int i = 0; i < 100; ++i) {
    got = CountBy(silt_->http_port(), "{filename=~\".+\"}", "stream", kBase,
                  kEnd, "team-a");
    if (got["stdout"] >= 10) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(got, (std::map<std::string, int64_t>{{"stdout", 10}}));
  EXPECT_TRUE(Count("{filename=~\".+\"}", "stream").empty());
}

TEST_F(TailTest, KubernetesPathLabelsCriAndDockerPartials) {
  const std::string pods = dir_.path() + "/var/log/pods/prod_api-1_0b1c/api";
  const std::string containers = dir_.path() + "/var/log/containers";
  fs::create_directories(pods);
  fs::create_directories(containers);
  // CRI: partials of stdout and stderr interleaved. The line's own
  // namespace field loses to the path.
  std::string cri;
  for (int i = 0; i < 100; ++i) {
    const int t = i * 4;
    cri += CriLine(t, "stdout", 'P', "{\"namespace\":\"wrong\",\"msg\":\"o");
    cri += CriLine(t + 1, "stderr", 'P', "{\"msg\":\"e");
    cri += CriLine(t + 2, "stderr", 'F', std::to_string(i) + "\"}");
    cri += CriLine(t + 3, "stdout", 'F', std::to_string(i) + "\"}");
  }
  Append(pods + "/0.log", cri);
  // Docker: every line split in two chunks; stderr lines in between.
  std::string docker;
  for (int i = 0; i < 50; ++i) {
    const int t = 1000 + i * 3;
    docker += DockerLine("half", t, "stdout", true);
    docker += DockerLine("err", t + 1, "stderr");
    docker += "{\"log\":\"" + Escape(" rest\"}") +
              "\\n\",\"stream\":\"stdout\",\"time\":\"" +
              FormatRfc3339Nanos(kBase + (t + 2) * 1000LL) + "\"}\n";
  }
  const std::string id(64, 'c');
  Append(containers + "/web-2_shop_nginx-" + id + ".log", docker);
  StartSilt({dir_.path() + "/var/log/pods/*/*/*.log",
             dir_.path() + "/var/log/containers/*.log"});
  const std::string sel = "{container=~\".+\"}";
  int64_t got = 0;
  for (int i = 0; i < 300; ++i) {
    got = 0;
    for (auto& [k, v] : Count(sel, "container")) got += v;
    if (got >= 300) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(Count(sel, "namespace"),
            (std::map<std::string, int64_t>{{"prod", 200}, {"shop", 100}}));
  EXPECT_EQ(Count("{namespace=\"prod\"}", "stream"),
            (std::map<std::string, int64_t>{{"stderr", 100}, {"stdout", 100}}));
  EXPECT_EQ(Count("{namespace=\"shop\"}", "stream"),
            (std::map<std::string, int64_t>{{"stderr", 50}, {"stdout", 50}}));
  EXPECT_EQ(Count("{pod=\"web-2\", container=\"nginx\"}", "pod"),
            (std::map<std::string, int64_t>{{"web-2", 100}}));
  // Joined lines are whole JSON: their fields are parsed.
  EXPECT_EQ(
      Count("{namespace=\"prod\", stream=\"stdout\"} |= \"o42\\\"\"", "pod"),
      (std::map<std::string, int64_t>{{"api-1", 1}}));
  // Entries take the envelope's time (the inner lines have none): the
  // first 40 CRI envelopes are the first 40 µs.
  EXPECT_EQ(CountBy(silt_->http_port(), "{namespace=\"prod\"}", "stream", kBase,
                    kBase + 40 * 1000),
            (std::map<std::string, int64_t>{{"stderr", 10}, {"stdout", 10}}));
}

TEST_F(TailTest, KubeletRenameRotationWhileWriting) {
  const std::string pods = dir_.path() + "/pods/ns_p_u/c";
  fs::create_directories(pods);
  const std::string log = pods + "/0.log";
  StartSilt({dir_.path() + "/pods/*/*/*.log"});
  const int kLines = 6000;
  std::thread writer([&] {
    std::ofstream f(log, std::ios::app);
    for (int i = 0; i < kLines; ++i) {
      if (i == 2000 || i == 4000) {
        // kubelet: rename, the runtime reopens a new 0.log; older rotated
        // files get compressed (never read).
        f.close();
        fs::rename(log,
                   log + ".2024050" + std::to_string(i / 2000) + "-120000");
        Append(log + ".20240430-120000.gz", "\x1f\x8b not a log line\n");
        f.open(log, std::ios::app);
      }
      f << DockerLine("r", i);
      if (i % 500 == 0) {
        f.flush();
        std::this_thread::sleep_for(20ms);
      }
    }
  });
  writer.join();
  ExpectTotal(kLines, "{container=\"c\"}");
}

TEST_F(TailTest, ThousandFilesWithoutAThreadPerFile) {
  const int kFiles = 1000, kPer = 5;
  const std::string d = dir_.path() + "/many";
  fs::create_directories(d);
  for (int f = 0; f < kFiles; ++f) {
    std::string text;
    for (int i = 0; i < kPer; ++i) {
      text += "{\"msg\":\"line\",\"time\":\"" +
              FormatRfc3339Nanos(kBase + (f * kPer + i) * 1000LL) + "\"}\n";
    }
    Append(d + "/f" + std::to_string(f) + ".log", text);
  }
  // A soft descriptor limit below the file count (as the common 1024 is
  // below a busy node's): silt raises it to the hard limit.
  struct rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max > 2 * kFiles) {
    struct rlimit low = saved;
    low.rlim_cur = 256;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  }
  StartSilt({d + "/*.log"});
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  ExpectTotal(kFiles * kPer);
  const Reply m = Http(silt_->http_port(), "GET", "/metrics");
  EXPECT_EQ(MetricValue(m.body, "silt_tail_files "), kFiles);
  EXPECT_EQ(MetricValue(m.body, "silt_tail_events_total{event=\"opened\"}"),
            kFiles);
  auto by_file = Count("{filename=~\".+\"}", "filename");
  EXPECT_EQ(by_file.size(), static_cast<size_t>(kFiles));
  for (auto& [name, n] : by_file) EXPECT_EQ(n, kPer) << name;
  // Threads of the whole process: the HTTP, TCP, pipeline and store threads
  // plus one for tailing, nowhere near one per file.
  int threads = 0;
  for (auto& e : fs::directory_iterator(
           "/proc/" + std::to_string(silt_->pid()) + "/task")) {
    (void)e;
    ++threads;
  }
  EXPECT_LT(threads, 40);
}

}  // namespace
}  // namespace silt::testing
