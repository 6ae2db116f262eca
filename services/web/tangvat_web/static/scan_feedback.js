/* What the scan station says after each scan: a banner in colour, a sound, and a line in the log.
   Kinds: ok (green, a beep), already (neutral: done before, nothing changed), pending / queued / warn (amber),
   info (blue), error (red, the alarm), forged (red flashing, the long alarm). */
"use strict";
const ScanFeedback = (() => {
  const $ = (id) => document.getElementById(id);
  let audio = null;

  // Generated tones, no sound files.
  function tone(freq, start, length, type) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = type; osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.25, audio.currentTime + start);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + length);
    osc.connect(gain).connect(audio.destination);
    osc.start(audio.currentTime + start); osc.stop(audio.currentTime + start + length);
  }
  const SOUND = { ok: "ok", info: "ok", already: "already", pending: "warn", queued: "warn", warn: "warn",
                  error: "error", forged: "forged" };
  function beep(kind) {
    const sound = SOUND[kind] || "error";
    document.body.dataset.lastBeep = sound;  // lets tests (and a curious user) see which sound played
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (sound === "ok") tone(1200, 0, 0.12, "sine");
      else if (sound === "already") tone(900, 0, 0.08, "sine");
      else if (sound === "warn") { tone(700, 0, 0.15, "triangle"); tone(700, 0.2, 0.15, "triangle"); }
      else if (sound === "forged") for (let i = 0; i < 4; i++) tone(220, i * 0.3, 0.25, "square");
      else { tone(300, 0, 0.4, "square"); tone(300, 0.5, 0.4, "square"); }
    } catch { /* no audio device: the colour still tells */ }
  }

  const BANNER = { forged: "error forged", already: "neutral", pending: "warn", queued: "warn" };
  /* `sound`: which sound instead of the kind's own; `false` for none (a change of set-up, not a scan). */
  function show(kind, text, sound) {
    const box = $("feedback");
    box.className = `banner ${BANNER[kind] || kind}`;
    box.dataset.kind = kind;
    box.textContent = text;
    if (sound !== false) beep(sound || kind);
  }

  /* One line of the log; `summary`: the line sums up a flushed queue (coloured by its outcome, not one scan). */
  function log(kind, text, summary) {
    const li = document.createElement("li");
    li.dataset.kind = summary ? "summary" : kind;
    li.dataset.outcome = kind;
    const time = document.createElement("span");
    time.className = "log-time";
    time.textContent = new Date().toLocaleTimeString(TV.lang() === "vi" ? "vi-VN" : "en-GB");
    li.append(time, ` ${text}`);
    $("scan-log").prepend(li);
  }

  return { show, log, beep };
})();
