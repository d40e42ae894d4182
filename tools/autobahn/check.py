"""Reads Autobahn|Testsuite's index.json, prints a summary, writes docs/conformance.md, and
exits 1 unless every case's behavior and behaviorClose are OK or INFORMATIONAL.

NON-STRICT, UNIMPLEMENTED and FAILED all fail: NON-STRICT means the server was tolerant
where the RFC asks it to fail fast (for example, noticing bad UTF-8 only at the end of a
frame), and this suite promises every byte right.

Usage: python3 check.py INDEX_JSON CONFORMANCE_MD VERSIONS
"""

import collections
import datetime
import json
import platform
import os
import sys

PASSING = {"OK", "INFORMATIONAL"}


def case_key(case_id):
    return tuple(int(part) for part in case_id.split("."))


def main():
    index_path, summary_path, versions = sys.argv[1:4]
    with open(index_path) as index_file:
        index = json.load(index_file)
    (agent, cases), = index.items()

    behaviors = collections.Counter()
    closes = collections.Counter()
    sections = collections.defaultdict(collections.Counter)
    failures = []
    for case_id in sorted(cases, key=case_key):
        result = cases[case_id]
        behavior, close = result["behavior"], result["behaviorClose"]
        behaviors[behavior] += 1
        closes[close] += 1
        sections[case_id.split(".")[0]][behavior] += 1
        if behavior not in PASSING or close not in PASSING:
            failures.append((case_id, behavior, close))

    names = ["OK", "INFORMATIONAL", "NON-STRICT", "UNIMPLEMENTED", "FAILED"]
    lines = [
        "# Autobahn|Testsuite conformance",
        "",
        "The echo-server against Autobahn|Testsuite's fuzzing client, cases 1.* to 10.*",
        "(12.* and 13.*, permessage-deflate, are excluded: we do not offer the extension).",
        "Produced by `tools/autobahn/run.sh`, which fails unless every case's behavior",
        "and behaviorClose are OK or INFORMATIONAL.",
        "",
        "- Date: %s" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "- Versions: %s" % versions,
        "- Machine: %s, %s, %d cores" % (platform.system(), platform.machine(), os.cpu_count()),
        "- Agent: %s, %d cases" % (agent, len(cases)),
        "- Result: %s" % ("all passed" if not failures else "%d failed" % len(failures)),
        "",
        "## Behavior per section",
        "",
        "| Section | Cases | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for section in sorted(sections, key=int):
        counts = sections[section]
        lines.append(
            "| %s | %d | " % (section, sum(counts.values()))
            + " | ".join(str(counts[name]) for name in names)
            + " |"
        )
    lines.append(
        "| all | %d | " % len(cases)
        + " | ".join(str(behaviors[name]) for name in names)
        + " |"
    )
    lines += [
        "",
        "## behaviorClose",
        "",
        ", ".join("%s: %d" % (name, count) for name, count in sorted(closes.items())),
        "",
    ]
    informational = [
        case_id
        for case_id in sorted(cases, key=case_key)
        if "INFORMATIONAL" in (cases[case_id]["behavior"], cases[case_id]["behaviorClose"])
    ]
    if informational:
        lines += [
            "INFORMATIONAL cases (the suite records what happened without a verdict): "
            + ", ".join(informational)
            + ".",
            "",
        ]
    lines += [
        "Section 8 has no cases in the suite; 9.* (big messages, many frames) records",
        "durations only, which depend on the Python client more than on the server.",
        "",
    ]
    if failures:
        lines += ["## Failing cases", ""]
        lines += [
            "- %s: behavior %s, behaviorClose %s" % failure for failure in failures
        ]
        lines.append("")

    summary = "\n".join(lines)
    with open(summary_path, "w") as summary_file:
        summary_file.write(summary)
    print(summary)
    if failures:
        print("FAILED: %d case(s) are not OK" % len(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
