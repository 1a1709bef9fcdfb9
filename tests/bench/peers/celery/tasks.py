"""K1's peer: the kitchen print queue as fastops-pos.txt prescribes it (Ticket 6.1, "Configuración
de Celery + Redis": a celery_app, a print_order_task, retries and timeouts). One task per ticket:
it sends the ticket's ESC/POS bytes to the printer over raw TCP the way Faena's POS does
(services/pos/src/printing/tcp.ts): connect (3 s), ask the real-time status (DLE EOT 1: one byte
back, offline bit clear), write the ticket, ask the status again (5 s for each), close.

Settings (environment):
  CELERY_BROKER_URL   the Redis broker (tests/bench/k1.ts gives it a database of its own)
  K1_QUEUE            the queue this run's producer and worker use
  K1_ACKS_LATE        "1": acknowledge after the task ran (task_acks_late + task_reject_on_worker_lost),
                      the at-least-once setting; unset: Celery's default, acknowledged on receipt
  K1_VISIBILITY_S     seconds before Redis redelivers an unacknowledged message (default Celery's 3600)
"""
import base64
import os
import socket

from celery import Celery
from celery.utils.log import get_task_logger

DLE_EOT_1 = bytes([0x10, 0x04, 0x01])
late = os.environ.get("K1_ACKS_LATE") == "1"

app = Celery("fastops_print", broker=os.environ["CELERY_BROKER_URL"])
app.conf.update(
    task_default_queue=os.environ.get("K1_QUEUE", "print"),
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    task_acks_late=late,
    task_reject_on_worker_lost=late,
    broker_transport_options={"visibility_timeout": int(os.environ.get("K1_VISIBILITY_S", "3600"))},
    # Timeouts: a stalled printer fails well within these (as Faena's printTicket, 30 s).
    task_soft_time_limit=25,
    task_time_limit=30,
    broker_connection_retry_on_startup=True,
)
log = get_task_logger(__name__)


class PrinterError(Exception):
    pass


def status(s: socket.socket) -> None:
    s.sendall(DLE_EOT_1)
    b = s.recv(1)
    if not b:
        raise PrinterError("the printer closed the connection")
    if b[0] & 0x08:
        raise PrinterError("the printer is offline")


@app.task(
    bind=True,
    autoretry_for=(OSError, PrinterError),
    retry_backoff=1,
    retry_backoff_max=8,
    retry_jitter=False,
    max_retries=5,
)
def print_order_task(self, ticket_id: str, host: str, port: int, data_b64: str) -> None:
    data = base64.b64decode(data_b64)
    with socket.create_connection((host, port), timeout=3) as s:
        s.settimeout(5)
        status(s)
        s.sendall(data)
        status(s)
    log.info("ticket %s printed on %s:%s", ticket_id, host, port)
