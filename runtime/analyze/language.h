// language.h: which programming language a file is written in, decided the way
// cloc 1.96 decides it, and which of cloc's comment filters apply to it.
//
// The tables (extensions, file names, interpreters, not-code lists and the
// per-language filter lists) are generated from cloc itself by
// gen_language_table.pl into language_table.inc, so that names and mappings
// are cloc's own: "C/C++ Header", "C++", "Bourne Shell", "Starlark", "Bazel"...
//
// Thread-safety: thread-safe; every function is pure over immutable tables.
// Complexity:    DetectLanguage is O(log #extensions) for files named by
//                extension; files that need a look at their content (an
//                unmapped or missing extension, a shared extension such as
//                .inc or .pl) add one pass over the bytes examined.
// Ownership:     returned LanguageSpec pointers and string_views point into
//                static tables and live for the whole program.
// Errors:        none; a file that is not source code yields a null language
//                and the reason, as cloc lists it among its ignored files.

#ifndef ADAPTRT_RUNTIME_ANALYZE_LANGUAGE_H_
#define ADAPTRT_RUNTIME_ANALYZE_LANGUAGE_H_

#include <cstdint>
#include <string_view>

namespace adaptrt::analyze {

// The primitive operations cloc's comment filters are translated into. Each
// one reproduces one Perl sub of cloc (named in brackets) exactly, including
// its quirks; line_counter.cc documents the semantics.
enum class FilterOp : std::uint8_t {
  kDropMatching,      // [remove_matches]: drop lines matching `first`.
  kRemoveBelow,       // [remove_below]: drop from the first line matching.
  kRemoveBelowAbove,  // [remove_below_above]: drop `first` .. `second` blocks.
  kCxxComments,       // [call_regexp_common C++]: // and /* */ comments.
  kCComments,         // [call_regexp_common C]: /* */ comments.
  kDocstringToC,      // [docstring_to_C]: Python """/''' become /* */.
  kPowershellToC,     // [powershell_to_C]: <# and #> become /* and */.
  kRemoveBetween,     // [remove_between_general]: `start` .. `end` comments.
  kRemoveBetweenBraceNotDollar,  // [remove_between_regex '\{[^$]', '}']
  kRemoveBetweenLinkComment,  // [remove_between_regex '\[(comment|//)?\]...']
  kRemoveHtmlComments,        // [remove_html_comments]
  kRestructuredTextComments,  // [remove_between_regex '^\.\.', '^[^ \n\t\r\f\.]']
  kReplaceTrailingBackslash,     // [replace_regex '\\$', ' '] (Java)
  kReplaceQuotedMarker,  // [replace_between_regex (["'])(.*?MARK)\g1] (Java)
  kSplitQuotedCommentStart,  // [replace_between_regex ... "$1$2$1 + $1$3$1$4"]
};

// Where a line pattern may match: anywhere, at column 0, or after leading
// white space (cloc's `^\s*`).
enum class Anchor : std::uint8_t { kAnywhere, kLineStart, kAfterSpace };

// A line pattern from cloc's regex subset: an anchor and up to three literal
// alternatives (`^__(END|DATA)__` has two).
struct LineMatcher {
  Anchor anchor;
  bool ignore_case;  // remove_matches matches with m//i, the others do not.
  bool space_after;  // the literal must be followed by white space (`\s`)
  std::uint8_t count;
  std::string_view alternatives[3];

  // True when `line` (which may end with '\n') matches. `newline_follows`:
  // `line` is a line's text without its '\n' (which `\s` can match).
  bool Matches(std::string_view line, bool newline_follows = false) const;
};

struct FilterSpec {
  FilterOp op;
  LineMatcher first;
  LineMatcher second;
  std::string_view start;  // kRemoveBetween start; kReplaceQuotedMarker marker
  std::string_view end;    // kRemoveBetween end
};

// How a file extension shared by several languages is resolved from the
// content (cloc's *_or_* subs). kNone: the extension names one language.
enum class Resolver : std::uint8_t {
  kNone,
  kPhpOrPascal,
  kPerlOrProlog,
  kRakuOrProlog,
  kTypeScriptOrQtLinguist,
  kDOrDtrace,
  kAntOrXml,
  kMavenOrXml,
  kIdlOrQtProject,
  kBrainfuck,  // Brainfuck only when really_is_bf, else not code
};

struct LanguageSpec {
  std::string_view name;      // cloc's name, e.g. "C/C++ Header"
  const FilterSpec* filters;  // cloc's filters that do something by default
  std::uint8_t filter_count;
  bool eol_continuation;  // a blank line after a line ending in '\' is code
  bool script;            // a leading #! line counts as code
  bool exact;  // every cloc filter of the language is reproduced exactly
  bool pseudo;            // a placeholder for a shared extension, not countable
  Resolver resolver;
};

// Why a file gets no language; cloc lists such files as ignored.
enum class SkipReason : std::uint8_t {
  kNone,
  kNotCodeFileName,   // README, ChangeLog... ($Not_Code_Filename)
  kNotCodeExtension,  // .png, .o, .in... ($Not_Code_Extension)
  kEditorBackup,      // name ends with '~'
  kUnknown,           // no extension, name or #! interpreter cloc knows
};

struct Detection {
  const LanguageSpec* language = nullptr;  // null when skipped
  SkipReason reason = SkipReason::kUnknown;
};

// cloc's classify_file: decides the language from the file's base name, and
// where needed from `content` (the whole file, or at least its first line for
// #! detection; shared extensions read all of it, as cloc does).
Detection DetectLanguage(std::string_view path, std::string_view content);

// The language cloc calls `name`, or null. Pseudo entries are not returned.
const LanguageSpec* FindLanguage(std::string_view name);

// Perl's -B file test, which cloc uses to skip binary files: looks at the
// first 512 bytes (`prefix` may be longer; the rest is ignored). Binary when
// there is a NUL byte, or when the block is not UTF-8 with non-ASCII
// characters and more than a third of the bytes are neither printable ASCII
// nor white space (VT excluded), backspace or escape. An empty block is
// binary, as in Perl (cloc never asks: it skips empty files first).
bool LooksBinary(std::string_view prefix);

// The number of bytes LooksBinary examines.
inline constexpr std::size_t kBinaryProbeBytes = 512;

// The cloc version the tables were generated from ("1.96").
std::string_view ClocVersion();

// The number of countable languages in the tables.
int LanguageCount();

}  // namespace adaptrt::analyze

#endif  // ADAPTRT_RUNTIME_ANALYZE_LANGUAGE_H_
