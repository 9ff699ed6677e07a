// silt_e2e_bench: the end-to-end ingest benchmark (see bench/README.md).
//
// Generates N deterministic container-log lines into a temporary file, times
// `zstd -3 -T1` on that file (best of 3) as the reference, starts a fresh
// `silt serve` on ports picked by the kernel, sends the file over one TCP
// connection, flushes, checks that silt stored exactly N entries, and prints
// rate, stored bytes and peak RSS beside the reference, with two ratios.
//
//   silt_e2e_bench [--silt PATH] [--lines N] [--seed S] [--keep]
//                  [--timeout SECONDS] [--tmp DIR]
//
// Then the same TCP ingest with redaction on and off (--no-redact-compare
// skips it).
//
// Exit status: 0 when silt stored the right count (whatever the speed),
// 1 when it did not, failed, or the global timeout fired; 2 for bad usage.
// It only ever connects to 127.0.0.1.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "bench/e2e_inputs.h"
#include "bench/loggen.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using silt::bench::SendAll;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Children the watchdog must not leave behind.
volatile pid_t g_silt_pid = 0;
volatile pid_t g_zstd_pid = 0;
char g_timeout_msg[512];
// The temporary directory, removed on failure unless --keep.
std::string g_dir;
bool g_keep = false;
char g_log_path[512];  // the big workload file, unlinked even on timeout

void OnAlarm(int) {
  if (g_silt_pid > 0) kill(g_silt_pid, SIGKILL);
  if (g_zstd_pid > 0) kill(g_zstd_pid, SIGKILL);
  if (!g_keep && g_log_path[0]) unlink(g_log_path);
  ssize_t ignored = write(2, g_timeout_msg, strlen(g_timeout_msg));
  (void)ignored;
  _exit(1);
}

[[noreturn]] void Die(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::fprintf(stderr, "silt_e2e_bench: FAIL: ");
  std::vfprintf(stderr, fmt, ap);
  std::fprintf(stderr, "\n");
  va_end(ap);
  if (g_silt_pid > 0) {
    kill(g_silt_pid, SIGKILL);
    waitpid(g_silt_pid, nullptr, 0);
  }
  if (!g_dir.empty()) {
    std::error_code ec;
    if (g_keep) {
      std::fprintf(stderr, "kept %s\n", g_dir.c_str());
    } else {
      fs::remove_all(g_dir, ec);
    }
  }
  std::exit(1);
}

void Note(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::fprintf(stderr, "note: ");
  std::vfprintf(stderr, fmt, ap);
  std::fprintf(stderr, "\n");
  va_end(ap);
}

struct Options {
  std::string silt;
  uint64_t lines = 1000000;
  uint64_t seed = 42;
  bool keep = false;
  bool tail = true;  // the tail path beside the TCP path, and the idle run
  int idle_files = 1000;
  int idle_seconds = 10;
  bool kafka = true;  // the Kafka and OTLP paths beside the TCP path
  bool otlp = true;
  int kafka_partitions = 128;  // the mock keeps ~5 MiB per partition
  std::string kafka_mock;      // default: tests/silt_kafka_mock by silt
  bool redact_compare = true;  // redaction on against --redact off
  std::string kafka_compression = "none";  // what the producer compresses with
  std::vector<std::string> kafka_options;  // --kafka-option for silt
  // The OpenTelemetry Collector's defaults: batch processor of 8192 records,
  // otlphttp exporter with 10 senders.
  int otlp_records = 8192;
  int otlp_connections = 10;
  int timeout_s = 600;
  std::string tmp;
};

// ---------------------------------------------------------------------------
// Workload and reference.

silt::bench::LogGenCounts WriteWorkload(const Options& opt,
                                        const std::string& path) {
  silt::bench::LogGenOptions gen_options;
  gen_options.seed = opt.seed;
  silt::bench::LogGenerator gen(gen_options);
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) Die("cannot create %s: %s", path.c_str(), strerror(errno));
  std::string buf;
  for (uint64_t done = 0; done < opt.lines;) {
    const uint64_t n = std::min<uint64_t>(16384, opt.lines - done);
    buf.clear();
    gen.Generate(n, &buf);
    if (std::fwrite(buf.data(), 1, buf.size(), f) != buf.size()) {
      Die("writing %s: %s", path.c_str(), strerror(errno));
    }
    done += n;
  }
  if (std::fclose(f) != 0) Die("closing %s: %s", path.c_str(), strerror(errno));
  return gen.counts();
}

// Runs `zstd -3 -T1 -q -c in > out`; returns the wall time.
double RunZstd(const std::string& in, const std::string& out) {
  const auto t0 = Clock::now();
  const pid_t pid = fork();
  if (pid < 0) Die("fork: %s", strerror(errno));
  if (pid == 0) {
    const int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || dup2(fd, 1) < 0) _exit(126);
    execlp("zstd", "zstd", "-3", "-T1", "-q", "-c", in.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  g_zstd_pid = pid;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_zstd_pid = 0;
  const double t = Seconds(t0, Clock::now());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    Die("zstd failed (exit %d%s); the reference needs the zstd binary",
        WIFEXITED(status) ? WEXITSTATUS(status) : -1,
        WIFEXITED(status) && WEXITSTATUS(status) == 127 ? ", not found" : "");
  }
  return t;
}

// ---------------------------------------------------------------------------
// The silt process: started with its stderr on a pipe that a thread reads,
// keeping the last lines for failure reports and finding the bound ports.

class SiltProcess {
 public:
  void Start(const std::string& binary, const std::string& data_dir,
             const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {
        binary,          "serve",       "--data-dir",   data_dir,
        "--http-listen", "127.0.0.1:0", "--tcp-listen", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) Die("pipe: %s", strerror(errno));
    pid_ = fork();
    if (pid_ < 0) Die("fork: %s", strerror(errno));
    if (pid_ == 0) {
      dup2(fds[1], 2);
      dup2(fds[1], 1);
      execv(binary.c_str(), argv.data());
      std::fprintf(stderr, "exec %s: %s\n", binary.c_str(), strerror(errno));
      _exit(127);
    }
    g_silt_pid = pid_;
    close(fds[1]);
    reader_ = std::thread([this, fd = fds[0]] { ReadOutput(fd); });
  }

