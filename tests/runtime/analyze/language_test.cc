// Tests of cloc-compatible language detection and binary detection. The
// expected languages were produced by cloc 1.96 on files with these names
// and contents; the binary verdicts by perl -e 'print -B $ARGV[0]'.

#include "runtime/analyze/language.h"

#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace adaptrt::analyze {
namespace {

using namespace std::string_view_literals;

struct Case {
  std::string_view name;
  std::string_view content;
  std::string_view language;  // "" when cloc does not count the file
};

constexpr Case kCases[] = {
    {"Makefile", "all:\n", "make"},
    {"makefile", "all:\n", "make"},
    {"GNUmakefile", "all:\n", "make"},
    {"CMakeLists.txt", "project(x)\n", "CMake"},
    {"foo.cmake", "set(x 1)\n", "CMake"},
    {"a.cmake.in", "set(x)\n", "CMake"},
    {"BUILD", "x()\n", "Bazel"},
    {"BUILD.bazel", "x()\n", "Starlark"},
    {"WORKSPACE", "x()\n", "Bazel"},
    {"defs.bzl", "x = 1\n", "Starlark"},
    {"Dockerfile", "FROM x\n", "Dockerfile"},
    {"Dockerfile.dev", "FROM x\n", "Dockerfile"},
    {"a.h", "int x;\n", "C/C++ Header"},
    {"a.hpp", "int x;\n", "C/C++ Header"},
    {"a.cc", "int x;\n", "C++"},
    {"a.cpp", "int x;\n", "C++"},
    {"a.cxx", "int x;\n", "C++"},
    {"a.tcc", "int x;\n", "C++"},
    {"a.c", "int x;\n", "C"},
    {"a.py", "x = 1\n", "Python"},
    {"a.sh", "echo\n", "Bourne Shell"},
    {"a.bash", "echo\n", "Bourne Again Shell"},
    {"A.java", "class A {}\n", "Java"},
    {"a.go", "package a\n", "Go"},
    {"a.rs", "fn f() {}\n", "Rust"},
    {"a.js", "let x;\n", "JavaScript"},
    {"a.ts", "let x = 1;\n", "TypeScript"},
    {"a.yaml", "a: 1\n", "YAML"},
    {"a.yml", "a: 1\n", "YAML"},
    {"a.json", "{}\n", "JSON"},
    {"a.md", "# x\n", "Markdown"},
    {"a.txt", "hello\n", "Text"},
    {"x.tar.gz.txt", "text\n", "Text"},
    {"a.bat", "echo\n", "DOS Batch"},
    {"a.pl", "my $x = 1;\nprint $x;\n", "Perl"},
    {"pyscript", "#!/usr/bin/env python3\nx = 1\n", "Python"},
    {"shscript", "#!/bin/sh\necho\n", "Bourne Shell"},
    {"a.unknownext", "#!/bin/bash\necho\n", "Bourne Again Shell"},
    // cloc's interpreter table has python3.8 but not python3.11.
    {"py311", "#!/usr/bin/python3.11\nx = 1\n", ""},
    // env with an option: cloc takes "-S" as the interpreter.
    {"envS", "#!/usr/bin/env -S python3\nx=1\n", ""},
    {"README", "text\n", ""},
    {"a.png", "text\n", ""},
    {"foo.c~", "int x;\n", ""},
    {"config.h.in", "#undef X\n", ""},
    // .inc is PHP, Pascal (the word "function" is enough) or nothing.
    {"pas.inc", "function f: integer;\n", "Pascal"},
    {"plain.inc", "int x;\n", ""},
    {"php.inc", "<?php echo 1; ?>\n", "PHP"},
    {"noext", "words\n", ""},
    {"xmlfile", "<?xml version=\"1.0\"?>\n<a/>\n", "XML"},
};

TEST(DetectLanguageTest, MatchesCloc) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    Detection d = DetectLanguage(std::string("/some/dir/") + std::string(c.name),
                                 c.content);
    if (c.language.empty()) {
      EXPECT_EQ(d.language, nullptr) << d.language->name;
      EXPECT_NE(d.reason, SkipReason::kNone);
    } else {
      ASSERT_NE(d.language, nullptr);
      EXPECT_EQ(d.language->name, c.language);
      EXPECT_EQ(d.reason, SkipReason::kNone);
    }
  }
}

