"""`make bench`: run every benchmark in its own process; each prints one `BENCH <name> ...` line.

    python -m tests.bench                       all of them
    python -m tests.bench booking_contention    only the named ones
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["booking_contention", "notifications", "allocation", "public_pages", "migrate", "scheduler", "signup",
              "webhooks", "leaving", "backoffice"]


def main(names: list[str]) -> int:
    failed = []
    for name in names or BENCHMARKS:
        if not (HERE / f"{name}.py").exists():
            print(f"bench: {name} is not written yet", flush=True)
            continue
        result = subprocess.run([sys.executable, "-m", f"tests.bench.{name}"], cwd=HERE.parents[1])
        if result.returncode:
            failed.append(name)
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
