"""Entry point of //benchmarks:suite; the runner lives in benchmarks/runner/."""

import sys

import suite

if __name__ == "__main__":
    sys.exit(suite.main(sys.argv[1:]))
