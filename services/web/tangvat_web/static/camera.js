/* Camera scanning for a handheld without a wedge scanner: a button under the scan field opens the rear camera
   (getUserMedia); frames are decoded by the browser's BarcodeDetector where it has one, else in turns by jsQR
   (labels are QR codes: it finds them where ZXing's finder misses some masks) and ZXing (a manufacturer's EAN or
   Code 128 is read too, and refused in words by the scan handler, never taken for a label). Both are vendored
   under static/vendor/, plain JavaScript: no WebAssembly, so the CSP needs nothing more.
   A code read goes through the scan station's own handler, exactly as a wedge scanner's Enter: TVScan.handle
   when the page exposes it, else the scan form is submitted with the code in its field. */
"use strict";
(() => {
  const FORMATS = ["qr_code", "ean_13", "ean_8", "code_128", "data_matrix"];
  const REPEAT_MS = 3000;  // the same label held in front of the camera is one scan, not ten
  const FRAME_MS = 150;
  let stream = null, timer = null, frames = 0, detector = null, canvas = null, last = { code: "", at: 0 };
  const $ = (id) => document.getElementById(id);

  function deliver(code) {
    const now = Date.now();
    if (code === last.code && now - last.at < REPEAT_MS) return;
    last = { code, at: now };
    if (navigator.vibrate) navigator.vibrate(60);
    // A label's printed code (TV1.<id>.<code>.<signature>), not its whole payload: the line fits a handheld.
    const parts = code.split(".");
    const shown = parts[0] === "TV1" && parts.length >= 4 ? parts.slice(2, -1).join(".") : code.slice(0, 24);
    $("camera-status").textContent = TV.t("camera.read", { code: shown });
    $("camera-status").dataset.code = code;
    if (window.TVScan && typeof window.TVScan.handle === "function") { window.TVScan.handle(code); return; }
    const input = $("scan-input");
    input.value = code;
    $("scan-form").requestSubmit();
  }

  async function makeDetector() {
    if ("BarcodeDetector" in window) {
      try {
        const supported = await window.BarcodeDetector.getSupportedFormats();
        const wanted = FORMATS.filter((f) => supported.includes(f));
        if (wanted.includes("qr_code")) return { kind: "native", impl: new window.BarcodeDetector({ formats: wanted }) };
      } catch { /* fall through to the vendored decoders */ }
    }
    if (!window.jsQR && !window.ZXing) return null;
    let zxingReader = null;
    if (window.ZXing) {
      const Z = window.ZXing;
      zxingReader = new Z.MultiFormatReader();
      const hints = new Map();
      hints.set(Z.DecodeHintType.POSSIBLE_FORMATS, [Z.BarcodeFormat.QR_CODE, Z.BarcodeFormat.EAN_13,
        Z.BarcodeFormat.EAN_8, Z.BarcodeFormat.CODE_128, Z.BarcodeFormat.DATA_MATRIX]);
      hints.set(Z.DecodeHintType.TRY_HARDER, true);
      zxingReader.setHints(hints);
    }
    return { kind: "vendored", zxing: zxingReader };
  }

  function withZxing(reader, grey, w, h) {
    const Z = window.ZXing;
    const bitmap = new Z.BinaryBitmap(new Z.HybridBinarizer(new Z.RGBLuminanceSource(grey, w, h)));
    try { return reader.decodeWithState(bitmap).getText(); } catch { return null; }  // nothing in this frame
  }

  /* One frame: the native detector reads the video itself; the vendored ones read a copy drawn on a canvas. */
  async function readFrame(video) {
    if (!video.videoWidth) return null;
    if (detector.kind === "native") {
      const found = await detector.impl.detect(video);
      return found.length ? found[0].rawValue : null;
    }
    frames += 1;
    const scale = Math.min(1, 800 / Math.max(video.videoWidth, video.videoHeight));
    const w = Math.round(video.videoWidth * scale), h = Math.round(video.videoHeight * scale);
    canvas = canvas || document.createElement("canvas");
    canvas.width = w; canvas.height = h;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, w, h);
    const image = ctx.getImageData(0, 0, w, h);
    if (window.jsQR && (frames % 2 || !detector.zxing)) {
      const found = window.jsQR(image.data, w, h, { inversionAttempts: "dontInvert" });
      return found ? found.data : null;
    }
    const rgba = image.data, grey = new Uint8ClampedArray(w * h);
    for (let i = 0, j = 0; j < grey.length; i += 4, j += 1) grey[j] = (rgba[i] * 77 + rgba[i + 1] * 150 + rgba[i + 2] * 29) >> 8;
    return withZxing(detector.zxing, grey, w, h);
  }

  async function loop() {
    const video = $("camera-view");
    try {
      const code = await readFrame(video);
      if (code) deliver(code.trim());
    } catch { /* a frame that could not be read: try the next */ }
    if (stream) timer = setTimeout(loop, FRAME_MS);
  }

  async function open() {
    const status = $("camera-status");
    status.textContent = TV.t("camera.starting");
    $("camera-box").classList.remove("hidden");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { status.textContent = TV.t("camera.none"); return; }
    detector = detector || await makeDetector();
    if (!detector) { status.textContent = TV.t("camera.none"); return; }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: false, video: { facingMode: { ideal: "environment" } } });
    } catch (err) {
      status.textContent = TV.t(err && err.name === "NotFoundError" ? "camera.none" : "camera.denied");
      status.dataset.error = err ? err.name : "";
      return;
    }
    const video = $("camera-view");
    video.srcObject = stream;
    await video.play().catch(() => {});
    $("camera-toggle").textContent = TV.t("camera.close");
    $("camera-toggle").setAttribute("aria-pressed", "true");
    document.body.dataset.camera = detector.kind;
    status.textContent = TV.t("camera.aim");
    loop();
  }

  function close() {
    clearTimeout(timer);
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    $("camera-view").srcObject = null;
    $("camera-box").classList.add("hidden");
    $("camera-toggle").textContent = TV.t("camera.open");
    $("camera-toggle").setAttribute("aria-pressed", "false");
    delete document.body.dataset.camera;
  }

  function build() {
    const form = $("scan-form");
    if (!form || $("camera-toggle")) return;
    const button = document.createElement("button");
    button.type = "button";
    button.id = "camera-toggle";
    button.className = "secondary camera-toggle";
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-controls", "camera-box");
    button.textContent = TV.t("camera.open");
    const box = document.createElement("div");
    box.id = "camera-box";
    box.className = "camera-box hidden";
    box.innerHTML = `<video id="camera-view" class="camera-view" playsinline muted aria-label="${TV.esc(TV.t("camera.view"))}"></video>
      <p id="camera-status" class="muted" role="status" aria-live="polite"></p>`;
    form.after(button, box);
    button.addEventListener("click", () => (stream ? close() : open()));
    document.addEventListener("tv:lang", () => {
      button.textContent = TV.t(stream ? "camera.close" : "camera.open");
      $("camera-view").setAttribute("aria-label", TV.t("camera.view"));
    });
    window.addEventListener("pagehide", close);
  }

  document.addEventListener("DOMContentLoaded", build);
})();
