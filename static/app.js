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
  // Template preview on the contact's message page: the variables as typed.
  for (const form of document.querySelectorAll("form.start-template")) {
    const render = () => {
      for (const out of form.querySelectorAll("[data-template]")) {
        let text = out.dataset.template;
        for (const input of form.querySelectorAll(`input[data-part="${out.dataset.part}"]`)) {
          const v = input.value.trim() || `[${input.dataset.var}]`;
          text = text.split(`{{${input.dataset.var}}}`).join(v);
        }
        out.textContent = text;
      }
    };
    form.addEventListener("input", render);
  }
  // A conversation opens at its newest message (the composer is sticky, so scrolling to it would
  // not move the page); a link to one message (#m123) keeps its place.
  const timeline = document.getElementById("timeline");
  if (timeline && (!location.hash || location.hash === "#composer")) {
    window.scrollTo(0, document.documentElement.scrollHeight);
  }
  // On touch screens a tap on a customer's message shows its Reply and reactions.
  document.addEventListener("click", (e) => {
    if (e.target.closest("a, button, input, video, audio")) return;
    const bubble = e.target.closest("#timeline .bubble");
    for (const b of document.querySelectorAll("#timeline .show-actions")) if (b !== bubble) b.classList.remove("show-actions");
    if (bubble) bubble.classList.toggle("show-actions");
  });
});

// Live updates: the server sends an event when a conversation changes; the inbox list and the
// open conversation are fetched again and swapped in. Without JavaScript, reload shows the same.
document.addEventListener("DOMContentLoaded", () => {
  const list = document.getElementById("convlist");
  const timeline = document.getElementById("timeline");
  // Only the inbox and conversation pages hold a live connection (browsers allow few per site
  // over HTTP/1.1); other pages show the count as it was when they loaded.
  if (!("EventSource" in window) || !document.body.dataset.signedIn || (!list && !timeline)) return;
  // The unread count in the tab title and on the Inbox item, and the person's opt-in sound and
  // desktop notification for new customer messages in conversations that are theirs or nobody's.
  const wants = (document.body.dataset.notify || "").split(" ");
  if (wants.includes("desktop") && "Notification" in window && Notification.permission === "default") {
    document.addEventListener("click", () => Notification.requestPermission(), { once: true });
  }
  const beep = () => {
    try {
      const ctx = new AudioContext();
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.08, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.35);
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.35);
    } catch (_) { /* no audio: nothing to do */ }
  };
  const counted = async (id) => {
    try {
      const resp = await fetch(`/inbox/unread?conversation=${encodeURIComponent(id)}`, { credentials: "same-origin" });
      if (!resp.ok) return;
      const data = await resp.json();
      const badge = document.getElementById("unread-count");
      if (badge) { badge.textContent = data.text; badge.hidden = data.unread === 0; badge.setAttribute("aria-label", `${data.text} unread conversations`); }
      document.title = (data.unread > 0 ? `(${data.text}) ` : "") + document.title.replace(/^\(\d+\+?\) /, "");
      const open = timeline && timeline.dataset.conversation === String(id) && document.visibilityState === "visible";
      if (!data.notify || open) return;
      if (wants.includes("sound")) beep();
      if (wants.includes("desktop") && "Notification" in window && Notification.permission === "granted") {
        const n = new Notification(data.notify.name, { body: data.notify.text, tag: `conversation-${id}` });
        n.onclick = () => { window.focus(); location.href = `/conversations/${id}`; };
      }
    } catch (_) { /* offline: the next event tries again */ }
  };
  let pending = false;
  const refresh = async () => {
    if (pending) return;
    pending = true;
    try {
      const resp = await fetch(location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" });
      if (!resp.ok) return;
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      const root = document.documentElement;
      const atBottom = window.innerHeight + window.scrollY >= root.scrollHeight - 120;
      for (const id of ["convlist", "timeline"]) {
        const old = document.getElementById(id);
        const fresh = doc.getElementById(id);
        if (old && fresh) old.replaceWith(fresh);
      }
      const side = doc.querySelector(".conv-side");
      const oldSide = document.querySelector(".conv-side");
      if (side && oldSide && !oldSide.contains(document.activeElement)) oldSide.replaceWith(side);
      if (timeline && atBottom) window.scrollTo(0, root.scrollHeight);
      document.dispatchEvent(new CustomEvent("flowcrm:updated"));
    } finally {
      pending = false;
    }
  };
  const events = new EventSource("/events");
  events.addEventListener("conversation", (e) => {
    counted(e.data);
    if (list) refresh();
    else if (timeline && timeline.dataset.conversation === e.data) refresh();
  });
  events.addEventListener("reload", refresh);
  document.body.dataset.live = "on";
  events.addEventListener("ready", () => { document.body.dataset.live = "ready"; });
});

