"""Disposal's commands and queries, one module per feature; each command one transaction through the kernel."""

from tangvat_disposal.service.common import Disposal
from tangvat_disposal.service.drops import drop_item
from tangvat_disposal.service.execution import confirm_witness, execute, withdraw_witness
from tangvat_disposal.service.proposals import cancel, configure_board, get_board, propose
from tangvat_disposal.service.queries import (
    CertificateData,
    batch_items,
    certificate_data,
    events_sha256,
    get_batch,
    get_item,
    list_batches,
)
from tangvat_disposal.service.reservations import ready_if_answered
from tangvat_disposal.service.votes import vote

__all__ = ["CertificateData", "Disposal", "batch_items", "cancel", "certificate_data", "configure_board",
           "confirm_witness",
           "drop_item", "events_sha256", "execute", "get_batch", "get_board", "get_item", "list_batches", "propose",
           "ready_if_answered", "vote", "withdraw_witness"]
