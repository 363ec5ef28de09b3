/*
 * iSchool online programs assistant: chat widget.
 * Embed on any page with one tag:
 *   <script src="https://ASSISTANT-HOST/webhooks/webchat/widget.js" defer></script>
 * Plain JavaScript, no third-party requests. Bot text is inserted as text, never as HTML.
 */
(function () {
  "use strict";
  if (window.__ischoolWidget) return;
  window.__ischoolWidget = true;

  var script = document.currentScript;
  var base = (script && script.getAttribute("data-server")) ||
    (script ? script.src.replace(/\/widget\.js(\?.*)?$/, "") : "/webhooks/webchat");
  var endpoint = base + "/webhook";
  var storeKey = "ischool-assistant:" + base;
  var maxLength = 2000;
  var maxKept = 200;
  // The conversation is kept per tab (sessionStorage: gone when the tab closes, never shared with other tabs)
  // and forgotten after 30 minutes without a message, so a shared computer does not keep it. What the student
  // types into the handoff form (name, email or phone, question) and the replies that repeat it are shown but
  // never stored: the server marks them ("private_reply" on the form's questions, "private" on the echoes).
  // The conversation id comes from the server (POST /session), signed: a guessed id cannot continue another
  // conversation or read its staff replies.
  var storage = window.sessionStorage;
  var maxIdleMs = 30 * 60 * 1000;

  var NOT_KEPT = {
    user: "(your details: shown once, not kept in this browser)",
    bot: "(a reply with your details: shown once, not kept in this browser)"
  };

  function load() {
    try {
      var saved = JSON.parse(storage.getItem(storeKey) || "null");
      var fresh = saved && typeof saved.saved === "number" && Date.now() - saved.saved < maxIdleMs;
      if (fresh && (saved.sender === null || typeof saved.sender === "string") && Array.isArray(saved.log)) {
        return saved;
      }
      storage.removeItem(storeKey);
    } catch (e) { /* unreadable storage: start a new conversation */ }
    return { sender: null, log: [], open: false };
  }

  var state = load();
  function save() {
    state.log = state.log.slice(-maxKept);
    state.saved = Date.now();
    try { storage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = base + "/widget.css";
  document.head.appendChild(css);

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  var root = el("div", { "class": "isa-root" });
  var launcher = el("button", { "class": "isa-launcher", type: "button", "aria-expanded": "false",
    "aria-controls": "isa-panel" }, "Ask about online programs");
  var panel = el("section", { "class": "isa-panel", id: "isa-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "isa-title", hidden: "" });
  var header = el("div", { "class": "isa-header" });
  var title = el("h2", { id: "isa-title" }, "Online programs assistant");
  var controls = el("div", { "class": "isa-controls" });
  // On a shared computer the next person must not read this conversation: clear it from this browser.
  var clear = el("button", { "class": "isa-clear", type: "button", "aria-label": "Clear conversation" }, "Clear");
  var close = el("button", { "class": "isa-close", type: "button", "aria-label": "Close chat" }, "\u00d7");
  header.appendChild(title);
  controls.appendChild(clear);
  controls.appendChild(close);
  header.appendChild(controls);
  var log = el("div", { "class": "isa-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": "Conversation", tabindex: "0" });
  var typing = el("div", { "class": "isa-typing", "aria-hidden": "true", hidden: "" });
  typing.appendChild(el("span"));
  typing.appendChild(el("span"));
  typing.appendChild(el("span"));
  var status = el("p", { "class": "isa-status", role: "status" });
  var form = el("form", { "class": "isa-form" });
  var label = el("label", { "for": "isa-input", "class": "isa-label" }, "Your question");
  var input = el("input", { id: "isa-input", type: "text", autocomplete: "off", maxlength: String(maxLength),
    placeholder: "e.g. How long is the online MLS?" });
  var send = el("button", { type: "submit", "class": "isa-send" }, "Send");
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(status);
  panel.appendChild(form);
  root.appendChild(launcher);
  root.appendChild(panel);

  // A labelled link "[Register](https://...)" or a bare URL; only http(s) addresses become links.
  var linkPattern = /\[([^\]\n]{1,80})\]\((https?:\/\/[^\s<>"()]+)\)|(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]])/g;

  // Text with links made clickable: text nodes and <a> elements only, so no markup from the server runs.
  function richText(container, text) {
    text.split("\n").forEach(function (line, i) {
      if (i > 0) container.appendChild(document.createElement("br"));
      var last = 0;
      line.replace(linkPattern, function (match, label, labelled, bare, offset) {
        container.appendChild(document.createTextNode(line.slice(last, offset)));
        var url = labelled || bare;
        container.appendChild(el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, label || url));
        last = offset + match.length;
        return match;
      });
      container.appendChild(document.createTextNode(line.slice(last)));
    });
  }

  function render(entry, announce) {
    var item = el("div", { "class": "isa-msg isa-" + entry.from });
    var who = el("span", { "class": "isa-visually-hidden" }, entry.from === "user" ? "You said: " : "Assistant: ");
    item.appendChild(who);
    var body = el("div", { "class": "isa-text" });
    richText(body, entry.text || "");
    item.appendChild(body);
    if (entry.buttons && entry.buttons.length && entry.live) {
      var group = el("div", { "class": "isa-buttons", role: "group", "aria-label": "Suggested replies" });
      entry.buttons.forEach(function (b) {
        var button = el("button", { type: "button", "class": "isa-quick" }, b.title);
        button.addEventListener("click", function () { ask(b.payload, b.title); });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    if (!announce) item.setAttribute("data-restored", "true");
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function retireButtons() {
    state.log.forEach(function (e) { e.live = false; });
    Array.prototype.forEach.call(log.querySelectorAll(".isa-buttons"), function (g) { g.remove(); });
  }

  // Show an entry; keep it, or in its place a note that it was not kept (personal details).
  function add(entry, private_) {
    var kept = entry;
    if (private_) {
      kept = { from: entry.from, text: NOT_KEPT[entry.from], buttons: entry.buttons, live: entry.live };
    }
    state.log.push(kept);
    save();
    render(entry, true);
  }

  // The conversation id, asked of the server when there is none yet.
  function withSender(then, failed) {
    if (state.sender) { then(); return; }
    var request = new XMLHttpRequest();
    request.open("POST", base + "/session");
    request.timeout = 15000;
    request.onload = function () {
      var issued;
      try { issued = JSON.parse(request.responseText).sender; } catch (e) { issued = null; }
      if (request.status !== 200 || typeof issued !== "string") { failed(request); return; }
      state.sender = issued;
      save();
      then();
    };
    request.onerror = request.ontimeout = function () { failed(null); };
    request.send();
  }

  var busy = false;
  var conversation = 0; // bumped on clearing: a reply still on its way belongs to the old conversation
  function ask(message, shown) {
    if (busy || !message.trim()) return;
    busy = true;
    var asked = conversation;
    retireButtons();
    status.textContent = "";
    add({ from: "user", text: shown || message }, state.privateNext);
    state.privateNext = false;
    save();
    typing.hidden = false;
    send.disabled = true;
    var retried = false;
    function done() { busy = false; typing.hidden = true; send.disabled = false; }
    function unreachable() {
      done();
      if (asked !== conversation) return;
      fail("The assistant can't be reached right now. Please check your connection and try again, " +
        "or call the Student Services Office.");
    }
    function refused(request) {
      done();
      if (asked !== conversation) return;
      var detail;
      try { detail = request && JSON.parse(request.responseText).error; } catch (e) { detail = null; }
      fail("Sorry, the assistant could not answer that" + (detail ? " (" + detail + ")" : "") + ". Please try again.");
    }
    function post() {
      var request = new XMLHttpRequest();
      request.open("POST", endpoint);
      request.setRequestHeader("Content-Type", "application/json");
      request.timeout = 30000;
      request.onload = function () { answered(request); };
      request.onerror = request.ontimeout = unreachable;
      request.send(JSON.stringify({ sender: state.sender, message: message }));
    }
    function answered(request) {
      if (asked !== conversation) { done(); return; }
      var replies;
      try { replies = JSON.parse(request.responseText); } catch (e) { replies = null; }
      // An id this server did not issue (a secret changed, a conversation from before ids were signed):
      // a new conversation, and the message sent again once.
      if (request.status === 403 && replies && replies.new_conversation && !retried) {
        retried = true;
        state.sender = null;
        withSender(post, function (r) { if (r) { refused(r); } else { unreachable(); } });
        return;
      }
      done();
      if (request.status !== 200 || !Array.isArray(replies)) {
        var detail = replies && replies.error ? " (" + replies.error + ")" : "";
        fail("Sorry, the assistant could not answer that" + detail + ". Please try again.");
        return;
      }
      var shown = replies.filter(function (r) { return r.text || (r.buttons && r.buttons.length); });
      shown.forEach(function (r) {
        add({ from: "bot", text: r.text || "", buttons: r.buttons || [], live: true }, r.private === true);
      });
      state.privateNext = replies.some(function (r) { return r.private_reply === true; });
      save();
      // Nothing to show (an empty reply, e.g. while part of the service is down): never leave silence.
      if (!shown.length) {
        add({ from: "bot", text: "Sorry, I have no answer to that just now. Could you rephrase, or contact the " +
          "Student Services Office? If you or someone else is in danger, call 911 or the 988 Lifeline." });
      }
    }
    withSender(post, function (r) { if (r) { refused(r); } else { unreachable(); } });
  }

  function fail(message) {
    status.textContent = message;
    status.classList.add("isa-error");
  }

  // Starter suggestions under the greeting (the same topics as the assistant's own greeting).
  var STARTERS = [
    { title: "Online vs on-campus", payload: "/faq/online_vs_campus" },
    { title: "Do I need to visit campus?", payload: "/faq/orientation_visit" },
    { title: "Specializations", payload: "/ask_specializations" },
    { title: "Information sessions", payload: "/ask_info_sessions" }
  ];

  function greet() {
    add({ from: "bot", text: "Hi! Ask me about the online MLS and MIM programs: requirements, " +
      "specializations, the field study, information sessions and more.", buttons: STARTERS, live: true });
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.hidden = true;
    state.open = true;
    save();
    if (!state.log.length) greet();
    input.focus();
  }

  // Forget the conversation in this browser: the history and the sender id go, so the next message
  // starts a new conversation on the server too.
  function clearConversation() {
    if (!window.confirm("Clear this conversation from this browser? The next person using it won't see it.")) return;
    try { storage.removeItem(storeKey); } catch (e) { /* private mode: nothing was stored */ }
    conversation += 1;
    busy = false;
    typing.hidden = true;
    send.disabled = false;
    state = { sender: null, log: [], open: true };
    while (log.firstChild) log.removeChild(log.firstChild);
    status.classList.remove("isa-error");
    status.textContent = "Conversation cleared.";
    greet();
    input.focus();
  }

  function shut() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    save();
    launcher.focus();
  }

  launcher.addEventListener("click", open);
  close.addEventListener("click", shut);
  clear.addEventListener("click", clearConversation);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") shut(); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) { fail("Please type a question first."); input.focus(); return; }
    input.value = "";
    ask(text.slice(0, maxLength));
    input.focus();
  });

  // Staff answers to questions this conversation handed to staff: asked for when the chat opens and every
  // 30 s while it is open, each shown once (state.replies remembers which), as text like every bot message.
  var repliesEndpoint = base + "/replies";
  function fetchReplies() {
    if (panel.hidden || !state.log.length || !state.sender) return;
    var asked = conversation;
    var request = new XMLHttpRequest();
    request.open("POST", repliesEndpoint);
    request.setRequestHeader("Content-Type", "application/json");
    request.timeout = 15000;
    request.onload = function () {
      if (asked !== conversation || request.status !== 200) return;
      var found;
      try { found = JSON.parse(request.responseText).replies; } catch (e) { return; }
      if (!Array.isArray(found)) return;
      state.replies = Array.isArray(state.replies) ? state.replies : [];
      found.forEach(function (r) {
        if (!r || typeof r.id !== "string" || typeof r.text !== "string" || state.replies.indexOf(r.id) >= 0) return;
        state.replies.push(r.id);
        add({ from: "bot", text: r.text });
      });
    };
    request.send(JSON.stringify({ sender: state.sender }));
  }
  launcher.addEventListener("click", fetchReplies);
  setInterval(fetchReplies, 30000);

  function start() {
    document.body.appendChild(root);
    state.log.forEach(function (e) { render(e, false); });
    if (state.open) { panel.hidden = false; launcher.hidden = true; launcher.setAttribute("aria-expanded", "true"); }
    fetchReplies();
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