  ~SiltProcess() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      Reap(5);
    }
    if (reader_.joinable()) reader_.join();
  }

  // Waits for the "listening" log line(s); false if silt exits or time
  // runs out first.
  bool WaitPorts(int timeout_s, int* http, int* tcp) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(timeout_s),
                 [&] { return (http_port_ > 0 && tcp_port_ > 0) || eof_; });
    *http = http_port_;
    *tcp = tcp_port_;
    return http_port_ > 0 && tcp_port_ > 0;
  }

  bool Running() {
    if (exited_) return false;
    int status;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exited_ = true;
      status_ = status;
      g_silt_pid = 0;
    }
    return !exited_;
  }

  // Peak resident set (VmHWM) in bytes, or 0 if unknown.
  uint64_t PeakRss() const {
    FILE* f =
        std::fopen(("/proc/" + std::to_string(pid_) + "/status").c_str(), "r");
    if (!f) return 0;
    char line[256];
    uint64_t kb = 0;
    while (std::fgets(line, sizeof(line), f)) {
      if (std::strncmp(line, "VmHWM:", 6) == 0) {
        kb = std::strtoull(line + 6, nullptr, 10);
      }
    }
    std::fclose(f);
    return kb * 1024;
  }

  // SIGTERM, then up to `timeout_s` for a clean exit, then SIGKILL.
  // Returns the exit code, or -1 if it had to be killed or died by signal.
  int Stop(int timeout_s) {
    if (Running()) kill(pid_, SIGTERM);
    if (!Reap(timeout_s)) {
      Note("silt did not exit %d s after SIGTERM; killed", timeout_s);
      kill(pid_, SIGKILL);
      Reap(5);
      return -1;
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
  }

  void PrintTail() {
    std::lock_guard<std::mutex> lock(mu_);
    std::fprintf(stderr, "--- last %zu lines of silt's output ---\n",
                 tail_.size());
    for (const auto& l : tail_) std::fprintf(stderr, "%s\n", l.c_str());
    std::fprintf(stderr, "---\n");
  }

  pid_t pid() const { return pid_; }

 private:
  bool Reap(int timeout_s) {
    const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    while (Running()) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  // Value of "key":"value" in a JSON log line, or "".
  static std::string Field(std::string_view line, std::string_view key) {
    const std::string pat = "\"" + std::string(key) + "\":\"";
    const size_t at = line.find(pat);
    if (at == std::string_view::npos) return "";
    const size_t from = at + pat.size();
    const size_t to = line.find('"', from);
    if (to == std::string_view::npos) return "";
    return std::string(line.substr(from, to - from));
  }

  static int Port(const std::string& addr) {
    const size_t colon = addr.rfind(':');
    if (colon == std::string::npos) return 0;
    return std::atoi(addr.c_str() + colon + 1);
  }

  void OnLine(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu_);
    tail_.push_back(line);
    if (tail_.size() > 40) tail_.pop_front();
    if (line.find("\"msg\":\"listening\"") == std::string::npos) return;
    for (const char* k : {"http", "http_listen", "http_addr"}) {
      if (int p = Port(Field(line, k)); p > 0 && http_port_ == 0) {
        http_port_ = p;
      }
    }
    for (const char* k : {"tcp", "tcp_listen", "tcp_addr"}) {
      if (int p = Port(Field(line, k)); p > 0 && tcp_port_ == 0) {
        tcp_port_ = p;
      }
    }
    cv_.notify_all();
  }

  void ReadOutput(int fd) {
    std::string pending;
    char buf[65536];
    for (;;) {
      const ssize_t n = read(fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      pending.append(buf, static_cast<size_t>(n));
      size_t start = 0;
      for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos;
           start = nl + 1) {
        OnLine(pending.substr(start, nl - start));
      }
      pending.erase(0, start);
    }
    close(fd);
    if (!pending.empty()) OnLine(pending);
    std::lock_guard<std::mutex> lock(mu_);
    eof_ = true;
    cv_.notify_all();
  }

  pid_t pid_ = 0;
  bool exited_ = false;
  int status_ = 0;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> tail_;
  int http_port_ = 0, tcp_port_ = 0;
  bool eof_ = false;
};

// ---------------------------------------------------------------------------
// Loopback clients.

int Connect(int port, int timeout_s) {
  return silt::bench::ConnectLoopback(port, timeout_s, /*nodelay=*/false);
}

struct HttpResult {
  int status = 0;  // 0: no answer (connection refused, timeout, bad reply)
  std::string body;
};

std::string Dechunk(std::string_view in) {
  std::string out;
  size_t pos = 0;
  while (pos < in.size()) {
    const size_t eol = in.find("\r\n", pos);
    if (eol == std::string_view::npos) break;
    const size_t len = std::strtoul(
        std::string(in.substr(pos, eol - pos)).c_str(), nullptr, 16);
    if (len == 0) break;
    out.append(in.substr(eol + 2, len));
    pos = eol + 2 + len + 2;
  }
  return out;
}

// One request on its own connection (Connection: close).
HttpResult Http(int port, const char* method, const std::string& target,
                int timeout_s = 30) {
  HttpResult r;
  const int fd = Connect(port, timeout_s);
  if (fd < 0) return r;
  std::string req = std::string(method) + " " + target +
                    " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nConnection: close\r\n";
  if (std::strcmp(method, "POST") == 0) req += "Content-Length: 0\r\n";
  req += "\r\n";
  std::string resp;
  if (SendAll(fd, req.data(), req.size())) {
    char buf[65536];
    for (;;) {
      const ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      resp.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  const size_t head_end = resp.find("\r\n\r\n");
  if (resp.compare(0, 5, "HTTP/") != 0 || head_end == std::string::npos) {
    return r;
  }
  const size_t sp = resp.find(' ');
  r.status = std::atoi(resp.c_str() + sp + 1);
  std::string head = resp.substr(0, head_end);
  for (char& c : head) c = static_cast<char>(std::tolower(c));
  r.body = resp.substr(head_end + 4);
  if (head.find("transfer-encoding: chunked") != std::string::npos) {
    r.body = Dechunk(r.body);
  }
  return r;
}

// Sum of all samples of a metric family in Prometheus text, or nullopt if it
// has none.
std::optional<double> MetricSum(const std::string& text,
                                std::string_view name) {
  std::optional<double> sum;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    const std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 1;
    if (line.size() <= name.size() || line.substr(0, name.size()) != name) {
      continue;
    }
    const char next = line[name.size()];
    if (next != '{' && next != ' ') continue;
    const size_t sp = line.rfind(' ');
    sum = sum.value_or(0) +
          std::strtod(std::string(line.substr(sp + 1)).c_str(), nullptr);
  }
  return sum;
}

std::optional<double> Metric(int http_port, std::string_view name) {
  const HttpResult r = Http(http_port, "GET", "/metrics");
  if (r.status != 200) return std::nullopt;
  return MetricSum(r.body, name);
}

// "entries" of a Loki index/stats answer, or nullopt.
std::optional<uint64_t> StatsEntries(int http_port, const std::string& query,
                                     int* status) {
  const HttpResult r = Http(http_port, "GET",
                            "/loki/api/v1/index/stats?query=" + query +
                                "&start=0&end=4102444800000000000");
  *status = r.status;
  if (r.status != 200) return std::nullopt;
  const size_t at = r.body.find("\"entries\":");
  if (at == std::string::npos) return std::nullopt;
  return std::strtoull(r.body.c_str() + at + 10, nullptr, 10);
}

uint64_t TreeBytes(const std::string& dir, uint64_t* files) {
  uint64_t total = 0;
  *files = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code ec2;
    if (it->is_regular_file(ec2)) {
      const uint64_t size = it->file_size(ec2);
      if (!ec2) {
        total += size;
        ++*files;
      }
    }
  }
  return total;
}

