/* The scan station's offline queue: every scan is a request with its idempotency key, kept in
   localStorage until a service has answered it. A retry after a lost answer reuses the key, so the
   service replays its first answer instead of recording the scan twice. */
"use strict";
const ScanQueue = (() => {
  const STORE = "tv_scan_queue";
  let flushing = false;

  const load = () => { try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch { return []; } };
  const save = (entries) => localStorage.setItem(STORE, JSON.stringify(entries));
  const size = () => load().length;

  function add(entry) { const entries = load(); entries.push(entry); save(entries); }

  /* Send the queued scans in order; stop at the first one the network still cannot carry.
     `onAnswer(entry, answer)` hears every answered scan and says what it came to (accepted, refused...).
     Returns those outcomes, in order: the station sums them up, so a refusal never hides behind "sent". */
  async function flush(send, onAnswer) {
    if (flushing) return [];
    flushing = true;
    const answered = [];
    try {
      for (;;) {
        const entries = load();
        if (!entries.length) break;
        const entry = entries[0];
        const answer = await send(entry);
        if (answer.network) break;
        // Removed only once answered: a crash before this line resends with the same key.
        save(load().filter((e) => e.key !== entry.key));
        answered.push(await onAnswer(entry, answer));
      }
    } finally {
      flushing = false;
    }
    return answered;
  }

  return { add, flush, size, load };
})();
