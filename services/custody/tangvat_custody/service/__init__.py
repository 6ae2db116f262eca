"""Custody's commands and queries, one module per feature; each command is load -> decide -> save -> answer."""

from __future__ import annotations

from tangvat_custody.service.approvals import confirm_approval, pending_approvals, reject_approval
from tangvat_custody.service.checkouts import check_out, return_item
from tangvat_custody.service.common import Custody, actor_of
from tangvat_custody.service.counts import close_count, get_count, open_count, scan_count
from tangvat_custody.service.handover import hand_over
from tangvat_custody.service.holds import set_hold
from tangvat_custody.service.places import create_container, create_location, pack, register_warehouse, unpack
from tangvat_custody.service.queries import (
    container_contents,
    custody_at,
    discrepancies,
    get_item,
    item_by_label,
    item_history,
    items_at_location,
    locations,
    overdue,
    perishables_past_limit,
    search_items,
    storage_age,
    warehouse_items,
    warehouse_summary,
)
from tangvat_custody.service.scans import check_in, move
from tangvat_custody.service.transfers import close_transfer, dispatch_transfer, get_transfer, receive_transfer
from tangvat_custody.service.worklist import open_counts

__all__ = [
    "Custody",
    "actor_of",
    "check_in",
    "check_out",
    "close_count",
    "close_transfer",
    "confirm_approval",
    "container_contents",
    "create_container",
    "create_location",
    "custody_at",
    "discrepancies",
    "dispatch_transfer",
    "get_count",
    "get_item",
    "get_transfer",
    "hand_over",
    "item_by_label",
    "item_history",
    "items_at_location",
    "locations",
    "move",
    "open_count",
    "open_counts",
    "overdue",
    "pack",
    "pending_approvals",
    "perishables_past_limit",
    "receive_transfer",
    "register_warehouse",
    "reject_approval",
    "return_item",
    "scan_count",
    "search_items",
    "set_hold",
    "storage_age",
    "unpack",
    "warehouse_items",
    "warehouse_summary",
]
