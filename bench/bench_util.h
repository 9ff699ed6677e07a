// Helpers the benchmark drivers share: loopback sockets and a process's
// CPU time.
#ifndef SILT_BENCH_BENCH_UTIL_H_
#define SILT_BENCH_BENCH_UTIL_H_

#include <sys/types.h>

#include <cstddef>

namespace silt::bench {

// A TCP connection to 127.0.0.1:port, or -1. timeout_s > 0 sets the send
// and receive timeouts; nodelay turns off Nagle.
int ConnectLoopback(int port, int timeout_s, bool nodelay);

// Writes all n bytes (1 MiB per send); false on an error or a closed peer.
bool SendAll(int fd, const char* p, size_t n);

// utime + stime of the process, in seconds, from /proc/<pid>/stat; 0 if
// it cannot be read.
double ProcessCpuSeconds(pid_t pid);

}  // namespace silt::bench

#endif  // SILT_BENCH_BENCH_UTIL_H_
