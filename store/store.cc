#include "store/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <span>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/status.h"
#include "common/thread_name.h"
#include "store/internal/compress_pool.h"
#include "store/internal/head.h"
#include "store/internal/indexer.h"
#include "store/internal/merge.h"
#include "store/internal/part_format.h"
#include "store/internal/part_index.h"
#include "store/internal/part_index_format.h"
#include "store/internal/part_reader.h"
#include "store/internal/part_writer.h"
#include "store/internal/paths.h"
#include "store/internal/read_pool.h"
#include "store/internal/trace_lookup.h"
#include "store/internal/wal.h"
#include "store/internal/wal_format.h"
#include "store/internal/wal_syncer.h"

namespace silt::store {

namespace {
// Set on the store's commit thread (which runs the done callbacks).
thread_local bool t_commit_thread = false;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

absl::string_view AbslView(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// Appends queued for one WAL segment, written by one writev + one sync.
struct PendingGroup {
  uint64_t seq = 0;
  bool needs_sync = false;  // a batch in it is acknowledged only once synced
  // The encoded records, in append order, in the slabs they lie in (the
  // same bytes the head's entries point into).
  std::vector<std::string_view> pieces;
  std::vector<std::shared_ptr<Slab>> slabs;
  uint64_t bytes = 0;
  std::vector<Store::DoneCallback> callbacks;
  uint64_t last_ticket = 0;
  uint64_t entries = 0;
  uint64_t line_bytes = 0;
};
}  // namespace

namespace {
struct Snapshot;
}  // namespace

struct Store::Rep {
  StoreOptions opt;
  std::string wal_dir, parts_dir;

  // Guards everything below up to the threads. Held only for short copies:
  // never across I/O or user callbacks.
  mutable std::mutex mu;
  std::condition_variable commit_cv;   // pending work or stop
  std::condition_variable durable_cv;  // processed_ticket moved
  std::condition_variable cut_cv;      // cut wanted or stop
  std::condition_variable room_cv;     // a cut finished or failed
  std::shared_ptr<Head> head = std::make_shared<Head>();
  std::deque<std::shared_ptr<Head>> frozen;  // oldest first; being cut
  // tenant -> parts of that tenant.
  absl::flat_hash_map<std::string,
                      std::vector<std::shared_ptr<const PartReader>>>
      parts;
  // tenant -> stream id -> key: every stream ever stored.
  absl::flat_hash_map<std::string, absl::flat_hash_map<uint64_t, std::string>>
      streams;
  std::deque<PendingGroup> pending;
  uint64_t wal_seq = 1;           // segment new appends go to
  uint64_t next_ticket = 0;       // last ticket handed out
  uint64_t processed_ticket = 0;  // commit thread wrote up to here
  uint64_t next_part_seq = 1;
  bool stop_cut = false;     // cut thread: exit
  bool stop_commit = false;  // commit thread: exit once nothing is pending
  bool cut_wanted = false;
  uint64_t frozen_bytes = 0;  // sum of frozen heads' bytes
  bool cut_failing = false;   // the last attempt to write parts failed

  std::atomic<uint64_t> wal_bytes{0};
  int lock_fd = -1;   // flock on <data_dir>/LOCK: one process per data dir
  std::mutex cut_mu;  // one cut at a time
  CompressPool compress_pool{0};  // blocks of a cut compress here
  std::thread commit_thread, cut_thread;
  // Live tail listeners (Subscribe). `subscribers` is read by Append
  // without the lock: zero means nothing to do.
  std::atomic<int> subscribers{0};
  std::mutex subs_mu;  // held while listeners run; never with `mu`
  std::vector<std::pair<uint64_t, AppendListener>> subs;
  uint64_t next_sub = 1;
  // ParallelScan's extra workers.
  ReadPool read_pool{
      static_cast<int>(std::max(1u, std::thread::hardware_concurrency()) - 1)};
  // Builds part indexes in the background (null with index_parts off).
  std::unique_ptr<PartIndexer> indexer;
  std::vector<std::shared_ptr<const PartReader>> unindexed;  // from Load

