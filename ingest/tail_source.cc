#include "ingest/tail_source.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/time_util.h"
#include "ingest/internal/tail_checkpoint.h"
#include "ingest/internal/tail_envelope.h"
#include "ingest/internal/tail_file.h"
#include "ingest/internal/tail_paths.h"
#include "ingest/internal/tail_watcher.h"

namespace silt::ingest {

using internal::AssembledRecord;
using internal::CheckpointEntry;
using internal::DirWatcher;
using internal::ResumeState;
using internal::StreamKind;
using internal::TailFile;

namespace {

constexpr auto kStopWait = std::chrono::seconds(30);
constexpr int64_t kRescanSoonMs = 20;  // after a create/move/delete event
constexpr int64_t kDrainCheckMs = 250;
constexpr int64_t kFailureBackoffMs = 1000;
// Turns per ReadRound before the loop looks at events, scans and done
// batches again.
constexpr int kTurnsPerRound = 64;
constexpr uint32_t kNoOrigin = UINT32_MAX;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

using Key = std::pair<uint64_t, uint64_t>;  // (dev, ino)

// State shared with `done` callbacks, which may run after the source is gone.
struct Shared {
  struct Completion {
    uint64_t seq;
    absl::Status status;
  };

  Shared() : efd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~Shared() {
    if (efd >= 0) ::close(efd);
  }

  void Done(uint64_t seq, size_t bytes, absl::Status st) {
    {
      std::lock_guard<std::mutex> lock(mu);
      done.push_back({seq, std::move(st)});
      --inflight_batches;
      inflight_bytes -= bytes;
    }
    cv.notify_all();
    const uint64_t one = 1;
    ssize_t ignored = ::write(efd, &one, sizeof(one));
    (void)ignored;
  }

  std::mutex mu;
  std::condition_variable cv;
  std::vector<Completion> done;
  int inflight_batches = 0;
  size_t inflight_bytes = 0;
  const int efd;
};

}  // namespace

struct TailSource::Rep {
  Rep(const TailOptions& o, BatchSink s)
      : opt(o),
        sink(std::move(s)),
        shared(std::make_shared<Shared>()),
        lines_received(Metrics().lines_received.With({"tail"})),
        bytes_received(Metrics().bytes_received.With({"tail"})),
        lines_truncated(
            Metrics().lines_rejected.With({"tail", "line_too_long"})),
        files_gauge(Metrics().tail_files.With({})) {}

  void Run();
  void Scan(int64_t now);
  uint64_t OpenNew(const std::string& path, int64_t now);
  void FindRotatedWhileDown(int64_t now);
  void WatchTarget(const std::string& link, uint64_t id);
  void PollFiles(int64_t now, bool fingerprints);
  void CheckDraining(int64_t now);
  void ReadRound(int64_t now);
  void Emit(TailFile* f, const AssembledRecord& r);
  void EndTurn(TailFile* f);
  void SubmitBatch();
  void NewBatch();
  bool HasRoom();
  void ProcessDone(int64_t now);
  void RemoveClosed();
  void WriteCheckpoint(bool force);
  void MarkReady(TailFile* f);
  void OnEvent(const std::string& dir, std::string_view name,
               DirWatcher::Kind kind, int64_t now);
  void Add(std::unique_ptr<TailFile> f);
  static void Event(const char* name) {
    Metrics().tail_events.With({name}).Inc();
  }
  TailFile* Find(uint64_t id) {
    auto it = files.find(id);
    return it == files.end() ? nullptr : it->second.get();
  }

  const TailOptions opt;
  const BatchSink sink;
  std::shared_ptr<Shared> shared;
  Counter& lines_received;
  Counter& bytes_received;
  Counter& lines_truncated;
  Gauge& files_gauge;
  std::thread thread;
  std::atomic<bool> stop{false};
  std::atomic<size_t> open_files{0};
  std::mutex stop_mu;
  bool stopped = false;

