"""Custody: where every seized item is, who had it and when, from receipt to disposal."""

SERVICE = "custody"
