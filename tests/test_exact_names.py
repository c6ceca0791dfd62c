"""Names checked by a pattern are checked whole: a final newline is not part of a valid name.

Python's ``$`` also matches just before a final ``\\n``, so ``pattern.match("name\\n")`` succeeds for a pattern
ending in ``$``; a link label, profile name, array name or record name could then carry a newline into
paths, SQL rows and archive files. Every check uses ``fullmatch``.
"""

from __future__ import annotations

import pytest

from jupyter_prov.config.profiles import validate_profile_name
from jupyter_prov.errors import JprovError
from jupyter_prov.orm.links import validate_label


@pytest.mark.parametrize("check, good", [(validate_label, "result"), (validate_profile_name, "lab-1")])
def test_a_final_newline_is_refused(check, good):
    assert check(good) == good
    with pytest.raises(JprovError, match="invalid"):
        check(good + "\n")