  // Owned by the tail thread.
  internal::EnvelopeDecoder decoder;
  DirWatcher watcher;
  bool inotify = false;
  std::unordered_map<uint64_t, std::unique_ptr<TailFile>> files;
  std::map<Key, uint64_t> by_inode;
  std::map<std::string, uint64_t> by_path;  // the active file at a path
  // Targets of symlinked paths (/var/log/containers/*.log point into
  // /var/log/pods): inotify reports writes under the target's name.
  std::map<std::string, uint64_t> by_target;
  std::set<uint64_t> draining;
  std::deque<uint64_t> ready;
  std::map<Key, CheckpointEntry> loaded;  // until the first scan is done
  bool first_scan = true;
  uint64_t next_file_id = 1;
  uint64_t next_seq = 1;
  RecordBatch batch;
  uint64_t batch_seq = 0;
  std::vector<uint64_t> batch_files;
  std::map<uint64_t, std::vector<uint64_t>> inflight;  // seq -> file ids
  std::string scratch;
  bool checkpoint_dirty = false;
  int opened_in_scan = 0;
  int64_t next_scan = 0, next_poll = 0, next_checkpoint = 0, next_drain = 0;
  std::set<uint64_t> closed;  // closed, waiting for their marks
  int64_t paused_until = 0;
  int64_t next_fingerprint = 0;
  int64_t last_error_log_ms = 0;
};

TailSource::TailSource(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
TailSource::~TailSource() { Stop(); }

size_t TailSource::files() const { return rep_->open_files.load(); }

absl::StatusOr<std::unique_ptr<TailSource>> TailSource::Start(
    const TailOptions& options, BatchSink sink) {
  if (!sink) return absl::InvalidArgumentError("tail source needs a sink");
  if (options.globs.empty()) {
    return absl::InvalidArgumentError("tail: no glob to follow");
  }
  if (options.max_line_bytes == 0 || options.read_budget_bytes == 0 ||
      options.max_inflight_batches <= 0 || options.rescan_interval_ms <= 0 ||
      options.poll_interval_ms <= 0) {
    return absl::InvalidArgumentError(
        "tail: max_line_bytes, read_budget_bytes, max_inflight_batches and "
        "the intervals must be positive");
  }
  auto rep = std::make_unique<Rep>(options, std::move(sink));
  if (rep->shared->efd < 0) {
    return absl::InternalError(
        absl::StrCat("tail: eventfd: ", std::strerror(errno)));
  }
  if (!options.checkpoint_path.empty()) {
    auto entries = internal::LoadCheckpoint(options.checkpoint_path);
    if (!entries.ok()) {
      LogError("tail checkpoint unreadable; every file is read as new",
               {{"path", options.checkpoint_path},
                {"error", std::string(entries.status().message())}});
      Metrics().corruptions.With({"tail_checkpoint"}).Inc();
    } else {
      for (CheckpointEntry& e : *entries) {
        Key k{e.dev, e.ino};
        rep->loaded[k] = std::move(e);
      }
    }
  }
  rep->NewBatch();
  Rep* r = rep.get();
  r->thread = std::thread([r] { r->Run(); });
  return std::unique_ptr<TailSource>(new TailSource(std::move(rep)));
}

void TailSource::Stop() {
  std::lock_guard<std::mutex> lock(rep_->stop_mu);
  if (rep_->stopped) return;
  rep_->stopped = true;
  rep_->stop = true;
  const uint64_t one = 1;
  ssize_t ignored = ::write(rep_->shared->efd, &one, sizeof(one));
  (void)ignored;
  if (rep_->thread.joinable()) rep_->thread.join();
}

void TailSource::Rep::Run() {
  if (opt.use_inotify) inotify = watcher.Init();
  while (!stop.load()) {
    int64_t now = NowMs();
    ProcessDone(now);
    RemoveClosed();
    const bool events = inotify && watcher.ok();
    const int64_t poll_every =
        events ? opt.rescan_interval_ms : opt.poll_interval_ms;
    if (now >= next_scan) {
      // Fingerprints too, at the rescan pace (not at every scan that a
      // create or delete event brings forward): a copytruncate refilled
      // past the read offset before silt looked.
      Scan(now);
      const bool fingerprints = now >= next_fingerprint;
      if (fingerprints) next_fingerprint = now + opt.rescan_interval_ms;
      PollFiles(now, fingerprints);
      next_scan = now + opt.rescan_interval_ms;
      next_poll = now + poll_every;
    } else if (now >= next_poll) {
      // With inotify the safety net; without it, how growth is seen.
      PollFiles(now, /*fingerprints=*/false);
      next_poll = now + poll_every;
    }
    if (now >= next_drain) {
      CheckDraining(now);
      next_drain = now + kDrainCheckMs;
    }
    if (now >= paused_until) ReadRound(now);
    if (now >= next_checkpoint) {
      WriteCheckpoint(false);
      next_checkpoint = now + opt.checkpoint_interval_ms;
    }

    now = NowMs();
    int64_t wake = std::min({next_scan, next_poll, next_checkpoint});
    if (!draining.empty()) wake = std::min(wake, next_drain);
    if (!ready.empty()) {
      wake = now < paused_until ? paused_until : (HasRoom() ? now : wake);
    }
    const int timeout =
        static_cast<int>(std::clamp<int64_t>(wake - now, 0, 1000));
    pollfd fds[2] = {{shared->efd, POLLIN, 0}, {watcher.fd(), POLLIN, 0}};
    const int nfds = watcher.fd() >= 0 ? 2 : 1;
    if (::poll(fds, nfds, timeout) > 0) {
      if (fds[0].revents & POLLIN) {
        uint64_t v;
        ssize_t ignored = ::read(shared->efd, &v, sizeof(v));
        (void)ignored;
      }
      if (nfds == 2 && (fds[1].revents & POLLIN)) {
        const int64_t t = NowMs();
        watcher.ReadEvents(
            [&](const std::string& dir, std::string_view name,
                DirWatcher::Kind kind) { OnEvent(dir, name, kind, t); });
      }
    }
  }

  // Stop: what was read goes to the sink; wait until it is durable.
  SubmitBatch();
  {
    std::unique_lock<std::mutex> lock(shared->mu);
    if (!shared->cv.wait_for(lock, kStopWait,
                             [&] { return shared->inflight_batches == 0; })) {
      LogWarn("tail stop: batches still in flight after the wait");
    }
  }
  ProcessDone(NowMs());
  WriteCheckpoint(true);
  files_gauge.Add(-static_cast<int64_t>(files.size()));
  files.clear();
  open_files = 0;
}

void TailSource::Rep::OnEvent(const std::string& dir, std::string_view name,
                              DirWatcher::Kind kind, int64_t now) {
  switch (kind) {
    case DirWatcher::kOverflow:
      for (auto& [id, f] : files) MarkReady(f.get());
      next_scan = now;
      return;
    case DirWatcher::kEntriesChanged:
      next_scan = std::min(next_scan, now + kRescanSoonMs);
      return;
    case DirWatcher::kModified: {
      const std::string path = dir + "/" + std::string(name);
      auto it = by_path.find(path);
      if (it != by_path.end() ||
          (it = by_target.find(path)) != by_target.end()) {
        if (TailFile* f = Find(it->second)) MarkReady(f);
        return;
      }
      // Perhaps a renamed file that is draining under its new name.
      for (uint64_t id : draining) {
        if (TailFile* f = Find(id)) MarkReady(f);
      }
      return;
    }
  }
}

void TailSource::Rep::MarkReady(TailFile* f) {
  if (f->queued || f->state == TailFile::State::kClosed) return;
  f->queued = true;
  ready.push_back(f->id());
}

void TailSource::Rep::Add(std::unique_ptr<TailFile> f) {
  const uint64_t id = f->id();
  by_inode[{f->dev(), f->ino()}] = id;
  if (f->state == TailFile::State::kActive) by_path[f->path()] = id;
  if (f->state == TailFile::State::kDraining) draining.insert(id);
  TailFile* raw = f.get();
  files[id] = std::move(f);
  ++open_files;
  files_gauge.Add(1);
  MarkReady(raw);
  checkpoint_dirty = true;
}

namespace {

// Offset just past the last LF in the final 64 KiB of the file, so reading
// "from the end" starts at a line boundary; `size` if there is none.
uint64_t LastLineEnd(int fd, uint64_t size) {
  const uint64_t span = std::min<uint64_t>(size, 64 * 1024);
  std::string buf(span, '\0');
  ssize_t n = ::pread(fd, buf.data(), span, static_cast<off_t>(size - span));
  if (n <= 0) return size;
  for (ssize_t i = n - 1; i >= 0; --i) {
    if (buf[i] == '\n') return size - span + static_cast<uint64_t>(i) + 1;
  }
  return size;
}

bool MatchesEntry(int fd, const CheckpointEntry& e, uint64_t size) {
  if (e.state.offset > size) return false;  // shrank while silt was down
  if (e.fp_len == 0) return true;
  uint64_t h = 0;
  return internal::FingerprintFd(fd, e.fp_len, &h) && h == e.fp_hash;
}

}  // namespace

uint64_t TailSource::Rep::OpenNew(const std::string& path, int64_t now) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) {
      LogWarn("tail: cannot open",
              {{"path", path}, {"error", std::strerror(errno)}});
    }
    return 0;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      by_inode.count({st.st_dev, st.st_ino})) {
    ::close(fd);
    return 0;
  }
  const uint64_t id = next_file_id;
  auto f = std::make_unique<TailFile>(next_file_id++, fd, path, st.st_dev,
                                      st.st_ino, internal::PathLabels(path),
                                      opt.max_line_bytes, &decoder);
  ResumeState rs;
  const char* how = "start";
  if (first_scan) {
    auto it = loaded.find({st.st_dev, st.st_ino});
    if (it != loaded.end()) {
      if (MatchesEntry(fd, it->second, st.st_size)) {
        rs = it->second.state;
        f->SetFingerprint(it->second.fp_len, it->second.fp_hash);
        how = "checkpoint";
        Event("resumed");
      } else {
        LogInfo("tail: inode reused or file rewritten since the checkpoint",
                {{"path", path}});
      }
      loaded.erase(it);
    }
    if (how[0] == 's' && opt.read_from_end) {
      rs.offset = LastLineEnd(fd, st.st_size);
      how = "end";
    }
  }
  f->Resume(rs);
  f->unchanged_since_ms = now;
  Event("opened");
  // Debug: a node may have thousands; Scan() logs how many were found.
  Log(LogLevel::kDebug, "tail: following",
      {{"path", path}, {"from", how}, {"offset", std::to_string(rs.offset)}});
  ++opened_in_scan;
  Add(std::move(f));
  return id;
}

