"""Where the binary under test and the source tree are."""

import os


def agent_binary():
    return os.environ["IPA_AGENT_BINARY"]


def source_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get("IPA_SOURCE_DIR", os.path.abspath(os.path.join(here, "..", "..", "..")))
