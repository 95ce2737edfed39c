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
});