void TailSource::Rep::FindRotatedWhileDown(int64_t now) {
  for (auto& [key, e] : loaded) {
    const std::string dir = DirName(e.path);
    auto names = ListDir(dir);
    if (!names.ok()) continue;
    for (const std::string& name : *names) {
      const std::string p = dir + "/" + name;
      if (internal::IsCompressedName(p)) continue;
      struct stat st;
      if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
          st.st_dev != key.first || st.st_ino != key.second ||
          by_inode.count(key)) {
        continue;
      }
      const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      if (!MatchesEntry(fd, e, st.st_size)) {
        ::close(fd);
        break;
      }
      auto f = std::make_unique<TailFile>(
          next_file_id++, fd, p, st.st_dev, st.st_ino,
          internal::PathLabels(e.path), opt.max_line_bytes, &decoder);
      f->SetFingerprint(e.fp_len, e.fp_hash);
      f->Resume(e.state);
      f->state = TailFile::State::kDraining;
      f->unchanged_since_ms = now;
      Event("resumed");
      LogInfo("tail: draining a file rotated while silt was down",
              {{"path", p}, {"was", e.path}});
      Add(std::move(f));
      break;
    }
  }
  loaded.clear();
}

void TailSource::Rep::WatchTarget(const std::string& link, uint64_t id) {
  if (id == 0) return;
  char* real = ::realpath(link.c_str(), nullptr);
  if (real == nullptr) return;
  std::string target(real);
  std::free(real);
  auto [it, added] = by_target.emplace(target, id);
  if (!added) {
    it->second = id;
    return;
  }
  if (inotify && watcher.ok()) watcher.Watch(DirName(target));
}

