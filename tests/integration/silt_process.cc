#include "tests/integration/silt_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

namespace silt::testing {
namespace {

// Value of "key":"value" in a JSON log line (silt's own log values are
// simple strings).
std::string Field(const std::string& line, const std::string& key) {
  std::string pat = "\"" + key + "\":\"";
  size_t p = line.find(pat);
  if (p == std::string::npos) return "";
  p += pat.size();
  size_t e = line.find('"', p);
  return e == std::string::npos ? "" : line.substr(p, e - p);
}

uint16_t PortOf(const std::string& addr) {
  size_t c = addr.rfind(':');
  if (c == std::string::npos) return 0;
  return static_cast<uint16_t>(std::atoi(addr.c_str() + c + 1));
}

}  // namespace

SiltProcess::SiltProcess(std::string data_dir, std::vector<std::string> extra)
    : data_dir_(std::move(data_dir)), extra_(std::move(extra)) {}

SiltProcess::~SiltProcess() {
  if (pid_ > 0) Kill9();
  if (stderr_fd_ >= 0) close(stderr_fd_);
}

bool SiltProcess::Start() {
  std::vector<std::string> args = {
      SILT_BINARY,     "serve",       "--data-dir",   data_dir_,
      "--http-listen", "127.0.0.1:0", "--tcp-listen", "127.0.0.1:0"};
  args.insert(args.end(), extra_.begin(), extra_.end());
  int fds[2];
  if (pipe(fds) != 0) return false;
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  pid_ = pid;
  if (stderr_fd_ >= 0) close(stderr_fd_);
  stderr_fd_ = fds[0];
  fcntl(stderr_fd_, F_SETFL, O_NONBLOCK);
  stderr_text_.clear();
  http_port_ = tcp_port_ = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    DrainStderr(100);
    size_t start = 0;
    while (true) {
      size_t nl = stderr_text_.find('\n', start);
      if (nl == std::string::npos) break;
      std::string line = stderr_text_.substr(start, nl - start);
      start = nl + 1;
      if (Field(line, "msg") == "listening") {
        http_port_ = PortOf(Field(line, "http"));
        tcp_port_ = PortOf(Field(line, "tcp"));
        return http_port_ != 0;
      }
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
  }
  return false;
}

void SiltProcess::DrainStderr(int timeout_ms) {
  if (stderr_fd_ < 0) return;
  pollfd p{stderr_fd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return;
  char buf[65536];
  while (true) {
    ssize_t n = read(stderr_fd_, buf, sizeof buf);
    if (n <= 0) break;
    // Keep the text bounded: tests need the start (ports) and the tail.
    if (stderr_text_.size() < (1u << 20)) stderr_text_.append(buf, n);
  }
}

int SiltProcess::Wait(int timeout_ms) {
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    DrainStderr(20);
    int status;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
  }
  return -1;
}

int SiltProcess::Terminate() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int rc = Wait(60000);
  if (pid_ > 0) Kill9();
  return rc;
}

void SiltProcess::Kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int RunSiltCli(const std::vector<std::string>& args, std::string* out,
               std::string* err) {
  int out_fds[2], err_fds[2];
  if (pipe(out_fds) != 0 || pipe(err_fds) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fds[1], STDOUT_FILENO);
    dup2(err_fds[1], STDERR_FILENO);
    close(out_fds[0]);
    close(out_fds[1]);
    close(err_fds[0]);
    close(err_fds[1]);
    std::vector<std::string> a = {SILT_BINARY};
    a.insert(a.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : a) argv.push_back(s.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out_fds[1]);
  close(err_fds[1]);
  std::string o, e;
  pollfd fds[2] = {{out_fds[0], POLLIN, 0}, {err_fds[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    if (poll(fds, 2, 60000) <= 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP))) {
        ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
        } else {
          (i == 0 ? o : e).append(buf, n);
        }
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (out) *out = std::move(o);
  if (err) *err = std::move(e);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace silt::testing
