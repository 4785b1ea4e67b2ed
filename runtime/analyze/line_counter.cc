// line_counter.cc: cloc 1.96's call_counter, transcribed filter by filter.
//
// Design. A file becomes a list of lines (Lines: bytes back to back plus end
// offsets, reused across files, so steady state allocates nothing). Each of
// the language's filters reads the current list and writes the next one
// through a Gate, which is cloc's blank-line removal that follows every
// filter. The count is then:
//   total   = lines of the file (cloc's <$IN> lines)
//   blank   = lines removed by the first blank-line removal
//   code    = lines left after the last filter (+1 for a #! line, below)
//   comment = total - blank - code
//
// Invariants and cloc rules reproduced (each was checked against cloc 1.96
// with fixtures; see tests/runtime/analyze/line_counter_test.cc):
// - Lines end at '\n' only; a last line without '\n' gets one unless it is
//   exactly "0" (Perl's false string). A byte-order mark (cloc's list) is
//   dropped from the first line, then one '\r' before each line end.
// - Blank is /^\s*$/ over [ \t\n\v\f\r]. For languages with an
//   end-of-line continuation (C, C++, Python, shells...) a blank line stays
//   (as code) when the previous line of the same list ends with '\'.
// - kCxxComments is Regexp::Common's C++ comment regex applied globally to
//   the joined text: `//` to the next '\n' (inclusive) or `/*` to the first
//   `*/`; no string awareness; an unterminated `/*` matches nothing. Lines
//   are joined with an extra '\n' unless they end with '\' (so a `//`
//   comment eats the extra one), then the text is split on '\n', dropping
//   trailing empty fields. A comment spanning lines merges the code around
//   it into one line, which is why cloc can count fewer code lines than
//   lines that hold code.
// - kCComments: the same with `/* */` only and lines joined as they are.
// - kDocstringToC: on each line, the leftmost """ or ''' becomes `/*`
//   (with a u/U prefix) or `*/`, alternately across the file.
// - kRemoveBetween, kRemoveBetweenBraceNotDollar, kRemoveBetweenLinkComment,
//   kRemoveHtmlComments: remove_between_general, remove_between_regex (for
//   the two regexes cloc uses: Pascal's braces and Markdown's link-comments)
//   and remove_html_comments step by step, including the dropping of a line
//   whose text before the opening marker is blank.
// - kReplaceQuotedMarker: Java's replace_between_regex, including its side
//   effect: its multi-line check reuses \g1, which then names the line's
//   prefix, not the quote (see ReplaceQuotedMarker).
// - Scripts: when the first non-blank line starts with "#!" and the filters
//   removed or changed it, it is counted as code again.
// No shared state: a LineCounter is used by one thread at a time.

#include "runtime/analyze/line_counter.h"

#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace adaptrt::analyze {
namespace {

using namespace std::string_view_literals;
using Lines = LineCounter::Lines;
constexpr std::size_t npos = std::string_view::npos;

bool IsSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

bool IsBlank(std::string_view s) {
  for (unsigned char c : s) {
    if (!IsSpace(c)) return false;
  }
  return true;
}

// A line split into its text and whether it ends with '\n'.
struct Line {
  std::string_view body;
  bool nl;
};

Line Split(std::string_view line) {
  if (!line.empty() && line.back() == '\n') {
    return {line.substr(0, line.size() - 1), true};
  }
  return {line, false};
}

// /\\$/ on a line: its text ends with a backslash.
bool EndsWithBackslash(std::string_view body) {
  return !body.empty() && body.back() == '\\';
}

void AddLine(Lines* out, std::string_view body, bool nl) {
  out->bytes.append(body);
  if (nl) out->bytes.push_back('\n');
  out->ends.push_back(out->bytes.size());
}

// cloc's blank-line removal: remove_matches('^\s*$') or, with an
// end-of-line continuation, remove_matches_2re('^\s*$', '\\$'), where the
// "previous line" is the previous line of the input, removed or not.
class Gate {
 public:
  // Keeps lines into `out`, or, when `out` is null (the last filter: only
  // the number matters), counts them and copies the first one into
  // `first` when that is not null.
  Gate(Lines* out, bool continuation, std::string* first = nullptr)
      : out_(out), first_(first), continuation_(continuation) {}

