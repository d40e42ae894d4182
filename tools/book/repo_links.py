#!/usr/bin/env python3
"""An mdBook preprocessor that keeps the book's links to the repository's own files working
in the HTML book. A chapter links to `../frame/src/codec.rs` relative to docs/, which is
right on a code host and in the Markdown; the HTML page, though, is written to
target/book/, where the same link would point into target/. This rewrites such links (and
only those: links inside the book stay as they are) to the path from the HTML page to the
file, `../../frame/src/codec.rs`, so that a book opened from target/book/index.html links
to the checkout's real files. (Under `mdbook serve` they are outside what it serves.)
It also points links to a README.md page at index.md, the name mdBook gives that page.

mdBook runs it (book.toml, [preprocessor.repo-links]) as `repo_links.py supports html`,
then with `[context, book]` as JSON on stdin, and reads the book back from stdout.
"""

import json
import os
import re
import sys

LINK = re.compile(r"(\]\(\s*<?)([^)\s>#]+)")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def rewrite(content, chapter_dir, source, output):
    """`content` with every link that leaves `source` made relative to the HTML page."""
    page_dir = os.path.join(output, chapter_dir)

    def repoint(match):
        target = match.group(2)
        if SCHEME.match(target) or target.startswith("/"):
            return match.group(0)
        resolved = os.path.normpath(os.path.join(source, chapter_dir, target))
        inside = os.path.commonpath([resolved, source]) == source
        if inside:
            # mdBook writes a README.md page as index.html, but a link to it as README.html.
            if os.path.basename(target) == "README.md":
                return match.group(1) + target[: -len("README.md")] + "index.md"
            return match.group(0)
        new = os.path.relpath(resolved, page_dir).replace(os.sep, "/")
        if target.endswith("/") and not new.endswith("/"):
            new += "/"
        return match.group(1) + new

    lines, fence = [], None
    for line in content.split("\n"):
        opening = FENCE.match(line)
        if fence:
            if opening and opening.group(1).startswith(fence):
                fence = None
        elif opening:
            fence = opening.group(1)
        else:
            line = LINK.sub(repoint, line)
        lines.append(line)
    return "\n".join(lines)


def walk(node, source, output):
    """Rewrites every chapter of the book's JSON, whatever the nesting."""
    if isinstance(node, dict):
        if isinstance(node.get("content"), str) and isinstance(node.get("path"), str):
            chapter_dir = os.path.dirname(node["path"])
            node["content"] = rewrite(node["content"], chapter_dir, source, output)
        for value in node.values():
            walk(value, source, output)
    elif isinstance(node, list):
        for value in node:
            walk(value, source, output)


def main(arguments):
    if arguments[:1] == ["supports"]:
        return 0 if arguments[1:2] == ["html"] else 1
    context, book = json.load(sys.stdin)
    root = context["root"]
    build = context["config"].get("build", {})
    book_config = context["config"].get("book", {})
    source = os.path.normpath(os.path.join(root, book_config.get("src", "src")))
    output = os.path.normpath(os.path.join(root, build.get("build-dir", "book")))
    walk(book, source, output)
    json.dump(book, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
