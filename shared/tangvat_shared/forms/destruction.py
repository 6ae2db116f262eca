"""Biên bản tiêu hủy tang vật (destruction minutes) from disposal's execution record: the decision it carries
out, the board, where, when and how the goods were destroyed, the goods, and the signatures of the chair, the
executing team and every witness."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tangvat_shared.forms import goods as table
from tangvat_shared.forms.goods import Goods
from tangvat_shared.forms.layout import Form, Heading, Party, Signature, text, time_words

TITLE = "BIÊN BẢN TIÊU HỦY TANG VẬT, PHƯƠNG TIỆN VI PHẠM HÀNH CHÍNH"
CHAIR, EXECUTOR = "chair", "executor"


def witness_key(n: int) -> str:
    return f"witness-{n}"


@dataclass(frozen=True)
class DestructionMinutes:
    """`decision`: the board's decision it executes ("Quyết định tiêu hủy của Hội đồng, lô ..."); `board`: the
    members and their votes in words; `parties`: the chair, the executing team and the witnesses (keys `chair`,
    `executor`, `witness-1`, ...); `evidence`: what was recorded ("ảnh: lo-1.jpg, SHA-256 ...")."""

    heading: Heading
    decision: str
    reason: str
    method: str
    board: Sequence[str]
    parties: Sequence[Party]
    goods: Sequence[Goods]
    evidence: Sequence[str] = ()
    dropped: Sequence[str] = ()


def render(minutes: DestructionMinutes, signatures: Mapping[str, Signature] | None = None) -> bytes:
    h = minutes.heading
    form = Form(f"Biên bản tiêu hủy {h.number}", f"tangvat destruction {minutes.decision}")
    form.heading(h, TITLE)
    form.para(f"<i>Căn cứ {text(minutes.decision)};</i>")
    form.para(f"Hôm nay, {text(time_words(h.at))}, tại {text(h.place)}, chúng tôi gồm:")
    form.parties("", minutes.parties)
    if minutes.board:
        form.para("Hội đồng xử lý tang vật đã biểu quyết:")
        for vote in minutes.board:
            form.para(f"- {text(vote)}")
    form.para(f"Tiến hành tiêu hủy tang vật, phương tiện vi phạm hành chính. Lý do: {text(minutes.reason)}. "
              f"Hình thức tiêu hủy: <b>{text(minutes.method)}</b>. Danh mục tang vật đã tiêu hủy:")
    form.table(table.HEADERS, table.rows(minutes.goods), table.WIDTHS, total=table.total(minutes.goods), codes=(1,))
    if minutes.dropped:
        form.para("Tang vật được Hội đồng rút khỏi lô (không tiêu hủy):")
        for line in minutes.dropped:
            form.para(f"- {text(line)}")
    if minutes.evidence:
        form.para("Chứng cứ ghi nhận (SHA-256):")
        for line in minutes.evidence:
            form.para(text(line), style=form.s.small)
    form.para("Việc tiêu hủy kết thúc cùng ngày, bảo đảm vệ sinh môi trường, tang vật đã bị tiêu hủy hoàn toàn "
              "không còn khả năng sử dụng. Biên bản được các thành phần đọc lại, thống nhất và cùng ký xác nhận.")
    form.signatures(minutes.parties, signatures or {})
    return form.render()
