"""Goods returned to their owner on a release order, without a board vote (within 5 working days): the notice to
the owner (thông báo trả lại tang vật) and the four-party return minutes (biên bản trả lại tang vật) signed by
the agency that decided, the warehouse keeper, the owner (after an ID check) and a witness. The return flow
(the board's pages) hands these plain data; nothing here reads a database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from tangvat_shared.forms import goods as table
from tangvat_shared.forms.goods import Goods
from tangvat_shared.forms.layout import Form, Heading, Party, Signature, text, time_words

MINUTES_TITLE = "BIÊN BẢN TRẢ LẠI TANG VẬT, PHƯƠNG TIỆN VI PHẠM HÀNH CHÍNH BỊ TẠM GIỮ"
NOTICE_TITLE = "THÔNG BÁO"
NOTICE_SUBTITLE = "Về việc trả lại tang vật, phương tiện vi phạm hành chính bị tạm giữ"
AGENCY, KEEPER, OWNER, WITNESS = "agency", "keeper", "owner", "witness"


@dataclass(frozen=True)
class Owner:
    name: str
    id_document: str  # "CCCD số 027090001234, cấp ngày ..."
    address: str = ""


@dataclass(frozen=True)
class ReturnOfGoods:
    """`order`: the release order ("Quyết định trả lại tang vật số ... ngày ..."); `deadline`: by when the owner
    collects them (5 working days, `tangvat_shared.workdays`); `counter`: where; `parties`: the four who sign
    (keys `agency`, `keeper`, `owner`, `witness`)."""

    heading: Heading
    order: str
    owner: Owner
    goods: Sequence[Goods]
    counter: str
    deadline: date
    parties: Sequence[Party]


def four_parties(agency: str = "", keeper: str = "", owner: str = "", witness: str = "") -> tuple[Party, ...]:
    return (Party(AGENCY, "Đại diện cơ quan ra quyết định", agency), Party(KEEPER, "Người quản lý kho", keeper),
            Party(OWNER, "Chủ sở hữu (người nhận lại)", owner), Party(WITNESS, "Người chứng kiến", witness))


def render_notice(notice: ReturnOfGoods) -> bytes:
    """The notice to the owner: what is returned, under which order, where and by when to collect it."""
    h, o = notice.heading, notice.owner
    form = Form(f"Thông báo trả lại tang vật {h.number}", f"tangvat release-notice {notice.order}")
    form.heading(h, NOTICE_TITLE, NOTICE_SUBTITLE)
    form.para(f"Kính gửi: Ông/Bà <b>{text(o.name)}</b>; {text(o.id_document)}"
              + (f"; địa chỉ: {text(o.address)}" if o.address else ""))
    form.para(f"Thực hiện {text(notice.order)}, {text(h.unit)} thông báo trả lại các tang vật, phương tiện sau:")
    form.table(table.HEADERS, table.rows(notice.goods), table.WIDTHS, total=table.total(notice.goods), codes=(1,))
    form.para(f"Đề nghị Ông/Bà mang theo giấy tờ tùy thân đến <b>{text(notice.counter)}</b> để nhận lại tang vật "
              f"trước ngày <b>{notice.deadline:%d/%m/%Y}</b> (trong thời hạn 05 ngày làm việc).")
    form.signatures(notice.parties[:1], {}, per_row=1)
    return form.render()


def render_minutes(minutes: ReturnOfGoods, signatures: Mapping[str, Signature] | None = None) -> bytes:
    """The four-party minutes signed at the counter when the owner takes the goods back."""
    h, o = minutes.heading, minutes.owner
    form = Form(f"Biên bản trả lại tang vật {h.number}", f"tangvat release-minutes {minutes.order}")
    form.heading(h, MINUTES_TITLE)
    form.para(f"<i>Căn cứ {text(minutes.order)};</i>")
    form.para(f"Hôm nay, {text(time_words(h.at))}, tại {text(minutes.counter)}, chúng tôi gồm:")
    form.parties("", minutes.parties)
    form.para(f"Đã kiểm tra giấy tờ tùy thân của người nhận: {text(o.id_document)}. Tiến hành trả lại cho Ông/Bà "
              f"<b>{text(o.name)}</b> các tang vật, phương tiện sau:")
    form.table(table.HEADERS, table.rows(minutes.goods), table.WIDTHS, total=table.total(minutes.goods), codes=(1,))
    form.para("Người nhận đã kiểm tra số lượng, tình trạng tang vật, không có ý kiến khác. Biên bản được lập thành "
              "04 bản có giá trị như nhau, mỗi bên giữ một bản, được các bên đọc lại và cùng ký xác nhận.")
    form.signatures(minutes.parties, signatures or {})
    return form.render()
