// Names the calling thread (shown by top -H, perf and /proc/<pid>/task/*/comm)
// so an operator can see which stage uses the CPU. Linux keeps 15 bytes; a
// longer name is cut. Thread-safe.
#pragma once

namespace silt {

void SetThreadName(const char* name);

}  // namespace silt