  void Push(std::string_view body, bool nl) {
    bool keep = !IsBlank(body) || (continuation_ && previous_continues_);
    previous_continues_ = EndsWithBackslash(body);
    if (!keep) return;
    if (out_ != nullptr) {
      AddLine(out_, body, nl);
    } else if (kept_++ == 0 && first_ != nullptr) {
      first_->assign(body);
    }
  }
  void Push(Line line) { Push(line.body, line.nl); }

  // Lines kept when counting.
  std::int64_t kept() const { return kept_; }

 private:
  Lines* out_;
  std::string* first_;
  bool continuation_;
  bool previous_continues_ = false;
  std::int64_t kept_ = 0;
};

// A line-local filter (decides each line alone, with a little state) run
// fused with the read, followed by its blank-line removal.
struct FusedStage {
  const FilterSpec* filter = nullptr;
  bool between = false;  // kRemoveBelowAbove: inside a block
  bool stopped = false;  // kRemoveBelow: the marker was seen
  bool previous_continues = false;

  static bool Fusable(FilterOp op) {
    return op == FilterOp::kDropMatching || op == FilterOp::kRemoveBelow ||
           op == FilterOp::kRemoveBelowAbove;
  }

  // The filter, then the blank-line removal after it; true to keep.
  bool Keep(std::string_view body, bool nl, bool continuation) {
    switch (filter->op) {
      case FilterOp::kDropMatching:
        if (filter->first.Matches(body, nl)) return false;
        break;
      case FilterOp::kRemoveBelow:
        if (stopped || filter->first.Matches(body, nl)) {
          stopped = true;
          return false;
        }
        break;
      case FilterOp::kRemoveBelowAbove:
        if (!between && filter->first.Matches(body, nl)) {
          between = true;
          return false;
        }
        if (between) {
          if (filter->second.Matches(body, nl)) between = false;
          return false;
        }
        break;
      default:
        break;
    }
    bool keep = !IsBlank(body) || (continuation && previous_continues);
    previous_continues = EndsWithBackslash(body);
    return keep;
  }
};

// cloc's read_file byte-order marks, as its sprintf("%x") keys can match
// (keys with a leading zero byte never match and are left out).
std::size_t ByteOrderMarkLength(std::string_view first_line) {
  auto starts = [&](std::string_view mark) { return first_line.starts_with(mark); };
  if (starts("\xFE\xFF") || starts("\xFF\xFE")) return 2;
  if (starts("\xEF\xBB\xBF") || starts("\xF7\x64\x4C") || starts("\xFB\xEE\x28")) {
    return 3;
  }
  if (starts("\x2B\x2F\x76\x38") || starts("\x2B\x2F\x76\x39") ||
      starts("\x2B\x2F\x76\x2B") || starts("\x2B\x2F\x76\x2F") ||
      starts("\xDD\x73\x66\x73") || starts("\x84\x31\x95\x33")) {
    return 4;
  }
  return 0;
}

// Global removal of C/C++ comment regex matches from `text` into `out`.
void RemoveCComments(std::string_view text, bool line_comments, std::string* out) {
  out->clear();
  const std::size_t n = text.size();
  std::size_t no_close_from = npos;  // no "*/" at or after this position
  std::size_t i = 0;
  while (i < n) {
    const void* hit = std::memchr(text.data() + i, '/', n - i);
    if (hit == nullptr) {
      out->append(text.substr(i));
      break;
    }
    std::size_t j = static_cast<const char*>(hit) - text.data();
    out->append(text.substr(i, j - i));
    if (j + 1 < n && line_comments && text[j + 1] == '/') {
      std::size_t nl = text.find('\n', j + 2);
      if (nl != npos) {
        i = nl + 1;
        continue;
      }
    } else if (j + 1 < n && text[j + 1] == '*') {
      std::size_t close = npos;
      if (no_close_from == npos || j + 2 < no_close_from) {
        close = text.find("*/", j + 2);
        if (close == npos) no_close_from = j + 2;
      }
      if (close != npos) {
        i = close + 2;
        continue;
      }
    }
    out->push_back('/');
    i = j + 1;
  }
}

// Splits `text` on '\n' as Perl's split does (trailing empty fields
// dropped) and pushes each field, without '\n'.
void PushFields(std::string_view text, Gate* gate) {
  std::size_t end = text.size();
  while (end > 0 && text[end - 1] == '\n') --end;
  std::size_t pos = 0;
  while (pos < end) {
    std::size_t nl = text.find('\n', pos);
    if (nl == npos || nl > end) nl = end;
    gate->Push(text.substr(pos, nl - pos), false);
    pos = nl + 1;
  }
}

void JoinAndStrip(const Lines& in, bool cxx, std::string* text,
                  std::string* scratch, Gate* gate) {
  text->clear();
  // At most one '\n' more per line; RemoveCComments writes at most as much.
  text->reserve(in.bytes.size() + (cxx ? in.size() : 0));
  scratch->reserve(text->capacity());
  for (std::size_t i = 0; i < in.size(); ++i) {
    Line line = Split(in[i]);
    text->append(line.body);
    if (line.nl) text->push_back('\n');
    // call_regexp_common('C++') adds "\n" to lines not ending with '\'.
    if (cxx && !EndsWithBackslash(line.body)) text->push_back('\n');
  }
  RemoveCComments(*text, cxx, scratch);
  PushFields(*scratch, gate);
}

void DocstringToC(const Lines& in, std::string* scratch, Gate* gate) {
  bool in_docstring = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    Line line = Split(in[i]);
    std::string_view body = line.body;
    std::size_t dq = body.find("\"\"\"");
    std::size_t sq = body.find("'''");
    if (dq == npos && sq == npos) {
      gate->Push(line);
      continue;
    }
    scratch->clear();
    std::size_t pos = 0;
    while (true) {
      if (dq != npos && dq < pos) dq = body.find("\"\"\"", pos);
      if (sq != npos && sq < pos) sq = body.find("'''", pos);
      std::size_t k = dq < sq ? dq : sq;
      if (k == npos) break;
      std::size_t begin = k;
      if (!in_docstring && k > pos && (body[k - 1] == 'u' || body[k - 1] == 'U')) {
        begin = k - 1;
      }
      scratch->append(body.substr(pos, begin - pos));
      scratch->append(in_docstring ? "*/" : "/*");
      in_docstring = !in_docstring;
      pos = k + 3;
    }
    scratch->append(body.substr(pos));
    gate->Push(*scratch, line.nl);
  }
}

