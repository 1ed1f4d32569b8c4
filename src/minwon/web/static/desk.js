// The counselor's desk: screen-pops over SSE, keyboard shortcuts, and the contact form's behaviour.
// Keys are matched on KeyboardEvent.code so they work with the Korean IME switched on.
(() => {
  "use strict";
  const $ = (sel, root = document) => root.querySelector(sel);
  const popPanel = () => $("#pop-panel");
  const form = () => $("#contact-form");
  let lastSavedCallId = null;

  const TEXT_TYPES = new Set(["text", "search", "tel", "number", "email", "url", "password",
    "datetime-local", "date", "time"]);
  function isTextField(el) {
    if (!el) return false;
    if (el.isContentEditable || el.tagName === "TEXTAREA") return true;
    return el.tagName === "INPUT" && TEXT_TYPES.has((el.type || "text").toLowerCase());
  }

  function formDirty() {
    const f = form();
    return !!f && (f.inquiry.value.trim() !== "" || f.answer.value.trim() !== "");
  }

  // --- form -------------------------------------------------------------------------------------
  function showOutcomeFields() {
    const f = form();
    if (!f) return;
    const chosen = (f.querySelector("input[name=outcome]:checked") || {}).value;
    f.querySelectorAll("fieldset[data-outcome]").forEach((fs) => {
      fs.hidden = fs.dataset.outcome !== chosen;
    });
  }

  function setOutcome(value) {
    const radio = form() && form().querySelector(`input[name=outcome][value=${value}]`);
    if (!radio) return;
    radio.checked = true;
    showOutcomeFields();
    if (value === "transferred") { $("#department").focus(); }
    else if (value === "callback") { form().callback_due.focus(); }
    else { radio.focus(); }
  }

  function markRepeatMatch() {
    const pop = $("#pop");
    const f = form();
    if (!pop || !f) return;
    const recent = (pop.dataset.recentCategories || "").split(",").filter(Boolean);
    const chosen = f.category_id.value;
    pop.querySelectorAll(".repeat-warning .cat").forEach((el) => {
      el.classList.toggle("match", el.dataset.categoryId === chosen);
    });
    const note = pop.querySelector(".repeat-match");
    if (note) note.hidden = !recent.includes(chosen);
  }

  function categoryChanged() {
    const f = form();
    const opt = f.category_id.selectedOptions[0];
    if (opt && opt.dataset.department && !f.department_id.value) {
      f.department_id.value = opt.dataset.department;
    }
    markRepeatMatch();
  }

  function pickCategory(digit) {
    const f = form();
    if (!f) return false;
    const opt = f.querySelector(`#category option[data-hotkey="${digit}"]`);
    if (!opt) return false;
    f.category_id.value = opt.value;
    categoryChanged();
    return true;
  }

  function setDetachedNote(shown) {
    const note = $("#detached-note");
    if (note) note.hidden = !shown;
  }

  function bindCall(callId, caller) {
    const f = form();
    if (!f) return;
    setDetachedNote(false);
    f.call_id.value = callId;
    f.opened_at.value = new Date().toISOString();
    f.dataset.started = "1";
    $("#manual-fields").hidden = true;
    const badge = $("#call-badge");
    if (badge) $("#call-label").textContent = `${badge.dataset.call} #${callId} · ${caller || ""}`;
    const pop = $("#pop");
    if (pop && pop.dataset.defaultCategory && !f.category_id.value) {
      f.category_id.value = pop.dataset.defaultCategory;
      categoryChanged();
    }
  }

  function manualContact() {
    const f = form();
    if (!f) return;
    f.call_id.value = "";
    f.opened_at.value = new Date().toISOString();
    f.dataset.started = "1";
    setDetachedNote(false);
    $("#manual-fields").hidden = false;
    const badge = $("#call-badge");
    if (badge) $("#call-label").textContent = badge.dataset.manual;
    f.caller.focus();
  }

  // Closing the pop (Esc, Close) lets go of its call: the next save is a manual contact, and the
  // badge says so. Otherwise a record for a call that is already saved fails with 409 until Alt+N.
  function detachForm() {
    const f = form();
    if (!f || !f.call_id.value) return;
    f.call_id.value = "";
    if (!formDirty()) {
      delete f.dataset.started;  // the manual wrap-up starts with the first keystroke
      f.opened_at.value = new Date().toISOString();
    }
    $("#manual-fields").hidden = false;
    const badge = $("#call-badge");
    if (badge) $("#call-label").textContent = badge.dataset.manual;
    setDetachedNote(true);
  }

  // --- pop ----------------------------------------------------------------------------------------
  function closePop({ detach = true } = {}) {
    const panel = popPanel();
    if (panel) panel.innerHTML = "";
    if (detach) detachForm();
  }

  function showCallState(data) {
    const pop = $("#pop");
    if (!pop || pop.dataset.callId !== String(data.call_id) || !data.status) return;
    let labels = {};
    try { labels = JSON.parse(pop.dataset.statusLabels || "{}"); } catch (_e) { /* keep the raw status */ }
    const st = $("[data-testid=pop-status]", pop);
    pop.dataset.status = data.status;
    if (st) st.textContent = labels[data.status] || data.status;
  }

  function afterPop() {
    const pop = $("#pop");
    const f = form();
    if (!pop || !f) return;
    const callId = pop.dataset.callId;
    if (f.call_id.value === callId) { markRepeatMatch(); return; }
    if (formDirty() || callId === lastSavedCallId) {
      const panel = popPanel();
      if (callId !== lastSavedCallId && panel && panel.dataset.busy) {
        const note = document.createElement("p");
        note.className = "warning";
        note.setAttribute("role", "status");
        note.textContent = panel.dataset.busy;
        pop.prepend(note);
      }
      return;
    }
    bindCall(callId, pop.dataset.caller);
    markRepeatMatch();
  }

  function loadPop(callId) {
    const pop = $("#pop");
    if (pop && pop.dataset.callId === String(callId)) return;  // already shown; no second access record
    htmx.ajax("GET", `/desk/pop/${callId}`, { target: "#pop-panel", swap: "innerHTML" });
  }

  function connectLive() {
    if (!window.EventSource) return;
    const status = $("#live-status");
    const source = new EventSource("/live/desk");
    source.onopen = () => { if (status) status.textContent = status.dataset.on || ""; };
    source.onerror = () => { if (status) status.textContent = status.dataset.off || ""; };
    source.addEventListener("screen_pop", (ev) => {
      let data;
      try { data = JSON.parse(ev.data); } catch (_e) { return; }
      if (!data || !data.call_id) return;
      const pop = $("#pop");
      if (pop && pop.dataset.callId === String(data.call_id)) {
        if (data.event === "answered") showCallState({ call_id: data.call_id, status: "talking" });
        return;
      }
      loadPop(data.call_id);
    });
    // Hangup/abandon of the shown call: only the label changes; the pop is not fetched again, so no
    // second access record is written.
    source.addEventListener("call_state", (ev) => {
      let data;
      try { data = JSON.parse(ev.data); } catch (_e) { return; }
      if (data && data.call_id) showCallState(data);
    });
  }

  // --- knowledge ------------------------------------------------------------------------------------
  function useArticle() {
    const art = $("#article-view [data-testid=article]");
    const f = form();
    if (!art || !f) return;
    // The plain-text rendering (server side) rather than the Markdown source: the answer field is
    // read out and stored as plain text.
    const plain = $("#article-plain", art) || $("#article-body", art);
    const body = plain.textContent.trim();
    f.answer.value = f.answer.value.trim() ? `${f.answer.value.trim()}\n${body}` : body;
    f.article_id.value = art.dataset.articleId;
    f.answer.focus();
  }

  // --- keyboard -------------------------------------------------------------------------------------
  document.addEventListener("keydown", (ev) => {
    const typing = isTextField(document.activeElement);
    if (ev.ctrlKey && ev.key === "Enter") {
      if (form()) { ev.preventDefault(); form().requestSubmit(); }
      return;
    }
    if (ev.key === "Escape") {
      // Esc in a text field only leaves the field (clearing the search box first), so a counselor
      // typing during a live call never drops the call by accident; Esc outside a field closes the pop.
      if (typing) {
        const el = document.activeElement;
        if (el && el.id === "search-q" && el.value) { el.value = ""; }
        else { el.blur(); }
        ev.preventDefault();
      } else if ($("#pop")) { ev.preventDefault(); closePop(); }
      return;
    }
    const digit = /^Digit([1-9])$/.exec(ev.code) || /^Numpad([1-9])$/.exec(ev.code);
    if (digit && !ev.ctrlKey && !ev.metaKey && (ev.altKey || !typing)) {
      if (pickCategory(digit[1])) ev.preventDefault();
      return;
    }
    if (ev.altKey && !ev.ctrlKey && !ev.metaKey) {
      const actions = {
        KeyR: () => setOutcome("resolved"),
        KeyT: () => setOutcome("transferred"),
        KeyC: () => setOutcome("callback"),
        KeyI: () => form() && form().inquiry.focus(),
        KeyA: () => form() && form().answer.focus(),
        KeyN: manualContact,
        KeyU: useArticle,
        KeyK: () => $("#search-q").focus(),
      };
      if (actions[ev.code]) { ev.preventDefault(); actions[ev.code](); }
      return;
    }
    if (!typing && (ev.code === "Slash" || ev.key === "/") && !ev.ctrlKey && !ev.metaKey) {
      ev.preventDefault();
      $("#search-q").focus();
    }
  });

  // A manual contact's wrap-up starts with its first keystroke, not when the page was rendered.
  document.addEventListener("input", (ev) => {
    const f = form();
    if (!f || !f.contains(ev.target) || f.call_id.value || f.dataset.started) return;
    f.dataset.started = "1";
    f.opened_at.value = new Date().toISOString();
  });

  document.addEventListener("change", (ev) => {
    if (ev.target.name === "outcome") showOutcomeFields();
    if (ev.target.id === "category") categoryChanged();
  });

  document.addEventListener("click", (ev) => {
    const btn = ev.target.closest("[data-action]");
    if (!btn) return;
    if (btn.dataset.action === "close-pop") closePop();
    if (btn.dataset.action === "manual") manualContact();
    if (btn.dataset.action === "use-article") useArticle();
    // Delegated rather than hx-get so a result works the moment it is inserted (fast Tab+Enter).
    if (btn.dataset.action === "open-article") {
      htmx.ajax("GET", `/desk/articles/${btn.dataset.articleId}`, { target: "#article-view", swap: "innerHTML" });
    }
  });

  // --- htmx hooks -------------------------------------------------------------------------------------
  document.addEventListener("htmx:beforeSwap", (ev) => {
    // Validation errors come back as the re-rendered form (4xx): show it instead of an alert.
    const text = ev.detail.xhr.responseText || "";
    if (ev.detail.target.id === "contact-form-box" && ev.detail.isError
        && text.trimStart().startsWith('<div id="contact-form-box"')) {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    }
  });

  let lastSearch = null;
  document.addEventListener("htmx:beforeRequest", (ev) => {
    const elt = ev.detail.elt;
    if (elt && elt.id === "contact-form") {
      lastSavedCallId = elt.call_id.value || null;
      // A new attempt never shows the previous attempt's confirmation or error.
      const done = $("#confirmation");
      if (done) done.remove();
      showSaveError(null);
    }
    if (elt && elt.closest && elt.closest("#callbacks")) {
      const err = $("#callbacks-error");
      if (err) err.hidden = true;
    }
    if (elt && elt.id === "search-form") {
      // Enter and the typing delay may ask for the same query twice; a second answer would replace
      // the results under the keyboard focus, so the repeat is dropped.
      const q = [elt.q.value.trim(), elt.category_id.value, elt.department_id.value].join("|");
      if (q === lastSearch) { ev.preventDefault(); return; }
      lastSearch = q;
    }
  });

  // --- errors ---------------------------------------------------------------------------------------
  // The server's message when it answered JSON ({"message": …}), else null.
  function serverMessage(xhr) {
    try {
      const body = JSON.parse((xhr && xhr.responseText) || "");
      return body && typeof body.message === "string" && body.message ? body.message : null;
    } catch (_e) {
      return null;
    }
  }

  function showSaveError(message) {
    const box = $("#save-error");
    if (!box) return;
    box.textContent = message || "";
    box.hidden = !message;
  }

  // Desk requests show their failures in place; stopping here (body, before document) keeps the
  // page-wide handler in minwon.js from also opening a window.alert.
  function deskFailure(ev) {
    const elt = ev.detail.elt;
    if (!elt || !elt.closest) return;
    const message = serverMessage(ev.detail.xhr);
    if (elt.id === "contact-form") {
      lastSavedCallId = null;  // not saved: the pop's call may still be recorded
      // Nothing is swapped, so everything typed stays in the form.
      showSaveError(message || $("#save-error").dataset.generic);
    } else if (elt.id === "search-form") {
      const results = $("#search-results");
      lastSearch = null;  // the same query may be retried
      const p = document.createElement("p");
      p.className = "error";
      p.setAttribute("role", "alert");
      p.dataset.testid = "search-error";
      p.textContent = message || results.dataset.failed;
      results.replaceChildren(p);
    } else if (elt.closest("#callbacks")) {
      const err = $("#callbacks-error");
      err.textContent = message || err.dataset.generic;
      err.hidden = false;
    } else {
      return;
    }
    ev.stopPropagation();
  }
  document.body.addEventListener("htmx:responseError", deskFailure);
  document.body.addEventListener("htmx:sendError", deskFailure);

  // After settling: htmx applies the new "class" attributes of elements that keep their id only then.
  document.addEventListener("htmx:afterSettle", (ev) => {
    const target = ev.detail.target;
    if (target.id === "pop-panel") { afterPop(); return; }
    if (target.id === "article-view") { const b = $("[data-action=use-article]"); if (b) b.focus(); return; }
    // outerHTML swap: the target is the replaced (detached) box, so match it by id.
    if (target.id !== "contact-form-box") return;
    showOutcomeFields();
    const f = form();
    const bad = f && f.dataset.errorField;
    if (bad) {
      // The template marks the offending control; a fieldset passes focus to its first input.
      const marked = [...f.querySelectorAll(".field-error")].find((el) => el.offsetParent !== null);
      const el = marked && marked.tagName === "FIELDSET" ? marked.querySelector("input") : marked;
      (el || f.category_id).focus();
      return;
    }
    htmx.ajax("GET", "/desk/callbacks", { target: "#callbacks", swap: "innerHTML" });
    const pop = $("#pop");
    if (pop && pop.dataset.callId !== lastSavedCallId) bindCall(pop.dataset.callId, pop.dataset.caller);
    else { closePop({ detach: false }); }
    f.category_id.focus();
  });

  document.addEventListener("DOMContentLoaded", () => {
    showOutcomeFields();
    const f = form();
    if (f) f.category_id.focus();
    connectLive();
  });
})();