void TailSource::Rep::Scan(int64_t now) {
  opened_in_scan = 0;
  std::set<Key> seen;
  std::set<std::string> seen_paths;
  for (const std::string& pattern : opt.globs) {
    if (inotify && watcher.ok()) {
      for (const std::string& d : internal::GlobWatchDirs(pattern)) {
        if (!watcher.Watching(d) && !watcher.Watch(d)) break;
      }
    }
    for (const std::string& path : internal::GlobFiles(pattern)) {
      if (internal::IsCompressedName(path) ||
          internal::MatchesAny(opt.exclude, path) ||
          !seen_paths.insert(path).second) {
        continue;
      }
      struct stat st;
      if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      const Key key{st.st_dev, st.st_ino};
      auto it = by_inode.find(key);
      struct stat lst;
      if (::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
        WatchTarget(path, it == by_inode.end() ? 0 : it->second);
      }
      if (it == by_inode.end()) {
        const uint64_t id = OpenNew(path, now);
        if (id != 0 && S_ISLNK(lst.st_mode)) WatchTarget(path, id);
        seen.insert(key);
        continue;
      }
      seen.insert(key);
      TailFile* f = Find(it->second);
      if (f == nullptr || f->state == TailFile::State::kClosed) continue;
      if (f->path() != path || f->state != TailFile::State::kActive) {
        // Moved to another matched name: follow it there.
        auto old = by_path.find(f->path());
        if (old != by_path.end() && old->second == f->id()) by_path.erase(old);
        f->set_path(path);
        f->state = TailFile::State::kActive;
        draining.erase(f->id());
        by_path[path] = f->id();
      }
    }
  }
  for (auto& [id, f] : files) {
    if (f->state != TailFile::State::kActive ||
        seen.count({f->dev(), f->ino()})) {
      continue;
    }
    // Renamed away, deleted, or replaced by a new file at the path: read
    // it to its end from the descriptor.
    auto p = by_path.find(f->path());
    if (p != by_path.end() && p->second == id) by_path.erase(p);
    f->state = TailFile::State::kDraining;
    f->unchanged_since_ms = now;
    draining.insert(id);
    MarkReady(f.get());
    Event("rotated");
    LogInfo("tail: file rotated or removed; draining", {{"path", f->path()}});
  }
  if (first_scan) {
    first_scan = false;
    FindRotatedWhileDown(now);
  }
  if (opened_in_scan > 0) {
    LogInfo("tail: following new files",
            {{"new", std::to_string(opened_in_scan)},
             {"files", std::to_string(files.size())}});
  }
}

