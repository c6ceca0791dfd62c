"""Run in several OS processes at once by the race test: each tries to claim the same orphaned processes.

``python -m tests.daemon.race_claim WORKER START_AT PK...`` prints one line ``pk won|lost`` per pk.
"""

import sys
import time

from jupyter_prov.daemon import leases
from jupyter_prov.orm import current

worker, start_at, pks = sys.argv[1], float(sys.argv[2]), [int(pk) for pk in sys.argv[3:]]
current.load_profile()
storage = current.get_storage()
time.sleep(max(0.0, start_at - time.time()))
for pk in pks:
    print(pk, "won" if leases.claim(storage, pk, worker, 30) else "lost", flush=True)
