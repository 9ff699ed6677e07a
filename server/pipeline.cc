#include "server/pipeline.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "common/metrics.h"
#include "common/thread_name.h"
#include "common/time_util.h"

namespace silt::server {

struct Pipeline::Rep {
  struct Item {
    RecordBatch batch;
    Done done;
  };

  PipelineOptions options;
  index::StreamIndex* index;
  store::Store* store;

  std::mutex mu;
  std::condition_variable work_cv;   // items queued or stopping
  std::condition_variable drain_cv;  // handed_off advanced
  std::deque<Item> queue;
  uint64_t submitted = 0;   // batches queued, ever
  uint64_t handed_off = 0;  // batches given to the store (or failed), ever
  bool stopping = false;
  std::vector<std::thread> threads;

  void Work() {
    SetThreadName("silt-pipeline");
    parse::Parser parser(options.parse);
    std::unique_ptr<redact::Redactor> redactor;
    if (options.redact) {
      redactor = std::make_unique<redact::Redactor>(options.redact);
    }
    while (true) {
      Item item;
      {
        std::unique_lock<std::mutex> lock(mu);
        work_cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;  // stopping and drained
        item = std::move(queue.front());
        queue.pop_front();
      }
      Process(&parser, redactor.get(), std::move(item));
      {
        std::lock_guard<std::mutex> lock(mu);
        ++handed_off;
      }
      drain_cv.notify_all();
    }
  }

  void Process(parse::Parser* parser, redact::Redactor* redactor, Item item) {
    RecordBatch& batch = item.batch;
    if (batch.empty()) {
      item.done(absl::OkStatus());
      return;
    }
    parser->Parse(&batch);
    // Before the index and the store: nothing unredacted touches disk.
    if (redactor != nullptr) redactor->Redact(&batch);
    index->Resolve(&batch);
    const int64_t received_ns = batch.received_ns;
    Histogram* latency = &Metrics().ack_latency.With({batch.input});
    store->Append(batch, [done = std::move(item.done), received_ns,
                          latency](absl::Status st) {
      if (st.ok() && received_ns > 0) {
        latency->Observe(static_cast<double>(NowNanos() - received_ns) / 1e9);
      }
      done(std::move(st));
    });
    // The store copied what it keeps: the batch's memory serves a source
    // again.
    RecordBatch::Recycle(std::move(batch));
  }
};

Pipeline::Pipeline(const PipelineOptions& options, index::StreamIndex* index,
                   store::Store* store)
    : rep_(std::make_unique<Rep>()) {
  rep_->options = options;
  rep_->index = index;
  rep_->store = store;
  int n = options.workers > 0 ? options.workers : 1;
  for (int i = 0; i < n; ++i) {
    rep_->threads.emplace_back([r = rep_.get()] { r->Work(); });
  }
}

Pipeline::~Pipeline() { Stop(); }

void Pipeline::Submit(RecordBatch&& batch, Done done) {
  {
    std::lock_guard<std::mutex> lock(rep_->mu);
    if (!rep_->stopping) {
      rep_->queue.push_back(Rep::Item{std::move(batch), std::move(done)});
      ++rep_->submitted;
      rep_->work_cv.notify_one();
      return;
    }
  }
  done(absl::UnavailableError("silt is shutting down"));
}

void Pipeline::Drain() {
  std::unique_lock<std::mutex> lock(rep_->mu);
  const uint64_t target = rep_->submitted;
  rep_->drain_cv.wait(lock, [&] {
    return rep_->handed_off >= target || rep_->threads.empty();
  });
}

void Pipeline::Stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(rep_->mu);
    rep_->stopping = true;
    threads.swap(rep_->threads);
  }
  rep_->work_cv.notify_all();
  for (auto& t : threads) t.join();
  rep_->drain_cv.notify_all();
}

}  // namespace silt::server
