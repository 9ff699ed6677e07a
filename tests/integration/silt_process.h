// Runs the real silt binary for integration tests: `silt serve` on port 0
// with a temporary data dir, its bound ports read from its "listening" log
// line. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace silt::testing {

class SiltProcess {
 public:
  // `extra` flags are appended to `silt serve --data-dir DIR --http-listen
  // 127.0.0.1:0 --tcp-listen 127.0.0.1:0`.
  SiltProcess(std::string data_dir, std::vector<std::string> extra = {});
  ~SiltProcess();  // kill -9 if still running

  // Starts and waits (up to 30 s) for the listening line and /ready.
  // Returns false (with the stderr seen so far in stderr_text()) on failure.
  bool Start();
  // SIGTERM and wait; returns the exit status (or -1 after a 60 s timeout).
  int Terminate();
  // SIGKILL and wait.
  void Kill9();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  uint16_t http_port() const { return http_port_; }
  uint16_t tcp_port() const { return tcp_port_; }
  const std::string& stderr_text() const { return stderr_text_; }

 private:
  void DrainStderr(int timeout_ms);
  int Wait(int timeout_ms);

  std::string data_dir_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  uint16_t http_port_ = 0;
  uint16_t tcp_port_ = 0;
  std::string stderr_text_;
};

// Runs `silt ARGS...` to completion; returns its exit code, stdout in *out.
int RunSiltCli(const std::vector<std::string>& args, std::string* out,
               std::string* err = nullptr);

}  // namespace silt::testing
