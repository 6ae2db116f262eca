"""Biên bản giao nhận tang vật (handover minutes): at receipt into a warehouse, at a transfer between warehouses
and at the handover of a disposal batch to the disposal team; the giving and the receiving party sign."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tangvat_shared.forms import goods as table
from tangvat_shared.forms.goods import Goods
from tangvat_shared.forms.layout import Form, Heading, Party, Signature, text, time_words

TITLE = "BIÊN BẢN GIAO NHẬN TANG VẬT, PHƯƠNG TIỆN VI PHẠM HÀNH CHÍNH"


class Occasion(enum.StrEnum):
    RECEIPT = "receipt"
    TRANSFER = "transfer"
    DISPOSAL = "disposal"


SUBTITLES = {
    Occasion.RECEIPT: "(Nhập kho tạm giữ tang vật)",
    Occasion.TRANSFER: "(Điều chuyển tang vật giữa các kho)",
    Occasion.DISPOSAL: "(Bàn giao tang vật cho Hội đồng xử lý)",
}
PURPOSES = {
    Occasion.RECEIPT: "giao nhận tang vật, phương tiện vi phạm hành chính để nhập kho tạm giữ",
    Occasion.TRANSFER: "giao nhận tang vật, phương tiện vi phạm hành chính điều chuyển giữa các kho",
    Occasion.DISPOSAL: "bàn giao tang vật, phương tiện vi phạm hành chính cho tổ thực hiện xử lý",
}
GIVER, RECEIVER = "giver", "receiver"


@dataclass(frozen=True)
class HandoverMinutes:
    """`basis`: the documents it rests on ("Biên bản tạm giữ số ..."); `giver`/`receiver`: the two parties (their
    keys are `giver` and `receiver`); `reference`: the seizure record, transfer or batch it concerns."""

    occasion: Occasion
    heading: Heading
    reference: str
    giver: Party
    receiver: Party
    goods: Sequence[Goods]
    basis: Sequence[str] = ()
    notes: Sequence[str] = field(default_factory=tuple)
    copies: int = 2

    @property
    def parties(self) -> tuple[Party, ...]:
        return (self.giver, self.receiver)


def render(minutes: HandoverMinutes, signatures: Mapping[str, Signature] | None = None) -> bytes:
    h = minutes.heading
    form = Form(f"Biên bản giao nhận {h.number}", f"tangvat handover {minutes.occasion} {minutes.reference}")
    form.heading(h, TITLE, SUBTITLES[minutes.occasion])
    for line in minutes.basis:
        form.para(f"<i>Căn cứ {text(line)};</i>")
    form.para(f"Hôm nay, {text(time_words(h.at))}, tại {text(h.place)}, chúng tôi gồm:")
    form.parties("", minutes.parties)
    form.para(f"Tiến hành {text(PURPOSES[minutes.occasion])} theo <b>{text(minutes.reference)}</b>, cụ thể như sau:")
    form.table(table.HEADERS, table.rows(minutes.goods), table.WIDTHS, total=table.total(minutes.goods), codes=(1,))
    for note in minutes.notes:
        form.para(f"Ghi chú: {text(note)}")
    form.para(f"Hai bên đã kiểm đếm, đối chiếu đầy đủ số lượng, tình trạng tang vật nêu trên. Biên bản được lập "
              f"thành {minutes.copies} bản có nội dung và giá trị pháp lý như nhau, mỗi bên giữ một bản; được các "
              "bên đọc lại, thống nhất và cùng ký xác nhận.")
    form.signatures(minutes.parties, signatures or {})
    return form.render()
