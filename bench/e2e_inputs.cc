#include "bench/e2e_inputs.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>
#include <thread>

#include "bench/bench_util.h"

namespace silt::bench {
namespace {

using Clock = std::chrono::steady_clock;

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

// Reads one HTTP/1.1 response with Content-Length (silt's answers have
// one). Returns the status, 0 on a bad or missing answer.
int ReadResponse(int fd, std::string* buf, std::string* body) {
  for (;;) {
    const size_t head_end = buf->find("\r\n\r\n");
    if (head_end != std::string::npos) {
      std::string head = buf->substr(0, head_end);
      for (char& c : head) c = static_cast<char>(std::tolower(c));
      const size_t cl = head.find("content-length:");
      const size_t len =
          cl == std::string::npos
              ? 0
              : std::strtoul(head.c_str() + cl + 15, nullptr, 10);
      if (buf->size() >= head_end + 4 + len) {
        const int status = std::atoi(buf->c_str() + 9);
        *body = buf->substr(head_end + 4, len);
        buf->erase(0, head_end + 4 + len);
        return status;
      }
    }
    char chunk[65536];
    const ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    buf->append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace

KafkaMockChild::~KafkaMockChild() { Stop(); }

bool KafkaMockChild::Start(const std::string& binary, const std::string& topic,
                           int partitions, std::string* err) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
    *err = "pipe failed";
    return false;
  }
  const std::string spec = topic + ":" + std::to_string(partitions);
  pid_ = fork();
  if (pid_ < 0) {
    *err = "fork failed";
    return false;
  }
  if (pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    execl(binary.c_str(), binary.c_str(), "--topic", spec.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  stdin_fd_ = in[1];
  std::string line;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (line.find('\n') == std::string::npos && Clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[1024];
    const ssize_t n = read(out[0], buf, sizeof(buf));
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  const size_t nl = line.find('\n');
  if (nl == std::string::npos) {
    *err = "no bootstrap list from " + binary;
    Stop();
    return false;
  }
  bootstrap_ = line.substr(0, nl);
  return true;
}

void KafkaMockChild::Stop() {
  if (stdin_fd_ >= 0) close(stdin_fd_);
  stdin_fd_ = -1;
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 500; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    usleep(10000);
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

double KcatProduceFile(const std::string& bootstrap, const std::string& topic,
                       const std::string& file, const std::string& codec,
                       std::string* err) {
  const std::string compression = "compression.codec=" + codec;
  const auto t0 = Clock::now();
  const pid_t pid = fork();
  if (pid < 0) {
    *err = "fork failed";
    return -1;
  }
  if (pid == 0) {
    const int fd = open(file.c_str(), O_RDONLY);
    const int devnull = open("/dev/null", O_WRONLY);
    if (fd < 0 || dup2(fd, 0) < 0) _exit(126);
    if (devnull >= 0) dup2(devnull, 1);
    execlp("kcat", "kcat", "-P", "-b", bootstrap.c_str(), "-t", topic.c_str(),
           "-X", "linger.ms=20", "-X", "batch.num.messages=10000", "-X",
           "queue.buffering.max.messages=2000000", "-X",
           "queue.buffering.max.kbytes=2097151", "-X",
           "sticky.partitioning.linger.ms=0", "-X", "log_level=3", "-X",
           compression.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *err =
        WIFEXITED(status) && WEXITSTATUS(status) == 127
            ? "kcat not found"
            : "kcat -P failed (exit " +
                  std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                  ")";
    return -1;
  }
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double KcatConsumeAll(const std::string& bootstrap, const std::string& topic,
                      std::string* err) {
  const auto t0 = Clock::now();
  const pid_t pid = fork();
  if (pid < 0) {
    *err = "fork failed";
    return -1;
  }
  if (pid == 0) {
    const int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 1);
    execlp("kcat", "kcat", "-C", "-b", bootstrap.c_str(), "-t", topic.c_str(),
           "-e", "-o", "beginning", "-q", "-X", "log_level=3",
           static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *err = "kcat -C failed";
    return -1;
  }
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::vector<std::string> OtlpBodies(const std::string& file, size_t per_request,
                                    int64_t base_ns, uint64_t* records) {
  std::vector<std::string> bodies;
  FILE* f = std::fopen(file.c_str(), "rb");
  *records = 0;
  if (!f) return bodies;
  char* line = nullptr;
  size_t cap = 0;
  ssize_t n;
  std::string body;
  size_t in_body = 0;
  auto finish = [&] {
    body.append("]}]}]}");
    bodies.push_back(std::move(body));
    body.clear();
    in_body = 0;
  };
  while ((n = getline(&line, &cap, f)) > 0) {
    std::string_view l(line, static_cast<size_t>(n));
    if (!l.empty() && l.back() == '\n') l.remove_suffix(1);
    if (in_body == 0) {
      const size_t k = bodies.size() % 10;
      body.append(
          "{\"resourceLogs\":[{\"resource\":{\"attributes\":["
          "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"otlp-");
      body.append(std::to_string(k));
      body.append(
          "\"}},{\"key\":\"k8s.namespace.name\",\"value\":{\"stringValue\":"
          "\"bench\"}}]},\"scopeLogs\":[{\"scope\":{\"name\":\"filelog\"},"
          "\"logRecords\":[");
    } else {
      body.push_back(',');
    }
    body.append("{\"timeUnixNano\":\"");
    body.append(std::to_string(base_ns + static_cast<int64_t>(*records)));
    body.append("\",\"body\":{\"stringValue\":\"");
    AppendJsonString(&body, l);
    body.append("\"}}");
    ++*records;
    if (++in_body == per_request) finish();
  }
  if (in_body > 0) finish();
  std::free(line);
  std::fclose(f);
  return bodies;
}

bool PostAll(int port, const std::string& path, const std::string& content_type,
             const std::vector<std::string>& bodies, int connections,
             std::string* err) {
  std::atomic<size_t> next{0};
  std::atomic<bool> ok{true};
  std::mutex err_mu;
  auto fail = [&](const std::string& what) {
    std::lock_guard<std::mutex> lock(err_mu);
    if (ok.exchange(false)) *err = what;
  };
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&] {
      int fd = -1;
      std::string buf, answer;
      for (size_t i; ok.load() && (i = next.fetch_add(1)) < bodies.size();) {
        if (fd < 0 && (fd = ConnectLoopback(port, 0, true)) < 0)
          return fail("connect failed");
        const std::string head =
            "POST " + path +
            " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + content_type +
            "\r\nContent-Length: " + std::to_string(bodies[i].size()) +
            "\r\n\r\n";
        if (!SendAll(fd, head.data(), head.size()) ||
            !SendAll(fd, bodies[i].data(), bodies[i].size())) {
          return fail("send failed");
        }
        const int status = ReadResponse(fd, &buf, &answer);
        if (status != 200) {
          return fail("POST " + path + " answered " + std::to_string(status) +
                      " " + answer.substr(0, 200));
        }
      }
      if (fd >= 0) close(fd);
    });
  }
  for (auto& t : threads) t.join();
  return ok.load();
}

}  // namespace silt::bench
