#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/http_client.h"

namespace silt::cli {
namespace {

constexpr size_t kChunkBytes = 4u << 20;

void DrawProgress(const std::string& name, uint64_t done, uint64_t total,
                  double seconds) {
  const int width = 30;
  double frac = total > 0 ? static_cast<double>(done) / total : 1.0;
  int fill = static_cast<int>(frac * width);
  std::string bar(fill, '=');
  if (fill < width) bar += '>';
  bar.resize(width, ' ');
  double mbps = seconds > 0 ? done / 1e6 / seconds : 0;
  std::fprintf(stderr, "\r%-24.24s [%s] %5.1f%% %7.1f MB/s", name.c_str(),
               bar.c_str(), frac * 100, mbps);
  std::fflush(stderr);
}

// Sends one chunk, retrying while silt answers 429/503 (backpressure).
bool Send(const Endpoint& ep, const std::string& body,
          const std::vector<std::pair<std::string, std::string>>& headers,
          std::string* error) {
  for (int attempt = 0;; ++attempt) {
    auto reply = HttpCall(ep, "POST", "/api/v1/ingest", body, headers);
    if (reply.ok() && reply->status / 100 == 2) return true;
    bool retry = !reply.ok() || reply->status == 429 || reply->status >= 500;
    if (!retry || attempt >= 8) {
      *error = reply.ok() ? absl::StrCat(reply->status, ": ", reply->body)
                          : std::string(reply.status().message());
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
  }
}

}  // namespace

int RunIngest(const std::vector<std::string>& args) {
  Flags flags;
  flags.Define("addr", DefaultAddr());
  flags.Define("tenant", "");
  std::vector<std::string> files;
  if (!flags.Parse(args, &files) || files.empty()) {
    std::fprintf(stderr,
                 "%susage: silt ingest [--addr URL] [--tenant T] FILE... "
                 "(- for stdin)\n",
                 flags.error().c_str());
    return 2;
  }
  auto ep = ParseAddr(flags.Get("addr"));
  if (!ep.ok()) {
    std::fprintf(stderr, "%s\n", std::string(ep.status().message()).c_str());
    return 2;
  }
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "application/x-ndjson"}};
  if (!flags.Get("tenant").empty()) {
    headers.emplace_back("X-Scope-OrgID", flags.Get("tenant"));
  }
  const bool tty = isatty(STDERR_FILENO);
  uint64_t total_lines = 0;
  for (const std::string& file : files) {
    std::ifstream in_file;
    std::istream* in = &std::cin;
    uint64_t size = 0;
    if (file != "-") {
      in_file.open(file, std::ios::binary);
      if (!in_file) {
        std::fprintf(stderr, "silt ingest: cannot open %s\n", file.c_str());
        return 1;
      }
      in_file.seekg(0, std::ios::end);
      size = static_cast<uint64_t>(in_file.tellg());
      in_file.seekg(0);
      in = &in_file;
    }
    auto t0 = std::chrono::steady_clock::now();
    uint64_t sent = 0;
    std::string carry, chunk(kChunkBytes, '\0');
    while (true) {
      in->read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      size_t got = static_cast<size_t>(in->gcount());
      if (got == 0 && carry.empty()) break;
      std::string body = std::move(carry);
      carry.clear();
      body.append(chunk.data(), got);
      bool eof = got < chunk.size();
      if (!eof) {
        // Send whole lines; keep the partial last line for the next chunk.
        size_t nl = body.rfind('\n');
        if (nl != std::string::npos) {
          carry = body.substr(nl + 1);
          body.resize(nl + 1);
        }
      }
      for (char c : body) total_lines += c == '\n';
      if (!body.empty() && body.back() != '\n' && eof) ++total_lines;
      std::string error;
      if (!body.empty() && !Send(*ep, body, headers, &error)) {
        if (tty) std::fputc('\n', stderr);
        std::fprintf(stderr, "silt ingest: %s: %s\n", file.c_str(),
                     error.c_str());
        return 1;
      }
      sent += body.size();
      if (tty && size > 0) {
        double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
                .count();
        DrawProgress(file, sent, size, secs);
      }
      if (eof) break;
    }
    if (tty && size > 0) std::fputc('\n', stderr);
  }
  std::fprintf(stderr, "silt ingest: %llu lines sent and stored\n",
               static_cast<unsigned long long>(total_lines));
  return 0;
}

}  // namespace silt::cli
