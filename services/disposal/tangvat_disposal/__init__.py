"""Disposal: board decisions on seized goods, the reservation saga with custody, witnessed execution."""

SERVICE = "disposal"
