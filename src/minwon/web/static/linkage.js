// Linkage on the desk: Alt+V focuses the verification, Alt+L (or the button) fans out to every panel.
(function () {
  "use strict";
  function fanOut() {
    const cards = document.querySelectorAll("#linkage-panels .linkage-card");
    cards.forEach((el) => { el.setAttribute("aria-busy", "true"); window.htmx.trigger(el, "linkage-run"); });
  }
  document.addEventListener("click", (ev) => {
    if (ev.target.closest && ev.target.closest("#linkage-fanout")) { ev.preventDefault(); fanOut(); }
  });
  document.addEventListener("keydown", (ev) => {
    if (!ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (ev.code === "KeyL" && document.querySelector("#linkage-fanout")) { ev.preventDefault(); fanOut(); }
    if (ev.code === "KeyV") {
      const first = document.querySelector("#linkage-verify input[type=checkbox]");
      if (first) { ev.preventDefault(); first.focus(); }
    }
  });
  // Validation errors (422) replace the verification form like a normal answer.
  document.addEventListener("htmx:beforeSwap", (ev) => {
    if (ev.detail.xhr.status === 422 && ev.detail.target && ev.detail.target.id === "linkage-box") {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    }
  });
})();
