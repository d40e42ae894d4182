#!/usr/bin/env python3
"""Runs every ```console block of the tutorial and compares what happens with what the
chapter says, so that the book can never drift from the code.

A block is a list of `$ command` lines, each followed by the output it prints (stdout and
stderr together). Cargo's own progress lines (`Compiling ...`, `Finished ...`, `Running ...`)
are ignored, so chapters can show `cargo run -p ...` as a reader types it.

Wildcards, as in cargo's own test suite:
  [..]     inside a line matches any text on that line (times, ports, ids);
  ...      alone on a line matches any number of lines (zero or more).

Directives, as HTML comments on the line before a block (invisible on GitHub):
  <!-- transcript: background -->   the block's one command is a server: start it, wait
      until it has printed the block's lines up to the first `...` (or 30 s), run the
      chapter's next blocks, then stop it (SIGINT) at the end of the chapter and check its
      whole output against the block. The book's command has no time limit (a reader
      takes as long as they like); a watchdog of the checker's own stops the server after
      SAFETY_LIMIT seconds even if the checker itself was killed.
  <!-- transcript: skip (reason) -->  not run; the reason is printed (use sparingly: only
      for commands that cannot run here, such as a browser).
  <!-- transcript: stdin TEXT -->     feed TEXT (with \\n escapes) to the block's commands.

Usage: check_transcripts.py [CHAPTER.md ...]   (default: every docs/*.md)
Exits 1 if any block differs, printing a diff; prints "N passed, M failed" last.
"""

import difflib
import os
import re
import signal
import subprocess
import sys
import time

# The repository root: this file is tools/book/check_transcripts.py, two folders below it.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMMAND_TIMEOUT = 180
# A background server outlives a killed checker by at most this long (a chapter takes minutes).
SAFETY_LIMIT = 1800
CARGO_NOISE = re.compile(
    r"^\s+(Compiling|Finished|Running|Blocking|Updating|Downloaded|Downloading|Locking|Adding|Checking)\b"
)
DIRECTIVE = re.compile(r"<!--\s*transcript:\s*(\w+)\s*(.*?)\s*-->")


def parse_blocks(path):
    """Yields (line_number, directive, argument, lines) for each console block."""
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    directive, argument = None, ""
    index = 0
    while index < len(lines):
        line = lines[index]
        match = DIRECTIVE.search(line)
        if match:
            directive, argument = match.group(1), match.group(2)
        elif line.strip() == "```console":
            start = index + 1
            body = []
            index += 1
            while index < len(lines) and lines[index].strip() != "```":
                body.append(lines[index])
                index += 1
            yield start, directive, argument, body
            directive, argument = None, ""
        elif line.strip():
            directive, argument = None, ""
        index += 1


def split_commands(body):
    """[(command, expected_lines)] from a block's lines."""
    commands = []
    for line in body:
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
        elif line.strip():
            raise ValueError("output before the first $ command: %r" % line)
    return commands


def line_matches(pattern, actual):
    if "[..]" not in pattern:
        return pattern == actual
    regex = ".*".join(re.escape(part) for part in pattern.split("[..]"))
    return re.fullmatch(regex, actual) is not None


def lines_match(expected, actual):
    """True if `actual` lines fit `expected` with [..] and ... wildcards."""
    if not expected:
        return not actual
    head = expected[0]
    if head == "...":
        return any(lines_match(expected[1:], actual[skip:]) for skip in range(len(actual) + 1))
    return bool(actual) and line_matches(head, actual[0]) and lines_match(expected[1:], actual[1:])


