// Live desks: Socket.IO on /live with the login session; catches up after a reconnect.
(function () {
  const root = document.getElementById("live");
  if (!root || typeof io === "undefined") return;
  const labels = (document.getElementById("t-labels") || { dataset: {} }).dataset;
  const feed = document.getElementById("feed");
  const calls = document.getElementById("calls");
  const state = document.getElementById("connection");
  let lastAt = root.dataset.since;
  const seen = new Set();
  const names = JSON.parse((document.getElementById("status-names") || {}).textContent || "{}");
  const departments = JSON.parse(
    (document.getElementById("department-names") || {}).textContent || "{}");
  // The time of an event in the page's language, 24-hour, in the hotline's time zone.
  const clock = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
    timeZone: labels.tz || undefined,
  });

  function caseLink(number) {
    const a = document.createElement("a");
    a.href = root.dataset.case.replace("NUMBER", encodeURIComponent(number));
    a.textContent = number;
    return a;
  }

  function note(kind, payload) {
    const key = kind + payload.number + payload.at + (payload.level || "");
    if (seen.has(key)) return;
    seen.add(key);
    if (payload.at && payload.at > lastAt) lastAt = payload.at;
    if (!feed) return;
    const li = document.createElement("li");
    const when = clock.format(new Date(payload.at));
    li.append(when + " ");
    if (kind === "case.escalated") {
      li.className = "escalated";
      li.append(labels.escalated.replace("LEVEL", payload.level) + " ");
    } else {
      li.append((kind === "case.created" ? labels.created : labels.updated) + " ");
    }
    if (payload.priority === "emergency") {
      li.className = "emergency";
      beep();
    }
    li.append(caseLink(payload.number));
    if (payload.department) li.append(" · " + (departments[payload.department] || payload.department));
    if (payload.status) li.append(" · " + (names[payload.status] || payload.status));
    feed.prepend(li);
    refreshCounters();
  }

  let counterTimer = null;
  function refreshCounters() {
    if (!document.getElementById("c-overdue")) return;
    clearTimeout(counterTimer);
    counterTimer = setTimeout(() => {
      fetch("/desk/counters", { credentials: "same-origin" }).then((r) => r.json()).then((c) => {
        for (const [name, value] of Object.entries(c)) {
          const el = document.getElementById("c-" + name);
          if (el) el.textContent = value;
        }
      }).catch(() => {});
    }, 300);
  }

  function beep() {
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      const osc = ctx.createOscillator();
      osc.frequency.value = 880;
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.4);
    } catch (e) { /* no audio: the red line is enough */ }
  }

  function showCall(call) {
    if (!calls) return;
    const none = document.getElementById("no-calls");
    if (none) none.remove();
    const li = document.createElement("li");
    li.id = "call-" + call.call_sid;
    const who = document.createElement("strong");
    who.textContent = (labels.ringing || "") + " " + (call.from_display || call.from_phone || "?");
    li.append(who);
    if (call.open_case) {
      li.append(" · " + labels.open + ": ");
      li.append(caseLink(call.open_case.number));
      li.append(" " + call.open_case.category + " — " + call.open_case.description);
    }
    li.append(" · " + call.earlier_cases.length + " " + labels.earlier + " ");
    if (call.from_phone && root.dataset.intake) {
      const go = document.createElement("a");
      go.className = "button";
      go.href = root.dataset.intake + "?phone=" + encodeURIComponent(call.from_phone);
      go.textContent = labels.register;
      li.append(go);
    }
    calls.prepend(li);
  }

  const socket = io("/live", { transports: ["websocket", "polling"] });
  socket.on("connect", () => {
    state.textContent = "●"; state.className = "badge up";
    fetch(root.dataset.changes + "?since=" + encodeURIComponent(lastAt), { credentials: "same-origin" })
      .then((r) => r.json())
      .then((body) => (body.items || []).forEach((c) => note(c.event, c)))
      .catch(() => {});
  });
  socket.on("disconnect", (reason) => {
    state.textContent = "○"; state.className = "badge down";
    // Closed by the server: the user's role or department changed (reconnecting joins the
    // new one's events) or the login ended (then the reconnect is refused, and stays down).
    if (reason === "io server disconnect") setTimeout(() => socket.connect(), 1000);
  });
  ["case.created", "case.updated", "case.escalated"].forEach((name) =>
    socket.on(name, (payload) => note(name, payload)));
  socket.on("call.incoming", showCall);
  socket.on("call.updated", (call) => {
    const li = document.getElementById("call-" + call.call_sid);
    if (li && ["completed", "busy", "failed", "no-answer", "canceled"].includes(call.status)) li.className = "done";
  });
})();
