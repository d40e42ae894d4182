"""Reads the fuzzing server's index.json for frame's client role, prints the counts, and
exits 1 unless every case's behavior and behaviorClose are OK or INFORMATIONAL.

NON-STRICT counts as a failure, as on the server side: it means the client was tolerant
where RFC 6455 asks it to fail fast. With CONFORMANCE_MD, the client's section of that file
(from its heading to the end) is written anew; the server's run rewrites the file above it,
so the two runs in either order leave both tables.

Usage: python3 check.py INDEX_JSON [CONFORMANCE_MD VERSIONS]
"""

import collections
import datetime
import json
import sys

PASSING = {"OK", "INFORMATIONAL"}
NAMES = ["OK", "INFORMATIONAL", "NON-STRICT", "UNIMPLEMENTED", "FAILED"]


def case_key(case_id):
    return tuple(int(part) for part in case_id.split("."))


def main():
    with open(sys.argv[1]) as index_file:
        index = json.load(index_file)
    if "frame" not in index:
        print("FAILED: the report has no agent 'frame'", file=sys.stderr)
        return 1
    cases = index["frame"]
    behaviors = collections.Counter()
    sections = collections.defaultdict(collections.Counter)
    failures = []
    for case_id in sorted(cases, key=case_key):
        result = cases[case_id]
        behavior, close = result["behavior"], result["behaviorClose"]
        behaviors[behavior] += 1
        sections[case_id.split(".")[0]][behavior] += 1
        if behavior not in PASSING or close not in PASSING:
            failures.append((case_id, behavior, close))

    table = [
        "| Section | Cases | " + " | ".join(NAMES) + " |",
        "|---|---|" + "---|" * len(NAMES),
    ]
    for section in sorted(sections, key=int):
        counts = sections[section]
        table.append(
            "| %s | %d | " % (section, sum(counts.values()))
            + " | ".join(str(counts[name]) for name in NAMES)
            + " |"
        )
    table.append(
        "| all | %d | " % len(cases)
        + " | ".join(str(behaviors[name]) for name in NAMES)
        + " |"
    )
    if len(sys.argv) > 3:
        write_section(sys.argv[2], sys.argv[3], cases, table, failures)
    print("\n".join(table))
    for failure in failures:
        print("- %s: behavior %s, behaviorClose %s" % failure)
    print(
        "%d OK, %d INFORMATIONAL, %d NON-STRICT, %d FAILED"
        % (
            behaviors["OK"],
            behaviors["INFORMATIONAL"],
            behaviors["NON-STRICT"],
            len(cases) - behaviors["OK"] - behaviors["INFORMATIONAL"] - behaviors["NON-STRICT"],
        )
    )
    if not cases or failures:
        print("FAILED: %d case(s) are not OK" % len(failures), file=sys.stderr)
        return 1
    return 0


HEADING = "## frame's client role"


def write_section(path, versions, cases, table, failures):
    informational = [
        case_id
        for case_id in sorted(cases, key=case_key)
        if "INFORMATIONAL" in (cases[case_id]["behavior"], cases[case_id]["behaviorClose"])
    ]
    section = [
        HEADING,
        "",
        "The other direction: Autobahn|Testsuite's fuzzing server against",
        "`frame/examples/autobahn_client.rs`, which echoes every message on `frame`'s client",
        "role, cases 1.* to 10.*. Produced by `tools/client-autobahn/run.sh`, which fails",
        "unless every case's behavior and behaviorClose are OK or INFORMATIONAL.",
        "",
        "- Date: %s" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "- Versions: %s" % versions,
        "- Agent: frame, %d cases" % len(cases),
        "- Result: %s" % ("all passed" if not failures else "%d failed" % len(failures)),
        "",
    ] + table + [""]
    if informational:
        section += [
            "INFORMATIONAL cases: " + ", ".join(informational) + ".",
            "",
        ]
    try:
        with open(path) as existing:
            text = existing.read()
    except FileNotFoundError:
        text = ""
    if HEADING in text:
        text = text[: text.index(HEADING)]
    text = text.rstrip("\n") + "\n\n" if text.strip() else ""
    with open(path, "w") as target:
        target.write(text + "\n".join(section))


if __name__ == "__main__":
    sys.exit(main())
