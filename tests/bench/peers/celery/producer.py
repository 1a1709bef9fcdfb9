"""Enqueues print jobs for K1 (what the seed's OrderService does when an order is sent): one JSON
line on stdin, {"id", "host", "port", "data"}, becomes one print_order_task. Prints READY once the
broker answers, then nothing per job."""
import json
import sys

from tasks import app, print_order_task

app.connection().ensure_connection(max_retries=3)
print("READY {}", flush=True)
for line in sys.stdin:
    job = json.loads(line)
    print_order_task.delay(job["id"], job["host"], job["port"], job["data"])
