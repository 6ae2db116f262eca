"""The official forms read like the real ones: the national heading, the title, the number, time and place, the
parties, every item's row with its Vietnamese words intact, the signature boxes, and a signature drawn in its box."""

from __future__ import annotations

import hashlib
import io
import unicodedata
from datetime import UTC, date, datetime

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from tangvat_shared.forms import destruction, handover, release, storage_card, warehouse_receipt
from tangvat_shared.forms.goods import Goods
from tangvat_shared.forms.layout import Heading, Party, Signature
from tangvat_shared.forms.words import vnd_words

AT = datetime(2026, 12, 2, 2, 30, tzinfo=UTC)  # 09:30 in Vietnam
HEADING = Heading("Cục Quản lý thị trường tỉnh Bắc Ninh", "Đội QLTT số 1", "12/BB-GN", "Bắc Ninh", AT)
GOODS = [Goods("TV-000123", "Đồng hồ đeo tay hiệu Rolex giả mạo", "chiếc", 24, "Nguyên niêm phong", 12_000_000),
         Goods("TV-000124", "Túi xách nữ nhãn hiệu Gucci", "cái", 3, "Rách bao bì", 1_250_000)]


def signature_png() -> bytes:
    image = Image.new("RGBA", (400, 160), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(10, 120), (80, 20), (150, 130), (390, 40)], fill=(0, 0, 80, 255), width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def words(pdf: bytes) -> str:
    """The PDF's text, NFC (Vietnamese letters compared as written), whitespace runs folded to one space."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def assert_national_heading(text: str) -> None:
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "CỤC QUẢN LÝ THỊ TRƯỜNG TỈNH BẮC NINH" in text
    assert "Số: 12/BB-GN" in text
    assert "Bắc Ninh, ngày 02 tháng 12 năm 2026" in text


def assert_goods_rows(text: str) -> None:
    assert "TV-000123" in text and "Đồng hồ đeo tay hiệu Rolex giả mạo" in text and "12.000.000 đ" in text
    assert "TV-000124" in text and "Túi xách nữ nhãn hiệu Gucci" in text and "Rách bao bì" in text


def minutes(occasion: handover.Occasion = handover.Occasion.RECEIPT) -> handover.HandoverMinutes:
    return handover.HandoverMinutes(
        occasion, HEADING, "Biên bản tạm giữ số 045/BB-TG",
        Party("giver", "Bên giao", "Nguyễn Văn Hùng", "Đội QLTT số 1"),
        Party("receiver", "Bên nhận", "Trần Thị Lan", "Thủ kho KHO-BN-01"), GOODS,
        basis=["Nghị định số 118/2021/NĐ-CP ngày 23/12/2021 của Chính phủ"])


@pytest.mark.parametrize(("occasion", "subtitle"), [(handover.Occasion.RECEIPT, "Nhập kho tạm giữ tang vật"),
                                                    (handover.Occasion.TRANSFER, "Điều chuyển tang vật giữa các kho"),
                                                    (handover.Occasion.DISPOSAL, "Bàn giao tang vật cho Hội đồng")])
def test_handover_minutes_read_like_the_decree_form(occasion: handover.Occasion, subtitle: str) -> None:
    text = words(handover.render(minutes(occasion)))
    assert_national_heading(text)
    assert "BIÊN BẢN GIAO NHẬN TANG VẬT, PHƯƠNG TIỆN VI PHẠM HÀNH CHÍNH" in text
    assert subtitle in text
    assert "Hôm nay, hồi 09 giờ 30 phút, ngày 02 tháng 12 năm 2026, tại Bắc Ninh, chúng tôi gồm:" in text
    assert "1. Bên giao: Nguyễn Văn Hùng; Đội QLTT số 1" in text and "2. Bên nhận: Trần Thị Lan" in text
    assert "Căn cứ Nghị định số 118/2021/NĐ-CP" in text
    assert_goods_rows(text)
    assert "Cộng: 2 mặt hàng" in text and "13.250.000 đ" in text
    assert "BÊN GIAO" in text and "BÊN NHẬN" in text and text.count("(Ký, ghi rõ họ tên)") == 2


def test_a_signature_is_drawn_in_its_party_s_box_with_its_hash() -> None:
    png = signature_png()
    unsigned = handover.render(minutes())
    signed = handover.render(minutes(), {"giver": Signature("giver", "Nguyễn Văn Hùng", png, AT)})
    assert images(unsigned) == 0 and images(signed) == 1
    assert f"SHA-256 {hashlib.sha256(png).hexdigest()[:16]}" in words(signed)
    # Same data, same signatures: the same bytes (the signed PDF's hash is reproducible).
    assert handover.render(minutes(), {"giver": Signature("giver", "Nguyễn Văn Hùng", png, AT)}) == signed


def test_a_description_with_markup_characters_prints_as_text() -> None:
    goods = [Goods("TV-1", "Hộp <b>bánh</b> & kẹo", "hộp", 1)]
    text = words(handover.render(handover.HandoverMinutes(handover.Occasion.RECEIPT, HEADING, "x",
                                                          Party("giver", "Bên giao"), Party("receiver", "Bên nhận"),
                                                          goods)))
    assert "Hộp <b>bánh</b> & kẹo" in text


def test_a_long_list_of_goods_runs_over_pages_with_its_headers_repeated() -> None:
    goods = [Goods(f"TV-{n:06d}", f"Bao thuốc lá điếu nhập lậu số {n}", "bao", 10) for n in range(120)]
    pdf = handover.render(handover.HandoverMinutes(handover.Occasion.TRANSFER, HEADING, "Lệnh điều chuyển",
                                                   Party("giver", "Bên giao"), Party("receiver", "Bên nhận"), goods))
    pages = [unicodedata.normalize("NFC", p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 3
    table_pages = [p for p in pages if "TV-0" in p]
    assert len(table_pages) >= 3 and all("Tên tang vật" in p for p in table_pages)
    assert "TV-000119" in table_pages[-1] and "Cộng: 120 mặt hàng" in " ".join(table_pages[-1].split())
    assert "BÊN GIAO" in pages[-1]  # the signature boxes kept together, on the last page


def test_the_warehouse_receipt_has_its_model_columns_and_the_total_in_words() -> None:
    receipt = warehouse_receipt.WarehouseReceipt(
        HEADING, "Nguyễn Văn Hùng", "Biên bản tạm giữ số 045/BB-TG", "Kho tang vật Bắc Ninh (KHO-BN-01)",
        [warehouse_receipt.ReceivedGoods(GOODS[0], 25), warehouse_receipt.ReceivedGoods(GOODS[1], 3)],
        warehouse_receipt.default_parties("Lê Văn An", "Nguyễn Văn Hùng", "Trần Thị Lan"))
    text = words(warehouse_receipt.render(receipt))
    assert_national_heading(text)
    assert "PHIẾU NHẬP KHO" in text and "Mẫu số 01-VT" in text
    assert "Họ và tên người giao: Nguyễn Văn Hùng" in text and "Nhập tại kho: Kho tang vật Bắc Ninh" in text
    assert "Thực nhập" in text and "Theo chứng từ" in text and "500.000 đ" in text  # 12,000,000 / 24
    assert "Mười ba triệu hai trăm năm mươi nghìn đồng" in text
    for caption in ("NGƯỜI LẬP PHIẾU", "NGƯỜI GIAO HÀNG", "THỦ KHO", "KẾ TOÁN TRƯỞNG"):
        assert caption in text


def test_the_storage_card_keeps_the_running_balance_of_the_item_s_history() -> None:
    card = storage_card.StorageCard(HEADING, GOODS[0], "KHO-BN-01", "045/BB-TG", [
        storage_card.Movement(AT, "NK-1", "Nhập kho, kệ KHO-BN-01.A-1", quantity_in=24, by="tran.lan"),
        storage_card.Movement(AT, "XK-1", "Xuất giám định cho Viện giám định", quantity_out=24, by="tran.lan"),
        storage_card.Movement(AT, "NK-2", "Nhận lại sau giám định", quantity_in=24, by="tran.lan")],
        storage_card.default_parties("Trần Thị Lan"))
    text = words(storage_card.render(card))
    assert "THẺ KHO" in text and "Mẫu số S12-DN" in text and "Ngày lập thẻ: 02/12/2026" in text
    assert "Xuất giám định cho Viện giám định" in text and "Nhận lại sau giám định" in text
    assert [r[6] for r in storage_card.balance_rows(card.movements)] == ["24", "0", "24"]
    assert "Cộng cuối kỳ 48 24 24" in text


def test_the_destruction_minutes_name_the_decision_the_method_and_every_witness() -> None:
    parties = [Party(destruction.CHAIR, "Chủ tịch Hội đồng", "Phạm Văn Bình"),
               Party(destruction.EXECUTOR, "Đại diện tổ thực hiện", "Đỗ Minh Quân"),
               Party(destruction.witness_key(1), "Người chứng kiến", "Hoàng Thị Cúc", "UBND phường Suối Hoa")]
    text = words(destruction.render(destruction.DestructionMinutes(
        HEADING, "Quyết định tiêu hủy của Hội đồng, lô 7c1e", "hàng giả mạo nhãn hiệu", "nghiền",
        ["Phạm Văn Bình: tán thành"], parties, GOODS, evidence=["ảnh: lo-1.jpg, SHA-256 ab12"])))
    assert_national_heading(text)
    assert "BIÊN BẢN TIÊU HỦY TANG VẬT, PHƯƠNG TIỆN VI PHẠM HÀNH CHÍNH" in text
    assert "Căn cứ Quyết định tiêu hủy của Hội đồng, lô 7c1e" in text and "Hình thức tiêu hủy: nghiền" in text
    assert "Hoàng Thị Cúc; UBND phường Suối Hoa" in text and "NGƯỜI CHỨNG KIẾN" in text
    assert_goods_rows(text)


def test_the_return_notice_and_the_four_party_minutes() -> None:
    goods_back = release.ReturnOfGoods(HEADING, "Quyết định trả lại tang vật số 07/QĐ-TL",
                                       release.Owner("Vũ Văn Đức", "CCCD số 027090001234"), GOODS,
                                       "Quầy tiếp nhận, Kho tang vật Bắc Ninh", date(2026, 12, 9),
                                       release.four_parties("Nguyễn Văn Hùng", "Trần Thị Lan", "Vũ Văn Đức"))
    notice = words(release.render_notice(goods_back))
    assert "THÔNG BÁO" in notice and "Về việc trả lại tang vật, phương tiện vi phạm hành chính bị tạm giữ" in notice
    assert "Kính gửi: Ông/Bà Vũ Văn Đức" in notice and "trước ngày 09/12/2026" in notice
    text = words(release.render_minutes(goods_back, {"owner": Signature("owner", "Vũ Văn Đức", signature_png())}))
    assert "BIÊN BẢN TRẢ LẠI TANG VẬT, PHƯƠNG TIỆN VI PHẠM HÀNH CHÍNH BỊ TẠM GIỮ" in text
    assert "CCCD số 027090001234" in text
    for caption in ("ĐẠI DIỆN CƠ QUAN RA QUYẾT ĐỊNH", "NGƯỜI QUẢN LÝ KHO", "CHỦ SỞ HỮU", "NGƯỜI CHỨNG KIẾN"):
        assert caption in text
    assert_goods_rows(text)


@pytest.mark.parametrize(("amount", "said"), [
    (0, "Không đồng"), (5, "Năm đồng"), (15, "Mười lăm đồng"), (21, "Hai mươi mốt đồng"), (105, "Một trăm lẻ năm đồng"),
    (1_005_000, "Một triệu không trăm lẻ năm nghìn đồng"), (24_000_000, "Hai mươi bốn triệu đồng"),
    (13_250_000, "Mười ba triệu hai trăm năm mươi nghìn đồng"), (2_000_000_000, "Hai tỷ đồng")])
def test_amounts_in_words(amount: int, said: str) -> None:
    assert vnd_words(amount) == said
