// Shared page helpers. The desk and supervisor pages add their own scripts.
document.addEventListener("htmx:responseError", (ev) => {
  try {
    const body = JSON.parse(ev.detail.xhr.responseText);
    if (body && body.message) { window.alert(body.message); }
  } catch (_e) { /* not JSON */ }
});
