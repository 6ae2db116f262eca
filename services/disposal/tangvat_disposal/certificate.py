"""The destruction certificate (biên bản tiêu hủy) as PDF: items, board decision, witnesses, event hash."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from tangvat_shared.pdf import PageCursor, vnd

METHODS_VI = {"burn": "đốt", "crush": "nghiền", "bury": "chôn lấp", "chemical": "hóa chất"}
DECISIONS_VI = {"approve": "tán thành", "reject": "không tán thành"}
MARGIN = 18 * mm
LINE = 5 * mm


class _Page(PageCursor):
    """The certificate's lines (9 pt, 5 mm apart unless said) and the rows of its table of items."""

    def __init__(self, pdf: canvas.Canvas) -> None:
        super().__init__(pdf, margin=MARGIN)

    def line(self, text: str, *, bold: bool = False, size: float = 9, x: float = MARGIN, gap: float = LINE,
             center: bool = False) -> None:
        self.draw(text, step=gap, bold=bold, size=size, x=x, room=gap, center=center)

    def row(self, cells: Sequence[str], xs: Sequence[float], *, bold: bool = False, size: float = 8) -> None:
        self.columns(cells, xs, step=LINE * 0.85, bold=bold, size=size, room=LINE)


def render(batch: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setTitle(f"Biên bản tiêu hủy {batch['batch_id']}")
    # Machine-readable too: a checker reads the batch and the event hash without OCR.
    pdf.setSubject(f"batch {batch['batch_id']} events-sha256 {batch['events_sha256']}")
    pdf.setKeywords(["tangvat", "disposal", str(batch["batch_id"]), batch["events_sha256"]])
    page = _Page(pdf)
    execution = batch["execution"] or {}
    page.line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=11, center=True)
    page.line("Độc lập - Tự do - Hạnh phúc", bold=True, size=10, center=True, gap=2 * LINE)
    page.line("BIÊN BẢN TIÊU HỦY TANG VẬT", bold=True, size=14, center=True, gap=2 * LINE)
    page.line(f"Mã lô: {batch['batch_id']}    Đơn vị: {batch['unit']}")
    page.line(f"Ngày tiêu hủy: {execution.get('executed_on', '')}    Địa điểm: {execution.get('place', '')}")
    method = execution.get("destruction_method") or ""
    page.line(f"Hình thức tiêu hủy: {METHODS_VI.get(method, method)}    Lý do đề xuất: {batch['reason']}")
    page.line(f"Người đề xuất: {batch['proposer']}    Số mặt hàng: {len(items)}    "
              f"Tổng giá trị: {vnd(sum(int(i['value_vnd']) for i in items))}", gap=2 * LINE)

    page.line("I. Quyết định của Hội đồng", bold=True, size=10)
    page.line(f"Ngưỡng thông qua: {batch['quorum']} phiếu tán thành; quyết định lúc {batch['decided_at']}")
    for v in batch["votes"]:
        page.line(f"- {v['member']}: {DECISIONS_VI.get(v['decision'], v['decision'])} lúc {v['cast_at']} "
                  f"— {v['reason']}", x=MARGIN + 4 * mm)
    page.line("", gap=LINE)

    page.line("II. Người chứng kiến", bold=True, size=10)
    for w in execution.get("witnesses", []):
        org = f", {w['organisation']}" if w.get("organisation") else ""
        page.line(f"- {w['name']} ({w['user_id']}{org})", x=MARGIN + 4 * mm)
    page.line("III. Chứng cứ (SHA-256)", bold=True, size=10)
    for e in execution.get("evidence", []):
        page.line(f"- {e['kind']}: {e['name']}  {e['sha256']}", x=MARGIN + 4 * mm, size=7)
    page.line("", gap=LINE)

    page.line("IV. Danh mục tang vật đã tiêu hủy", bold=True, size=10)
    xs = [0, 10 * mm, 42 * mm, 120 * mm, 140 * mm]
    page.row(["STT", "Mã nhãn", "Mô tả", "Số lượng", "Giá trị"], xs, bold=True)
    for n, item in enumerate(items, start=1):
        description = str(item["description"])[:48]
        page.row([str(n), str(item["label_code"]), description, f"{item['quantity']} {item['unit']}",
                      vnd(int(item["value_vnd"]))], xs)
    page.line("", gap=LINE)

    section = "V"
    if batch.get("dropped"):
        # Taken out of the batch by the board before execution: named, with its reason, never silently gone.
        page.line("V. Tang vật được Hội đồng rút khỏi lô (không tiêu hủy)", bold=True, size=10)
        for n, d in enumerate(batch["dropped"], start=1):
            deferred = " (hoãn, sẽ đề xuất lại)" if d["deferred"] else ""
            page.line(f"{n}. {d['label_code']} — {str(d['description'])[:40]}: {d['reason']}{deferred} "
                      f"({d['dropped_by']})", x=MARGIN + 4 * mm, size=8)
        page.line("", gap=LINE)
        section = "VI"

    page.line(f"{section}. Đối chiếu với sổ sự kiện", bold=True, size=10)
    page.line("SHA-256 của các sự kiện của lô (JSON chuẩn RFC 8785, theo thứ tự):", size=8)
    page.line(batch["events_sha256"], size=8, gap=3 * LINE)

    page.line("CHỮ KÝ", bold=True, size=10, center=True, gap=2 * LINE)
    signers = ["Chủ tịch Hội đồng", *[w["name"] for w in execution.get("witnesses", [])], "Người lập biên bản"]
    for signer in signers:
        page.line(f"{signer}: ..........................................", gap=2 * LINE)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