void TailSource::Rep::PollFiles(int64_t now, bool fingerprints) {
  for (auto& [id, f] : files) {
    if (f->state == TailFile::State::kClosed) continue;
    const int64_t size = f->Size();
    if (size < 0) continue;
    if (static_cast<uint64_t>(size) != f->read_offset()) MarkReady(f.get());
    if (fingerprints && f->FingerprintChanged()) {
      LogInfo("tail: file rewritten (copytruncate); reading from 0",
              {{"path", f->path()}});
      Event("truncated");
      f->Restart();
      f->unchanged_since_ms = now;
      checkpoint_dirty = true;
      MarkReady(f.get());
    }
  }
}

void TailSource::Rep::CheckDraining(int64_t now) {
  for (auto it = draining.begin(); it != draining.end();) {
    TailFile* f = Find(*it);
    if (f == nullptr || f->state != TailFile::State::kDraining) {
      it = draining.erase(it);
      continue;
    }
    const int64_t size = f->Size();
    if (size != static_cast<int64_t>(f->read_offset())) {
      f->unchanged_since_ms = now;
      MarkReady(f);
    } else if (!f->queued &&
               now - f->unchanged_since_ms >= opt.rotate_wait_ms) {
      f->Close([&](const AssembledRecord& r) { Emit(f, r); });
      EndTurn(f);
      closed.insert(f->id());
      Event("closed");
      LogInfo("tail: drained; closed", {{"path", f->path()}});
      it = draining.erase(it);
      continue;
    }
    ++it;
  }
}

