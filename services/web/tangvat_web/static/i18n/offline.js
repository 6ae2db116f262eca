/* Words of the offline station and the camera (services/web/tangvat_web/static/offline.js, camera.js). */
"use strict";
Object.assign(window.TV_STRINGS.vi, {
  "offline.ready": "Dùng được khi mất mạng: trang và khoá kiểm tra nhãn đã lưu trên máy này.",
  "offline.not_ready": "Chưa dùng được khi mất mạng: mở trang này một lần khi có mạng và đã đăng nhập.",
  "offline.forged": "Nhãn giả hoặc bị sửa — không đưa vào hàng đợi. Giữ lại vật và báo trưởng kho.",
  "offline.stale_session": "Đang mất mạng: dùng phiên đăng nhập đã lưu; lượt quét sẽ được gửi khi có mạng.",
  "camera.open": "Quét bằng camera",
  "camera.close": "Tắt camera",
  "camera.starting": "Đang mở camera…",
  "camera.aim": "Đưa mã QR trên nhãn vào khung hình.",
  "camera.read": "Đã đọc: {code}",
  "camera.denied": "Không mở được camera: hãy cho phép trang dùng camera trong cài đặt trình duyệt.",
  "camera.none": "Máy này không có camera dùng được.",
  "camera.view": "Hình từ camera sau",
});
Object.assign(window.TV_STRINGS.en, {
  "offline.ready": "Works offline: the pages and the label-checking keys are kept on this device.",
  "offline.not_ready": "Not ready offline yet: open this page once while online and signed in.",
  "offline.forged": "Forged or altered label — not queued. Keep the item aside and tell the warehouse lead.",
  "offline.stale_session": "Offline: using the last known sign-in; scans are sent when the network returns.",
  "camera.open": "Scan with camera",
  "camera.close": "Stop camera",
  "camera.starting": "Opening the camera…",
  "camera.aim": "Hold the label's QR code inside the frame.",
  "camera.read": "Read: {code}",
  "camera.denied": "The camera could not be opened: allow this page to use the camera in the browser's settings.",
  "camera.none": "This device has no camera that can be used.",
  "camera.view": "Rear camera view",
});