// The opening markers RemoveBetween knows.
enum class StartKind {
  kLiteral,       // remove_between_general / remove_html_comments: a string
  kBraceNotDollar,  // remove_between_regex '\{[^$]': '{' + a byte not '$'
  kLinkComment,   // '\[(comment|\/\/)?\]\s*:?\s*(<\s*>|#)?\s*\(' (Markdown)
};

// Finds the leftmost opening marker at or after `from` in `full` (a line,
// with its '\n' when it has one); returns its position and sets *length.
std::size_t FindStart(StartKind kind, std::string_view start, std::string_view full,
                      std::size_t from, std::size_t* length) {
  switch (kind) {
    case StartKind::kLiteral: {
      std::size_t s = full.find(start, from);
      *length = start.size();
      return s;
    }
    case StartKind::kBraceNotDollar:
      for (std::size_t s = full.find('{', from); s != npos; s = full.find('{', s + 1)) {
        if (s + 1 < full.size() && full[s + 1] != '$') {
          *length = 2;
          return s;
        }
      }
      return npos;
    case StartKind::kLinkComment:
      for (std::size_t s = full.find('[', from); s != npos; s = full.find('[', s + 1)) {
        // (comment|//)? tried in the regex's order, then the rest.
        for (std::string_view group : {"comment"sv, "//"sv, ""sv}) {
          std::size_t p = s + 1;
          if (full.compare(p, group.size(), group) != 0) continue;
          p += group.size();
          if (p >= full.size() || full[p] != ']') continue;
          ++p;
          while (p < full.size() && IsSpace(full[p])) ++p;
          if (p < full.size() && full[p] == ':') ++p;
          while (p < full.size() && IsSpace(full[p])) ++p;
          if (p < full.size() && full[p] == '#') {
            ++p;
          } else if (p < full.size() && full[p] == '<') {
            std::size_t q = p + 1;
            while (q < full.size() && IsSpace(full[q])) ++q;
            if (q < full.size() && full[q] == '>') p = q + 1;
          }
          while (p < full.size() && IsSpace(full[p])) ++p;
          if (p < full.size() && full[p] == '(') {
            *length = p + 1 - s;
            return s;
          }
        }
      }
      return npos;
  }
  return npos;
}