TEST(DetectLanguageTest, SkipReasons) {
  EXPECT_EQ(DetectLanguage("README", "x\n").reason, SkipReason::kNotCodeFileName);
  EXPECT_EQ(DetectLanguage("a.png", "x\n").reason, SkipReason::kNotCodeExtension);
  EXPECT_EQ(DetectLanguage("a.c~", "x\n").reason, SkipReason::kEditorBackup);
  EXPECT_EQ(DetectLanguage("noext", "x\n").reason, SkipReason::kUnknown);
}

TEST(DetectLanguageTest, TablesComeFromCloc196) {
  EXPECT_EQ(ClocVersion(), "1.96");
  EXPECT_GT(LanguageCount(), 250);
  for (std::string_view name :
       {"C", "C++", "C/C++ Header", "Python", "Bourne Shell", "Bourne Again Shell",
        "Java", "Go", "Rust", "JavaScript", "TypeScript", "YAML", "JSON", "Markdown",
        "make", "CMake", "Starlark", "Bazel"}) {
    const LanguageSpec* spec = FindLanguage(name);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_TRUE(spec->exact) << name;
  }
  EXPECT_EQ(FindLanguage("PHP/Pascal"), nullptr);  // a shared extension
  EXPECT_EQ(FindLanguage("no such language"), nullptr);
}

TEST(LooksBinaryTest, MatchesPerlsDashB) {
  struct Bin {
    std::string_view content;
    bool binary;
  };
  const std::string long_then_nul = std::string(600, 'a') + std::string(1, '\0');
  const Bin cases[] = {
      {"plain text\n"sv, false},
      {"text\0more\n"sv, true},
      {"caf\xC3\xA9 \xE2\x80\x94 na\xC3\xAFve\n"sv, false},  // UTF-8
      {"caf\xE9 is a word in a long enough line of text\n"sv, false},
      {"\xE9\xE8\xEA\xEB abc\n"sv, true},  // Latin-1, more than a third odd
      {"\x01\x02\x03" "abcdef"sv, false},  // exactly a third
      {"\x01\x02\x03\x04" "abcdef"sv, true},
      {"\x1B[1mbold\x1B[0m\x08\x08\n"sv, false},  // escapes and backspaces
      {"\x0B\x0B\x0B" "ab"sv, true},              // VT is odd
      {"abc\xE2\x82"sv, false},  // UTF-8 cut at the end of the block
      {"\xC0\xAF\xC0\xAF\xC0\xAF" "ab"sv, true},  // overlong: not UTF-8
      {long_then_nul, false},  // the NUL is past the 512 bytes examined
  };
  for (const Bin& b : cases) {
    EXPECT_EQ(LooksBinary(b.content), b.binary) << testing::PrintToString(b.content);
  }
}

TEST(LineMatcherTest, AnchorsAndCase) {
  LineMatcher after_space{Anchor::kAfterSpace, true, false, 1, {"#", "", ""}};
  EXPECT_TRUE(after_space.Matches("  # c\n"));
  EXPECT_FALSE(after_space.Matches("x # c\n"));
  LineMatcher start{Anchor::kLineStart, false, false, 2, {"__END__", "__DATA__", ""}};
  EXPECT_TRUE(start.Matches("__DATA__\n"));
  EXPECT_FALSE(start.Matches(" __END__\n"));
  LineMatcher anywhere{Anchor::kAnywhere, true, false, 1, {"rem", "", ""}};
  EXPECT_TRUE(anywhere.Matches("  REM x\n"));
}

}  // namespace
}  // namespace adaptrt::analyze