def clean(output):
    text = output.decode("utf-8", "replace").replace("\r\n", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return [line for line in lines if not CARGO_NOISE.match(line)]


def environment():
    env = dict(os.environ)
    env["CARGO_TERM_COLOR"] = "never"
    env["NO_COLOR"] = "1"
    return env


def report(path, line_number, command, expected, actual):
    print("FAIL %s:%d: $ %s" % (os.path.relpath(path, ROOT), line_number, command))
    for line in difflib.unified_diff(expected, actual, "chapter says", "command printed", lineterm=""):
        print("    " + line)


class Background:
    """A server started by a `background` block, checked when the chapter ends."""

    def __init__(self, path, line_number, command, expected):
        self.path, self.line_number, self.command, self.expected = path, line_number, command, expected
        self.log_path = "/tmp/transcript-%d-%d.log" % (os.getpid(), line_number)
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            ["bash", "-c", "exec " + command], cwd=ROOT, env=environment(),
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # Its own session, so that it survives the checker; SIGINT first, as a reader would.
        self.watchdog = subprocess.Popen(
            ["bash", "-c", "sleep %d; kill -INT -- -%d; sleep 10; kill -KILL -- -%d"
             % (SAFETY_LIMIT, self.process.pid, self.process.pid)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def output(self):
        with open(self.log_path, "rb") as handle:
            return clean(handle.read())

    def wait_until_ready(self):
        ready_lines = []
        for line in self.expected:
            if line == "...":
                break
            ready_lines.append(line)
        deadline = time.time() + 300  # the first `cargo run` may compile
        mismatch_since = None
        while time.time() < deadline:
            actual = self.output()
            if len(actual) >= len(ready_lines):
                if lines_match(ready_lines, actual[: len(ready_lines)]):
                    return True
                # Enough lines and the wrong ones: give late lines 3 s, then fail fast.
                mismatch_since = mismatch_since or time.time()
                if time.time() - mismatch_since > 3:
                    return False
            if self.process.poll() is not None:
                return False
            time.sleep(0.1)
        return False

    def stop_and_check(self):
        os.killpg(self.watchdog.pid, signal.SIGKILL)
        self.watchdog.wait()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        actual = self.output()
        os.unlink(self.log_path)
        if lines_match(self.expected, actual):
            return True
        report(self.path, self.line_number, self.command, self.expected, actual)
        return False


def check_chapter(path):
    passed = failed = 0
    servers = []
    try:
        for line_number, directive, argument, body in parse_blocks(path):
            if directive == "skip":
                print("skip %s:%d %s" % (os.path.relpath(path, ROOT), line_number, argument))
                continue
            commands = split_commands(body)
            if directive == "background":
                if len(commands) != 1:
                    raise ValueError("%s:%d: a background block has one command" % (path, line_number))
                command, expected = commands[0]
                server = Background(path, line_number, command, expected)
                if not server.wait_until_ready():
                    server.stop_and_check()
                    failed += 1
                    print("FAIL %s:%d: server did not get ready: $ %s" % (path, line_number, command))
                    continue
                servers.append(server)
                continue
            stdin = argument.encode().decode("unicode_escape").encode() if directive == "stdin" else b""
            for command, expected in commands:
                try:
                    result = subprocess.run(
                        ["bash", "-c", command], cwd=ROOT, env=environment(), input=stdin,
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=COMMAND_TIMEOUT,
                    )
                    actual = clean(result.stdout)
                except subprocess.TimeoutExpired as timeout:
                    actual = clean(timeout.stdout or b"") + ["<timed out after %ds>" % COMMAND_TIMEOUT]
                expected = [line.rstrip() for line in expected]
                while expected and not expected[-1]:
                    expected.pop()
                if lines_match(expected, actual):
                    passed += 1
                else:
                    failed += 1
                    report(path, line_number, command, expected, actual)
    finally:
        for server in reversed(servers):
            if server.stop_and_check():
                passed += 1
            else:
                failed += 1
    return passed, failed


def main(arguments):
    chapters = arguments or sorted(
        os.path.join(ROOT, "docs", name)
        for name in os.listdir(os.path.join(ROOT, "docs"))
        if name.endswith(".md")
    )
    passed = failed = 0
    for chapter in chapters:
        chapter_passed, chapter_failed = check_chapter(chapter)
        print("%s: %d passed, %d failed" % (os.path.relpath(chapter, ROOT), chapter_passed, chapter_failed))
        passed += chapter_passed
        failed += chapter_failed
    print("transcripts: %d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
