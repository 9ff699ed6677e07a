#include "query/internal/pipeline.h"

#include <algorithm>

#include "query/internal/extract.h"
#include "query/internal/filter.h"
#include "query/internal/label_filter_eval.h"

namespace silt::query {
namespace {

bool HasMatchers(const std::vector<NamedMatcher>& names) {
  for (const NamedMatcher& n : names) {
    if (n.matcher) return true;
  }
  return false;
}

bool Listed(const std::vector<NamedMatcher>& names, const std::string& name) {
  for (const NamedMatcher& n : names) {
    if (n.name == name) return true;
  }
  return false;
}

// Strips ANSI colour and cursor sequences (ESC [ params letter).
std::string Decolorize(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\x1b' && i + 1 < line.size() && line[i + 1] == '[') {
      size_t j = i + 2;
      while (j < line.size() && ((line[j] >= '0' && line[j] <= '9') ||
                                 line[j] == ';' || line[j] == '?')) {
        ++j;
      }
      if (j < line.size() &&
          std::isalpha(static_cast<unsigned char>(line[j]))) {
        i = j;
        continue;
      }
    }
    out += line[i];
  }
  return out;
}

// The value of a top-level trace_id="x" in `f` (through and-nodes).
std::optional<std::string> TraceIdOf(const LabelFilter& f) {
  if (f.kind == LabelFilter::Kind::kAnd) {
    if (auto id = TraceIdOf(*f.lhs)) return id;
    return TraceIdOf(*f.rhs);
  }
  if (f.kind == LabelFilter::Kind::kString && f.matcher->name() == "trace_id" &&
      f.matcher->op() == index::Matcher::Op::kEq &&
      !f.matcher->value().empty()) {
    return f.matcher->value();
  }
  return std::nullopt;
}

}  // namespace

Pipeline::Pipeline(const std::vector<PipelineStage>& stages)
    : stages_(stages), done_(stages.size(), false) {
  for (const PipelineStage& s : stages) {
    switch (s.kind) {
      case PipelineStage::Kind::kLineFilter:
        break;
      case PipelineStage::Kind::kDrop:
      case PipelineStage::Kind::kKeep:
        if (HasMatchers(s.names)) line_only_ = false;
        break;
      default:
        line_only_ = false;
    }
  }
}

bool Pipeline::Keep(std::string_view line) const {
  for (size_t i = 0; i < stages_.size(); ++i) {
    const PipelineStage& s = stages_[i];
    if (s.kind == PipelineStage::Kind::kLineFilter && !done_[i] &&
        !LineFilterKeeps(s.line_filter, line)) {
      return false;
    }
  }
  return true;
}

Labels Pipeline::OutputLabels(const Labels& labels) const {
  Labels out = labels;
  for (const PipelineStage& s : stages_) {
    if (s.kind == PipelineStage::Kind::kDrop) {
      out.erase(std::remove_if(
                    out.begin(), out.end(),
                    [&](const Label& l) { return Listed(s.names, l.first); }),
                out.end());
    } else if (s.kind == PipelineStage::Kind::kKeep) {
      out.erase(std::remove_if(
                    out.begin(), out.end(),
                    [&](const Label& l) { return !Listed(s.names, l.first); }),
                out.end());
    }
  }
  return out;
}

bool Pipeline::Process(const Labels& stream_labels,
                       const store::EntryView& entry, LabelBuilder* b,
                       std::string* line) const {
  b->Reset(&stream_labels, &entry);
  line->assign(entry.line);
  std::string scratch;
  for (size_t i = 0; i < stages_.size(); ++i) {
    const PipelineStage& s = stages_[i];
    switch (s.kind) {
      case PipelineStage::Kind::kLineFilter:
        if (!done_[i] && !LineFilterKeeps(s.line_filter, *line)) return false;
        break;
      case PipelineStage::Kind::kJson:
        ExtractJson(*line, s, b);
        break;
      case PipelineStage::Kind::kLogfmt:
        ExtractLogfmt(*line, s, b);
        break;
      case PipelineStage::Kind::kLabelFilter:
        if (!EvalLabelFilter(*s.label_filter, b)) return false;
        break;
      case PipelineStage::Kind::kLineFormat: {
        scratch.clear();
        absl::Status st = s.tmpl->Render(*b, *line, entry.ts_ns, &scratch);
        if (st.ok()) {
          line->swap(scratch);
        } else {
          b->SetError(kTemplateFormatErr, std::string(st.message()));
        }
        break;
      }
      case PipelineStage::Kind::kLabelFormat:
        for (const LabelFormat& f : s.label_formats) {
          if (f.tmpl == nullptr) {
            const std::string* v = b->Get(f.src);
            std::string value = v ? *v : std::string();
            if (v != nullptr) b->Del(f.src);
            b->Set(f.dst, value);
            continue;
          }
          scratch.clear();
          absl::Status st = f.tmpl->Render(*b, *line, entry.ts_ns, &scratch);
          if (!st.ok()) {
            b->SetError(kTemplateFormatErr, std::string(st.message()));
            continue;
          }
          b->Set(f.dst, scratch);
        }
        break;
      case PipelineStage::Kind::kDrop:
        for (const NamedMatcher& n : s.names) {
          const std::string* v = b->Get(n.name);
          if (v == nullptr) continue;
          if (!n.matcher || n.matcher->Matches(*v)) b->Del(n.name);
        }
        break;
      case PipelineStage::Kind::kKeep:
        for (const std::string& name : b->Names()) {
          if (name == kErrorLabel || name == kErrorDetailsLabel) continue;
          bool keep = false;
          for (const NamedMatcher& n : s.names) {
            if (n.name != name) continue;
            const std::string* v = b->Get(name);
            if (!n.matcher || (v != nullptr && n.matcher->Matches(*v))) {
              keep = true;
              break;
            }
          }
          if (!keep) b->Del(name);
        }
        break;
      case PipelineStage::Kind::kDecolorize:
        *line = Decolorize(*line);
        break;
    }
  }
  return true;
}

std::vector<size_t> Pipeline::RequiredStages() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < stages_.size(); ++i) {
    const PipelineStage& s = stages_[i];
    if (s.kind == PipelineStage::Kind::kLineFormat ||
        s.kind == PipelineStage::Kind::kDecolorize) {
      break;
    }
    if (s.kind == PipelineStage::Kind::kLineFilter &&
        s.line_filter.op == LineFilterOp::kContains &&
        s.line_filter.values.size() == 1 &&
        !s.line_filter.values[0].value.empty()) {
      out.push_back(i);
    }
  }
  return out;
}

std::vector<std::string> Pipeline::RequiredLiterals() const {
  std::vector<std::string> out;
  for (size_t i : RequiredStages()) {
    out.push_back(stages_[i].line_filter.values[0].value);
  }
  return out;
}

std::vector<std::string> Pipeline::PushDownLiterals() {
  for (size_t i : RequiredStages()) done_[i] = true;
  return RequiredLiterals();
}

std::optional<std::string> Pipeline::TraceIdFilter() const {
  for (const PipelineStage& s : stages_) {
    switch (s.kind) {
      case PipelineStage::Kind::kLabelFilter:
        if (auto id = TraceIdOf(*s.label_filter)) return id;
        break;
      case PipelineStage::Kind::kLineFilter:
      case PipelineStage::Kind::kDrop:
      case PipelineStage::Kind::kKeep:
        break;
      default:
        return std::nullopt;  // a stage that may set or change labels
    }
  }
  return std::nullopt;
}

}  // namespace silt::query
