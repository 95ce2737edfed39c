// FlowCRM progressive enhancement. Every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Fade out success and info messages after a few seconds; errors stay.
  for (const el of document.querySelectorAll(".flash-success, .flash-info")) {
    setTimeout(() => el.classList.add("flash-hide"), 6000);
  }
  // Prevent double submission of forms on slow connections.
  for (const form of document.querySelectorAll("form")) {
    form.addEventListener("submit", () => {
      for (const b of form.querySelectorAll("button[type=submit]")) {
        setTimeout(() => { b.disabled = true; }, 0);
      }
    });
  }
  // Live countdown of the 24-hour reply window.
  const left = document.querySelector("[data-closes-at]");
  if (left) {
    const closes = Number(left.dataset.closesAt) * 1000;
    const tick = () => {
      const mins = Math.max(0, Math.floor((closes - Date.now()) / 60000));
      left.textContent = mins >= 60 ? `${Math.floor(mins / 60)} h ${mins % 60} min` : `${mins} min`;
      if (mins === 0) location.reload();
    };
    setInterval(tick, 30000);
  }
  // Enter sends, Shift+Enter adds a line, in the reply box.
  const body = document.getElementById("body");
  if (body) {
    body.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && body.value.trim() !== "") {
        e.preventDefault();
        body.form.requestSubmit();
      }
    });
  }
  // Keep the newest message in view.
  const composer = document.getElementById("composer");
  if (composer && !location.hash) composer.scrollIntoView({ block: "end" });
});
