// The build form runs the solver inside the request (up to its time limit): once submitted, the button
// is disabled and says so, so a second click does not start a second build.
(() => {
  "use strict";
  const form = document.querySelector('[data-testid="plan-form"]');
  if (!form) return;
  form.addEventListener("submit", () => {
    const button = form.querySelector('button[type="submit"]');
    if (!button) return;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    if (button.dataset.busyText) button.textContent = button.dataset.busyText;
  });
})();
