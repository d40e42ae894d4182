#!/usr/bin/env python3
"""Checks the book's includes and links, so that a renamed file or anchor cannot quietly
leave a hole in the book. Run it after `mdbook build docs`.

mdBook (0.5.4) exits 0 whatever is broken: a missing include file is an ERROR line in its
log, and the page is written with the `{{#include ...}}` line left in as text; a missing
anchor includes nothing at all, without a word; links are not checked at all (`two.md`
simply becomes `two.html`). So this script checks the Markdown sources itself, and then
the HTML mdBook wrote:

  includes  every `{{#include PATH}}` and `{{#rustdoc_include PATH}}` (PATH relative to the
            chapter) names a file that exists; `PATH:NAME` names an anchor that the file
            opens with `ANCHOR: NAME` and closes with `ANCHOR_END: NAME`; `PATH:A:B` line
            numbers lie inside the file.
  links     every relative link `[text](target)` of a page points at a file or folder that
            exists (chapters, listings, and the repository's own files such as
            `../frame/src/codec.rs`, which work on a code host and from a checkout); a
            `#fragment` on a link to a page of the book, or on its own, names a heading
            of that page.
  output    every page of SUMMARY.md was written, with no `{{#include` left in it; the
            search index is there; no page loads a script or a style sheet from the
            network (the book works offline); every `#fragment` above is an `id` in the
            HTML too; every relative `href` and `src` of a page leads to a file (links to
            the repository's files are repointed from target/book/ by repo_links.py).

Usage: check_book.py [--book target/book] [--self-test]
  --self-test  checks a small good book in a scratch folder (no mdBook needed), then
               breaks an include, an anchor, links and the HTML, and checks that each
               break is reported.
Exits 1 and prints one line per problem, or prints "book: N pages, M includes, L links: ok".
"""

import os
import re
import shutil
import sys
import tempfile
from urllib.parse import unquote

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = os.path.join(ROOT, "docs")
DEFAULT_BOOK = os.path.join(ROOT, "target", "book")

# mdBook's own syntax: `\{{#include ...}}` is an escaped directive, shown as text.
INCLUDE = re.compile(r"(\\?)\{\{\s*#(include|rustdoc_include)\s+([^}\s]+)\s*\}\}")
ANCHOR = re.compile(r"ANCHOR:\s*([\w-]+)")
ANCHOR_END = re.compile(r"ANCHOR_END:\s*([\w-]+)")
LINE_RANGE = re.compile(r"^\d*(:\d*)?$")
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
HTML_ID = re.compile(r"\bid=\"([^\"]+)\"")
HTML_REFERENCE = re.compile(r"\b(?:href|src)=\"([^\"]*)\"")
REMOTE_ASSET = re.compile(r"<(?:script[^>]*\bsrc|link[^>]*\bhref)=\"(?:https?:)?//", re.I)


def summary_pages(docs):
    """The pages SUMMARY.md lists (its HTML comments left out), in order."""
    with open(os.path.join(docs, "SUMMARY.md"), encoding="utf-8") as handle:
        text = HTML_COMMENT.sub("", handle.read())
    pages = []
    for target in INLINE_LINK.findall(text):
        if target not in pages:
            pages.append(target)
    return pages


def prose_lines(text):
    """(line_number, line) outside fenced code blocks, with inline code spans blanked."""
    fence = None
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence):
                fence = None
            continue
        match = re.match(r"^(`{3,}|~{3,})", stripped)
        if match:
            fence = match.group(1)
            continue
        yield number, re.sub(r"(`+).*?\1", "", line)