  ~Rep() {
    if (lock_fd >= 0) ::close(lock_fd);
  }
  absl::Status Load();
  // Opens the part's index, or queues the part to get one.
  void AttachIndex(const std::shared_ptr<PartReader>& part);
  void RemoveOrphanIndexes(const std::string& dir,
                           const std::vector<std::string>& files);
  void AddBatchToHead(const WalBatch& b);
  // What a scan reads: heads, parts and head entries of options' streams.
  void TakeSnapshot(const ScanOptions& options, Snapshot* snap);
  void CommitLoop();
  void CutLoop();
  absl::Status Cut(bool force);
  absl::Status WriteHead(const Head& h,
                         std::vector<std::shared_ptr<const PartReader>>* out);
  absl::Status WriteHeadParts(const Head& h, const PartWriterOptions& wopt,
                              std::vector<std::string>* paths);
  void DeleteWalThrough(uint64_t seq);
  void WaitProcessed(uint64_t ticket);
};

Store::Store(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(
    const StoreOptions& options) {
  auto rep = std::make_unique<Rep>();
  rep->opt = options;
  rep->wal_dir = options.data_dir + "/wal";
  rep->parts_dir = options.data_dir + "/parts";
  absl::Status s = CreateDirs(rep->wal_dir);
  if (s.ok()) s = CreateDirs(rep->parts_dir);
  if (s.ok()) {
    // Two processes appending to one WAL would interleave records.
    std::string lock_path = options.data_dir + "/LOCK";
    rep->lock_fd =
        ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (rep->lock_fd < 0) {
      s = ErrnoToStatus(errno, "open", lock_path);
    } else if (::flock(rep->lock_fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(rep->lock_fd);
      rep->lock_fd = -1;
      s = absl::UnavailableError("store: data dir " + options.data_dir +
                                 " is in use by another process");
    }
  }
  if (s.ok()) s = rep->Load();
  if (!s.ok()) return s;
  Rep* r = rep.get();
  if (options.index_parts) {
    IndexerOptions io;
    io.fsync = options.fsync;
    io.delay_ms = options.index_delay_ms;
    r->indexer = std::make_unique<PartIndexer>(io);
    for (auto& p : r->unindexed) r->indexer->Enqueue(std::move(p));
  }
  r->unindexed.clear();
  r->commit_thread = std::thread([r] {
    SetThreadName("silt-wal");
    r->CommitLoop();
  });
  r->cut_thread = std::thread([r] {
    SetThreadName("silt-cut");
    r->CutLoop();
  });
  return std::unique_ptr<Store>(new Store(std::move(rep)));
}

Store::~Store() {
  Rep* r = rep_.get();
  r->indexer.reset();  // parts left unindexed are indexed at the next start
  {
    std::lock_guard<std::mutex> l(r->mu);
    r->stop_cut = true;
  }
  r->cut_cv.notify_all();
  r->cut_thread.join();
  // Cutting at shutdown makes the next start fast (no WAL replay); if it
  // fails the WAL still holds everything.
  absl::Status s = Flush();
  if (!s.ok()) {
    LogWarn("store: flush at shutdown failed; the WAL keeps the data",
            {{"error", std::string(s.message())}});
  }
  {
    std::lock_guard<std::mutex> l(r->mu);
    r->stop_commit = true;
  }
  r->commit_cv.notify_all();
  r->commit_thread.join();
}

absl::Status Store::Rep::Load() {
  // Parts: <parts>/<tenant>/<day>/<seq>.part.
  ASSIGN_OR_RETURN(auto tenants, ListDir(parts_dir));
  for (const std::string& tdir : tenants) {
    std::string tpath = parts_dir + "/" + tdir;
    if (!IsDirectory(tpath)) continue;
    ASSIGN_OR_RETURN(auto days, ListDir(tpath));
    for (const std::string& day : days) {
      std::string dpath = tpath + "/" + day;
      if (!IsDirectory(dpath)) continue;
      ASSIGN_OR_RETURN(auto files, ListDir(dpath));
      RemoveOrphanIndexes(dpath, files);
      for (const std::string& f : files) {
        std::string path = dpath + "/" + f;
        if (f.size() > 4 && f.ends_with(kTmpSuffix)) {
          // A cut that crashed before its rename; the WAL still has it.
          RemoveFile(path).IgnoreError();
          continue;
        }
        auto seq = ParseSeqFileName(f, kPartSuffix);
        if (!seq) continue;
        next_part_seq = std::max(next_part_seq, *seq + 1);
        auto part = PartReader::Open(path);
        if (!part.ok()) {
          LogError("store: skipping unreadable part",
                   {{"path", path},
                    {"error", std::string(part.status().message())}});
          if (absl::IsDataLoss(part.status())) {
            Metrics().corruptions.With({"part"}).Inc();
          }
          continue;
        }
        AttachIndex(*part);
        auto& reg = streams[AbslView((*part)->tenant())];
        for (const auto& [id, key] : (*part)->streams())
          reg.try_emplace(id, key);
        parts[AbslView((*part)->tenant())].push_back(std::move(part).value());
      }
    }
  }
  // WAL: replay every segment in order into the head.
  ASSIGN_OR_RETURN(auto wal_files, ListDir(wal_dir));
  std::vector<uint64_t> seqs;
  for (const std::string& f : wal_files) {
    if (auto seq = ParseSeqFileName(f, kWalSuffix)) seqs.push_back(*seq);
  }
  std::sort(seqs.begin(), seqs.end());
  for (uint64_t seq : seqs) {
    std::string path = wal_dir + "/" + SeqFileName(seq, kWalSuffix);
    auto res = ReplayWalSegment(
        path, [this](const WalBatch& b) { AddBatchToHead(b); });
    if (!res.ok()) return res.status();
    if (res->corrupt) {
      LogError(
          "store: damaged WAL record; rest of segment skipped",
          {{"path", path}, {"records_replayed", absl::StrCat(res->records)}});
      Metrics().corruptions.With({"wal"}).Inc();
    }
    auto size = FileSize(path);
    if (size.ok()) wal_bytes += *size;
    wal_seq = seq + 1;
  }
  head->wal_seq = wal_seq - 1;
  if (!seqs.empty()) {
    LogInfo("store: replayed WAL",
            {{"segments", absl::StrCat(seqs.size())},
             {"entries", absl::StrCat(head->entries())}});
  }
  return absl::OkStatus();
}

void Store::Rep::AttachIndex(const std::shared_ptr<PartReader>& part) {
  if (!opt.index_parts) return;
  auto index = PartIndex::Open(*part);
  if (index.ok()) {
    part->SetIndex(*std::move(index));
    return;
  }
  if (!absl::IsNotFound(index.status())) {
    LogWarn("store: part index unusable; rebuilding it",
            {{"path", part->path()},
             {"error", std::string(index.status().message())}});
    if (absl::IsDataLoss(index.status())) {
      Metrics().corruptions.With({"part_index"}).Inc();
    }
  }
  unindexed.push_back(part);
}

void Store::Rep::RemoveOrphanIndexes(const std::string& dir,
                                     const std::vector<std::string>& files) {
  const std::string suffix = kPartIndexSuffix;
  for (const std::string& f : files) {
    if (f.size() <= suffix.size() || !f.ends_with(suffix)) continue;
    std::string part = f.substr(0, f.size() - suffix.size()) + kPartSuffix;
    if (std::find(files.begin(), files.end(), part) == files.end()) {
      RemoveFile(dir + "/" + f).IgnoreError();
    }
  }
}

void Store::Rep::AddBatchToHead(const WalBatch& b) {
  std::vector<Head::Stream*> hs(b.streams.size());
  for (size_t i = 0; i < b.streams.size(); ++i) {
    bool created;
    hs[i] = head->GetStream(b.tenant, b.streams[i].first, b.streams[i].second,
                            &created);
    if (created) {
      streams[AbslView(b.tenant)].try_emplace(b.streams[i].first,
                                              b.streams[i].second);
    }
  }
  for (const auto& e : b.entries) head->Add(hs[e.stream], e.view);
}

void Store::Append(const RecordBatch& batch, DoneCallback done) {
  Rep* r = rep_.get();
  for (const Record& rec : batch.records()) {
    if (rec.stream >= batch.streams.size()) {
      done(absl::InvalidArgumentError(
          "store: record names a stream the batch does not have"));
      return;
    }
  }
  // Per-thread scratch so a batch costs no allocation here once warm.
  thread_local std::vector<Head::Stream*> hs;
  bool want_cut = false;
  bool full = false;
  {
    std::unique_lock<std::mutex> l(r->mu);
    // Flow control: while a cut is writing parts the active head may not
    // grow past twice head_max_bytes, or a cut slower than ingest would let
    // each head (and memory) grow past the last. The slack keeps a short
    // stall of the cut (an fsync, the scheduler) from stalling ingest. The
    // caller waits for the cut; its source stops reading meanwhile. The
    // commit thread never waits here: the cut waits for it.
    auto room = [r] {
      return r->head->bytes() < 2 * r->opt.head_max_bytes ||
             r->frozen.empty() || r->cut_failing;
    };
    if (!batch.empty() && !t_commit_thread && !room()) {
      const auto start = std::chrono::steady_clock::now();
      // The cut's blocks are what it waits for: build and compress them
      // here meanwhile rather than sleep.
      while (!room()) {
        l.unlock();
        const bool helped = r->compress_pool.RunOneHere();
        l.lock();
        if (!helped && !room()) {
          r->room_cv.wait_for(l, std::chrono::milliseconds(2));
        }
      }
      Metrics().store_append_wait.With({}).Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                        start)
              .count());
    }
    // Backpressure: if cuts keep failing (e.g. disk full) the head would
    // grow without bound. Refuse until a cut gets through.
    full = !batch.empty() && r->cut_failing &&
           r->head->bytes() + r->frozen_bytes > 2 * r->opt.head_max_bytes;
    if (full) r->cut_wanted = true;
  }
  if (full) {
    // Outside the lock: a callback may append again.
    r->cut_cv.notify_one();
    done(absl::ResourceExhaustedError(
        "store: in-memory head is full because parts cannot be written "
        "(disk full?); retry later"));
    return;
  }
  // The WAL record is encoded once, outside the lock, into this thread's
  // slab; the head's entries point into it and the commit thread writes it
  // from there, so under the lock only entry descriptors are pushed.
  thread_local std::shared_ptr<Slab> slab;
  thread_local std::vector<const char*> entry_data;
  thread_local std::vector<HeadEntry> staged;
  thread_local std::vector<uint32_t> run_start, run_pos, order;
  uint64_t batch_line_bytes = 0;
  std::string_view record;
  if (!batch.empty()) {
    const size_t bound = WalRecordBound(batch);
    if (slab == nullptr || slab->left() < bound) slab = Slab::Make(bound);
    // Entries grouped by stream in arrival order (a counting sort): in the
    // WAL record, so that a stream's lines of one batch lie together in the
    // slab (a cut reads them stream by stream), and in the head entries, so
    // that under the lock each stream takes its run with one copy.
    const size_t ns = batch.streams.size();
    run_start.assign(ns + 1, 0);
    for (const Record& rec : batch.records()) ++run_start[rec.stream + 1];
    for (size_t i = 0; i < ns; ++i) run_start[i + 1] += run_start[i];
    run_pos.assign(run_start.begin(), run_start.end() - 1);
    order.resize(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      order[run_pos[batch.record(i).stream]++] = static_cast<uint32_t>(i);
    }
    entry_data.resize(batch.size());
    char* dst = slab->tail();
    const size_t n =
        EncodeWalRecordTo(batch, dst, entry_data.data(), order.data());
    slab->Commit(n);
    record = std::string_view(dst, n);
    staged.resize(batch.size());
    for (size_t k = 0; k < batch.size(); ++k) {
      const uint32_t i = order[k];
      const Record& rec = batch.record(i);
      HeadEntry& e = staged[k];
      e.ts_ns = rec.ts_ns;
      e.data = entry_data[i];
      e.line_len = rec.length;
      e.trace_len = rec.trace_len;
      e.span_len = rec.span_len;
      e.meta_len = rec.metadata == 0
                       ? 0
                       : static_cast<uint32_t>(batch.metadata(i).size());
      batch_line_bytes += rec.length;
    }
  }
  {
    std::lock_guard<std::mutex> l(r->mu);
    if (r->pending.empty() || r->pending.back().seq != r->wal_seq) {
      r->pending.emplace_back();
      r->pending.back().seq = r->wal_seq;
    }
    PendingGroup& g = r->pending.back();
    g.callbacks.push_back(std::move(done));
    g.needs_sync |= batch.sync_ack;
    g.last_ticket = ++r->next_ticket;
    if (!batch.empty()) {
      // Records of one thread lie one after another in its slab: one piece.
      if (!g.pieces.empty() &&
          g.pieces.back().data() + g.pieces.back().size() == record.data()) {
        g.pieces.back() = std::string_view(
            g.pieces.back().data(), g.pieces.back().size() + record.size());
      } else {
        g.pieces.push_back(record);
      }
      if (g.slabs.empty() || g.slabs.back() != slab) g.slabs.push_back(slab);
      g.bytes += record.size();
      g.entries += batch.size();
      Head& h = *r->head;
      h.Keep(slab, record.size());
      hs.resize(batch.streams.size());
      for (size_t i = 0; i < batch.streams.size(); ++i) {
        const BatchStream& s = batch.streams[i];
        bool created;
        hs[i] = h.GetStream(batch.tenant, s.id, s.key, &created);
        if (created) {
          r->streams[AbslView(batch.tenant)].try_emplace(s.id, s.key);
        }
      }
      for (size_t i = 0; i < batch.streams.size(); ++i) {
        const uint32_t n = run_start[i + 1] - run_start[i];
        if (n > 0) h.AddSharedRun(hs[i], staged.data() + run_start[i], n);
      }
      g.line_bytes += batch_line_bytes;
      if (h.bytes() > r->opt.head_max_bytes && !r->cut_wanted) {
        r->cut_wanted = want_cut = true;
      }
    }
  }
  // A slab of its own size (a huge batch) is not kept for the next batch.
  if (slab != nullptr && !slab->pooled()) slab.reset();
  r->commit_cv.notify_one();
  if (want_cut) r->cut_cv.notify_one();
  if (r->subscribers.load(std::memory_order_relaxed) > 0 && !batch.empty()) {
    std::lock_guard<std::mutex> l(r->subs_mu);
    for (const auto& [id, fn] : r->subs) fn(batch);
  }
}

uint64_t Store::Subscribe(AppendListener fn) const {
  Rep* r = rep_.get();
  std::lock_guard<std::mutex> l(r->subs_mu);
  const uint64_t id = r->next_sub++;
  r->subs.emplace_back(id, std::move(fn));
  r->subscribers.fetch_add(1);
  return id;
}

void Store::Unsubscribe(uint64_t id) const {
  Rep* r = rep_.get();
  std::lock_guard<std::mutex> l(r->subs_mu);
  for (auto it = r->subs.begin(); it != r->subs.end(); ++it) {
    if (it->first == id) {
      r->subs.erase(it);
      r->subscribers.fetch_sub(1);
      return;
    }
  }
}

void Store::Rep::CommitLoop() {
  t_commit_thread = true;
  std::deque<PendingGroup> groups;
  // The current segment, shared with the syncer, which may still be syncing
  // it after the commit thread has moved on to the next one.
  std::shared_ptr<WalWriter> wal;
  bool unsynced = false;   // written to `wal` since its last sync request
  bool dir_synced = true;  // `wal`'s directory entry is synced or requested
  WalSyncer syncer([] { t_commit_thread = true; });
  auto last_sync = std::chrono::steady_clock::now();
  const auto sync_interval =
      std::chrono::milliseconds(opt.wal_sync_interval_ms);
  // Everything written to `wal` so far is synced before `callbacks` run.
  auto request_sync = [&](std::vector<Store::DoneCallback> callbacks) {
    syncer.Sync(wal, !dir_synced, std::move(callbacks));
    dir_synced = true;
    unsynced = false;
    last_sync = std::chrono::steady_clock::now();
  };
  while (true) {
    {
      std::unique_lock<std::mutex> l(mu);
      // Written but unsynced records (sources without acknowledgement) are
      // synced within wal_sync_interval_ms even when nothing else arrives.
      if (unsynced) {
        commit_cv.wait_until(l, last_sync + sync_interval, [this] {
          return stop_commit || !pending.empty();
        });
      } else {
        commit_cv.wait(l, [this] { return stop_commit || !pending.empty(); });
      }
      if (pending.empty() && unsynced) {
        l.unlock();
        request_sync({});
        continue;
      }
      if (pending.empty()) break;  // stop, and nothing left to commit
      if (opt.commit_delay_us > 0) {
        l.unlock();
        std::this_thread::sleep_for(
            std::chrono::microseconds(opt.commit_delay_us));
        l.lock();
      }
      groups.swap(pending);
    }
    uint64_t last = 0;
    for (PendingGroup& g : groups) {
      absl::Status s;
      if (wal == nullptr || wal->seq() != g.seq) {
        // The old segment's sync is asked for before anything is written
        // to the new one, and syncs run in order: a batch acknowledged
        // after its sync never lies behind an unsynced hole.
        if (wal != nullptr && unsynced) request_sync({});
        wal.reset();
        auto w = WalWriter::Create(wal_dir, g.seq, opt.fsync, opt.wal_direct_io,
                                   /*sync=*/false);
        if (w.ok()) {
          wal = std::move(w).value();
          wal_bytes += wal->size();
          unsynced = true;  // the header
          dir_synced = false;
        } else {
          s = w.status();
        }
      }
      if (s.ok() && !g.pieces.empty()) {
        s = wal->Write(g.pieces, /*sync=*/false);
        if (s.ok()) {
          wal_bytes += g.bytes;
          unsynced = true;
        }
      }
      if (s.ok()) {
        Metrics().entries_stored.With({}).Inc(g.entries);
        Metrics().bytes_stored.With({}).Inc(g.line_bytes);
      } else {
        LogError("store: WAL write failed; batches not acknowledged",
                 {{"error", std::string(s.message())}});
      }
      if (s.ok() && g.needs_sync) {
        request_sync(std::move(g.callbacks));
      } else {
        // Written (in the page cache, which survives a crash of silt) is
        // all these batches wait for; or the write failed.
        for (auto& cb : g.callbacks) cb(s);
        if (s.ok() &&
            std::chrono::steady_clock::now() - last_sync >= sync_interval) {
          request_sync({});
        }
      }
      last = g.last_ticket;
    }
    {
      std::lock_guard<std::mutex> l(mu);
      processed_ticket = last;
    }
    groups.clear();
    durable_cv.notify_all();
  }
  // Stopping: the last sync, and every callback still waiting on one, run
  // before the syncer's destructor returns.
  if (wal != nullptr && unsynced) request_sync({});
}

void Store::Rep::WaitProcessed(uint64_t ticket) {
  std::unique_lock<std::mutex> l(mu);
  durable_cv.wait(l, [&] { return processed_ticket >= ticket; });
}

void Store::Rep::CutLoop() {
  std::unique_lock<std::mutex> l(mu);
  bool failed = false;  // the last cut failed: retry in a second, not now
  while (!stop_cut) {
    const bool too_big = head->bytes() > opt.head_max_bytes;
    const bool too_old =
        head->entries() > 0 &&
        SteadyMs() - head->first_append_ms() > opt.head_max_age_ms;
    const bool retry = !frozen.empty();
    // A head that grew too big while the last cut ran is cut at once.
    if (failed || !(too_big || too_old || retry || cut_wanted)) {
      cut_cv.wait_for(l, std::chrono::seconds(1));
      failed = false;
      continue;
    }
    cut_wanted = false;
    l.unlock();
    absl::Status s = Cut(/*force=*/false);
    if (!s.ok()) {
      LogError("store: cutting the head into parts failed; will retry",
               {{"error", std::string(s.message())}});
      failed = true;
    }
    l.lock();
  }
}

absl::Status Store::Flush() { return rep_->Cut(/*force=*/true); }

absl::Status Store::Rep::Cut(bool force) {
  std::lock_guard<std::mutex> cut_lock(cut_mu);
  uint64_t ticket;
  {
    std::lock_guard<std::mutex> l(mu);
    // Freeze and rotate: appends from now on go to a new head and a new WAL
    // segment, so the frozen head is exactly the segments <= its wal_seq.
    // An unforced cut freezes the head only if a reason still holds now:
    // the cut thread may have waited on cut_mu while a Flush cut
    // everything, and the head it would freeze is then new and small.
    const bool due =
        head->entries() > 0 &&
        (head->bytes() > opt.head_max_bytes || cut_failing ||
         SteadyMs() - head->first_append_ms() > opt.head_max_age_ms);
    if (force || due) {
      head->wal_seq = wal_seq;
      frozen_bytes += head->bytes();
      auto next = std::make_shared<Head>(head.get());
      frozen.push_back(std::move(head));
      head = std::move(next);
      ++wal_seq;
    }
    ticket = next_ticket;
  }
  // The frozen entries must be written to the WAL (or their write failed)
  // before the segments that hold them may go; the parts are synced before
  // that, which is also what makes a Flush durable.
  WaitProcessed(ticket);
  while (true) {
    std::shared_ptr<Head> h;
    {
      std::lock_guard<std::mutex> l(mu);
      if (frozen.empty()) break;
      h = frozen.front();
    }
    std::vector<std::shared_ptr<const PartReader>> written;
    const auto cut_start = std::chrono::steady_clock::now();
    absl::Status s = WriteHead(*h, &written);
    Log(LogLevel::kDebug, "store: cut head into parts",
        {{"entries", absl::StrCat(h->entries())},
         {"head_bytes", absl::StrCat(h->bytes())},
         {"parts", absl::StrCat(written.size())},
         {"ms",
          absl::StrCat(std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - cut_start)
                           .count())}});
    {
      std::lock_guard<std::mutex> l(mu);
      cut_failing = !s.ok();
    }
    if (!s.ok()) {
      room_cv.notify_all();
      return s;
    }
    {
      std::lock_guard<std::mutex> l(mu);
      for (auto& p : written) parts[AbslView(p->tenant())].push_back(p);
      frozen_bytes -= h->bytes();
      frozen.pop_front();
    }
    room_cv.notify_all();
    if (indexer != nullptr) {
      for (auto& p : written) indexer->Enqueue(p);
    }
    DeleteWalThrough(h->wal_seq);
  }
  return absl::OkStatus();
}

absl::Status Store::Rep::WriteHead(
    const Head& h, std::vector<std::shared_ptr<const PartReader>>* out) {
  PartWriterOptions wopt;
  wopt.zstd_level = opt.zstd_level;
  wopt.target_block_bytes = opt.target_block_bytes;
  wopt.fsync = opt.fsync;
  wopt.pool = &compress_pool;
  wopt.copy_entries = false;  // the frozen head outlives its writers
  std::vector<std::string> paths;
  absl::Status s = WriteHeadParts(h, wopt, &paths);
  for (const std::string& p : paths) {
    if (!s.ok()) break;
    auto reader = PartReader::Open(p);
    if (!reader.ok()) {
      s = reader.status();
      break;
    }
    out->push_back(std::move(reader).value());
  }
  if (!s.ok()) {
    // The whole head is retried later: parts of this attempt would be
    // duplicates on disk.
    for (const std::string& p : paths) RemoveFile(p).IgnoreError();
    out->clear();
  }
  return s;
}

namespace {
constexpr size_t kPrefetchAhead = 4;
}  // namespace

absl::Status Store::Rep::WriteHeadParts(const Head& h,
                                        const PartWriterOptions& wopt,
                                        std::vector<std::string>* paths) {
  for (const auto& [tenant, tstreams] : h.tenants()) {
    std::vector<const Head::Stream*> ss;
    for (const auto& [id, s] : tstreams) ss.push_back(s.get());
    std::sort(ss.begin(), ss.end(),
              [](const auto* a, const auto* b) { return a->id < b->id; });
    // One writer per UTC day; every writer sees streams in id order.
    std::map<int64_t, std::unique_ptr<PartWriter>> writers;
    std::vector<HeadEntry> sorted;
    for (const Head::Stream* s : ss) {
      // Entries of a stream mostly arrive in order: sort a copy only when
      // they did not.
      std::span<const HeadEntry> entries(s->entries);
      if (!HeadEntriesSorted(entries)) {
        sorted.assign(s->entries.begin(), s->entries.end());
        SortHeadEntries(&sorted);
        entries = sorted;
      }
      int64_t cur_day = INT64_MIN;
      PartWriter* w = nullptr;
      const HeadEntry* prev = nullptr;
      const size_t n = entries.size();
      for (size_t i = 0; i < n; ++i) {
        const HeadEntry& e = entries[i];
        // Entries lie all over the head's slabs: fetch the trace ids the
        // writer looks up a few entries ahead (blocks are built elsewhere).
        if (i + kPrefetchAhead < n) {
          const HeadEntry& next = entries[i + kPrefetchAhead];
          __builtin_prefetch(next.data + next.line_len);
        }
        // Identical entries (a client retry) are stored once.
        if (prev != nullptr && prev->ts_ns == e.ts_ns &&
            prev->line() == e.line()) {
          continue;
        }
        prev = &e;
        int64_t day = UtcDay(e.ts_ns);
        if (day != cur_day || w == nullptr) {
          cur_day = day;
          auto& slot = writers[day];
          if (slot == nullptr) {
            std::string dir =
                parts_dir + "/" + EscapeTenant(tenant) + "/" + DayName(day);
            RETURN_IF_ERROR(CreateDirs(dir));
            uint64_t seq;
            {
              std::lock_guard<std::mutex> l(mu);
              seq = next_part_seq++;
            }
            ASSIGN_OR_RETURN(
                slot,
                PartWriter::Create(
                    wopt, dir + "/" + SeqFileName(seq, kPartSuffix), tenant));
          }
          w = slot.get();
          RETURN_IF_ERROR(w->StartStream(s->id, s->key));
        }
        RETURN_IF_ERROR(w->Add(e.view()));
      }
    }
    for (auto& [day, w] : writers) {
      ASSIGN_OR_RETURN(PartInfo info, w->Finish());
      Metrics().parts_written.With({}).Inc();
      Metrics().part_bytes_written.With({}).Inc(info.file_bytes);
      paths->push_back(info.path);
    }
  }
  return absl::OkStatus();
}

void Store::Rep::DeleteWalThrough(uint64_t seq) {
  auto files = ListDir(wal_dir);
  if (!files.ok()) return;
  bool removed = false;
  for (const std::string& f : *files) {
    auto s = ParseSeqFileName(f, kWalSuffix);
    if (!s || *s > seq) continue;
    std::string path = wal_dir + "/" + f;
    auto size = FileSize(path);
    if (RemoveFile(path).ok()) {
      removed = true;
      if (size.ok()) wal_bytes -= std::min<uint64_t>(*size, wal_bytes.load());
    }
  }
  // Not syncing is safe (a resurrected segment is replayed and deduplicated)
  // but it would replay needlessly.
  if (removed && opt.fsync) SyncDir(wal_dir).IgnoreError();
}

void Store::ForEachStream(
    const std::function<void(std::string_view tenant, uint64_t id,
                             const Labels& labels)>& fn) const {
  std::vector<std::tuple<std::string, uint64_t, std::string>> all;
  {
    std::lock_guard<std::mutex> l(rep_->mu);
    for (const auto& [tenant, m] : rep_->streams) {
      for (const auto& [id, key] : m) all.emplace_back(tenant, id, key);
    }
  }
  Labels labels;
  for (const auto& [tenant, id, key] : all) {
    if (!ParseLabels(key, &labels)) labels.clear();
    fn(tenant, id, labels);
  }
}

namespace {
// What a scan reads, taken under the lock: the heads (kept alive so views
// into their arenas stay valid) and the tenant's parts.
struct Snapshot {
  std::vector<std::shared_ptr<Head>> heads;  // active first
  std::vector<std::shared_ptr<const PartReader>> parts;
  // Per requested stream: its head entries in range (active head's copied
  // under the lock; frozen ones are immutable).
  std::vector<std::vector<HeadEntry>> head_entries;
};

void CollectHead(const Head& h, const ScanOptions& o, size_t i,
                 std::vector<HeadEntry>* out) {
  const Head::Stream* s = h.FindStream(o.tenant, o.streams[i]);
  if (s == nullptr) return;
  for (const HeadEntry& e : s->entries) {
    if (e.ts_ns >= o.start_ns && e.ts_ns < o.end_ns) out->push_back(e);
  }
}

// Merges streams [first, last) of the snapshot into fn.
// Returns false if options.progress stopped the scan.
bool ScanStreams(Snapshot* snap, const ScanOptions& options,
                 const LineFilter& filter, int worker, size_t first,
                 size_t last,
                 const std::function<bool(uint64_t, const EntryView&)>& fn) {
  BlockCache cache;
  for (size_t i = first; i < last; ++i) {
    for (const auto& p : snap->parts) {
      auto [b, e] = p->RunsOf(options.streams[i]);
      for (const auto* r = b; r != e; ++r) {
        if (r->max_ts >= options.start_ns && r->min_ts < options.end_ns) {
          cache.Plan(p.get(), r->block);
        }
      }
    }
  }
  std::vector<const PartReader*> parts;
  for (size_t i = first; i < last; ++i) {
    const uint64_t id = options.streams[i];
    parts.clear();
    for (const auto& p : snap->parts) {
      auto [b, e] = p->RunsOf(id);
      if (b != e) parts.push_back(p.get());
    }
    SortHeadEntries(&snap->head_entries[i]);
    bool going = MergeStream(id, snap->head_entries[i], parts, options, filter,
                             worker, &cache, fn);
    snap->head_entries[i] = {};
    if (!going) return false;
  }
  return true;
}
}  // namespace

void Store::Rep::TakeSnapshot(const ScanOptions& options, Snapshot* snap) {
  snap->head_entries.resize(options.streams.size());
  {
    std::lock_guard<std::mutex> l(mu);
    snap->heads.push_back(head);
    for (auto& f : frozen) snap->heads.push_back(f);
    auto it = parts.find(AbslView(options.tenant));
    if (it != parts.end()) {
      for (const auto& p : it->second) {
        if (p->max_ts() >= options.start_ns && p->min_ts() < options.end_ns) {
          snap->parts.push_back(p);
        }
      }
    }
    for (size_t i = 0; i < options.streams.size(); ++i) {
      CollectHead(*head, options, i, &snap->head_entries[i]);
    }
  }
  for (size_t i = 0; i < options.streams.size(); ++i) {
    for (size_t k = 1; k < snap->heads.size(); ++k) {
      CollectHead(*snap->heads[k], options, i, &snap->head_entries[i]);
    }
  }
}

absl::Status Store::Scan(
    const ScanOptions& options,
    const std::function<bool(uint64_t stream, const EntryView& entry)>& fn)
    const {
  Snapshot snap;
  rep_->TakeSnapshot(options, &snap);
  LineFilter filter = MakeLineFilter(options.must_contain);
  ScanStreams(&snap, options, filter, 0, 0, options.streams.size(), fn);
  return absl::OkStatus();
}

absl::Status Store::ParallelScan(
    const ScanOptions& options, int threads,
    const std::function<bool(int, uint64_t, const EntryView&)>& fn) const {
  Snapshot snap;
  rep_->TakeSnapshot(options, &snap);
  LineFilter filter = MakeLineFilter(options.must_contain);
  const size_t n = options.streams.size();
  threads =
      static_cast<int>(std::clamp<size_t>(threads, 1, std::max<size_t>(n, 1)));
  if (threads == 1) {
    ScanStreams(&snap, options, filter, 0, 0, n,
                [&](uint64_t s, const EntryView& e) { return fn(0, s, e); });
    return absl::OkStatus();
  }
  // Streams in id order share blocks with their neighbours (a part lays
  // streams out in id order), so workers take contiguous chunks: only the
  // blocks at chunk edges are decoded twice. Two chunks a worker: on 1M
  // lines in 24 parts, 4 a worker read 25% more blocks for a rare word.
  const size_t chunk =
      std::max<size_t>(1, n / (static_cast<size_t>(threads) * 2));
  std::atomic<size_t> next{0};
  std::atomic<bool> stopped{false};
  rep_->read_pool.RunAll(threads, [&](int w) {
    while (!stopped.load()) {
      size_t first = next.fetch_add(chunk);
      if (first >= n) return;
      if (!ScanStreams(
              &snap, options, filter, w, first, std::min(n, first + chunk),
              [&](uint64_t s, const EntryView& e) { return fn(w, s, e); })) {
        stopped = true;
      }
    }
  });
  return absl::OkStatus();
}

absl::Status Store::LookupTrace(
    std::string_view tenant, std::string_view trace_id, int64_t start_ns,
    int64_t end_ns,
    const std::function<bool(uint64_t stream, const EntryView& entry)>& fn)
    const {
  Rep* r = rep_.get();
  TraceCandidates cand;
  {
    std::lock_guard<std::mutex> l(r->mu);
    auto it = r->parts.find(AbslView(tenant));
    if (it != r->parts.end()) {
      for (const auto& p : it->second) {
        if (p->max_ts() >= start_ns && p->min_ts() < end_ns) {
          cand.parts.push_back(p);
        }
      }
    }
    // The active head changes under the lock: copy its candidates now
    // (entries only; their bytes stay where they are while the head lives).
    cand.heads.push_back(r->head);
    CollectTraceCandidates(*r->head, tenant, trace_id, start_ns, end_ns,
                           &cand.head_entries);
    for (auto& f : r->frozen) cand.heads.push_back(f);
  }
  for (size_t k = 1; k < cand.heads.size(); ++k) {
    CollectTraceCandidates(*cand.heads[k], tenant, trace_id, start_ns, end_ns,
                           &cand.head_entries);
  }
  return FindTrace(cand, trace_id, start_ns, end_ns, &r->read_pool, fn);
}

void Store::WaitIndexed() const {
  if (rep_->indexer != nullptr) rep_->indexer->WaitIdle();
}

StreamStats Store::Stats(const ScanOptions& options) const {
  Rep* r = rep_.get();
  StreamStats st;
  std::vector<std::shared_ptr<const PartReader>> parts;
  std::vector<std::shared_ptr<Head>> frozen;
  std::vector<HeadEntry> head_entries;
  {
    std::lock_guard<std::mutex> l(r->mu);
    auto it = r->parts.find(AbslView(options.tenant));
    if (it != r->parts.end()) parts = it->second;
    frozen.assign(r->frozen.begin(), r->frozen.end());
    for (size_t i = 0; i < options.streams.size(); ++i) {
      CollectHead(*r->head, options, i, &head_entries);
    }
  }
  for (const auto& h : frozen) {
    for (size_t i = 0; i < options.streams.size(); ++i) {
      CollectHead(*h, options, i, &head_entries);
    }
  }
  if (!head_entries.empty()) st.chunks++;
  for (const HeadEntry& e : head_entries) {
    st.entries++;
    st.bytes += e.line_len;
  }
  BlockCache cache;
  for (const auto& p : parts) {
    if (p->max_ts() < options.start_ns || p->min_ts() >= options.end_ns) {
      continue;
    }
    for (uint64_t id : options.streams) {
      auto [b, e] = p->RunsOf(id);
      uint32_t last_block = UINT32_MAX;
      for (const auto* run = b; run != e; ++run) {
        if (run->max_ts < options.start_ns || run->min_ts >= options.end_ns) {
          continue;
        }
        if (run->block != last_block) st.chunks++;
        last_block = run->block;
        if (run->min_ts >= options.start_ns && run->max_ts < options.end_ns) {
          st.entries += run->count;  // wholly inside: the index is enough
          st.bytes += run->line_bytes;
          continue;
        }
        auto block = cache.Get(p.get(), run->block);
        if (block == nullptr || run->first + run->count > block->size()) {
          continue;
        }
        for (uint32_t k = run->first; k < run->first + run->count; ++k) {
          int64_t ts = block->ts(k);
          if (ts >= options.start_ns && ts < options.end_ns) {
            st.entries++;
            st.bytes += block->line(k).size();
          }
        }
      }
    }
  }
  return st;
}

StoreStats Store::stats() const {
  Rep* r = rep_.get();
  StoreStats st;
  std::lock_guard<std::mutex> l(r->mu);
  for (const auto& [tenant, m] : r->streams) st.streams += m.size();
  for (const auto& [tenant, ps] : r->parts) {
    for (const auto& p : ps) {
      st.parts++;
      st.blocks += p->num_blocks();
      st.part_bytes += p->file_size();
    }
  }
  st.head_entries = r->head->entries();
  st.head_bytes = r->head->bytes();
  for (const auto& f : r->frozen) {
    st.head_entries += f->entries();
    st.head_bytes += f->bytes();
  }
  st.wal_bytes = r->wal_bytes.load();
  return st;
}

}  // namespace silt::store