// powershell_to_C: s{<#}{/*}g then s{#>}{*/}g on each line, which is one
// left-to-right pass (the first replacement creates no "#>").
void PowershellToC(const Lines& in, std::string* scratch, Gate* gate) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    Line line = Split(in[i]);
    std::string_view body = line.body;
    scratch->clear();
    for (std::size_t p = 0; p < body.size();) {
      if (body.compare(p, 2, "<#") == 0) {
        scratch->append("/*");
        p += 2;
      } else if (body.compare(p, 2, "#>") == 0) {
        scratch->append("*/");
        p += 2;
      } else {
        scratch->push_back(body[p++]);
      }
    }
    gate->Push(*scratch, line.nl);
  }
}

// remove_between_general(start, end), remove_between_regex(start, end) for
// the two regexes cloc uses, and remove_html_comments (`html`: a line that
// opens or stays in a comment is dropped rather than cut).
void RemoveBetween(const Lines& in, StartKind kind, std::string_view start,
                   std::string_view end, bool html, std::string* scratch,
                   Gate* gate) {
  bool in_comment = false;
  std::size_t length = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    std::string_view full = in[i];
    if (IsBlank(full)) continue;
    Line line = Split(full);
    // s/START.*?END//g ('.' stops at '\n').
    scratch->clear();
    std::size_t pos = 0;
    for (std::size_t s = FindStart(kind, start, full, 0, &length); s != npos;
         s = FindStart(kind, start, full, pos, &length)) {
      std::size_t e = s + length <= line.body.size() ? line.body.find(end, s + length)
                                                     : npos;
      if (e == npos) break;  // no END after this START: none after later ones
      scratch->append(line.body.substr(pos, s - pos));
      pos = e + end.size();
    }
    scratch->append(line.body.substr(pos));
    std::string_view body = *scratch;
    if (IsBlank(body)) continue;
    if (in_comment) {
      std::size_t e = body.find(end);
      if (e != npos) {
        body.remove_prefix(e + end.size());
        in_comment = false;
      }
      if (in_comment && !html) continue;
    }
    if (IsBlank(body)) continue;
    // Reassemble the line with its '\n' to look for the start marker, which
    // may end in white space that takes the '\n'.
    std::size_t body_offset = body.data() - scratch->data();
    std::size_t body_size = body.size();
    if (line.nl) scratch->push_back('\n');
    std::string_view with_nl =
        std::string_view(*scratch).substr(body_offset, body_size + (line.nl ? 1 : 0));
    std::size_t s = FindStart(kind, start, with_nl, 0, &length);
    bool nl = line.nl;
    if (s != npos) {
      in_comment = true;
      if (IsBlank(with_nl.substr(0, s))) continue;
    }
    if (html) {
      if (in_comment) continue;
      gate->Push(with_nl.substr(0, body_size), nl);
      continue;
    }
    if (s != npos) {
      // s/^(.*?)START.*$/$1/: keeps the '\n' unless START swallowed it.
      if (s + length > body_size) nl = false;
      gate->Push(with_nl.substr(0, s), nl);
    } else {
      gate->Push(with_nl.substr(0, body_size), nl);
    }
  }
}