// Mark the open conversation read (this sends the customer a read receipt) with a POST once it
// is on screen, and again when new messages arrive while it is; viewing the page changes nothing.
(() => {
  const markSeen = () => {
    const form = document.getElementById("seen-form");
    if (!form || document.visibilityState !== "visible") return;
    form.remove();
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
      redirect: "manual",
    });
  };
  document.addEventListener("DOMContentLoaded", markSeen);
  document.addEventListener("flowcrm:updated", markSeen);
  document.addEventListener("visibilitychange", markSeen);
})();

// Keyboard shortcuts (not while typing): R reply, N note, A take, E resolve, J/K move in the
// inbox list, / search.
document.addEventListener("keydown", (e) => {
  const t = e.target;
  if (e.ctrlKey || e.metaKey || e.altKey || (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)))) return;
  const key = e.key.toLowerCase();
  const click = (sel) => { const el = document.querySelector(sel); if (el) { e.preventDefault(); el.click(); } };
  if (key === "r") { const b = document.getElementById("body"); if (b) { e.preventDefault(); b.focus(); } }
  else if (key === "n") { const d = document.getElementById("note"); if (d) { e.preventDefault(); d.open = true; document.getElementById("notebody").focus(); } }
  else if (key === "a") click("#take");
  else if (key === "e") click(".conv-side button[value=resolved]");
  else if (key === "/") { e.preventDefault(); location.href = "/search"; }
  else if (key === "j" || key === "k") {
    const links = [...document.querySelectorAll("#convlist a.conv")];
    if (!links.length) return;
    e.preventDefault();
    const i = links.indexOf(document.activeElement);
    const next = key === "j" ? Math.min(links.length - 1, i + 1) : Math.max(0, i - 1);
    links[i < 0 ? 0 : next].focus();
  }
});

// A conversation page answered to an AI request (a POST) takes the conversation's own address,
// so reloading it, or the live refresh, reads the conversation instead of repeating the request.
(() => {
  const timeline = document.getElementById("timeline");
  const canonical = timeline && timeline.dataset.canonical;
  if (canonical && location.pathname !== canonical) history.replaceState(null, "", canonical + location.hash);
})();

// The AI panel's buttons (summary, tag suggestions) answer with the whole page: they carry what
// is typed in the reply box along, so it is still there afterwards.
document.addEventListener("submit", (e) => {
  const form = e.target;
  const body = document.getElementById("body");
  if (!body || !body.value || !form.closest || !form.closest("#ai")) return;
  let field = form.querySelector("input[name=body]");
  if (!field) {
    field = document.createElement("input");
    field.type = "hidden";
    field.name = "body";
    form.appendChild(field);
  }
  field.value = body.value;
});

// The campaign form: choosing another template redraws its variable rows on the server (the
// "Use this template" button does it without JavaScript).
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select[data-reload]")) {
    const button = document.getElementById(select.dataset.reload);
    if (!button) continue;
    button.hidden = true;
    select.addEventListener("change", () => button.click());
  }
});

// A sending campaign's funnel is fetched again every few seconds (while the tab is visible) and
// swapped in; it stops once the campaign is no longer sending. Without JavaScript, reload.
document.addEventListener("DOMContentLoaded", () => {
  const funnel = document.querySelector("#funnel[data-refresh]");
  if (!funnel) return;
  const every = Math.max(5, Number(funnel.dataset.refresh) || 10) * 1000;
  const timer = setInterval(async () => {
    if (document.visibilityState !== "visible") return;
    try {
      const resp = await fetch(location.href, { credentials: "same-origin" });
      if (!resp.ok) return;
      const fresh = new DOMParser().parseFromString(await resp.text(), "text/html").getElementById("funnel");
      if (!fresh) return;
      funnel.innerHTML = fresh.innerHTML;
      if (!fresh.hasAttribute("data-refresh")) clearInterval(timer);
    } catch (_) { /* offline: the next tick tries again */ }
  }, every);
});
