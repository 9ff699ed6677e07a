// silt_kafka_mock: a Kafka-protocol broker for tests and benchmarks,
// librdkafka's mock cluster (rdkafka_mock.h) in its own process.
//
//   silt_kafka_mock [--brokers N] [--topic NAME:PARTITIONS]...
//
// Creates the topics, prints the bootstrap list ("127.0.0.1:PORT,...") as
// the first line on stdout, then serves until SIGTERM/SIGINT (or until its
// parent dies). Commands on stdin, one per line, each answered "ok" or
// "error: ..." on stdout:
//   down ID | up ID            broker ID (1..N) refuses / accepts connections
//   topic NAME PARTITIONS      creates a topic
// Limits of the mock: about 5 MiB or 100,000 message sets kept per partition
// (older ones dropped), a rejoining group member waits session.timeout.ms.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace {

volatile sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

int Usage() {
  std::fprintf(stderr,
               "usage: silt_kafka_mock [--brokers N] "
               "[--topic NAME:PARTITIONS]...\n");
  return 2;
}

bool CreateTopic(rd_kafka_mock_cluster_t* mc, const std::string& name,
                 int partitions) {
  if (name.empty() || partitions < 1) return false;
  return rd_kafka_mock_topic_create(mc, name.c_str(), partitions, 1) ==
         RD_KAFKA_RESP_ERR_NO_ERROR;
}

void Answer(const std::string& text) {
  std::fprintf(stdout, "%s\n", text.c_str());
  std::fflush(stdout);
}

void Command(rd_kafka_mock_cluster_t* mc, int brokers,
             const std::string& line) {
  std::istringstream in(line);
  std::string verb;
  in >> verb;
  if (verb == "down" || verb == "up") {
    int id = 0;
    in >> id;
    if (id < 1 || id > brokers) return Answer("error: no broker " + line);
    rd_kafka_resp_err_t err = verb == "down"
                                  ? rd_kafka_mock_broker_set_down(mc, id)
                                  : rd_kafka_mock_broker_set_up(mc, id);
    return Answer(err ? std::string("error: ") + rd_kafka_err2str(err) : "ok");
  }
  if (verb == "topic") {
    std::string name;
    int partitions = 0;
    in >> name >> partitions;
    return Answer(CreateTopic(mc, name, partitions) ? "ok"
                                                    : "error: topic " + line);
  }
  if (!verb.empty()) Answer("error: unknown command " + verb);
}

}  // namespace

int main(int argc, char** argv) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  int brokers = 1;
  std::vector<std::pair<std::string, int>> topics;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--brokers" && i + 1 < argc) {
      brokers = std::atoi(argv[++i]);
    } else if (a == "--topic" && i + 1 < argc) {
      const std::string t = argv[++i];
      const size_t colon = t.rfind(':');
      if (colon == std::string::npos) return Usage();
      topics.emplace_back(t.substr(0, colon), std::atoi(t.c_str() + colon + 1));
    } else {
      return Usage();
    }
  }
  if (brokers < 1) return Usage();

  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
  rd_kafka_t* rk =
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (rk == nullptr) {
    std::fprintf(stderr, "silt_kafka_mock: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (mc == nullptr) {
    std::fprintf(stderr, "silt_kafka_mock: cannot start the mock cluster\n");
    return 1;
  }
  for (const auto& [name, partitions] : topics) {
    if (!CreateTopic(mc, name, partitions)) {
      std::fprintf(stderr, "silt_kafka_mock: cannot create topic %s:%d\n",
                   name.c_str(), partitions);
      return 1;
    }
  }
  Answer(rd_kafka_mock_cluster_bootstraps(mc));

  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  std::string buf;
  bool stdin_open = true;
  while (!g_stop) {
    if (!stdin_open) {
      pause();
      continue;
    }
    pollfd p{0, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char chunk[4096];
    const ssize_t n = read(0, chunk, sizeof(chunk));
    if (n <= 0) {
      stdin_open = false;
      continue;
    }
    buf.append(chunk, static_cast<size_t>(n));
    for (size_t nl; (nl = buf.find('\n')) != std::string::npos;) {
      Command(mc, brokers, buf.substr(0, nl));
      buf.erase(0, nl + 1);
    }
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