// remove_between_regex('^\.\.', '^[^ \n\t\r\f\.]') (reStructuredText). Without
// /m, '^' only matches at the start of a line, so: a line starting with ".."
// opens a comment and is dropped; while in a comment, lines are dropped
// until one starts with a byte other than [ \n\t\r\f.], which loses that
// byte (s/^.*?END//), closes the comment and is kept unless now blank (or
// starting with ".." again).
void RestructuredTextComments(const Lines& in, Gate* gate) {
  bool in_comment = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    Line line = Split(in[i]);
    std::string_view body = line.body;
    if (IsBlank(body)) continue;
    if (in_comment) {
      // [^ \n\t\r\f.]: the '\n' cannot start a non-blank line's text.
      char c = body[0];
      if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '.') {
        body.remove_prefix(1);
        in_comment = false;
      }
      if (in_comment) continue;
    }
    if (IsBlank(body)) continue;
    if (body.starts_with("..")) {
      in_comment = true;
      continue;
    }
    gate->Push(body, line.nl);
  }
}

// Groovy's and Gradle's replace_between_regex('(["\'])(.*?/)(\*.*?)\g1',
// '(.*?)', '"$1$2$1 + $1$3$1$4"', 0): a quote q, the shortest text up to a
// "/" followed by "*" (which may run over other quotes), then up to the
// next q, becomes two concatenated strings split between the "/" and the
// "*": q..../q + q*...q. Without the multi-line mode nothing else happens.
void SplitQuotedCommentStart(const Lines& in, std::string* scratch, Gate* gate) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    Line line = Split(in[i]);
    std::string_view body = line.body;
    if (IsBlank(body)) continue;
    scratch->clear();
    std::size_t p = 0;
    while (p < body.size()) {
      char q = body[p];
      if (q == '"' || q == '\'') {
        std::size_t j = body.find("/*", p + 1);
        std::size_t k = j == npos ? npos : body.find(q, j + 2);
        if (k != npos) {
          scratch->push_back(q);
          scratch->append(body.substr(p + 1, j + 1 - (p + 1)));
          scratch->push_back(q);
          scratch->append(" + ");
          scratch->push_back(q);
          scratch->append(body.substr(j + 1, k - (j + 1)));
          scratch->push_back(q);
          p = k + 1;
          continue;
        }
      }
      scratch->push_back(body[p]);
      ++p;
    }
    if (IsBlank(*scratch)) continue;
    gate->Push(*scratch, line.nl);
  }
}

// Java's replace_between_regex('(["\'])(.*?MARK)\g1', '(.*?)', '"xx"'):
// 1. s/(["'])(.*?MARK)\g1.*?(.*?)/xx/g: a quote, the shortest text up to
//    MARK followed by the same quote, becomes "xx".
// 2. The multi-line check /^(.*?)(["'])(.*?MARK)\g1/ embeds the start regex
//    after a new group, so \g1 there is the line's prefix: a line P q X MARK
//    P... "opens" a region; the line is dropped when P is blank, else cut to
//    P. The next line gets "xx" prepended, and is dropped unless it opens a
//    region again with a non-blank prefix ($1 is then the empty capture of
//    the '(.*?)' end regex).
class QuotedMarker {
 public:
  explicit QuotedMarker(std::string_view mark) : mark_(mark) {}

  void Run(const Lines& in, std::string* scratch, std::string* scratch2,
           Gate* gate) {
    bool in_comment = false;
    for (std::size_t i = 0; i < in.size(); ++i) {
      Line line = Split(in[i]);
      if (IsBlank(line.body)) continue;
      bool replaced = Replace(line.body, scratch);
      if (IsBlank(*scratch)) continue;
      // What $1 holds: undefined, the quote of step 1, or "".
      enum { kUndefined, kNonBlank, kEmpty } dollar1 =
          replaced ? kNonBlank : kUndefined;
      std::string_view body = *scratch;
      if (in_comment) {
        scratch2->assign("xx");
        scratch2->append(body);
        body = *scratch2;
        in_comment = false;
        dollar1 = kEmpty;
      }
      std::size_t prefix = OpensRegion(body);
      if (prefix != npos) {
        in_comment = true;
        dollar1 = IsBlank(body.substr(0, prefix)) ? kEmpty : kNonBlank;
      }
      if (dollar1 == kEmpty) continue;
      if (in_comment) body = body.substr(0, prefix);
      gate->Push(body, line.nl);
    }
  }

