// Conversations: the inbox and a transcript stay current through Server-Sent Events
// (/staff/conversations/events says "change"; the page then fetches what changed: new
// messages, and the delivery state of the staff replies it shows), and phrases or FAQ
// answers are inserted into the reply in the resident's language.
(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }

  function listen(url, onChange) {
    var source = new EventSource(url);
    source.addEventListener("change", onChange);
    return source;
  }

  // --- The inbox -------------------------------------------------------------
  var inbox = document.getElementById("inbox");
  if (inbox) {
    var labels = document.getElementById("inbox-labels").dataset;
    var body = inbox.querySelector("tbody");
    var render = function (data) {
      body.textContent = "";
      if (!data.conversations.length) {
        var tr = el("tr", "empty");
        var td = el("td", "muted", labels.none);
        td.colSpan = 7;
        tr.appendChild(td);
        body.appendChild(tr);
      }
      data.conversations.forEach(function (r) {
        var tr = el("tr", r.alert ? "alert" : "");
        tr.dataset.id = r.id;
        var name = el("td");
        var a = el("a", "", r.name);
        a.href = "/staff/conversations/" + r.id;
        name.appendChild(a);
        if (r.alert) { name.appendChild(document.createTextNode(" ")); name.appendChild(el("span", "badge no_show", labels.emergency)); }
        tr.appendChild(name);
        tr.appendChild(el("td", "", r.language));
        tr.appendChild(el("td", "", r.channel_name));
        tr.appendChild(el("td", "", labels.min.replace("{n}", r.waiting_minutes)));
        var unread = el("td", "unread");
        if (r.unread) { unread.appendChild(el("span", "badge waitlisted", r.unread)); }
        tr.appendChild(unread);
        var status = el("td");
        status.appendChild(el("span", "badge " + r.status, labels[r.status] || r.status));
        if (r.claimed_by) { status.appendChild(document.createTextNode(" " + r.claimed_by)); }
        tr.appendChild(status);
        var context = el("td", "small", r.context);
        if (r.last) { context.appendChild(el("br")); context.appendChild(el("span", "muted", r.last)); }
        tr.appendChild(context);
        body.appendChild(tr);
      });
      inbox.dataset.version = String(Date.now());
    };
    listen(inbox.dataset.events, function () { getJSON(inbox.dataset.live).then(render); });
  }

  // --- One conversation --------------------------------------------------------
  var transcript = document.getElementById("transcript");
  if (transcript) {
    var names = document.getElementById("msg-labels").dataset;
    transcript.scrollTop = transcript.scrollHeight;
    var badge = function (delivery) {
      var span = el("span", "badge " + delivery, names[delivery] || delivery);
      span.setAttribute("data-delivery", "");
      span.setAttribute("aria-live", "polite");  // "Sending" → "Delivered" is read out
      return span;
    };
    // A staff reply already shown: its badge and note follow its delivery.
    var redraw = function (d) {
      var box = transcript.querySelector('.msg[data-id="' + d.id + '"]');
      var span = box && box.querySelector("[data-delivery]");
      if (!span) { return; }
      span.className = "badge " + d.delivery;
      var label = names[d.delivery] || d.delivery;
      if (span.textContent !== label) { span.textContent = label; }  // announce changes only
      var note = box.querySelector(".note");
      if (d.note && !note) {
        note = el("span", "note");
        span.insertAdjacentElement("afterend", note);
        span.insertAdjacentText("afterend", " ");
      }
      if (note && note.textContent !== d.note) { note.textContent = d.note; }
      if (d.delivery === "failed" || d.delivery === "undeliverable") {
        var resend = document.getElementById("undelivered");  // *Send again*
        if (resend) { resend.hidden = false; }
      }
      if (d.window_closed) {  // WeChat's 48 hours: why, and the template notice
        ["window-closed", "window-actions"].forEach(function (id) {
          var part = document.getElementById(id);
          if (part) { part.hidden = false; }
        });
      }
    };
    var add = function (m) {
      if (transcript.querySelector('[data-id="' + m.id + '"]')) { return; }
      var empty = transcript.querySelector(".empty");
      if (empty) { empty.remove(); }
      var box = el("div", "msg " + m.direction + (m.emergency ? " emergency" : ""));
      box.dataset.id = m.id;
      var who = m.direction === "in" ? names.in : (m.direction === "out" ? (m.author || names.out) : names.bot);
      var meta = el("p", "small muted", who + " · " + m.at);
      if (m.delivery) {
        meta.appendChild(document.createTextNode(" · "));
        meta.appendChild(badge(m.delivery));
      }
      if (m.note) { meta.appendChild(document.createTextNode(" ")); meta.appendChild(el("span", "note", m.note)); }
      box.appendChild(meta);
      if (m.text) { box.appendChild(el("p", "text", m.text)); }
      (m.files || []).forEach(function (f) {
        var p = el("p", "file");
        if (f.image) {
          var pic = el("a");
          pic.href = f.url; pic.target = "_blank"; pic.rel = "noopener";
          var img = el("img", "thumb");
          img.src = f.url; img.alt = f.filename;
          pic.appendChild(img);
          p.appendChild(pic);
          p.appendChild(el("br"));
        }
        var link = el("a", "file-link", "📎 " + f.filename);
        link.href = f.url; link.target = "_blank"; link.rel = "noopener";
        p.appendChild(link);
        p.appendChild(document.createTextNode(" "));
        p.appendChild(el("span", "small muted", f.kb + " KB"));
        box.appendChild(p);
      });
      transcript.appendChild(box);
      transcript.dataset.after = String(Math.max(Number(transcript.dataset.after), m.id));
    };
    listen(transcript.dataset.events, function () {
      getJSON(transcript.dataset.live + "?after=" + transcript.dataset.after).then(function (data) {
        data.messages.forEach(add);
        (data.deliveries || []).forEach(redraw);
        if (data.messages.length) { transcript.scrollTop = transcript.scrollHeight; }
        if (data.status === "closed") {
          var status = document.getElementById("status");
          status.className = "badge closed";
          status.textContent = names.closed;
          var form = document.getElementById("reply-form");
          if (form) { form.hidden = true; }
        }
      });
    });
  }

  // --- Inserting a phrase or an FAQ answer ---------------------------------------
  var reply = document.getElementById("reply");
  var reference = document.getElementById("reference");
  ["phrase", "topic"].forEach(function (id) {
    var select = document.getElementById(id);
    if (!select || !reply) { return; }
    select.addEventListener("change", function () {
      if (!select.value) { return; }
      getJSON(select.dataset.insert + encodeURIComponent(select.value)).then(function (data) {
        reply.value = reply.value ? reply.value.replace(/\s*$/, "\n") + data.text : data.text;
        reply.focus();
        var box = reference.querySelector(".ref");
        box.textContent = "";
        Object.keys(data.reference).forEach(function (loc) {
          var p = el("p", "", data.reference[loc]);
          p.lang = loc.replace("_", "-");
          box.appendChild(p);
        });
        reference.hidden = false;
        select.value = "";
      });
    });
  });
})();
