"""adaptrt_fuzz_target: a libFuzzer target and its corpus regression test."""

def adaptrt_fuzz_target(name, srcs, deps, corpus, local_defines = []):
    """Declares a fuzz target `name` and the test `name + "_corpus_test"`.

    `name` is a cc_binary tagged "manual" (so `bazel build //...` skips it)
    and "fuzz_target" (tools/fuzz.sh finds the targets by that tag). Under
    --config=fuzz (which sets --define=adaptrt_fuzz=libfuzzer) it links
    libFuzzer's main with -fsanitize=fuzzer; in any other configuration it
    links corpus_driver.cc, which runs the inputs named on its command line.

    `name + "_corpus_test"` runs the target's code over its seed corpus
    (`corpus`: files under corpus/<name>/, listed, no globs) with the plain
    driver, in the default `bazel test //...` (gcc).

    Args:
      name: target name; its corpus lives in tests/fuzz/corpus/<name>/.
      srcs: the target's sources (defining LLVMFuzzerTestOneInput).
      deps: libraries under test and their dependencies.
      corpus: the seed files.
      local_defines: defines for `srcs` only.
    """
    native.cc_binary(
        name = name,
        srcs = srcs,
        local_defines = local_defines,
        linkopts = select({
            ":libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        tags = [
            "fuzz_target",
            "manual",
        ],
        testonly = True,
        deps = deps + [":fuzz_check"] + select({
            ":libfuzzer": [],
            "//conditions:default": [":corpus_driver"],
        }),
    )
    native.cc_test(
        name = name + "_corpus_test",
        size = "small",
        srcs = srcs,
        local_defines = local_defines,
        args = ["tests/fuzz/corpus/" + name],
        data = corpus,
        deps = deps + [
            ":corpus_driver",
            ":fuzz_check",
        ],
    )
