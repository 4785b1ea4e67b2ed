// profile.cc: YAML -> Profile with validation, and profile selection.
//
// Design: a table of fields (dotted path, kind, range, accessor) drives both
// validation and assignment, so a key cannot be accepted without being
// checked. yaml-cpp throws (YAML::ParserException and friends); every call
// into it is inside one try block in ParseProfile that turns exceptions into
// InvalidArgumentError with the file and line. Lines are 1-based (yaml-cpp's
// Mark is 0-based).

#include "tuning/profile/profile.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tuning/internal/file_util.h"
#include "yaml-cpp/yaml.h"

namespace adaptrt::tuning {
namespace {

namespace fs = std::filesystem;

enum class Kind { kInt, kReal, kFraction, kBool, kString, kChoice };

struct Field {
  const char* section = "";  // "" for top-level keys
  const char* key = "";
  Kind kind = Kind::kString;
  double min = 0;  // kInt/kReal: inclusive lower bound (kReal: exclusive if 0)
  double max = std::numeric_limits<double>::max();
  std::vector<std::string> choices = {};
  // Exactly one of these is set, matching `kind`.
  std::function<uint64_t&(Profile&)> as_uint = nullptr;
  std::function<double&(Profile&)> as_real = nullptr;
  std::function<bool&(Profile&)> as_bool = nullptr;
  std::function<std::string&(Profile&)> as_string = nullptr;
  std::function<int&(Profile&)> as_small_int = nullptr;
};

constexpr double kMaxMb = 1 << 30;  // 1 PiB in MB: a typo guard, not a policy

Field Make(const char* section, const char* key, Kind kind) {
  Field f;
  f.section = section;
  f.key = key;
  f.kind = kind;
  return f;
}

Field Uint(const char* section, const char* key, std::function<uint64_t&(Profile&)> get) {
  Field f = Make(section, key, Kind::kInt);
  f.min = 1;
  f.max = kMaxMb;
  f.as_uint = std::move(get);
  return f;
}

Field Int(const char* section, const char* key, double min, double max,
          std::function<int&(Profile&)> get) {
  Field f = Make(section, key, Kind::kInt);
  f.min = min;
  f.max = max;
  f.as_small_int = std::move(get);
  return f;
}

Field Real(const char* section, const char* key, Kind kind, double max,
           std::function<double&(Profile&)> get) {
  Field f = Make(section, key, kind);
  f.max = max;
  f.as_real = std::move(get);
  return f;
}

Field Bool(const char* section, const char* key, std::function<bool&(Profile&)> get) {
  Field f = Make(section, key, Kind::kBool);
  f.as_bool = std::move(get);
  return f;
}

Field String(const char* section, const char* key, std::vector<std::string> choices,
             std::function<std::string&(Profile&)> get) {
  Field f = Make(section, key, choices.empty() ? Kind::kString : Kind::kChoice);
  f.choices = std::move(choices);
  f.as_string = std::move(get);
  return f;
}

const std::vector<Field>& Fields() {
  static const std::vector<Field>* fields = new std::vector<Field>{
      String("", "name", {}, [](Profile& p) -> std::string& { return p.name; }),
      String("", "description", {}, [](Profile& p) -> std::string& { return p.description; }),
      Uint("cache", "l1_mb", [](Profile& p) -> uint64_t& { return p.cache.l1_mb; }),
      Uint("cache", "l2_mb", [](Profile& p) -> uint64_t& { return p.cache.l2_mb; }),
      Uint("cache", "l3_mb", [](Profile& p) -> uint64_t& { return p.cache.l3_mb; }),
      Real("cache", "ttl_hours", Kind::kReal, 24.0 * 365 * 100,
           [](Profile& p) -> double& { return p.cache.ttl_hours; }),
      String("cache", "policy", {"lru", "lfu", "arc"},
             [](Profile& p) -> std::string& { return p.cache.policy; }),
      Int("executor", "workers", 1, 4096, [](Profile& p) -> int& { return p.executor.workers; }),
      Int("executor", "thread_pool", 1, 4096,
          [](Profile& p) -> int& { return p.executor.thread_pool; }),
      Int("executor", "process_pool", 1, 4096,
          [](Profile& p) -> int& { return p.executor.process_pool; }),
      Bool("executor", "work_stealing",
           [](Profile& p) -> bool& { return p.executor.work_stealing; }),
      Real("expected_speedup", "min", Kind::kReal, 1e6,
           [](Profile& p) -> double& { return p.expected_speedup.min; }),
      Real("expected_speedup", "max", Kind::kReal, 1e6,
           [](Profile& p) -> double& { return p.expected_speedup.max; }),
      Bool("tuning", "enabled", [](Profile& p) -> bool& { return p.tuning.enabled; }),
      Int("tuning", "period_ms", 10, 3600 * 1000,
          [](Profile& p) -> int& { return p.tuning.period_ms; }),
      String("tuning", "target", {"throughput", "latency", "memory"},
             [](Profile& p) -> std::string& { return p.tuning.target; }),
      Real("tuning", "target_hit_rate", Kind::kFraction, 1.0,
           [](Profile& p) -> double& { return p.tuning.target_hit_rate; }),
  };
  return *fields;
}

bool IsSection(const std::string& key) {
  for (const Field& f : Fields()) {
    if (key == f.section) return true;
  }
  return false;
}

const Field* FindField(const std::string& section, const std::string& key) {
  for (const Field& f : Fields()) {
    if (section == f.section && key == f.key) return &f;
  }
  return nullptr;
}

// Well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF). YAML text is Unicode, but yaml-cpp passes any bytes through; a
// string that is not UTF-8 could not be written back as YAML (the fuzzer's
// round trip found a description with the bytes E0 DF 8B).
bool IsUtf8(absl::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  absl::Status Error(const YAML::Node& node, absl::string_view path,
                     absl::string_view message) const {
    const int line = node.Mark().line;
    if (line < 0) return absl::InvalidArgumentError(absl::StrCat(file_, ": ", path, ": ", message));
    return absl::InvalidArgumentError(
        absl::StrCat(file_, ":", line + 1, ": ", path, path.empty() ? "" : ": ", message));
  }

  static std::string Describe(const YAML::Node& node) {
    switch (node.Type()) {
      case YAML::NodeType::Map:
        return "a mapping";
      case YAML::NodeType::Sequence:
        return "a list";
      case YAML::NodeType::Null:
        return "nothing";
      default:
        return absl::StrCat("\"", node.Scalar(), "\"");
    }
  }

  absl::Status Assign(const Field& field, const YAML::Node& value, const std::string& path,
                      Profile& profile) const {
    const bool scalar = value.Type() == YAML::NodeType::Scalar;
    const std::string text = scalar ? value.Scalar() : std::string();
    switch (field.kind) {
      case Kind::kInt: {
        int64_t v = 0;
        const bool parsed = scalar && absl::SimpleAtoi(text, &v);
        if (!parsed || static_cast<double>(v) < field.min) {
          return Error(value, path,
                       field.min == 1
                           ? absl::StrCat("expected a positive integer, got ", Describe(value))
                           : absl::StrFormat("expected an integer of at least %.0f, got %s",
                                             field.min, Describe(value)));
        }
        if (static_cast<double>(v) > field.max) {
          return Error(value, path,
                       absl::StrFormat("expected at most %.0f, got %s", field.max, Describe(value)));
        }
        if (field.as_uint) field.as_uint(profile) = static_cast<uint64_t>(v);
        if (field.as_small_int) field.as_small_int(profile) = static_cast<int>(v);
        return absl::OkStatus();
      }
      case Kind::kReal:
      case Kind::kFraction: {
        double v = 0;
        const bool parsed = scalar && absl::SimpleAtod(text, &v) && std::isfinite(v);
        const double max = field.kind == Kind::kFraction ? 1.0 : field.max;
        if (!parsed || v <= 0 || v > max) {
          return Error(value, path,
                       field.kind == Kind::kFraction
                           ? absl::StrCat("expected a number in (0, 1], got ", Describe(value))
                       : parsed && v > 0
                           ? absl::StrFormat("expected at most %g, got %s", max, Describe(value))
                           : absl::StrCat("expected a positive number, got ", Describe(value)));
        }
        field.as_real(profile) = v;
        return absl::OkStatus();
      }
      case Kind::kBool: {
        const std::string lower = absl::AsciiStrToLower(text);
        if (scalar && (lower == "true" || lower == "yes")) {
          field.as_bool(profile) = true;
        } else if (scalar && (lower == "false" || lower == "no")) {
          field.as_bool(profile) = false;
        } else {
          return Error(value, path, absl::StrCat("expected true or false, got ", Describe(value)));
        }
        return absl::OkStatus();
      }
      case Kind::kString:
        if (!scalar) {
          return Error(value, path, absl::StrCat("expected a string, got ", Describe(value)));
        }
        if (!IsUtf8(text)) return Error(value, path, "expected UTF-8 text");
        field.as_string(profile) = text;
        return absl::OkStatus();
      case Kind::kChoice:
        if (!scalar || std::find(field.choices.begin(), field.choices.end(), text) ==
                           field.choices.end()) {
          return Error(value, path,
                       absl::StrCat("expected one of ", absl::StrJoin(field.choices, ", "),
                                    ", got ", Describe(value)));
        }
        field.as_string(profile) = text;
        return absl::OkStatus();
    }
    return absl::InternalError("unreachable");
  }

  absl::Status Walk(const YAML::Node& root, Profile& profile) const {
    if (root.Type() == YAML::NodeType::Null) return absl::OkStatus();  // comments only
    if (root.Type() != YAML::NodeType::Map) {
      return Error(root, "", absl::StrCat("expected a mapping of keys, got ", Describe(root)));
    }
    for (const auto& entry : root) {
      const YAML::Node key_node = entry.first;
      const std::string key = key_node.Scalar();
      const YAML::Node value = entry.second;
      if (const Field* field = FindField("", key)) {
        if (absl::Status s = Assign(*field, value, key, profile); !s.ok()) return s;
        continue;
      }
      if (!IsSection(key)) return Error(key_node, key, "unknown key");
      if (value.Type() != YAML::NodeType::Map) {
        return Error(value, key, absl::StrCat("expected a mapping, got ", Describe(value)));
      }
      for (const auto& sub_entry : value) {
        const YAML::Node sub_key_node = sub_entry.first;
        const YAML::Node sub_value = sub_entry.second;
        const std::string sub_key = sub_key_node.Scalar();
        const std::string path = absl::StrCat(key, ".", sub_key);
        const Field* field = FindField(key, sub_key);
        if (field == nullptr) return Error(sub_key_node, path, "unknown key");
        if (absl::Status s = Assign(*field, sub_value, path, profile); !s.ok()) return s;
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckWhole(const YAML::Node& root, const Profile& profile) const {
    if (profile.expected_speedup.min > profile.expected_speedup.max) {
      const YAML::Node at = root["expected_speedup"];
      return Error(at ? at : root, "expected_speedup",
                   absl::StrFormat("min %g exceeds max %g", profile.expected_speedup.min,
                                   profile.expected_speedup.max));
    }
    const std::string stem = fs::path(file_).stem().string();
    if (root.IsMap() && root["name"] && profile.name != stem) {
      return Error(root["name"], "name",
                   absl::StrCat("expected \"", stem, "\" (the file's name), got \"",
                                profile.name, "\""));
    }
    return absl::OkStatus();
  }

 private:
  std::string file_;
};

std::string Gb(uint64_t bytes) {
  return absl::StrFormat("%.1f GB", static_cast<double>(bytes) / (1ull << 30));
}

}  // namespace

bool operator==(const Profile& a, const Profile& b) {
  return a.name == b.name && a.description == b.description &&
         a.cache.l1_mb == b.cache.l1_mb && a.cache.l2_mb == b.cache.l2_mb &&
         a.cache.l3_mb == b.cache.l3_mb && a.cache.ttl_hours == b.cache.ttl_hours &&
         a.cache.policy == b.cache.policy && a.executor.workers == b.executor.workers &&
         a.executor.thread_pool == b.executor.thread_pool &&
         a.executor.process_pool == b.executor.process_pool &&
         a.executor.work_stealing == b.executor.work_stealing &&
         a.expected_speedup.min == b.expected_speedup.min &&
         a.expected_speedup.max == b.expected_speedup.max &&
         a.tuning.enabled == b.tuning.enabled && a.tuning.period_ms == b.tuning.period_ms &&
         a.tuning.target == b.tuning.target &&
         a.tuning.target_hit_rate == b.tuning.target_hit_rate;
}

absl::StatusOr<Profile> ParseProfile(absl::string_view yaml, const std::string& file) {
  Parser parser(file);
  Profile profile;
  profile.name = fs::path(file).stem().string();
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (absl::Status s = parser.Walk(root, profile); !s.ok()) return s;
    if (absl::Status s = parser.CheckWhole(root, profile); !s.ok()) return s;
  } catch (const YAML::Exception& e) {
    const std::string where =
        e.mark.line >= 0 ? absl::StrCat(file, ":", e.mark.line + 1) : file;
    return absl::InvalidArgumentError(absl::StrCat(where, ": not valid YAML: ", e.msg));
  }
  return profile;
}

absl::StatusOr<Profile> LoadProfileFile(const std::string& path) {
  absl::StatusOr<std::string> text = tuning_internal::ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseProfile(*text, path);
}

absl::StatusOr<std::map<std::string, Profile>> LoadProfileDir(const std::string& dir) {
  std::error_code error;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  if (error) return absl::NotFoundError(absl::StrCat(dir, ": ", error.message()));
  std::sort(files.begin(), files.end());
  std::map<std::string, Profile> profiles;
  for (const fs::path& file : files) {
    absl::StatusOr<Profile> profile = LoadProfileFile(file.string());
    if (!profile.ok()) return profile.status();
    profiles.emplace(profile->name, *std::move(profile));
  }
  return profiles;
}

ProfileChoice SelectProfile(const SystemProfile& system, uint64_t file_count) {
  constexpr uint64_t kGb = 1ull << 30;
  const uint64_t memory = system.memory_total_bytes;
  const double cpus = system.effective_cpus;
  const std::string machine = absl::StrFormat("%s of memory, %.4g CPUs", Gb(memory), cpus);
  if (memory < 4 * kGb) {
    return {"memory_constrained", absl::StrCat(machine, ": memory below 4 GB")};
  }
  if (cpus < 4) {
    return {"cpu_constrained", absl::StrCat(machine, ": fewer than 4 CPUs")};
  }
  if (cpus >= 16 && memory >= 32 * kGb) {
    return {"high_performance", absl::StrCat(machine, ": at least 16 CPUs and 32 GB")};
  }
  const std::string hardware =
      absl::StrCat(machine, ": no hardware rule applies; ", file_count, " files");
  if (file_count < 1000) return {"small_project", absl::StrCat(hardware, " (< 1000)")};
  if (file_count <= 10000) {
    return {"medium_project", absl::StrCat(hardware, " (1000 to 10000)")};
  }
  return {"large_project", absl::StrCat(hardware, " (> 10000)")};
}

}  // namespace adaptrt::tuning