def heading_ids(path):
    """The ids mdBook (and, for these headings, a code host) gives a page's headings.

    Read from the raw lines, not prose_lines: a heading's code spans are part of its id."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    ids, seen = set(), {}
    fence = None
    for line in text.split("\n"):
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence):
                fence = None
            continue
        opening = re.match(r"^(`{3,}|~{3,})", stripped)
        if opening:
            fence = opening.group(1)
            continue
        match = HEADING.match(line)
        if not match:
            continue
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", match.group(2)).replace("`", "")
        slug = "".join(
            ch.lower() if ch.isalnum() or ch in "_-" else "-" if ch.isspace() else ""
            for ch in title
        )
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        ids.add(slug if count == 0 else "%s-%d" % (slug, count))
    return ids


class Checker:
    def __init__(self, docs, book):
        self.docs, self.book = docs, book
        self.problems = []
        self.notes = []
        self.includes = self.links = 0
        self.fragments = []  # (page, html page, fragment) to find in the HTML too

    def problem(self, path, line, text):
        self.problems.append("%s:%d: %s" % (os.path.relpath(path, self.docs), line, text))

    def check_include(self, page, line, spec):
        self.includes += 1
        path, _, selector = spec.partition(":")
        target = os.path.normpath(os.path.join(os.path.dirname(page), path))
        if not os.path.isfile(target):
            self.problem(page, line, "include of a missing file: %s" % path)
            return
        with open(target, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().split("\n")
        if not selector:
            return
        if LINE_RANGE.match(selector):
            numbers = [int(part) for part in selector.split(":") if part]
            if any(number < 1 or number > len(lines) for number in numbers):
                self.problem(page, line, "include of lines %s, but %s has %d" % (selector, path, len(lines)))
            return
        opened = any(name == selector for text in lines for name in ANCHOR.findall(text))
        closed = any(name == selector for text in lines for name in ANCHOR_END.findall(text))
        if not opened:
            self.problem(page, line, "include of a missing anchor: %s has no `ANCHOR: %s`" % (path, selector))
        elif not closed:
            self.problem(page, line, "anchor %s in %s has no `ANCHOR_END: %s`" % (selector, path, selector))

    def check_link(self, page, line, target, pages):
        if SCHEME.match(target) or target.startswith("//"):
            return  # a web address: not ours to check offline
        self.links += 1
        path, _, fragment = target.partition("#")
        if path:
            resolved = os.path.normpath(os.path.join(os.path.dirname(page), path))
            if not os.path.exists(resolved):
                self.problem(page, line, "link to a missing file: %s" % target)
                return
        else:
            resolved = page
        if fragment and resolved.endswith(".md") and os.path.isfile(resolved):
            if fragment not in heading_ids(resolved):
                self.problem(page, line, "link to a missing heading: %s (no heading with id %r)" % (target, fragment))
            elif resolved in pages:
                self.fragments.append((page, line, resolved, fragment))

    def check_page(self, page, pages):
        with open(page, encoding="utf-8") as handle:
            text = handle.read()
        for number, raw in enumerate(text.split("\n"), 1):
            # mdBook expands includes everywhere, code blocks too, so every line counts.
            for escape, _, spec in INCLUDE.findall(raw):
                if not escape:
                    self.check_include(page, number, spec)
        without_comments = HTML_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
        for number, line in prose_lines(without_comments):
            for target in INLINE_LINK.findall(line):
                self.check_link(page, number, target, pages)
            definition = REFERENCE_DEFINITION.match(line)
            if definition:
                self.check_link(page, number, definition.group(1), pages)

    def html_name(self, page):
        relative = os.path.relpath(page, self.docs)
        stem = os.path.splitext(relative)[0]
        if os.path.basename(stem).lower() == "readme":
            stem = os.path.join(os.path.dirname(stem), "index")
        return os.path.join(self.book, stem + ".html")

    def check_output(self, pages):
        if not os.path.isfile(os.path.join(self.book, "index.html")):
            self.problems.append("%s: no index.html: run `mdbook build docs` first" % self.book)
            return
        if not os.path.isfile(os.path.join(self.book, "searchindex.js")) and not any(
            name.startswith("searchindex") for name in os.listdir(self.book)
        ):
            self.problems.append("%s: no search index (is [output.html.search] on?)" % self.book)
        for page in pages:
            html = self.html_name(page)
            if not os.path.isfile(html):
                self.problems.append("%s: page not written: %s" % (os.path.relpath(page, self.docs), html))
                continue
            with open(html, encoding="utf-8") as handle:
                rendered = handle.read()
            with open(page, encoding="utf-8") as handle:
                escaped = sum(1 for escape, _, _ in INCLUDE.findall(handle.read()) if escape)
            left = len(re.findall(r"\{\{\s*#(?:rustdoc_)?include", rendered))
            if left > escaped:
                self.problems.append("%s: %d include directive(s) left unexpanded in the HTML" % (html, left - escaped))
            if REMOTE_ASSET.search(rendered):
                self.problems.append("%s: loads a script or style sheet from the network" % html)
            for target in HTML_REFERENCE.findall(rendered):
                path = target.split("#")[0].split("?")[0]
                if not path or SCHEME.match(path) or path.startswith("/"):
                    continue
                if not os.path.exists(os.path.join(os.path.dirname(html), unquote(path))):
                    self.problems.append("%s: links to %s, which is not there (a missing file, or repo_links.py did not run)" % (html, target))
        ids = {}
        for page, line, target, fragment in self.fragments:
            html = self.html_name(target)
            if html not in ids:
                with open(html, encoding="utf-8") as handle:
                    ids[html] = set(HTML_ID.findall(handle.read())) if os.path.isfile(html) else set()
            if fragment not in ids[html]:
                self.problem(page, line, "#%s is not an id in %s" % (fragment, os.path.relpath(html, self.book)))

    def run(self, check_html=True):
        pages = []
        for name in summary_pages(self.docs):
            path = os.path.normpath(os.path.join(self.docs, name))
            if not os.path.isfile(path):
                self.problems.append("SUMMARY.md: lists a missing page: %s" % name)
            else:
                pages.append(path)
        # Every Markdown page in docs/ is checked, listed in SUMMARY.md or not yet.
        sources = sorted(
            os.path.join(self.docs, name) for name in os.listdir(self.docs) if name.endswith(".md")
        )
        for page in sources:
            self.check_page(page, pages)
            if page not in pages and os.path.basename(page) != "SUMMARY.md":
                # Not an error: a page may wait in docs/ until SUMMARY.md lists it.
                self.notes.append("note: %s is not in SUMMARY.md, so not in the HTML book"
                                  % os.path.relpath(page, self.docs))
        if check_html:
            self.check_output(pages)
        return len(pages)


def check(docs, book, check_html=True):
    checker = Checker(docs, book)
    count = checker.run(check_html)
    return checker, count


def self_test():
    """A tiny book, good and then broken three ways; each break must be reported."""
    scratch = tempfile.mkdtemp(prefix="check-book-")
    try:
        docs = os.path.join(scratch, "docs")
        os.makedirs(os.path.join(docs, "listings", "one", "src"))
        os.makedirs(os.path.join(scratch, "frame", "src"))
        files = {
            "docs/SUMMARY.md": "# Summary\n\n[Intro](README.md)\n\n- [1. One](01-one.md)\n"
            "<!-- - [Later](later.md) -->\n",
            "docs/README.md": "# Intro\n\nRead [chapter 1](01-one.md#the-code) first.\n",
            "docs/01-one.md": "# 1. One\n\n## The `code`\n\n```rust,ignore\n"
            "{{#include listings/one/src/main.rs:main}}\n```\n\n"
            "See [the codec](../frame/src/codec.rs), [the top](#1-one) and "
            "[the web](https://example.org/).\n\n```text\n[not a link](nowhere.md)\n```\n\n"
            "Escaped, shown as text: `\\{{#include nowhere.rs}}`.\n",
            "docs/listings/one/src/main.rs": "// ANCHOR: main\nfn main() {}\n// ANCHOR_END: main\n",
            "frame/src/codec.rs": "//! codec\n",
        }
        for name, text in files.items():
            with open(os.path.join(scratch, name), "w", encoding="utf-8") as handle:
                handle.write(text)
        failures = []
        checker, _ = check(docs, None, check_html=False)
        if checker.problems:
            failures.append("the good book was reported: %s" % checker.problems)
        breaks = [
            ("a missing include file", "listings/one/src/main.rs:main", "listings/one/src/gone.rs:main",
             "include of a missing file"),
            ("a missing anchor", "listings/one/src/main.rs:main", "listings/one/src/main.rs:nope",
             "include of a missing anchor"),
            ("a broken link to a repository file", "../frame/src/codec.rs", "../frame/src/coedc.rs",
             "link to a missing file"),
            ("a broken link to a heading", "#1-one", "#one", "link to a missing heading"),
        ]
        page = os.path.join(docs, "01-one.md")
        good = files["docs/01-one.md"]
        for what, old, new, expected in breaks:
            with open(page, "w", encoding="utf-8") as handle:
                handle.write(good.replace(old, new))
            checker, _ = check(docs, None, check_html=False)
            if not any(expected in problem for problem in checker.problems):
                failures.append("%s was not reported (got %s)" % (what, checker.problems))
        with open(page, "w", encoding="utf-8") as handle:
            handle.write(good)
        readme = os.path.join(docs, "README.md")
        with open(readme, "w", encoding="utf-8") as handle:
            handle.write(files["docs/README.md"].replace("#the-code", "#the-coed"))
        checker, _ = check(docs, None, check_html=False)
        if not any("link to a missing heading" in problem for problem in checker.problems):
            failures.append("a broken link to another chapter's heading was not reported")
        # An HTML page that kept its directive (what mdBook writes for a missing file).
        with open(readme, "w", encoding="utf-8") as handle:
            handle.write(files["docs/README.md"])
        book = os.path.join(scratch, "book")
        os.makedirs(book)
        for name, body in [("index.html", "<h1 id=\"intro\">Intro</h1>{{#include x.rs}}"),
                           ("01-one.html", "<h1 id=\"1-one\"></h1><h2 id=\"the-code\"></h2>"
                            "<a href=\"../frame/src/codec.rs\"></a><a href=\"two.html#x\"></a>"),
                           ("searchindex.js", "")]:
            with open(os.path.join(book, name), "w", encoding="utf-8") as handle:
                handle.write(body)
        checker, _ = check(docs, book)
        if not any("left unexpanded" in problem for problem in checker.problems):
            failures.append("an include left in the HTML was not reported (got %s)" % checker.problems)
        if [problem for problem in checker.problems if "not there" in problem] != [
            "%s: links to two.html#x, which is not there (a missing file, or repo_links.py did not run)"
            % os.path.join(book, "01-one.html")
        ]:
            failures.append("a broken link in the HTML was not reported alone (got %s)" % checker.problems)
    finally:
        shutil.rmtree(scratch)
    for failure in failures:
        print("SELF-TEST FAIL: " + failure)
    print("self-test: %s" % ("ok" if not failures else "%d failed" % len(failures)))
    return 1 if failures else 0


def main(arguments):
    if "--self-test" in arguments:
        return self_test()
    book = DEFAULT_BOOK
    if "--book" in arguments:
        book = os.path.abspath(arguments[arguments.index("--book") + 1])
    checker, count = check(DOCS, book)
    for note in checker.notes:
        print(note)
    for problem in checker.problems:
        print("FAIL " + problem)
    if checker.problems:
        print("book: %d problem(s)" % len(checker.problems))
        return 1
    print("book: %d pages, %d includes, %d links: ok" % (count, checker.includes, checker.links))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
