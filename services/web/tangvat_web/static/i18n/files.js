/* Photos and documents (the file store): uploads at intake, at receipt and as destruction evidence. */
Object.assign(window.TV_STRINGS.vi, {
  "err.file_empty": "Tệp rỗng: chọn lại tệp.",
  "err.file_too_large": "Tệp quá lớn: ảnh tối đa 5 MB, tài liệu PDF tối đa 20 MB.",
  "err.file_type": "Chỉ nhận ảnh JPEG, PNG, WebP hoặc tài liệu PDF.",
  "err.file_missing": "Tệp này không còn trong kho lưu trữ tệp: báo cho quản trị viên và kiểm toán viên.",
  "err.file_altered": "Tệp trong kho lưu trữ không khớp mã băm đã ghi: tệp đã bị thay đổi, không hiển thị được.",
  "err.bad_sha256": "Mã tệp không hợp lệ (phải là SHA-256: 64 ký tự hệ 16, chữ thường).",
});
Object.assign(window.TV_STRINGS.en, {
  "err.file_empty": "The file is empty: choose it again.",
  "err.file_too_large": "The file is too large: photos up to 5 MB, PDF documents up to 20 MB.",
  "err.file_type": "Only JPEG, PNG or WebP photos and PDF documents are accepted.",
  "err.file_missing": "This file is no longer in the file store: tell an administrator and the auditor.",
  "err.file_altered": "The stored file does not match its recorded hash: it was altered and cannot be shown.",
  "err.bad_sha256": "Not a valid file reference (a SHA-256: 64 lower-case hex digits).",
});
