// The supervisor page: re-fetch the panel when /live/supervisor reports that the shown day's calls
// changed ({"type": "calls_changed", "days": ["YYYY-MM-DD", ...]}); at most one re-fetch per second.
(() => {
  "use strict";
  const MIN_GAP_MS = 1000;
  const panel = document.getElementById("supervisor-panel");
  const status = document.getElementById("sv-live");
  if (!panel || typeof EventSource === "undefined") return;

  let lastFetch = 0;
  let timer = null;
  let inFlight = false;
  let again = false;

  function setStatus(state) {
    if (!status) return;
    status.dataset.state = state;
    const text = status.dataset[state === "live" ? "textLive" : "textOffline"];
    if (text) status.textContent = text;
  }

  async function refresh() {
    timer = null;
    if (inFlight) { again = true; return; }
    inFlight = true;
    lastFetch = Date.now();
    const params = new URLSearchParams({ day: panel.dataset.day, interval: panel.dataset.interval });
    try {
      const response = await fetch(`/supervisor/panel?${params}`, {
        credentials: "same-origin",
        headers: { "HX-Request": "true", "Accept": "text/html" },
      });
      if (response.status === 401) { window.location.assign("/login"); return; }
      if (response.ok) { panel.innerHTML = await response.text(); }
    } catch (_e) {
      // Network hiccup: the next change message triggers another try.
    } finally {
      inFlight = false;
      if (again) { again = false; schedule(); }
    }
  }

  function schedule() {
    if (timer !== null) return;
    const wait = Math.max(0, MIN_GAP_MS - (Date.now() - lastFetch));
    timer = window.setTimeout(refresh, wait);
  }

  function onMessage(ev) {
    let message;
    try { message = JSON.parse(ev.data); } catch (_e) { return; }
    if (!message || message.type !== "calls_changed" || !Array.isArray(message.days)) return;
    if (message.days.includes(panel.dataset.day)) schedule();
  }

  const source = new EventSource("/live/supervisor");
  source.addEventListener("calls_changed", onMessage);
  source.onmessage = onMessage;
  source.addEventListener("subscribed", () => setStatus("live"));
  source.onopen = () => setStatus("live");
  source.onerror = () => setStatus("offline");
  window.addEventListener("pagehide", () => source.close());
})();