 private:
  static bool IsQuote(char c) { return c == '"' || c == '\''; }

  // Step 1 into *out; true when something was replaced.
  bool Replace(std::string_view body, std::string* out) {
    out->clear();
    bool replaced = false;
    std::size_t none_after[2] = {npos, npos};  // per quote: no MARK+q from here
    std::size_t i = 0;
    while (i < body.size()) {
      char c = body[i];
      if (IsQuote(c)) {
        int q = c == '"' ? 0 : 1;
        std::size_t found = npos;
        if (none_after[q] == npos || i + 1 < none_after[q]) {
          for (std::size_t m = body.find(mark_, i + 1); m != npos;
               m = body.find(mark_, m + 1)) {
            if (m + mark_.size() < body.size() && body[m + mark_.size()] == c) {
              found = m;
              break;
            }
          }
          if (found == npos) none_after[q] = i + 1;
        }
        if (found != npos) {
          out->append("xx");
          replaced = true;
          i = found + mark_.size() + 1;
          continue;
        }
      }
      out->push_back(c);
      ++i;
    }
    return replaced;
  }

  // Step 2: the length of the shortest prefix P such that the line is
  // P q X MARK P ..., or npos.
  std::size_t OpensRegion(std::string_view body) const {
    for (std::size_t p = 0; p < body.size(); ++p) {
      if (!IsQuote(body[p])) continue;
      std::string_view prefix = body.substr(0, p);
      for (std::size_t m = body.find(mark_, p + 1); m != npos;
           m = body.find(mark_, m + 1)) {
        if (body.substr(m + mark_.size()).starts_with(prefix)) return p;
      }
    }
    return npos;
  }

  std::string_view mark_;
};

}  // namespace

