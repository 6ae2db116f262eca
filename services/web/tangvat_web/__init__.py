"""Web: the pages people use (scan station, item, seizure, board, auditor) and a same-origin proxy to the APIs."""

SERVICE = "web"