bool TailSource::Rep::HasRoom() {
  std::lock_guard<std::mutex> lock(shared->mu);
  return shared->inflight_batches < opt.max_inflight_batches &&
         shared->inflight_bytes < opt.max_inflight_bytes;
}

void TailSource::Rep::ReadRound(int64_t now) {
  for (int turn = 0; turn < kTurnsPerRound && !ready.empty() && !stop.load();
       ++turn) {
    if (!HasRoom()) break;
    TailFile* f = Find(ready.front());
    ready.pop_front();
    if (f == nullptr) continue;
    f->queued = false;
    if (f->state == TailFile::State::kClosed) continue;
    TailFile::ReadResult r =
        f->Read(opt.read_budget_bytes, &scratch,
                [&](const AssembledRecord& rec) { Emit(f, rec); });
    if (r.truncated) {
      LogInfo("tail: file truncated; reading from 0", {{"path", f->path()}});
      Event("truncated");
      f->Restart();
      checkpoint_dirty = true;
      MarkReady(f);
      continue;
    }
    if (r.bytes > 0) f->unchanged_since_ms = now;
    EndTurn(f);
    if (!r.eof) MarkReady(f);
    if (batch.line_bytes() >= opt.batch_bytes) SubmitBatch();
  }
  SubmitBatch();
}

void TailSource::Rep::Emit(TailFile* f, const AssembledRecord& r) {
  if (f->origin_batch != batch_seq) {
    f->origin_batch = batch_seq;
    std::fill(std::begin(f->origin_index), std::end(f->origin_index),
              kNoOrigin);
    batch_files.push_back(f->id());
  }
  const int s = static_cast<int>(r.stream);
  if (f->origin_index[s] == kNoOrigin) {
    Labels labels = f->labels();
    if (r.stream != StreamKind::kNone) {
      labels.emplace_back("stream", internal::StreamName(r.stream));
      Canonicalize(&labels);
    }
    f->origin_index[s] = static_cast<uint32_t>(batch.origins.size());
    batch.origins.push_back(std::move(labels));
  }
  const uint32_t i = batch.Append(r.text, f->origin_index[s], r.ts_ns);
  if (r.truncated) {
    batch.record(i).reject = Reject::kTruncated;
    lines_truncated.Inc();
  }
  if (r.bad_envelope) Event("bad_envelope");
}

void TailSource::Rep::EndTurn(TailFile* f) {
  const ResumeState st = f->AssemblerState();
  auto& marks = f->marks();
  if (f->origin_batch == batch_seq) {
    if (marks.empty() || marks.back().batch_seq != batch_seq) {
      marks.push_back({batch_seq, st, false});
    } else {
      marks.back().state = st;
    }
  } else if (!marks.empty()) {
    // Lines read since produced no record: they are safe once the batch
    // holding this file's last records is.
    marks.back().state = st;
  } else if (!(st == f->committed())) {
    f->set_committed(st);
    checkpoint_dirty = true;
  }
}

void TailSource::Rep::SubmitBatch() {
  if (batch.empty()) return;
  const uint64_t seq = batch_seq;
  const size_t bytes = batch.line_bytes();
  batch.tenant = opt.tenant;
  batch.input = "tail";
  batch.received_ns = NowNanos();
  batch.sync_ack = true;  // checkpoints follow `done`: it must be durable
  batch.source_ts_fallback = true;
  lines_received.Inc(batch.size());
  bytes_received.Inc(bytes);
  inflight[seq] = std::move(batch_files);
  batch_files.clear();
  {
    std::lock_guard<std::mutex> lock(shared->mu);
    ++shared->inflight_batches;
    shared->inflight_bytes += bytes;
  }
  std::shared_ptr<Shared> sh = shared;
  RecordBatch out = std::move(batch);
  NewBatch();
  sink(std::move(out), [sh, seq, bytes](absl::Status st) {
    sh->Done(seq, bytes, std::move(st));
  });
}

