// silt: log ingestion and indexing server, and its command-line client.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "server/server.h"

namespace {

const char* kUsage =
    R"(silt: a log ingestion and indexing server with Loki's query API

usage: silt <command> [flags]

  serve            run the server (silt serve --help)
  query 'LOGQL'    run a LogQL query against a running silt
  labels [NAME]    list label names, or the values of one label
  ingest FILE...   send NDJSON files to a running silt (- for stdin)
  trace ID         every line of one trace, all services, as a timeline
  version          print the version

Client commands take --addr URL (default $SILT_ADDR or http://127.0.0.1:3100)
and --tenant T (X-Scope-OrgID).
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "serve") return silt::server::RunServe(args);
  if (cmd == "query") return silt::cli::RunQuery(args);
  if (cmd == "labels") return silt::cli::RunLabels(args);
  if (cmd == "ingest") return silt::cli::RunIngest(args);
  if (cmd == "trace") return silt::cli::RunTrace(args);
  if (cmd == "version" || cmd == "--version") {
    std::printf("silt %s\n", SILT_VERSION);
    return 0;
  }
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "silt: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
  return 2;
}