LineCounts LineCounter::Count(const LanguageSpec& language,
                              std::string_view content) {
  LineCounts counts;
  if (content.empty()) return counts;
  const bool continuation = language.eol_continuation;
  const int filter_count = language.filter_count;

  // Leading line-local filters run fused with the read: no copy per filter.
  constexpr int kMaxFused = 8;
  FusedStage fused[kMaxFused];
  int fused_count = 0;
  while (fused_count < filter_count && fused_count < kMaxFused &&
         FusedStage::Fusable(language.filters[fused_count].op)) {
    fused[fused_count].filter = &language.filters[fused_count];
    ++fused_count;
  }
  const bool store = fused_count < filter_count;  // more filters to run
  std::string* const first_survivor = language.script ? &final_first_ : nullptr;

  // read_file + rm_blanks (+ the fused filters).
  a_.Clear();
  // The kept lines are at most the content: sized once, not grown by
  // doubling, whose copies would touch up to twice the bytes in fresh
  // pages (~12 us a page on the 2-core VM, docs/analyze.md). The
  // capacity stays for the next file.
  if (store) a_.bytes.reserve(content.size() + 1);
  std::int64_t total = 0;
  std::int64_t kept = 0;       // by the first blank-line removal
  std::int64_t survivors = 0;  // after the fused filters
  bool previous_continues = false;
  std::size_t pos = 0;
  while (pos < content.size()) {
    std::size_t nl = content.find('\n', pos);
    std::string_view body;
    bool has_nl;
    if (nl == npos) {
      body = content.substr(pos);
      has_nl = body != "0";  // `.= "\n" if $lines[-1]`: "0" is false
      pos = content.size();
    } else {
      body = content.substr(pos, nl - pos);
      has_nl = true;
      pos = nl + 1;
    }
    // No mark contains '\n', so the line's text alone decides.
    if (total == 0) body.remove_prefix(ByteOrderMarkLength(body));
    // s/\cM$//: one '\r' at the end of the text.
    if (!body.empty() && body.back() == '\r') body.remove_suffix(1);
    ++total;
    bool keep = !IsBlank(body) || (continuation && previous_continues);
    previous_continues = EndsWithBackslash(body);
    if (!keep) continue;
    if (kept++ == 0 && language.script) first_line_.assign(body);
    bool alive = true;
    for (int f = 0; f < fused_count && alive; ++f) {
      alive = fused[f].Keep(body, has_nl, continuation);
    }
    if (!alive) continue;
    if (store) {
      AddLine(&a_, body, has_nl);
    } else if (survivors == 0 && first_survivor != nullptr) {
      first_survivor->assign(body);
    }
    ++survivors;
  }
  counts.blank = total - kept;
  if (kept == 0) return counts;

  Lines* in = &a_;
  Lines* out = &b_;
  for (int f = fused_count; f < filter_count; ++f) {
    const FilterSpec& filter = language.filters[f];
    const bool last = f + 1 == filter_count;
    out->Clear();
    Gate gate(last ? nullptr : out, continuation, first_survivor);
    switch (filter.op) {
      case FilterOp::kDropMatching:
        for (std::size_t i = 0; i < in->size(); ++i) {
          if (!filter.first.Matches((*in)[i])) gate.Push(Split((*in)[i]));
        }
        break;
      case FilterOp::kRemoveBelow:
        for (std::size_t i = 0; i < in->size(); ++i) {
          if (filter.first.Matches((*in)[i])) break;
          gate.Push(Split((*in)[i]));
        }
        break;
      case FilterOp::kRemoveBelowAbove: {
        bool between = false;
        for (std::size_t i = 0; i < in->size(); ++i) {
          std::string_view line = (*in)[i];
          if (!between && filter.first.Matches(line)) {
            between = true;
            continue;
          }
          if (between && filter.second.Matches(line)) {
            between = false;
            continue;
          }
          if (!between) gate.Push(Split(line));
        }
        break;
      }
      case FilterOp::kCxxComments:
      case FilterOp::kCComments:
        JoinAndStrip(*in, filter.op == FilterOp::kCxxComments, &text_, &scratch_,
                     &gate);
        break;
      case FilterOp::kDocstringToC:
        DocstringToC(*in, &scratch_, &gate);
        break;
      case FilterOp::kPowershellToC:
        PowershellToC(*in, &scratch_, &gate);
        break;
      case FilterOp::kRemoveBetween:
        RemoveBetween(*in, StartKind::kLiteral, filter.start, filter.end, false,
                      &scratch_, &gate);
        break;
      case FilterOp::kRemoveBetweenBraceNotDollar:
        RemoveBetween(*in, StartKind::kBraceNotDollar, "", "}", false, &scratch_,
                      &gate);
        break;
      case FilterOp::kRemoveBetweenLinkComment:
        RemoveBetween(*in, StartKind::kLinkComment, "", ")", false, &scratch_, &gate);
        break;
      case FilterOp::kRemoveHtmlComments:
        RemoveBetween(*in, StartKind::kLiteral, "<!--", "-->", true, &scratch_,
                      &gate);
        break;
      case FilterOp::kRestructuredTextComments:
        RestructuredTextComments(*in, &gate);
        break;
      case FilterOp::kReplaceTrailingBackslash:
        // replace_regex('\\$', ' '): blank lines dropped before and after.
        for (std::size_t i = 0; i < in->size(); ++i) {
          Line line = Split((*in)[i]);
          if (IsBlank(line.body)) continue;
          if (EndsWithBackslash(line.body)) {
            scratch_.assign(line.body);
            scratch_.back() = ' ';
            if (IsBlank(scratch_)) continue;
            gate.Push(scratch_, line.nl);
          } else {
            gate.Push(line);
          }
        }
        break;
      case FilterOp::kSplitQuotedCommentStart:
        SplitQuotedCommentStart(*in, &scratch_, &gate);
        break;
      case FilterOp::kReplaceQuotedMarker:
        QuotedMarker(filter.start).Run(*in, &scratch_, &text_, &gate);
        break;
    }
    if (last) survivors = gate.kept();
    std::swap(in, out);
  }
  counts.code = survivors;
  // Scripts: a removed or altered leading #! line is code.
  if (language.script && first_line_.starts_with("#!") &&
      (survivors == 0 || final_first_ != first_line_)) {
    ++counts.code;
  }
  counts.comment = total - counts.blank - counts.code;
  return counts;
}

}  // namespace adaptrt::analyze