void TailSource::Rep::NewBatch() {
  // An arena the pipeline gave back (already paged in) with room for a
  // whole batch: ReadRound submits once batch_bytes are reached, after a
  // turn of at most read_budget_bytes. No regrowth copies, and once the
  // pool is warm no page faults while filling it.
  batch = RecordBatch::FromPool();
  batch.ReserveCapacity(opt.batch_bytes + opt.read_budget_bytes);
  batch_seq = next_seq++;
}

void TailSource::Rep::ProcessDone(int64_t now) {
  std::vector<Shared::Completion> done;
  {
    std::lock_guard<std::mutex> lock(shared->mu);
    done.swap(shared->done);
  }
  bool failed = false;
  for (Shared::Completion& c : done) {
    auto it = inflight.find(c.seq);
    if (it == inflight.end()) continue;
    std::vector<uint64_t> ids = std::move(it->second);
    inflight.erase(it);
    if (!c.status.ok()) {
      failed = true;
      if (now - last_error_log_ms > 1000) {
        last_error_log_ms = now;
        LogWarn("tail batch not stored; reading again from the checkpoint",
                {{"error", c.status.ToString()}});
      }
      continue;
    }
    for (uint64_t id : ids) {
      TailFile* f = Find(id);
      if (f == nullptr) continue;
      auto& marks = f->marks();
      for (auto& m : marks) {
        if (m.batch_seq == c.seq) m.done = true;
      }
      while (!marks.empty() && marks.front().done) {
        f->set_committed(marks.front().state);
        marks.pop_front();
        checkpoint_dirty = true;
      }
    }
  }
  if (!failed) return;
  // Rewind every file to what is durable; batches still in flight finish
  // against marks that no longer exist. Lines they hold may be read twice:
  // the store shows identical entries once.
  NewBatch();
  batch_files.clear();
  for (auto& [id, f] : files) {
    f->marks().clear();
    f->Resume(f->committed());
    if (f->state == TailFile::State::kClosed) {
      f->state = TailFile::State::kDraining;
      draining.insert(id);
    }
    MarkReady(f.get());
  }
  paused_until = now + kFailureBackoffMs;
}

void TailSource::Rep::RemoveClosed() {
  for (auto it = closed.begin(); it != closed.end();) {
    TailFile* f = Find(*it);
    if (f != nullptr && f->state == TailFile::State::kClosed &&
        !f->marks().empty()) {
      ++it;
      continue;
    }
    it = closed.erase(it);
    if (f == nullptr || f->state != TailFile::State::kClosed) continue;
    by_inode.erase({f->dev(), f->ino()});
    auto p = by_path.find(f->path());
    if (p != by_path.end() && p->second == f->id()) by_path.erase(p);
    draining.erase(f->id());
    for (auto t = by_target.begin(); t != by_target.end();) {
      t = t->second == f->id() ? by_target.erase(t) : std::next(t);
    }
    files.erase(f->id());
    --open_files;
    files_gauge.Add(-1);
    checkpoint_dirty = true;
  }
}

void TailSource::Rep::WriteCheckpoint(bool force) {
  if (opt.checkpoint_path.empty() || (!checkpoint_dirty && !force)) return;
  std::vector<CheckpointEntry> entries;
  entries.reserve(files.size());
  for (auto& [id, f] : files) {
    f->UpdateFingerprint();
    entries.push_back(f->Entry());
  }
  std::sort(entries.begin(), entries.end(),
            [](const CheckpointEntry& a, const CheckpointEntry& b) {
              return a.path < b.path;
            });
  absl::Status st = internal::SaveCheckpoint(opt.checkpoint_path, entries);
  if (!st.ok()) {
    Event("checkpoint_error");
    const int64_t now = NowMs();
    if (now - last_error_log_ms > 1000) {
      last_error_log_ms = now;
      LogWarn("tail: cannot write the checkpoint",
              {{"path", opt.checkpoint_path}, {"error", st.ToString()}});
    }
    return;
  }
  checkpoint_dirty = false;
}

}  // namespace silt::ingest
