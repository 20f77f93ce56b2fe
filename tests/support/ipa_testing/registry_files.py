"""What the agent leaves beside the registry."""

import os

from ipa_testing.waiting import wait_for


def temp_files(directory):
    return sorted(n for n in os.listdir(directory) if ".tmp-" in n)


def assert_no_temp_litter(case, directory):
    """No temp file stays behind. The registry shows a write before the write
    has copied it to the .bak (temp file, rename): that temp may still be in
    flight when the test looks, litter is what is still there a moment later."""
    try:
        wait_for(lambda: temp_files(directory) == [], timeout=2.0, what="no temp files")
    except AssertionError:
        case.assertEqual(temp_files(directory), [])
