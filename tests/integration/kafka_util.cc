#include "tests/integration/kafka_util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace silt::testing {

KafkaMock::KafkaMock(std::vector<std::string> topics, int brokers)
    : topics_(std::move(topics)), brokers_(brokers) {}

KafkaMock::~KafkaMock() {
  if (in_fd_ >= 0) close(in_fd_);
  if (out_fd_ >= 0) close(out_fd_);
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      usleep(10000);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

bool KafkaMock::Start() {
  std::vector<std::string> args = {SILT_KAFKA_MOCK, "--brokers",
                                   std::to_string(brokers_)};
  for (const std::string& t : topics_) {
    args.push_back("--topic");
    args.push_back(t);
  }
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return false;
  pid_ = fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  in_fd_ = in[1];
  out_fd_ = out[0];
  bootstrap_ = ReadLine(10000);
  return bootstrap_.find(':') != std::string::npos;
}

std::string KafkaMock::ReadLine(int timeout_ms) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    size_t nl = out_buf_.find('\n');
    if (nl != std::string::npos) {
      std::string line = out_buf_.substr(0, nl);
      out_buf_.erase(0, nl + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) return "";
    pollfd p{out_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[4096];
    ssize_t n = read(out_fd_, buf, sizeof buf);
    if (n <= 0) return "";
    out_buf_.append(buf, static_cast<size_t>(n));
  }
}

std::string KafkaMock::Command(const std::string& line) {
  std::string l = line + "\n";
  if (write(in_fd_, l.data(), l.size()) != static_cast<ssize_t>(l.size())) {
    return "error: write";
  }
  return ReadLine(10000);
}

bool KcatProduce(const std::string& bootstrap, const std::string& topic,
                 const std::string& text,
                 const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"kcat", "-P",         "-b", bootstrap,
                                   "-t",   topic,        "-X", "linger.ms=5",
                                   "-X",   "log_level=3"};
  args.insert(args.end(), extra.begin(), extra.end());
  int in[2];
  if (pipe2(in, O_CLOEXEC) != 0) return false;
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    dup2(in[0], STDIN_FILENO);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(in[0]);
  signal(SIGPIPE, SIG_IGN);
  const char* p = text.data();
  size_t left = text.size();
  bool ok = true;
  while (left > 0) {
    ssize_t n = write(in[1], p, left);
    if (n <= 0) {
      ok = false;
      break;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  close(in[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::vector<std::string> SiltKafkaFlags(const std::string& bootstrap,
                                        const std::string& topic,
                                        const std::string& group) {
  return {"--kafka-brokers", bootstrap,
          "--kafka-topic",   topic,
          "--kafka-group",   group,
          "--kafka-option",  "session.timeout.ms=6000",
          "--kafka-option",  "heartbeat.interval.ms=500",
          "--kafka-option",  "auto.commit.interval.ms=1000"};
}

}  // namespace silt::testing
