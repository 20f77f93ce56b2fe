"""The repository stands on its own: its Markdown links lead to files in it, no file points
outside it, and the examples shown in the docs are the files the suite runs."""

import os
import re
import subprocess
import unittest

ROOT = os.environ.get("IPA_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# Built from parts, so that this file does not name them itself.
OUTSIDE_REFERENCES = [".." + "/shared", "/" + "work/"]

INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`+[^`\n]*`+")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)
INCLUDE = re.compile(r"<!-- include (\S+) -->\n```[^\n]*\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def tracked_files():
    """Every file of the repository: git's list, or the tree when there is no git."""
    try:
        out = subprocess.run(["git", "-C", ROOT, "ls-files", "-z"], check=True,
                             capture_output=True, timeout=60).stdout
        return sorted(p for p in out.decode().split("\0") if p)
    except (OSError, subprocess.CalledProcessError):
        files = []
        for directory, subdirectories, names in os.walk(ROOT):
            subdirectories[:] = [d for d in subdirectories
                                 if d != ".git" and not d.startswith("build")]
            files += [os.path.relpath(os.path.join(directory, n), ROOT) for n in names]
        return sorted(files)


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8", errors="replace") as f:
        return f.read()


def without_code_fences(text):
    return FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def without_code(text):
    """Markdown text with fenced blocks and code spans blanked: links there are not links."""
    return CODE_SPAN.sub("", without_code_fences(text))


def anchors(markdown):
    """The fragment ids GitHub gives the headings of a Markdown file."""
    seen = {}
    result = set()
    for heading in HEADING.findall(without_code_fences(markdown)):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else "%s-%d" % (slug, count))
    return result


def links(markdown):
    text = without_code(markdown)
    return INLINE_LINK.findall(text) + REFERENCE_LINK.findall(text)


class Repository(unittest.TestCase):

    def setUp(self):
        self.files = tracked_files()
        self.directories = {os.path.dirname(p) for p in self.files}
        for path in list(self.directories):
            while path:
                path = os.path.dirname(path)
                self.directories.add(path)

    def test_every_relative_markdown_link_leads_to_a_file_in_the_repository(self):
        tracked = set(self.files)
        broken = []
        for source in (p for p in self.files if p.endswith(".md")):
            markdown = read(source)
            for target in links(markdown):
                if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith("//"):
                    continue  # a URL: not a file of this repository
                path, _, fragment = target.partition("#")
                resolved = os.path.normpath(os.path.join(os.path.dirname(source), path)) \
                    if path else source
                where = "%s: (%s)" % (source, target)
                if resolved.startswith(".."):
                    broken.append(where + " leaves the repository")
                elif resolved not in tracked and resolved not in self.directories:
                    broken.append(where + " names a file that is not in the repository")
                elif fragment and resolved.endswith(".md") and resolved in tracked \
                        and fragment not in anchors(read(resolved)):
                    broken.append(where + " names a heading that %s does not have" % resolved)
        self.assertEqual(broken, [], "broken links:\n" + "\n".join(broken))

    def test_no_file_refers_to_anything_outside_the_repository(self):
        found = []
        for path in self.files:
            try:
                text = read(path)
            except (IsADirectoryError, FileNotFoundError):
                continue
            for number, line in enumerate(text.splitlines(), 1):
                for reference in OUTSIDE_REFERENCES:
                    if reference in line:
                        found.append("%s:%d: %s" % (path, number, line.strip()))
        self.assertEqual(found, [], "files that point outside the repository:\n" +
                         "\n".join(found))

    def test_the_examples_shown_in_the_docs_are_the_files_the_suite_runs(self):
        shown = 0
        for source in (p for p in self.files if p.endswith(".md")):
            for example, block in INCLUDE.findall(read(source)):
                shown += 1
                path = os.path.normpath(os.path.join(os.path.dirname(source), example))
                self.assertEqual(block, read(path),
                                 "%s shows %s differently from the file: copy the file into "
                                 "the block after its include line" % (source, path))
        self.assertGreater(shown, 0, "no <!-- include FILE --> blocks found")


if __name__ == "__main__":
    unittest.main()