// ---------------------------------------------------------------------------
// The tail path: the same lines in Docker json-file envelopes, and an idle
// silt following many quiet files.

void AppendJsonString(std::string* out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

// Wraps every line of `in` as Docker's json-file driver writes it, with
// envelope times 1 µs apart from 2024-05-01T12:00:00Z. Returns its bytes.
uint64_t WriteDockerFile(const std::string& in, const std::string& out) {
  FILE* src = std::fopen(in.c_str(), "rb");
  FILE* dst = std::fopen(out.c_str(), "wb");
  if (!src || !dst) Die("cannot open %s / %s", in.c_str(), out.c_str());
  std::string buf, line, outbuf;
  char* p = nullptr;
  size_t cap = 0;
  uint64_t i = 0, bytes = 0;
  ssize_t n;
  while ((n = getline(&p, &cap, src)) > 0) {
    std::string_view l(p, static_cast<size_t>(n));
    if (!l.empty() && l.back() == '\n') l.remove_suffix(1);
    const uint64_t sec = i / 1000000, us = i % 1000000;
    char ts[64];
    std::snprintf(ts, sizeof(ts), "2024-05-01T%02llu:%02llu:%02llu.%06lluZ",
                  (unsigned long long)(12 + sec / 3600 % 12),
                  (unsigned long long)(sec / 60 % 60),
                  (unsigned long long)(sec % 60), (unsigned long long)us);
    outbuf.append("{\"log\":\"");
    AppendJsonString(&outbuf, l);
    outbuf.append("\\n\",\"stream\":\"stdout\",\"time\":\"");
    outbuf.append(ts);
    outbuf.append("\"}\n");
    ++i;
    if (outbuf.size() > (1 << 20)) {
      bytes += std::fwrite(outbuf.data(), 1, outbuf.size(), dst);
      outbuf.clear();
    }
  }
  bytes += std::fwrite(outbuf.data(), 1, outbuf.size(), dst);
  std::free(p);
  std::fclose(src);
  if (std::fclose(dst) != 0)
    Die("writing %s: %s", out.c_str(), strerror(errno));
  return bytes;
}

void WaitReady(SiltProcess& silt, int* http_port) {
  int tcp_port = 0;
  if (!silt.WaitPorts(60, http_port, &tcp_port)) {
    silt.PrintTail();
    Die("silt did not log its listening line within 60 s");
  }
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Http(*http_port, "GET", "/ready", 5).status != 200) {
    if (!silt.Running() || Clock::now() > deadline) {
      silt.PrintTail();
      Die("GET /ready did not answer 200 within 60 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Waits until `metric` reaches `want` (or stops moving for 15 s), flushing
// when `flush`. Returns the last value.
double WaitMetric(SiltProcess& silt, int http_port, const char* metric,
                  double want, bool flush) {
  double last = -1;
  auto last_change = Clock::now();
  for (;;) {
    if (flush) {
      const HttpResult r = Http(http_port, "POST", "/api/v1/flush", 300);
      if (r.status != 200 && r.status != 204) {
        silt.PrintTail();
        Die("POST /api/v1/flush answered %d %s", r.status, r.body.c_str());
      }
    }
    const double v = Metric(http_port, metric).value_or(0);
    if (v >= want) return v;
    if (v != last) {
      last = v;
      last_change = Clock::now();
    } else if (Seconds(last_change, Clock::now()) > 15) {
      return v;
    }
    // Every 20 ms: a /metrics answer (the Kafka path's has one lag series
    // per partition) costs silt CPU the path under test would otherwise get.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// utime + stime of a process, in seconds.
// A fresh silt tailing an empty directory; the Docker file is renamed into
// it (the clock starts), then silt must store every line. Returns seconds.
double RunTail(const Options& opt, const std::string& dir,
               const std::string& docker, uint64_t lines, uint64_t* rss,
               double* cpu_s) {
  const std::string in = dir + "/tail-in", data = dir + "/data-tail";
  std::error_code ec;
  fs::create_directories(in, ec);
  fs::create_directories(data, ec);
  SiltProcess silt;
  silt.Start(opt.silt, data, {"--tail", in + "/*.log"});
  int http_port = 0;
  WaitReady(silt, &http_port);
  const auto t0 = Clock::now();
  const double c0 = silt::bench::ProcessCpuSeconds(silt.pid());
  if (std::rename(docker.c_str(), (in + "/0.log").c_str()) != 0) {
    Die("rename %s: %s", docker.c_str(), strerror(errno));
  }
  WaitMetric(silt, http_port, "silt_lines_received_total", double(lines),
             false);
  const double stored = WaitMetric(silt, http_port, "silt_entries_stored_total",
                                   double(lines), true);
  const double s = Seconds(t0, Clock::now());
  *cpu_s = silt::bench::ProcessCpuSeconds(silt.pid()) - c0;
  if (stored != double(lines)) {
    silt.PrintTail();
    Die("tail: silt_entries_stored_total is %.0f, expected %llu", stored,
        (unsigned long long)lines);
  }
  *rss = silt.PeakRss();
  if (silt.Stop(60) != 0) Note("tail silt did not exit 0 after SIGTERM");
  fs::remove(in + "/0.log", ec);
  fs::remove_all(data, ec);
  return s;
}

// An idle silt tailing `files` quiet files, beside an idle silt without
// tailing, over the same `window_s`: CPU as % of one core for each.
void RunIdle(const Options& opt, const std::string& dir, int files,
             int window_s, double* tail_pct, double* ref_pct) {
  const std::string in = dir + "/idle-in";
  std::error_code ec;
  fs::create_directories(in, ec);
  for (int i = 0; i < files; ++i) {
    FILE* f = std::fopen((in + "/f" + std::to_string(i) + ".log").c_str(), "w");
    if (!f) Die("cannot create idle files in %s", in.c_str());
    std::fprintf(f, "{\"msg\":\"hello from file %d\"}\n", i);
    std::fclose(f);
  }
  SiltProcess tail, ref;
  tail.Start(opt.silt, dir + "/data-idle", {"--tail", in + "/*.log"});
  ref.Start(opt.silt, dir + "/data-ref");
  int tail_port = 0, ref_port = 0;
  WaitReady(tail, &tail_port);
  WaitReady(ref, &ref_port);
  if (WaitMetric(tail, tail_port, "silt_lines_received_total", files, false) !=
      files) {
    Die("idle: silt did not read the %d files", files);
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // settle
  const double t0 = silt::bench::ProcessCpuSeconds(tail.pid()),
               r0 = silt::bench::ProcessCpuSeconds(ref.pid());
  const auto w0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(window_s));
  const double wall = Seconds(w0, Clock::now());
  *tail_pct = 100.0 * (silt::bench::ProcessCpuSeconds(tail.pid()) - t0) / wall;
  *ref_pct = 100.0 * (silt::bench::ProcessCpuSeconds(ref.pid()) - r0) / wall;
  tail.Stop(60);
  ref.Stop(60);
  fs::remove_all(in, ec);
  fs::remove_all(dir + "/data-idle", ec);
  fs::remove_all(dir + "/data-ref", ec);
}

// ---------------------------------------------------------------------------
// The Kafka and OTLP paths: the same lines through a Kafka topic and as
// OTLP/JSON requests, each into a fresh silt.

struct InputRun {
  double s = 0;            // first message or request to everything stored
  double prep_s = 0;       // producing to Kafka / building requests (not timed)
  double cpu_s = 0;        // silt's CPU seconds over the timed part
  double other_cpu_s = 0;  // the mock broker's, while silt consumed
  double ref_s = 0;        // kcat -C of the same topic (Kafka only)
  uint64_t rss = 0;
  uint64_t wire_bytes = 0;  // OTLP request bytes
};

void CheckStored(SiltProcess& silt, double stored, uint64_t want,
                 const char* path, const char* hint) {
  if (stored == static_cast<double>(want)) return;
  silt.PrintTail();
  Die("%s: silt_entries_stored_total is %.0f, expected %llu%s", path, stored,
      (unsigned long long)want, hint);
}

InputRun RunKafka(const Options& opt, const std::string& dir,
                  const std::string& log_path, uint64_t lines) {
  InputRun r;
  silt::bench::KafkaMockChild mock;
  std::string err;
  if (!mock.Start(opt.kafka_mock, "bench", opt.kafka_partitions, &err)) {
    Die("kafka: %s", err.c_str());
  }
  r.prep_s = silt::bench::KcatProduceFile(mock.bootstrap(), "bench", log_path,
                                          opt.kafka_compression, &err);
  if (r.prep_s < 0) Die("kafka: %s", err.c_str());
  r.ref_s = silt::bench::KcatConsumeAll(mock.bootstrap(), "bench", &err);
  if (r.ref_s < 0) Die("kafka: %s", err.c_str());
  const std::string data = dir + "/data-kafka";
  std::error_code ec;
  fs::create_directories(data, ec);
  SiltProcess silt;
  std::vector<std::string> flags = {"--kafka-brokers", mock.bootstrap(),
                                    "--kafka-topic",   "bench",
                                    "--kafka-group",   "bench"};
  for (const std::string& o : opt.kafka_options) {
    flags.push_back("--kafka-option");
    flags.push_back(o);
  }
  silt.Start(opt.silt, data, flags);
  int http_port = 0;
  WaitReady(silt, &http_port);
  // The clock starts once the group has given silt its partitions (the
  // mock waits 3 s for more members to join a new group first).
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Metric(http_port, "silt_kafka_assigned_partitions").value_or(0) <= 0) {
    if (Clock::now() > deadline) {
      silt.PrintTail();
      Die("kafka: no partition assigned within 60 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const auto t0 = Clock::now();
  const double mock_cpu0 = silt::bench::ProcessCpuSeconds(mock.pid());
  const double cpu0 = silt::bench::ProcessCpuSeconds(silt.pid());
  WaitMetric(silt, http_port, "silt_kafka_messages_consumed_total",
             double(lines), false);
  const double stored = WaitMetric(silt, http_port, "silt_entries_stored_total",
                                   double(lines), true);
  r.s = Seconds(t0, Clock::now());
  r.other_cpu_s = silt::bench::ProcessCpuSeconds(mock.pid()) - mock_cpu0;
  r.cpu_s = silt::bench::ProcessCpuSeconds(silt.pid()) - cpu0;
  CheckStored(silt, stored, lines, "kafka",
              " (the mock broker keeps about 5 MiB per partition: "
              "more --kafka-partitions?)");
  r.rss = silt.PeakRss();
  if (silt.Stop(60) != 0) Note("kafka silt did not exit 0 after SIGTERM");
  mock.Stop();
  fs::remove_all(data, ec);
  return r;
}

InputRun RunOtlp(const Options& opt, const std::string& dir,
                 const std::string& log_path, uint64_t lines) {
  InputRun r;
  const auto p0 = Clock::now();
  uint64_t records = 0;
  const std::vector<std::string> bodies =
      silt::bench::OtlpBodies(log_path, static_cast<size_t>(opt.otlp_records),
                              1714564800000000000, &records);
  r.prep_s = Seconds(p0, Clock::now());
  for (const auto& b : bodies) r.wire_bytes += b.size();
  if (records != lines)
    Die("otlp: %llu records for %llu lines", (unsigned long long)records,
        (unsigned long long)lines);
  const std::string data = dir + "/data-otlp";
  std::error_code ec;
  fs::create_directories(data, ec);
  SiltProcess silt;
  silt.Start(opt.silt, data);
  int http_port = 0;
  WaitReady(silt, &http_port);
  const auto t0 = Clock::now();
  const double cpu0 = silt::bench::ProcessCpuSeconds(silt.pid());
  std::string err;
  if (!silt::bench::PostAll(http_port, "/otlp/v1/logs", "application/json",
                            bodies, opt.otlp_connections, &err)) {
    silt.PrintTail();
    Die("otlp: %s", err.c_str());
  }
  const double stored = WaitMetric(silt, http_port, "silt_entries_stored_total",
                                   double(lines), true);
  r.s = Seconds(t0, Clock::now());
  r.cpu_s = silt::bench::ProcessCpuSeconds(silt.pid()) - cpu0;
  CheckStored(silt, stored, lines, "otlp", "");
  r.rss = silt.PeakRss();
  if (silt.Stop(60) != 0) Note("otlp silt did not exit 0 after SIGTERM");
  fs::remove_all(data, ec);
  return r;
}

// A fresh silt started with `extra` flags; the file goes over one TCP
// connection, then flushes until every line is stored. Returns the seconds
// from the first byte to that flush, and silt's CPU seconds in *cpu_s (and
// silt_redactions_total in *redactions).
double RunTcp(const Options& opt, const std::string& data,
              const std::vector<std::string>& extra,
              const std::string& log_path, uint64_t bytes, uint64_t lines,
              double* cpu_s, double* redactions) {
  std::error_code ec;
  fs::remove_all(data, ec);
  fs::create_directories(data, ec);
  SiltProcess silt;
  silt.Start(opt.silt, data, extra);
  int http_port = 0, tcp_port = 0;
  if (!silt.WaitPorts(60, &http_port, &tcp_port)) {
    silt.PrintTail();
    Die("silt did not log its listening line within 60 s");
  }
  WaitReady(silt, &http_port);
  const int in_fd = open(log_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in_fd < 0) Die("open %s: %s", log_path.c_str(), strerror(errno));
  void* map =
      mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE | MAP_POPULATE, in_fd, 0);
  if (map == MAP_FAILED) Die("mmap: %s", strerror(errno));
  const int fd = Connect(tcp_port, 120);
  if (fd < 0) Die("connect to 127.0.0.1:%d: %s", tcp_port, strerror(errno));
  const auto t0 = Clock::now();
  if (!SendAll(fd, static_cast<const char*>(map), bytes)) {
    silt.PrintTail();
    Die("sending to 127.0.0.1:%d: %s", tcp_port, strerror(errno));
  }
  shutdown(fd, SHUT_WR);
  close(fd);
  munmap(map, bytes);
  close(in_fd);
  WaitMetric(silt, http_port, "silt_lines_received_total", double(lines),
             false);
  const double stored = WaitMetric(silt, http_port, "silt_entries_stored_total",
                                   double(lines), true);
  const double s = Seconds(t0, Clock::now());
  if (stored != double(lines)) {
    silt.PrintTail();
    Die("silt %s: silt_entries_stored_total is %.0f, expected %llu",
        extra.empty() ? "" : extra.back().c_str(), stored,
        (unsigned long long)lines);
  }
  *cpu_s = silt::bench::ProcessCpuSeconds(silt.pid());
  *redactions = Metric(http_port, "silt_redactions_total").value_or(0);
  if (silt.Stop(60) != 0) Note("silt did not exit 0 after SIGTERM");
  fs::remove_all(data, ec);
  return s;
}

std::string DefaultSilt(const char* argv0) {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) self = argv0;
  for (const fs::path& p : {self.parent_path().parent_path() / "silt",
                            self.parent_path() / "silt"}) {
    if (fs::exists(p, ec)) return p.string();
  }
  return (self.parent_path().parent_path() / "silt").string();
}

int Usage() {
  std::fprintf(stderr,
               "usage: silt_e2e_bench [--silt PATH] [--lines N] [--seed S] "
               "[--keep] [--timeout SECONDS] [--tmp DIR] [--no-tail] "
               "[--idle-files N] [--idle-seconds S] [--no-kafka] [--no-otlp] "
               "[--kafka-partitions N] [--kafka-mock PATH] "
               "[--kafka-compression none|lz4|zstd|...] [--kafka-option K=V] "
               "[--otlp-records N] "
               "[--otlp-connections N] [--no-redact-compare]\n");
  return 2;
}

std::string Thousands(double per_s) {
  char buf[32];
  if (per_s >= 1e6) {
    std::snprintf(buf, sizeof(buf), "%.2fM", per_s / 1e6);
  } else {
    std::snprintf(buf, sizeof(buf), "%.0fk", per_s / 1e3);
  }
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool v = i + 1 < argc;
    if (a == "--silt" && v) {
      opt.silt = argv[++i];
    } else if (a == "--lines" && v) {
      opt.lines = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--seed" && v) {
      opt.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--keep") {
      opt.keep = true;
    } else if (a == "--timeout" && v) {
      opt.timeout_s = std::atoi(argv[++i]);
    } else if (a == "--tmp" && v) {
      opt.tmp = argv[++i];
    } else if (a == "--no-tail") {
      opt.tail = false;
    } else if (a == "--no-redact-compare") {
      opt.redact_compare = false;
    } else if (a == "--idle-files" && v) {
      opt.idle_files = std::atoi(argv[++i]);
    } else if (a == "--idle-seconds" && v) {
      opt.idle_seconds = std::atoi(argv[++i]);
    } else if (a == "--no-kafka") {
      opt.kafka = false;
    } else if (a == "--no-otlp") {
      opt.otlp = false;
    } else if (a == "--kafka-partitions" && v) {
      opt.kafka_partitions = std::atoi(argv[++i]);
    } else if (a == "--kafka-mock" && v) {
      opt.kafka_mock = argv[++i];
    } else if (a == "--kafka-compression" && v) {
      opt.kafka_compression = argv[++i];
    } else if (a == "--kafka-option" && v) {
      opt.kafka_options.push_back(argv[++i]);
    } else if (a == "--otlp-records" && v) {
      opt.otlp_records = std::atoi(argv[++i]);
    } else if (a == "--otlp-connections" && v) {
      opt.otlp_connections = std::atoi(argv[++i]);
    } else {
      return Usage();
    }
  }
  if (opt.lines == 0 || opt.timeout_s <= 0) return Usage();
  if (opt.silt.empty()) opt.silt = DefaultSilt(argv[0]);
  if (access(opt.silt.c_str(), X_OK) != 0) {
    Die("no silt binary at %s (pass --silt PATH)", opt.silt.c_str());
  }
  if (opt.kafka && opt.kafka_mock.empty()) {
    opt.kafka_mock =
        (fs::path(opt.silt).parent_path() / "tests" / "silt_kafka_mock")
            .string();
  }
  if (opt.kafka && access(opt.kafka_mock.c_str(), X_OK) != 0) {
    Note("no %s (build the tests, or --kafka-mock PATH): Kafka path skipped",
         opt.kafka_mock.c_str());
    opt.kafka = false;
  }
  if (opt.tmp.empty()) {
    const char* t = std::getenv("TMPDIR");
    opt.tmp = t && *t ? t : "/tmp";
  }
  std::string templ = opt.tmp + "/silt-e2e-XXXXXX";
  if (!mkdtemp(templ.data()))
    Die("mkdtemp %s: %s", templ.c_str(), strerror(errno));
  const std::string dir = templ;
  g_dir = dir;
  g_keep = opt.keep;
  const std::string log_path = dir + "/logs.ndjson";
  const std::string zst_path = dir + "/logs.ndjson.zst";
  const std::string data_dir = dir + "/data";

  std::snprintf(g_log_path, sizeof(g_log_path), "%s", log_path.c_str());
  std::snprintf(g_timeout_msg, sizeof(g_timeout_msg),
                "silt_e2e_bench: FAIL: global timeout of %d s; silt killed; "
                "its data left in %s\n",
                opt.timeout_s, dir.c_str());
  signal(SIGALRM, OnAlarm);
  alarm(static_cast<unsigned>(opt.timeout_s));

  // 1. The workload.
  const auto g0 = Clock::now();
  const silt::bench::LogGenCounts want = WriteWorkload(opt, log_path);
  const double raw_mb = want.bytes / 1e6;
  // On disk before anything is timed: its writeback would otherwise land in
  // the middle of a timed run (the kernel writes dirty pages back 30 s on).
  {
    const int sync_fd = open(log_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (sync_fd < 0 || fsync(sync_fd) != 0) {
      Die("fsync %s: %s", log_path.c_str(), strerror(errno));
    }
    close(sync_fd);
  }
  std::fprintf(stderr,
               "generated %llu lines, %.1f MB in %.2f s (%llu malformed, "
               "%llu traced, %llu with a secret)\n",
               (unsigned long long)want.lines, raw_mb,
               Seconds(g0, Clock::now()), (unsigned long long)want.malformed,
               (unsigned long long)want.with_trace,
               (unsigned long long)want.with_secret);

  // 2. The reference: best wall time of 3 runs into /dev/null, reading the
  // file from the page cache as silt's turn does; then one run for the size.
  double zstd_s = 1e300;
  for (int i = 0; i < 3; ++i) {
    zstd_s = std::min(zstd_s, RunZstd(log_path, "/dev/null"));
  }
  RunZstd(log_path, zst_path);
  std::error_code ec;
  const uint64_t zstd_bytes = fs::file_size(zst_path, ec);
  fs::remove(zst_path, ec);
  std::fprintf(stderr, "zstd -3 -T1: %.3f s, %llu bytes\n", zstd_s,
               (unsigned long long)zstd_bytes);

  // 3. A fresh silt.
  fs::create_directories(data_dir, ec);
  SiltProcess silt;
  silt.Start(opt.silt, data_dir);
  int http_port = 0, tcp_port = 0;
  if (!silt.WaitPorts(60, &http_port, &tcp_port)) {
    silt.PrintTail();
    Die("silt did not log {\"msg\":\"listening\",\"http\":...,\"tcp\":...} "
        "within 60 s (http port %d, tcp port %d)",
        http_port, tcp_port);
  }
  {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    for (;;) {
      if (Http(http_port, "GET", "/ready", 5).status == 200) break;
      if (!silt.Running() || Clock::now() > deadline) {
        silt.PrintTail();
        Die("GET /ready did not answer 200 within 60 s");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // 4. Send everything over one connection, then flush.
  const int in_fd = open(log_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in_fd < 0) Die("open %s: %s", log_path.c_str(), strerror(errno));
  void* map = mmap(nullptr, want.bytes, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
                   in_fd, 0);
  if (map == MAP_FAILED) Die("mmap: %s", strerror(errno));
  const int fd = Connect(tcp_port, 120);
  if (fd < 0) Die("connect to 127.0.0.1:%d: %s", tcp_port, strerror(errno));
  const auto t0 = Clock::now();
  const double tcp_c0 = silt::bench::ProcessCpuSeconds(silt.pid());
  if (!SendAll(fd, static_cast<const char*>(map), want.bytes)) {
    silt.PrintTail();
    Die("sending to 127.0.0.1:%d: %s", tcp_port, strerror(errno));
  }
  shutdown(fd, SHUT_WR);
  close(fd);
  const auto t_sent = Clock::now();
  munmap(map, want.bytes);
  close(in_fd);

  // Lines still in socket buffers are not yet silt's to flush: wait until it
  // counts them all as received (if it exports that count) before flushing.
  {
    std::optional<double> last;
    auto last_change = Clock::now();
    for (;;) {
      const std::optional<double> got =
          Metric(http_port, "silt_lines_received_total");
      if (!got || *got >= static_cast<double>(want.lines)) break;
      if (got != last) {
        last = got;
        last_change = Clock::now();
      } else if (Seconds(last_change, Clock::now()) > 10) {
        Note("silt_lines_received_total stuck at %.0f of %llu; flushing", *got,
             (unsigned long long)want.lines);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  Clock::time_point t1;
  double stored = 0;
  {
    auto last_change = Clock::now();
    double last = -1;
    for (int attempt = 0;; ++attempt) {
      const HttpResult r = Http(http_port, "POST", "/api/v1/flush", 300);
      t1 = Clock::now();
      if (r.status != 200 && r.status != 204) {
        silt.PrintTail();
        Die("POST /api/v1/flush answered %d %s", r.status, r.body.c_str());
      }
      const std::optional<double> s =
          Metric(http_port, "silt_entries_stored_total");
      if (!s) {
        silt.PrintTail();
        Die("GET /metrics has no silt_entries_stored_total");
      }
      stored = *s;
      if (stored >= static_cast<double>(want.lines)) break;
      if (stored != last) {
        last = stored;
        last_change = Clock::now();
      } else if (Seconds(last_change, Clock::now()) > 15) {
        break;
      }
      if (attempt == 0) {
        Note(
            "after the first flush %.0f of %llu entries stored; flushing "
            "again",
            stored, (unsigned long long)want.lines);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const double silt_s = Seconds(t0, t1);
  const double tcp_cpu_s = silt::bench::ProcessCpuSeconds(silt.pid()) - tcp_c0;
  if (stored != static_cast<double>(want.lines)) {
    silt.PrintTail();
    Die("silt_entries_stored_total is %.0f, expected %llu", stored,
        (unsigned long long)want.lines);
  }

  // 5. Answers that are checked when silt can give them (notes only).
  if (auto rej = Metric(http_port, "silt_lines_rejected_total");
      rej && *rej != static_cast<double>(want.malformed)) {
    Note(
        "silt_lines_rejected_total is %.0f; the workload has %llu non-JSON "
        "lines",
        *rej, (unsigned long long)want.malformed);
  }
  {
    int status = 0;
    const auto all =
        StatsEntries(http_port, "%7Bservice%3D~%22.%2B%22%7D", &status);
    if (!all) {
      Note(
          "GET /loki/api/v1/index/stats answered %d; entry counts not "
          "checked",
          status);
    } else {
      const uint64_t labelled = want.lines - want.malformed;
      if (*all != labelled && *all != want.lines) {
        Note("index/stats {service=~\".+\"} entries=%llu, expected %llu",
             (unsigned long long)*all, (unsigned long long)labelled);
      }
      for (const char* level : {"debug", "info", "warn", "error"}) {
        const auto got = StatsEntries(
            http_port, std::string("%7Blevel%3D%22") + level + "%22%7D",
            &status);
        if (got && *got != want.PerLevel(level)) {
          Note("index/stats {level=\"%s\"} entries=%llu, expected %llu", level,
               (unsigned long long)*got,
               (unsigned long long)want.PerLevel(level));
        }
      }
    }
  }

  // 6. Footprint, then a clean stop.
  uint64_t files = 0;
  const uint64_t stored_bytes = TreeBytes(data_dir, &files);
  const uint64_t peak_rss = silt.PeakRss();
  const auto s0 = Clock::now();
  const int exit_code = silt.Stop(60);
  const double stop_s = Seconds(s0, Clock::now());
  uint64_t files_after = 0;
  const uint64_t bytes_after = TreeBytes(data_dir, &files_after);
  alarm(0);
  if (exit_code != 0) {
    silt.PrintTail();
    Note("silt exited with %d after SIGTERM (expected 0)", exit_code);
  }

  // 6b. Two more runs of the same TCP ingest, each with a fresh silt and
  // data dir: the rate is the best of three, as the zstd reference's is.
  // (The other inputs below are compared with the first run, single run
  // against single run.)
  double tcp_runs[3] = {silt_s, 0, 0};
  double tcp_s = silt_s;
  for (int k = 1; k < 3; ++k) {
    alarm(static_cast<unsigned>(opt.timeout_s));
    double cpu = 0, red = 0;
    tcp_runs[k] = RunTcp(opt, dir + "/data-again", {}, log_path, want.bytes,
                         want.lines, &cpu, &red);
    tcp_s = std::min(tcp_s, tcp_runs[k]);
    alarm(0);
  }

  // 7. The tail path on the same lines, then an idle silt tailing many
  // quiet files.
  double tail_s = 0, tail_cpu_s = 0, idle_pct = 0, idle_ref_pct = 0;
  uint64_t tail_rss = 0, docker_bytes = 0;
  if (opt.tail) {
    alarm(static_cast<unsigned>(opt.timeout_s));
    const std::string docker = dir + "/docker.log";
    docker_bytes = WriteDockerFile(log_path, docker);
    tail_s = RunTail(opt, dir, docker, want.lines, &tail_rss, &tail_cpu_s);
    RunIdle(opt, dir, opt.idle_files, opt.idle_seconds, &idle_pct,
            &idle_ref_pct);
    alarm(0);
  }

  // 8. The Kafka and OTLP paths on the same lines.
  InputRun kafka, otlp;
  if (opt.kafka) {
    alarm(static_cast<unsigned>(opt.timeout_s));
    kafka = RunKafka(opt, dir, log_path, want.lines);
    alarm(0);
  }
  if (opt.otlp) {
    alarm(static_cast<unsigned>(opt.timeout_s));
    otlp = RunOtlp(opt, dir, log_path, want.lines);
    alarm(0);
  }

  // 9. Redaction's cost (bench/README.md): the same TCP ingest with
  // the default rules on and with --redact off, alternated (off, on, off, on),
  // best of each.
  double on_s = 1e300, off_s = 1e300, on_cpu = 1e300, off_cpu = 1e300;
  double on_redactions = 0, off_redactions = 0;
  if (opt.redact_compare) {
    alarm(static_cast<unsigned>(opt.timeout_s));
    for (int k = 0; k < 4; ++k) {
      const bool on = k % 2 == 1;
      double cpu = 0, red = 0;
      const double t = RunTcp(opt, dir + "/data-redact",
                              on ? std::vector<std::string>{}
                                 : std::vector<std::string>{"--redact", "off"},
                              log_path, want.bytes, want.lines, &cpu, &red);
      (on ? on_s : off_s) = std::min(on ? on_s : off_s, t);
      (on ? on_cpu : off_cpu) = std::min(on ? on_cpu : off_cpu, cpu);
      (on ? on_redactions : off_redactions) = red;
    }
    alarm(0);
    if (on_redactions < static_cast<double>(want.with_secret)) {
      Note(
          "silt_redactions_total is %.0f; the workload has %llu lines with "
          "a planted secret",
          on_redactions, (unsigned long long)want.with_secret);
    }
    if (off_redactions != 0) {
      Note("silt_redactions_total is %.0f with --redact off", off_redactions);
    }
  }

  // 10. The report.
  const double rate_ratio = zstd_s / tcp_s;
  const double size_ratio = double(stored_bytes) / double(zstd_bytes);
  const double rss_mb = peak_rss / 1048576.0;
  std::printf("silt e2e ingest, %llu lines, %.1f MB (seed %llu)\n",
              (unsigned long long)want.lines, raw_mb,
              (unsigned long long)opt.seed);
  std::printf(
      "                  time(s)   lines/s     MB/s   stored MB   ratio\n");
  std::printf("zstd -3 -T1      %8.3f  %8s  %7.1f  %10.1f  %6.2f\n", zstd_s,
              Thousands(want.lines / zstd_s).c_str(), raw_mb / zstd_s,
              zstd_bytes / 1e6, double(want.bytes) / zstd_bytes);
  std::printf("silt (tcp)       %8.3f  %8s  %7.1f  %10.1f  %6.2f\n", tcp_s,
              Thousands(want.lines / tcp_s).c_str(), raw_mb / tcp_s,
              stored_bytes / 1e6, double(want.bytes) / stored_bytes);
  std::printf(
      "tcp runs: %.3f %.3f %.3f s (best of 3, as zstd's; the first run's "
      "detail, size and RSS below)\n",
      tcp_runs[0], tcp_runs[1], tcp_runs[2]);
  std::printf(
      "rate ratio (silt/zstd): %.2f   size ratio (silt/zstd): %.2f   peak "
      "RSS: %.0f MB\n",
      rate_ratio, size_ratio, rss_mb);
  std::printf(
      "detail: send %.3f s + flush %.3f s; %llu files after flush; %.1f MB "
      "in %llu files after SIGTERM (%.2f s, exit %d)\n",
      Seconds(t0, t_sent), Seconds(t_sent, t1), (unsigned long long)files,
      bytes_after / 1e6, (unsigned long long)files_after, stop_s, exit_code);
  const bool floor_met = rate_ratio >= 0.7 && size_ratio <= 1.0 && rss_mb < 512;
  std::printf(
      "targets: rate >= 1.0 %s, size <= 0.8 %s, peak RSS < 512 MB %s; "
      "minimum bar (rate >= 0.7, size <= 1.0): %s\n",
      rate_ratio >= 1.0 ? "met" : "MISSED",
      size_ratio <= 0.8 ? "met" : "MISSED", rss_mb < 512 ? "met" : "MISSED",
      floor_met ? "met" : "MISSED");
  if (opt.tail) {
    const double ratio = silt_s / tail_s;
    std::printf(
        "silt (tail)      %8.3f  %8s  %7.1f  (Docker json-file, %.1f MB "
        "read; peak RSS %.0f MB)\n",
        tail_s, Thousands(want.lines / tail_s).c_str(), raw_mb / tail_s,
        docker_bytes / 1e6, tail_rss / 1048576.0);
    std::printf(
        "tail/tcp rate ratio: %.2f (target >= 0.9 %s); idle CPU tailing %d "
        "quiet files: %.2f%% of a core (target < 2%% %s; silt without "
        "tail beside it: %.2f%%)\n",
        ratio, ratio >= 0.9 ? "met" : "MISSED", opt.idle_files, idle_pct,
        idle_pct < 2.0 ? "met" : "MISSED", idle_ref_pct);
    std::printf(
        "silt CPU (utime+stime) for the %llu lines: tcp %.2f s, tail %.2f s "
        "(tail/tcp %.2f)\n",
        (unsigned long long)want.lines, tcp_cpu_s, tail_cpu_s,
        tail_cpu_s / tcp_cpu_s);
    std::printf(
        "RESULT_TAIL tail_tcp_ratio=%.3f tail_s=%.3f tcp_s=%.3f "
        "tail_cpu_s=%.3f tcp_cpu_s=%.3f idle_cpu_pct=%.3f "
        "idle_ref_cpu_pct=%.3f idle_files=%d\n",
        ratio, tail_s, silt_s, tail_cpu_s, tcp_cpu_s, idle_pct, idle_ref_pct,
        opt.idle_files);
  }
  if (opt.kafka || opt.otlp) {
    const double kafka_ratio = opt.kafka ? silt_s / kafka.s : 0;
    const double otlp_ratio = opt.otlp ? silt_s / otlp.s : 0;
    if (opt.kafka) {
      std::printf(
          "kcat -C (ref)    %8.3f  %8s  %7.1f  (a bare librdkafka client "
          "reading the same topic from the mock broker, output discarded)\n",
          kafka.ref_s, Thousands(want.lines / kafka.ref_s).c_str(),
          raw_mb / kafka.ref_s);
      std::printf(
          "silt (kafka)     %8.3f  %8s  %7.1f  (%d partitions on the mock "
          "broker, compression %s, produced with kcat in %.1f s, not timed; "
          "peak RSS %.0f MB)\n",
          kafka.s, Thousands(want.lines / kafka.s).c_str(), raw_mb / kafka.s,
          opt.kafka_partitions, opt.kafka_compression.c_str(), kafka.prep_s,
          kafka.rss / 1048576.0);
    }
    if (opt.otlp) {
      std::printf(
          "silt (otlp)      %8.3f  %8s  %7.1f  (OTLP/JSON, %d records per "
          "request, %d connections, %.1f MB sent; peak RSS %.0f MB)\n",
          otlp.s, Thousands(want.lines / otlp.s).c_str(), raw_mb / otlp.s,
          opt.otlp_records, opt.otlp_connections, otlp.wire_bytes / 1e6,
          otlp.rss / 1048576.0);
    }
    // CPU seconds are steadier than wall time on a loaded machine: silt's
    // (and the mock broker's) per run, beside the TCP run's.
    std::printf(
        "cpu seconds: tcp silt %.1f; kafka silt %.1f + mock broker %.1f "
        "(ratio tcp/kafka %.2f); otlp silt %.1f (ratio tcp/otlp %.2f)\n",
        tcp_cpu_s, kafka.cpu_s, kafka.other_cpu_s,
        opt.kafka ? tcp_cpu_s / (kafka.cpu_s + kafka.other_cpu_s) : 0,
        otlp.cpu_s, opt.otlp ? tcp_cpu_s / otlp.cpu_s : 0);
    if (opt.kafka) {
      std::printf(
          "kafka path / bare client (kcat -C) rate ratio: %.2f; the bare "
          "client / tcp rate ratio is %.2f (kcat formats every message, "
          "so it is a reference for what the mock broker serves, not a "
          "bound)\n",
          kafka.ref_s / kafka.s, silt_s / kafka.ref_s);
    }
    std::printf(
        "kafka/tcp rate ratio: %.2f (target >= 0.8 %s); otlp/tcp rate ratio: "
        "%.2f (target >= 0.5 %s)\n",
        kafka_ratio,
        !opt.kafka           ? "not run"
        : kafka_ratio >= 0.8 ? "met"
                             : "MISSED",
        otlp_ratio,
        !opt.otlp           ? "not run"
        : otlp_ratio >= 0.5 ? "met"
                            : "MISSED");
    std::printf(
        "RESULT_INPUTS kafka_tcp_ratio=%.3f otlp_tcp_ratio=%.3f kafka_s=%.3f "
        "otlp_s=%.3f tcp_s=%.3f kafka_partitions=%d\n",
        kafka_ratio, otlp_ratio, kafka.s, otlp.s, silt_s, opt.kafka_partitions);
  }
  if (opt.redact_compare) {
    const double ratio = off_s / on_s;
    std::printf(
        "redaction (tcp, best of 2 runs each; %.0f values redacted):\n"
        "rules on         %8.3f  %8s  %7.1f   cpu %.2f s\n"
        "rules off        %8.3f  %8s  %7.1f   cpu %.2f s\n"
        "on/off rate ratio: %.2f (target >= 0.85 %s); on/off CPU: %.2f\n",
        on_redactions, on_s, Thousands(want.lines / on_s).c_str(),
        raw_mb / on_s, on_cpu, off_s, Thousands(want.lines / off_s).c_str(),
        raw_mb / off_s, off_cpu, ratio, ratio >= 0.85 ? "met" : "MISSED",
        on_cpu / off_cpu);
    std::printf(
        "RESULT_REDACT redact_ratio=%.3f on_s=%.3f off_s=%.3f on_cpu_s=%.2f "
        "off_cpu_s=%.2f redactions=%.0f\n",
        ratio, on_s, off_s, on_cpu, off_cpu, on_redactions);
  }
  std::printf(
      "RESULT rate_ratio=%.3f size_ratio=%.3f lines_per_s=%.0f mb_per_s=%.1f "
      "stored_bytes=%llu zstd_bytes=%llu raw_bytes=%llu lines=%llu "
      "silt_s=%.3f zstd_s=%.3f peak_rss_mb=%.0f\n",
      rate_ratio, size_ratio, want.lines / tcp_s, raw_mb / tcp_s,
      (unsigned long long)stored_bytes, (unsigned long long)zstd_bytes,
      (unsigned long long)want.bytes, (unsigned long long)want.lines, tcp_s,
      zstd_s, rss_mb);
  std::fflush(stdout);

  if (opt.keep) {
    std::fprintf(stderr, "kept %s (logs.ndjson, data/)\n", dir.c_str());
  } else {
    fs::remove_all(dir, ec);
  }
  return 0;
}
