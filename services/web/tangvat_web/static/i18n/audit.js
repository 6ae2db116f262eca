/* Words of the audit page (extends i18n.js). */
Object.assign(window.TV_STRINGS.vi, {
  "audit.title": "Kiểm toán", "audit.run": "Chạy kiểm toán ngay", "audit.running": "Đang phát lại nhật ký Kafka…",
  "audit.latest": "Kết quả gần nhất", "audit.clean": "SẠCH — không có phát hiện", "audit.findings": "{n} phát hiện",
  "audit.kind": "Loại", "audit.stream": "Luồng", "audit.seq": "Số thứ tự", "audit.subject": "Đối tượng",
  "audit.detail": "Chi tiết", "audit.streams": "Các luồng", "audit.events": "Sự kiện",
  "audit.timetravel": "Xem vị trí tại một thời điểm", "audit.loc": "Mã vị trí", "audit.at": "Thời điểm",
  "audit.show": "Xem", "audit.items_at": "{n} tang vật tại {loc}", "audit.none": "Chưa chạy kiểm toán nào.",
  "audit.failed": "Phát lại thất bại (mã {code})", "audit.past": "Các lần kiểm toán trước", "audit.more": "Xem thêm",
  "audit.ran_at": "Chạy lúc", "audit.ran_by": "Người chạy", "audit.until": "Trạng thái tại",
  "audit.verdict": "Kết luận", "audit.report": "Báo cáo", "audit.no_past": "Chưa có báo cáo kiểm toán nào được lưu.",
});
Object.assign(window.TV_STRINGS.en, {
  "audit.title": "Audit", "audit.run": "Run an audit now", "audit.running": "Replaying the Kafka log…",
  "audit.latest": "Latest result", "audit.clean": "CLEAN — no findings", "audit.findings": "{n} finding(s)",
  "audit.kind": "Kind", "audit.stream": "Stream", "audit.seq": "Sequence", "audit.subject": "Subject",
  "audit.detail": "Detail", "audit.streams": "Streams", "audit.events": "Events",
  "audit.timetravel": "A location at a point in time", "audit.loc": "Location code", "audit.at": "At",
  "audit.show": "Show", "audit.items_at": "{n} item(s) in {loc}", "audit.none": "No audit has been run yet.",
  "audit.failed": "The replay failed (exit {code})", "audit.past": "Past audits", "audit.more": "Show more",
  "audit.ran_at": "Ran at", "audit.ran_by": "Ran by", "audit.until": "State as of", "audit.verdict": "Verdict",
  "audit.report": "Report", "audit.no_past": "No audit report has been kept yet.",
});
