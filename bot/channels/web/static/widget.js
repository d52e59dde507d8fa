/*
 * Ouderwijzer chat widget.
 *
 * Embed with one tag:
 *   <script src="https://HOST/widget.js" data-title="Vraag het Ouderwijzer"
 *           data-color="#1f6feb" data-lang="nl" data-greeting="Waar kan ik u mee helpen?"></script>
 *
 * data-lang picks the widget's language (nl, en, tr, ar, pl, uk); its texts come from the server's text
 * table (bot/data/texts.yaml), filled in below when /widget.js is served.
 *
 * A custom element <ouderwijzer-chat> with a shadow root: the host page's CSS cannot reach inside and the
 * widget's CSS cannot leak out. It talks only to the API of the origin it was loaded from. Every text that
 * comes from a parent or from a source is put on the page with textContent / text nodes, never as HTML.
 * No framework, no CDN, no web fonts.
 *
 * On a school's own website: add that site's origin to server.cors_origins in config.yaml, and if the site
 * sends a Content-Security-Policy, allow this server in its script-src and connect-src.
 */
(function () {
  "use strict";

  if (!window.customElements || window.customElements.get("ouderwijzer-chat")) {
    return;
  }

  var script = document.currentScript || document.querySelector('script[src$="widget.js"]');
  var SCRIPT_URL = script && script.src ? script.src : window.location.href;
  // The directory the script came from: works behind a path prefix too (https://host/ouderwijzer/widget.js).
  var BASE = new URL(".", SCRIPT_URL);
  var API_ASK = new URL("api/ask", BASE).href;
  var API_FEEDBACK = new URL("api/feedback", BASE).href;
  var SESSION_KEY = "ouderwijzer.session." + BASE.origin;
  var DEFAULT_COLOR = "#1f6feb";
  // Icons as paths (Material Icons, Apache-2.0): no emoji font or icon font needed.
  var THUMB_UP =
    "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";
  var THUMB_DOWN =
    "M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z";
  var REQUEST_TIMEOUT_MS = 45000;

  // Every text the widget shows, per language (nl, en, tr, ar, pl, uk), with the headings under an answer
  // in "labels". The server fills this in from bot/data/texts.yaml when it serves /widget.js.
  var TEXTS = /*@TEXTS@*/null || {};

  // ----- small helpers ---------------------------------------------------------------------------------
  function el(tag, className, textValue) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (textValue !== undefined && textValue !== null) node.textContent = String(textValue);
    return node;
  }

  function svg(pathData) {
    var ns = "http://www.w3.org/2000/svg";
    var icon = document.createElementNS(ns, "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("width", "22");
    icon.setAttribute("height", "22");
    icon.setAttribute("aria-hidden", "true");
    icon.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", pathData);
    path.setAttribute("fill", "currentColor");
    icon.appendChild(path);
    return icon;
  }

  // A button that shows only an icon: its label goes to screen readers (aria-label) and to the tooltip.
  function iconButton(cls, label, pathData, onClick) {
    var button = el("button", cls);
    button.type = "button";
    button.setAttribute("aria-label", label);
    button.title = label;
    button.appendChild(svg(pathData));
    button.addEventListener("click", onClick);
    return button;
  }

  function safeUrl(value) {
    if (!value || typeof value !== "string") return null;
    try {
      var url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function link(href, label) {
    var a = el("a", "", label);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  // Text with http(s) addresses turned into links (everything else stays a text node).
  function appendLinked(node, value) {
    var re = /https?:\/\/[^\s<>"')]+/g;
    var last = 0;
    var m;
    while ((m = re.exec(value))) {
      var raw = m[0].replace(/[.,;:]+$/, "");
      node.appendChild(document.createTextNode(value.slice(last, m.index)));
      var href = safeUrl(raw);
      node.appendChild(href ? link(href, raw) : document.createTextNode(raw));
      last = m.index + raw.length;
    }
    node.appendChild(document.createTextNode(value.slice(last)));
  }

  // Relative luminance and contrast ratio (WCAG 2.x).
  function luminance(hex) {
    var rgb = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  }

  function contrast(a, b) {
    var la = luminance(a);
    var lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  function normaliseColor(value) {
    var v = (value || "").trim();
    if (/^#[0-9a-f]{3}$/i.test(v)) v = "#" + v[1] + v[1] + v[2] + v[2] + v[3] + v[3];
    return /^#[0-9a-f]{6}$/i.test(v) ? v.toLowerCase() : DEFAULT_COLOR;
  }

  function darken(hex, factor) {
    var out = "#";
    for (var i = 1; i < 7; i += 2) {
      var c = Math.round(parseInt(hex.slice(i, i + 2), 16) * factor);
      out += ("0" + c.toString(16)).slice(-2);
    }
    return out;
  }

  // The accent as given, the text colour on it (white or black, whichever contrasts more), and a variant
  // dark enough to use as text or border on white (at least 4.5:1).
  function palette(color) {
    var accent = normaliseColor(color);
    var onAccent = contrast(accent, "#ffffff") >= contrast(accent, "#000000") ? "#ffffff" : "#000000";
    var accentText = accent;
    var guard = 0;
    while (contrast(accentText, "#ffffff") < 4.5 && guard < 20) {
      accentText = darken(accentText, 0.85);
      guard += 1;
    }
    return { accent: accent, onAccent: onAccent, accentText: accentText };
  }

  function readSession() {
    try {
      return window.sessionStorage.getItem(SESSION_KEY);
    } catch (e) {
      return null;
    }
  }

  function writeSession(value) {
    try {
      if (value) window.sessionStorage.setItem(SESSION_KEY, value);
      else window.sessionStorage.removeItem(SESSION_KEY);
    } catch (e) {
      /* storage blocked (private mode, third-party context): the conversation just has no memory */
    }
  }

  var CSS = [
    ":host { all: initial; }",
    "*, *::before, *::after { box-sizing: border-box; }",
    "[hidden] { display: none !important; }",
    ".root { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; font-size: 16px; line-height: 1.45; color: #1b1f24; }",
    ".bubble { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; display: inline-flex; align-items: center; gap: 8px;",
    "  min-height: 56px; padding: 0 20px 0 16px; border: 0; border-radius: 28px; background: var(--ow-accent); color: var(--ow-on-accent);",
    "  font: 600 16px/1.2 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.28); }",
    ".bubble:hover { filter: brightness(1.08); }",
    "button:focus-visible, a:focus-visible, summary:focus-visible, textarea:focus-visible { outline: 3px solid #111; outline-offset: 2px; box-shadow: 0 0 0 5px #fff; }",
    ".panel { position: fixed; right: 20px; bottom: 20px; z-index: 2147483001; width: 400px; max-width: calc(100vw - 40px);",
    "  height: min(640px, calc(100vh - 40px)); display: flex; flex-direction: column; background: #fff; color: #1b1f24;",
    "  border-radius: 14px; box-shadow: 0 12px 40px rgba(0,0,0,.3); overflow: hidden; border: 1px solid #c9ced6; }",
    ".head { display: flex; align-items: center; gap: 8px; padding: 10px 10px 10px 16px; background: var(--ow-accent); color: var(--ow-on-accent); }",
    ".head h2 { flex: 1; margin: 0; font-size: 16px; line-height: 1.25; font-weight: 650; overflow-wrap: anywhere; }",
    ".head button { display: inline-flex; align-items: center; justify-content: center; min-width: 44px; min-height: 44px; padding: 0 8px;",
    "  border: 2px solid currentColor; border-radius: 8px; background: transparent; color: inherit; font-family: inherit; font-size: 14px; font-weight: 600; line-height: 1; cursor: pointer; }",
    ".head button.close, .head button.restart { border-color: transparent; }",
    ".head button:hover { background: rgba(127,127,127,.25); }",
    ".log { position: relative; flex: 1; overflow-y: auto; padding: 14px; background: #f4f6f8; display: flex; flex-direction: column; gap: 12px; overscroll-behavior: contain; }",
    ".msg { max-width: 100%; padding: 10px 12px; border-radius: 12px; overflow-wrap: anywhere; }",
    ".msg p { margin: 0 0 6px; white-space: pre-wrap; }",
    ".msg p:last-child { margin-bottom: 0; }",
    ".msg.user { align-self: flex-end; max-width: 88%; background: #dfe7f3; color: #10233f; border-bottom-right-radius: 4px; white-space: pre-wrap; }",
    ".msg.bot { align-self: stretch; background: #fff; border: 1px solid #d5dae1; border-bottom-left-radius: 4px; }",
    ".msg.error { background: #fff4e5; border: 1px solid #a15c00; color: #4d2c00; }",
    ".who { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }",
    ".points { margin: 4px 0 8px; padding-left: 20px; }",
    ".points li { margin: 4px 0; }",
    ".ref { display: inline; margin: 0 1px; padding: 0 3px; border: 0; border-radius: 4px; background: #e6ecf5; color: var(--ow-accent-text);",
    "  font-family: inherit; font-size: 13px; font-weight: 700; line-height: 1.4; cursor: pointer; vertical-align: baseline; }",
    ".ref:hover { text-decoration: underline; }",
    "h3 { margin: 12px 0 6px; font-size: 14px; font-weight: 700; color: #333a44; text-transform: none; }",
    ".cites { margin: 0; padding: 0; list-style: none; display: flex; flex-direction: column; gap: 6px; }",
    ".cites details { border: 1px solid #d5dae1; border-radius: 8px; background: #fafbfc; }",
    ".cites summary { cursor: pointer; padding: 8px 10px; font-size: 14px; line-height: 1.35; color: #1b1f24; }",
    ".cites summary .n { font-weight: 700; color: var(--ow-accent-text); margin-right: 4px; }",
    ".cites summary .date { color: #4a525d; }",
    ".stale { display: inline-block; margin-left: 4px; padding: 0 6px; border-radius: 4px; background: #fff1c2; color: #5c3d00; font-size: 12px; font-weight: 600; }",
    ".cite-body { padding: 0 10px 10px; font-size: 14px; }",
    ".cite-body blockquote { margin: 4px 0 8px; padding: 6px 10px; border-left: 4px solid var(--ow-accent-text); background: #fff; font-style: italic; }",
    ".cite-body .meta { margin: 0 0 6px; color: #39414b; }",
    ".cite-body ul { margin: 4px 0 0; padding-left: 18px; }",
    "a { color: var(--ow-accent-text); text-decoration: underline; overflow-wrap: anywhere; }",
    ".steps { margin: 0; padding-left: 22px; font-size: 14px; }",
    ".steps li { margin: 0 0 8px; }",
    ".steps .detail { display: block; color: #39414b; }",
    ".gloss-box { margin-top: 10px; font-size: 14px; }",
    ".gloss-box summary { cursor: pointer; font-weight: 700; color: #333a44; padding: 4px 0; }",
    ".gloss { margin: 4px 0 0; font-size: 14px; }",
    ".gloss dt { font-weight: 700; }",
    ".gloss dd { margin: 0 0 6px; }",
    ".feedback { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-top: 10px; padding-top: 8px; border-top: 1px solid #e3e6ea; font-size: 14px; color: #39414b; }",
    ".feedback button { display: inline-flex; align-items: center; gap: 6px; min-width: 44px; min-height: 36px; padding: 0 10px; border: 1px solid #6b7480;",
    "  border-radius: 8px; background: #fff; color: #1b1f24; font-family: inherit; font-size: 14px; font-weight: 600; cursor: pointer; }",
    ".feedback button svg { width: 18px; height: 18px; color: var(--ow-accent-text); }",
    ".feedback button:hover { background: #eef1f5; }",
    ".msg.crisis { background: #8c1010; color: #fff; border: 3px solid #4a0000; }",
    ".msg.crisis p:first-of-type { font-size: 18px; font-weight: 700; }",
    ".msg.crisis a { color: #fff; font-weight: 700; }",
    ".msg.crisis a:focus-visible { outline-color: #fff; box-shadow: 0 0 0 5px #4a0000; }",
    ".msg.crisis h3 { color: #fff; }",
    ".msg.crisis .cites details { background: #fff; }",
    ".msg.crisis .cites summary, .msg.crisis .cite-body { color: #1b1f24; }",
    ".msg.crisis .cite-body a { color: var(--ow-accent-text); }",
    ".loading { color: #39414b; font-style: italic; }",
    ".loading .dots::after { content: ''; animation: ow-dots 1.2s steps(4, end) infinite; }",
    "@keyframes ow-dots { 0% { content: ''; } 25% { content: '.'; } 50% { content: '..'; } 75% { content: '...'; } }",
    ".foot { border-top: 1px solid #d5dae1; background: #fff; padding: 8px 12px 12px; }",
    ".disclaimer { margin: 0 0 8px; font-size: 12.5px; color: #4a525d; }",
    "form { display: flex; gap: 8px; align-items: flex-end; }",
    "textarea { flex: 1; min-height: 44px; max-height: 140px; resize: none; padding: 10px 12px; border: 2px solid #6b7480; border-radius: 10px;",
    "  font-family: inherit; font-size: 16px; line-height: 1.35; color: #1b1f24; background: #fff; }",
    "textarea:focus { border-color: var(--ow-accent-text); }",
    ".send { min-height: 44px; padding: 0 16px; border: 0; border-radius: 10px; background: var(--ow-accent); color: var(--ow-on-accent);",
    "  font-family: inherit; font-size: 16px; font-weight: 600; line-height: 1; cursor: pointer; }",
    ".send[disabled] { opacity: .6; cursor: progress; }",
    "@media (max-width: 480px) {",
    "  .panel { top: 0; left: 0; right: 0; bottom: 0; width: auto; max-width: none; height: auto; border-radius: 0; border: 0; }",
    "  .bubble { right: 12px; bottom: 12px; }",
    "}",
    "@media (prefers-reduced-motion: reduce) { .loading .dots::after { animation: none; content: '...'; } }",
    "@media (forced-colors: active) { .bubble, .send, .head { border: 2px solid ButtonText; } }",
  ].join("\n");

  function applyStyles(root) {
    // Constructed style sheets are not inline styles, so they work under a strict Content-Security-Policy.
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
      return;
    } catch (e) {
      /* older browsers: fall back to a <style> element */
    }
    var style = document.createElement("style");
    style.textContent = CSS;
    root.appendChild(style);
  }

  // ----- the element -------------------------------------------------------------------------------------
  class OuderwijzerChat extends HTMLElement {
    constructor() {
      super();
      this._built = false;
      this._busy = false;
      this._count = 0;
    }

    connectedCallback() {
      if (this._built) return;
      this._built = true;
      var lang = (this.getAttribute("data-lang") || "nl").toLowerCase().slice(0, 2);
      this.lang_ = TEXTS[lang] ? lang : "en";
      this.t = TEXTS[this.lang_] || {};
      var colors = palette(this.getAttribute("data-color"));
      this.style.setProperty("--ow-accent", colors.accent);
      this.style.setProperty("--ow-on-accent", colors.onAccent);
      this.style.setProperty("--ow-accent-text", colors.accentText);
      this.maxChars = parseInt(this.getAttribute("data-max-chars") || "2000", 10) || 2000;
      this.session = readSession();
      this._render();
    }

    _render() {
      var t = this.t;
      var title = this.getAttribute("data-title") || t.title;
      var shadow = this.attachShadow({ mode: "open" });
      applyStyles(shadow);
      var root = el("div", "root");
      root.lang = this.lang_;
      root.dir = this.lang_ === "ar" ? "rtl" : "ltr";

      var bubble = el("button", "bubble");
      bubble.type = "button";
      bubble.setAttribute("aria-label", t.open);
      bubble.setAttribute("aria-expanded", "false");
      bubble.setAttribute("aria-controls", "ow-panel");
      bubble.appendChild(svg("M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6a1.3 1.3 0 1 0 0 .01zm5 0a1.3 1.3 0 1 0 0 .01zm5 0a1.3 1.3 0 1 0 0 .01z"));
      bubble.appendChild(el("span", "", t.bubble));
      bubble.addEventListener("click", this.open.bind(this));

      var panel = el("div", "panel");
      panel.id = "ow-panel";
      panel.hidden = true;
      panel.setAttribute("role", "dialog");
      panel.setAttribute("aria-modal", "true");
      panel.setAttribute("aria-labelledby", "ow-title");
      panel.addEventListener("keydown", this._onKeydown.bind(this));

      var head = el("div", "head");
      var h2 = el("h2", "", title);
      h2.id = "ow-title";
      var restart = iconButton("restart", t.restartLabel,
        "M12 5V2L7 6l5 4V7a5 5 0 1 1-5 5H5a7 7 0 1 0 7-7z", this.restart.bind(this));
      var close = iconButton("close", t.close,
        "M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 0 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z", this.close.bind(this));
      head.append(h2, restart, close);

      var log = el("div", "log");
      log.setAttribute("role", "log");
      log.setAttribute("aria-live", "polite");
      log.setAttribute("aria-label", t.conversation);
      log.tabIndex = 0;

      var foot = el("div", "foot");
      var disclaimer = el("p", "disclaimer", t.disclaimer);
      var form = el("form");
      form.noValidate = true;
      var label = el("label", "who", t.inputLabel);
      label.htmlFor = "ow-input";
      var input = el("textarea");
      input.id = "ow-input";
      input.rows = 1;
      input.maxLength = this.maxChars;
      input.placeholder = t.placeholder;
      input.setAttribute("enterkeyhint", "send");
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
        }
      });
      input.addEventListener("input", function () {
        input.style.height = "auto";
        input.style.height = Math.min(input.scrollHeight + 4, 140) + "px";
      });
      var send = el("button", "send", t.send);
      send.type = "submit";
      form.append(label, input, send);
      form.addEventListener("submit", this._onSubmit.bind(this));
      foot.append(disclaimer, form);

      panel.append(head, log, foot);
      root.append(bubble, panel);
      shadow.appendChild(root);

      this.$ = { bubble: bubble, panel: panel, log: log, input: input, send: send, form: form };
      this._greet();
    }

    _greet() {
      var msg = el("div", "msg bot");
      msg.appendChild(el("p", "", this.getAttribute("data-greeting") || this.t.greeting));
      this.$.log.appendChild(msg);
    }

    open() {
      this.$.panel.hidden = false;
      this.$.bubble.hidden = true;
      this.$.bubble.setAttribute("aria-expanded", "true");
      this.$.input.focus();
    }

    close() {
      this.$.panel.hidden = true;
      this.$.bubble.hidden = false;
      this.$.bubble.setAttribute("aria-expanded", "false");
      this.$.bubble.focus();
    }

    restart() {
      this.session = null;
      writeSession(null);
      this.$.log.textContent = "";
      this._greet();
      this.$.input.value = "";
      this.$.input.focus();
    }

    _focusables() {
      var nodes = this.$.panel.querySelectorAll("button, [href], textarea, summary, [tabindex]:not([tabindex='-1'])");
      return Array.prototype.filter.call(nodes, function (n) {
        return !n.disabled && n.offsetParent !== null;
      });
    }

    _onKeydown(event) {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.close();
        return;
      }
      if (event.key !== "Tab") return;
      // Keep focus inside the dialog while it is open.
      var items = this._focusables();
      if (!items.length) return;
      var first = items[0];
      var last = items[items.length - 1];
      var active = this.shadowRoot.activeElement;
      if (event.shiftKey && (active === first || !this.$.panel.contains(active))) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && active === last) {
        event.preventDefault();
        first.focus();
      }
    }

    _scrollToEnd(node) {
      var log = this.$.log;
      if (node && node.offsetTop !== undefined) log.scrollTop = Math.max(0, node.offsetTop - 8);
      else log.scrollTop = log.scrollHeight;
    }

    _onSubmit(event) {
      event.preventDefault();
      var question = this.$.input.value.trim();
      if (!question || this._busy) return;
      this.$.input.value = "";
      this.$.input.style.height = "";
      this.ask(question);
    }

    _userMessage(question) {
      var msg = el("div", "msg user");
      msg.appendChild(el("span", "who", this.t.you + ": "));
      var body = el("span", "", question);
      body.dir = "auto";
      msg.appendChild(body);
      this.$.log.appendChild(msg);
      this._scrollToEnd();
    }

    _setBusy(busy) {
      this._busy = busy;
      this.$.send.disabled = busy;
      this.$.log.setAttribute("aria-busy", busy ? "true" : "false");
      if (busy) {
        var wait = el("div", "msg bot loading");
        wait.setAttribute("role", "status");
        wait.appendChild(document.createTextNode(this.t.loading));
        wait.appendChild(el("span", "dots"));
        this.$.log.appendChild(wait);
        this._loading = wait;
        this._scrollToEnd();
      } else if (this._loading) {
        this._loading.remove();
        this._loading = null;
      }
    }

    _error(message) {
      var msg = el("div", "msg bot error");
      msg.setAttribute("role", "alert");
      msg.appendChild(el("p", "", message));
      this.$.log.appendChild(msg);
      this._scrollToEnd(msg);
    }

    async ask(question) {
      this._userMessage(question);
      this._setBusy(true);
      var controller = typeof AbortController === "function" ? new AbortController() : null;
      var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
      var response;
      var data = null;
      try {
        var payload = { question: question };
        if (this.session) payload.session_id = this.session;
        response = await fetch(API_ASK, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(payload),
          credentials: "omit",
          mode: "cors",
          signal: controller ? controller.signal : undefined,
        });
        try {
          data = await response.json();
        } catch (e) {
          data = null;
        }
      } catch (e) {
        this._setBusy(false);
        this._error(this.t.network);
        return;
      } finally {
        if (timer) clearTimeout(timer);
      }
      this._setBusy(false);
      if (!response.ok || !data || typeof data.text !== "string") {
        var message = data && typeof data.message === "string" && data.message ? data.message : this.t.failed;
        this._error(message);
        return;
      }
      if (typeof data.session_id === "string" && data.session_id) {
        this.session = data.session_id;
        writeSession(data.session_id);
      }
      var node = this._answer(data);
      // Show the question with the start of its answer; the rest is a scroll away.
      this._scrollToEnd(node.previousElementSibling || node);
    }

    // ----- rendering an answer --------------------------------------------------------------------------
    _answer(data) {
      var t = this.t;
      var index = ++this._count;
      var crisis = data.outcome === "crisis";
      var known = TEXTS[data.lang] || TEXTS.en || {};
      var labels = Object.assign({}, known.labels || {}, data.labels || {});
      var msg = el("article", "msg bot" + (crisis ? " crisis" : ""));
      if (crisis) msg.setAttribute("role", "alert");
      msg.lang = typeof data.lang === "string" ? data.lang : "nl";
      msg.dir = data.lang === "ar" ? "rtl" : "auto";
      msg.appendChild(el("span", "who", "Ouderwijzer: "));

      var citations = Array.isArray(data.citations) ? data.citations : [];
      var self = this;
      var numbered = {};
      citations.forEach(function (c) { numbered[c.n] = true; });
      var openCitation = function (n) {
        var target = msg.querySelector("#ow-c" + index + "-" + n + " details");
        if (target) {
          target.open = true;
          target.querySelector("summary").focus();
        }
      };

      this._text(msg, data.text || "", crisis, numbered, openCitation, labels);

      if (Array.isArray(data.steps) && data.steps.length) {
        msg.appendChild(el("h3", "", labels.steps));
        var steps = el("ol", "steps");
        data.steps.forEach(function (s) {
          var li = el("li");
          li.appendChild(el("strong", "", s.title || ""));
          [s.who, s.when, s.deadline, s.where].forEach(function (part) {
            if (part) {
              var span = el("span", "detail");
              appendLinked(span, String(part));
              li.appendChild(span);
            }
          });
          steps.appendChild(li);
        });
        msg.appendChild(steps);
      }

      if (citations.length) {
        var heading = el("h3", "", labels.sources);
        heading.id = "ow-s" + index;
        msg.appendChild(heading);
        var list = el("ol", "cites");
        list.setAttribute("aria-labelledby", heading.id);
        citations.forEach(function (c) {
          list.appendChild(self._citation(c, index, labels, data.lang));
        });
        msg.appendChild(list);
      }

      if (Array.isArray(data.glossary) && data.glossary.length) {
        var explain = el("details", "gloss-box");
        explain.appendChild(el("summary", "", labels.glossary));
        var dl = el("dl", "gloss");
        data.glossary.forEach(function (g) {
          dl.appendChild(el("dt", "", g.term || ""));
          dl.appendChild(el("dd", "", g.explanation || ""));
        });
        explain.appendChild(dl);
        msg.appendChild(explain);
      }

      if (data.answer_id && (data.outcome === "answer" || data.outcome === "refuse")) {
        msg.appendChild(this._feedback(data.answer_id));
      }
      this.$.log.appendChild(msg);
      return msg;
    }

    _text(msg, value, crisis, known, openCitation, labels) {
      var list = null;
      var t = this.t;
      value.split("\n").forEach(function (line) {
        if (!line.trim()) {
          list = null;
          return;
        }
        var target;
        if (/^[•\-*]\s/.test(line)) {
          if (!list) {
            list = el("ul", "points");
            msg.appendChild(list);
          }
          target = el("li");
          list.appendChild(target);
          line = line.replace(/^[•\-*]\s+/, "");
        } else {
          list = null;
          target = el("p");
          msg.appendChild(target);
        }
        if (crisis) appendPhones(target, line);
        else appendRefs(target, line, known, openCitation, t.sourceN);
      });
    }

    _citation(c, index, labels, lang) {
      var t = this.t;
      var li = el("li");
      li.id = "ow-c" + index + "-" + c.n;
      var details = el("details");
      var summary = el("summary");
      summary.appendChild(el("span", "n", "[" + c.n + "]"));
      summary.appendChild(document.createTextNode(c.title || c.source_id || ""));
      if (c.published) summary.appendChild(el("span", "date", " · " + c.published));
      if (c.stale) summary.appendChild(el("span", "stale", "⚠ " + t.stale));
      details.appendChild(summary);

      var body = el("div", "cite-body");
      if (c.quote) {
        var quote = el("blockquote", "", c.quote);
        quote.lang = "nl";
        if (lang && lang !== "nl") quote.setAttribute("aria-label", labels.quote);
        body.appendChild(quote);
      }
      var meta = [c.publisher, c.published].filter(Boolean).join(" — ");
      var ownWords = c.kind === "unit" || c.kind === "card";
      if (ownWords && c.checked) meta += " (" + labels.checked + " " + c.checked + ")";
      if (meta) body.appendChild(el("p", "meta", meta));
      var href = safeUrl(c.url);
      if (href) body.appendChild(link(href, t.openSource));
      if (ownWords && Array.isArray(c.sources) && c.sources.length) {
        body.appendChild(el("p", "meta", labels.based_on + ":"));
        var ul = el("ul");
        c.sources.forEach(function (s) {
          var item = el("li");
          var u = safeUrl(s);
          item.appendChild(u ? link(u, s) : document.createTextNode(String(s)));
          ul.appendChild(item);
        });
        body.appendChild(ul);
      }
      details.appendChild(body);
      li.appendChild(details);
      return li;
    }

    _feedback(answerId) {
      var t = this.t;
      var self = this;
      var box = el("div", "feedback");
      var question = el("span", "", t.useful);
      var up = el("button", "up");
      var down = el("button", "down");
      up.appendChild(svg(THUMB_UP));
      up.appendChild(el("span", "", t.yesShort));
      down.appendChild(svg(THUMB_DOWN));
      down.appendChild(el("span", "", t.noShort));
      up.type = down.type = "button";
      up.setAttribute("aria-label", t.yes);
      down.setAttribute("aria-label", t.no);
      up.title = t.yes;
      down.title = t.no;
      var status = el("span", "status");
      status.setAttribute("role", "status");
      var vote = async function (rating) {
        up.disabled = down.disabled = true;
        var ok = false;
        try {
          var payload = { answer_id: answerId, rating: rating };
          if (self.session) payload.session_id = self.session;
          var res = await fetch(API_FEEDBACK, {
            method: "POST",
            headers: { "Content-Type": "application/json", Accept: "application/json" },
            body: JSON.stringify(payload),
            credentials: "omit",
            mode: "cors",
          });
          ok = res.ok;
        } catch (e) {
          ok = false;
        }
        if (ok) {
          question.remove();
          up.remove();
          down.remove();
          status.textContent = t.thanks;
        } else {
          up.disabled = down.disabled = false;
          status.textContent = t.failed;
        }
      };
      up.addEventListener("click", function () { vote(1); });
      down.addEventListener("click", function () { vote(-1); });
      box.append(question, up, down, status);
      return box;
    }
  }

  // "[n]" markers become buttons that open citation n; everything else stays text.
  function appendRefs(node, line, known, openCitation, sourceWord) {
    var re = /\[(\d{1,2})\]/g;
    var last = 0;
    var m;
    while ((m = re.exec(line))) {
      node.appendChild(document.createTextNode(line.slice(last, m.index)));
      var n = parseInt(m[1], 10);
      if (known[n]) {
        var button = el("button", "ref", "[" + n + "]");
        button.type = "button";
        button.setAttribute("aria-label", sourceWord + " " + n);
        button.addEventListener("click", openCitation.bind(null, n));
        node.appendChild(button);
      } else {
        node.appendChild(document.createTextNode(m[0]));
      }
      last = re.lastIndex;
    }
    node.appendChild(document.createTextNode(line.slice(last)));
  }

  // Help-line numbers in a crisis reply become tel: links (112, 113, 0800-xxxx).
  function appendPhones(node, line) {
    var re = /(^|[^\w-])(112|113|0800-\d{4})(?![\w]|\.\w)/g;
    var last = 0;
    var m;
    while ((m = re.exec(line))) {
      var start = m.index + m[1].length;
      node.appendChild(document.createTextNode(line.slice(last, start)));
      var a = el("a", "phone", m[2]);
      a.href = "tel:" + m[2].replace(/\D/g, "");
      node.appendChild(a);
      last = start + m[2].length;
    }
    node.appendChild(document.createTextNode(line.slice(last)));
  }

  window.customElements.define("ouderwijzer-chat", OuderwijzerChat);

  function mount() {
    if (document.querySelector("ouderwijzer-chat")) return;
    var widget = document.createElement("ouderwijzer-chat");
    ["data-title", "data-color", "data-lang", "data-greeting", "data-max-chars"].forEach(function (name) {
      var value = script ? script.getAttribute(name) : null;
      if (value !== null) widget.setAttribute(name, value);
    });
    document.body.appendChild(widget);
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
