// Linzhu web chat: talks to POST /api/chat (and /api/chat/file). No external scripts.
// Who this browser is lives in an HttpOnly session cookie the server sets: the page never
// names a user, and script cannot read the cookie.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const attach = document.getElementById("attach");
  const picker = document.getElementById("file");
  let ui = {}; // the page's labels in the reply language, as the server last sent them
  localStorage.removeItem("linzhu-user"); // the client-made id of earlier versions

  // Light markup: *bold*, numbers to call ([120](tel:120)) and line breaks. Text nodes
  // only, so nothing is interpreted as HTML; a phone link becomes a tel: link.
  const MARKUP = /(\*[^*\n]+\*|\[[^\]\n]{1,40}\]\(tel:\+?[0-9][0-9-]{1,20}\))/;
  const PHONE = /^\[([^\]\n]{1,40})\]\(tel:(\+?[0-9][0-9-]{1,20})\)$/;
  function renderText(el, text) {
    text.split(MARKUP).forEach(function (part) {
      const phone = PHONE.exec(part);
      if (phone) {
        const link = document.createElement("a");
        link.className = "tel";
        link.href = "tel:" + phone[2];
        link.textContent = phone[1];
        el.appendChild(link);
      } else if (part.length > 2 && part[0] === "*" && part[part.length - 1] === "*") {
        const b = document.createElement("strong");
        renderText(b, part.slice(1, -1));
        el.appendChild(b);
      } else {
        el.appendChild(document.createTextNode(part));
      }
    });
  }

  // Scroll once a message is complete (its buttons and files added), and again on the next
  // frame, when a phone has laid it out: the newest message's buttons stay in view.
  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
    window.requestAnimationFrame(function () { log.scrollTop = log.scrollHeight; });
  }

  function add(cls, text) {
    const el = document.createElement("div");
    el.className = "msg " + cls;
    renderText(el, text);
    log.appendChild(el);
    scrollToEnd();
    return el;
  }

  function applyUi(labels) {
    if (!labels) return;
    ui = labels;
    input.placeholder = ui.placeholder;
    input.setAttribute("aria-label", ui.placeholder);
    document.getElementById("send").textContent = ui.send;
    document.querySelector("header .sub").textContent = ui.subtitle;
    attach.setAttribute("aria-label", ui.attach);
    attach.title = ui.attach;
  }

  // While staff are answering (the server says so with each answer) the resident may send
  // them a photo or a PDF; otherwise there is no attach button. An answer that does not say
  // (most inbox polls) changes nothing.
  function applyHandoff(live) {
    if (typeof live === "boolean") attach.hidden = !live;
  }

  function showReply(r) {
    const el = add("bot", r.text);
    if (r.buttons.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      r.buttons.forEach(function (b) {
        const btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.label;
        btn.addEventListener("click", function () { send({ payload: b.payload }, b.label); });
        row.appendChild(btn);
      });
      el.appendChild(row);
    }
    r.attachments.forEach(function (a) {
      const link = document.createElement("a");
      link.className = "attachment";
      link.download = a.filename;
      link.href = "data:" + a.mime_type + ";base64," + a.data_base64;
      link.textContent = "📎 " + a.filename;
      el.appendChild(document.createElement("br"));
      el.appendChild(link);
    });
  }

  function showReplies(data) {
    document.documentElement.lang = (data.locale || "en").replace("_", "-");
    applyUi(data.ui);
    applyHandoff(data.handoff);
    data.replies.forEach(showReply);
    scrollToEnd();
  }

  async function send(body, shown) {
    if (shown) add("user", shown);
    try {
      const res = await fetch("/api/chat", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const data = await res.json();
      if (!res.ok) { add("bot error", data.error || res.statusText); return; }
      showReplies(data);
    } catch (err) {
      add("bot error", String(err));
    }
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ text: text }, text);
  });

  // A photo or a PDF for staff, with the text box's content as its caption. The bubble says
  // how far it got; the caption stays in the box until the file has been taken, so a failed
  // upload loses nothing.
  attach.addEventListener("click", function () { picker.click(); });
  picker.addEventListener("change", function () {
    const file = picker.files && picker.files[0];
    picker.value = ""; // the same file can be chosen again
    if (file) upload(file);
  });

  function upload(file) {
    const caption = input.value.trim();
    const bubble = add("user", "📎 " + file.name + (caption ? "\n" + caption : ""));
    const status = document.createElement("span");
    status.className = "status";
    status.textContent = ui.sending;
    bubble.appendChild(status);
    const body = new FormData();
    if (caption) body.append("caption", caption);
    body.append("file", file, file.name);
    const xhr = new XMLHttpRequest(); // (fetch cannot report an upload's progress)
    xhr.open("POST", "/api/chat/file");
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", function (ev) {
      if (ev.lengthComputable) {
        status.textContent = ui.sending + " " + Math.floor((100 * ev.loaded) / ev.total) + "%";
      }
    });
    function failed(message) {
      attach.disabled = false;
      bubble.classList.add("failed");
      status.textContent = ui.not_sent;
      add("bot error", message || ui.upload_failed);
    }
    xhr.addEventListener("load", function () {
      const data = xhr.response;
      if (xhr.status !== 200 || !data || !data.replies) {
        failed(data && data.error);
        return;
      }
      attach.disabled = false;
      if (caption && input.value.trim() === caption) input.value = "";
      // No answer is the answer staff's files get; anything else (a refusal) says itself.
      if (data.replies.length) status.remove(); else status.textContent = ui.sent;
      showReplies(data);
    });
    xhr.addEventListener("error", function () { failed(null); });
    xhr.addEventListener("timeout", function () { failed(null); });
    attach.disabled = true; // one file at a time
    xhr.send(body);
  }

  // Reminders and notices: the web chat has no push, so fetch what is waiting every 10 s.
  async function poll() {
    try {
      const res = await fetch("/api/inbox", { credentials: "same-origin" });
      if (!res.ok) return;
      const data = await res.json();
      if (data.replies.length) showReplies(data);
    } catch (err) {
      // Offline for a moment: the messages wait on the server for the next poll.
    }
  }
  setInterval(poll, 10000);

  // On load: the conversation this browser's session already had (kept by the server), or,
  // for a new one, the greeting — without a "/start" bubble.
  async function open() {
    try {
      const res = await fetch("/api/history", { credentials: "same-origin" });
      if (res.ok) {
        const data = await res.json();
        if (data.messages.length) {
          document.documentElement.lang = (data.locale || "en").replace("_", "-");
          applyUi(data.ui);
          applyHandoff(data.handoff);
          data.messages.forEach(function (m) {
            if (m.role === "user") add("user", m.text); else showReply(m);
          });
          scrollToEnd();
          return;
        }
      }
    } catch (err) {
      // No history to show: greet as on a first visit.
    }
    send({ text: "/start", opening: true }, null);
  }
  open();
})();
