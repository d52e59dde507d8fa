/*
 * Ouderwijzer staff console. Every call to /api/console/* carries "Authorization: Bearer <token>"; the token
 * lives only in this tab's sessionStorage. All data is put on the page with textContent, never as HTML.
 */
(function () {
  "use strict";

  var TOKEN_KEY = "ouderwijzer.staff-token";
  var METRICS = [
    ["cases", "cases"],
    ["recall_at_5", "recall_at_5"],
    ["mrr", "mrr"],
    ["answered", "answered"],
    ["cited_ok", "cited_ok"],
    ["refuse_ok", "refuse_ok"],
    ["crisis_ok", "crisis_ok"],
    ["lang_ok", "lang_ok"],
  ];

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, className, value) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (value !== undefined && value !== null) node.textContent = String(value);
    return node;
  }

  function cell(row, value, className) {
    var td = el("td", className || "", value);
    row.appendChild(td);
    return td;
  }

  function safeUrl(value) {
    try {
      var url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function status(id, message, kind) {
    var node = $(id);
    node.textContent = message || "";
    node.className = "status" + (kind ? " " + kind : "");
  }

  function token() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) || "";
    } catch (e) {
      return "";
    }
  }

  function setToken(value) {
    try {
      if (value) sessionStorage.setItem(TOKEN_KEY, value);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) {
      /* no storage: the token lives only as long as this page */
    }
    memoryToken = value || "";
  }

  var memoryToken = "";

  async function api(path, options) {
    options = options || {};
    var headers = { Accept: "application/json", Authorization: "Bearer " + (token() || memoryToken) };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    var response;
    try {
      response = await fetch("/api/console/" + path, {
        method: options.method || (options.body !== undefined ? "POST" : "GET"),
        headers: headers,
        body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch (e) {
      return { ok: false, status: 0, data: null, message: "Geen verbinding met de server." };
    }
    if (response.status === 401) {
      logout("Het token klopt niet of is verlopen. Log opnieuw in.");
    }
    if (options.raw && response.ok) {
      return { ok: true, status: response.status, response: response };
    }
    var data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    var message = data && data.message ? data.message : response.ok ? "" : "Fout " + response.status;
    return { ok: response.ok, status: response.status, data: data, message: message };
  }

  function filenameFrom(response, fallback) {
    var header = response.headers.get("Content-Disposition") || "";
    var match = /filename="([^"]+)"/.exec(header);
    return match ? match[1] : fallback;
  }

  function download(blob, filename) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () {
      URL.revokeObjectURL(url);
    }, 2000);
  }

  // ----- log-in ------------------------------------------------------------------------------------------
  async function login(value) {
    setToken(value);
    status("login-status", "Bezig met inloggen…", "busy");
    var result = await api("ping");
    if (!result.ok) {
      setToken("");
      status("login-status", result.message || "Inloggen lukt niet.", "error");
      return false;
    }
    status("login-status", "");
    $("login").hidden = true;
    $("app").hidden = false;
    $("logout").hidden = false;
    loadEvalSets();
    loadSources();
    loadFeedback();
    $("ask-question").focus();
    return true;
  }

  function logout(message) {
    setToken("");
    $("app").hidden = true;
    $("logout").hidden = true;
    $("login").hidden = false;
    $("token").value = "";
    status("login-status", message || "U bent uitgelogd.", message ? "error" : "");
    $("token").focus();
  }

  // ----- ask ---------------------------------------------------------------------------------------------
  function facts(target, pairs) {
    target.textContent = "";
    pairs.forEach(function (pair) {
      target.appendChild(el("dt", "", pair[0]));
      var dd = el("dd");
      if (pair[1] instanceof Node) dd.appendChild(pair[1]);
      else dd.textContent = pair[1] === undefined || pair[1] === null ? "–" : String(pair[1]);
      target.appendChild(dd);
    });
  }

  function renderAnswer(target, answer) {
    target.textContent = "";
    answer.text.split("\n").forEach(function (line) {
      if (line.trim()) target.appendChild(el("p", "", line));
    });
    if (answer.citations && answer.citations.length) {
      var ol = el("ol");
      answer.citations.forEach(function (c) {
        var li = el("li");
        li.value = c.n;
        li.appendChild(el("strong", "", c.title));
        var meta = [c.source_id, c.publisher, c.published].filter(Boolean).join(" · ");
        li.appendChild(document.createTextNode(" — " + meta));
        if (c.stale) li.appendChild(el("span", "stale", " ⚠ verouderd"));
        if (c.quote) li.appendChild(el("blockquote", "", c.quote));
        ol.appendChild(li);
      });
      target.appendChild(ol);
    }
  }

  async function ask(event) {
    event.preventDefault();
    var question = $("ask-question").value.trim();
    if (!question) return;
    var button = $("ask-form").querySelector("button");
    button.disabled = true;
    status("ask-status", "Bezig…", "busy");
    var body = { question: question };
    if ($("ask-retriever").value) body.retriever = $("ask-retriever").value;
    if ($("ask-lang").value) body.lang = $("ask-lang").value;
    var result = await api("ask", { body: body });
    button.disabled = false;
    if (!result.ok) {
      status("ask-status", result.message, "error");
      return;
    }
    var data = result.data;
    status("ask-status", "Klaar in " + (data.timings_ms.total || 0) + " ms.");
    var outcome = el("span", "outcome " + data.answer.outcome, data.answer.outcome);
    facts($("ask-decision"), [
      ["uitkomst", outcome],
      ["besluit", data.decision],
      ["retriever", data.retriever || "–"],
      ["taal", data.answer.lang],
      ["gezocht op", data.search_text || "–"],
      ["typfouten", Object.keys(data.corrections || {}).length ? JSON.stringify(data.corrections) : "–"],
      ["tijden (ms)", JSON.stringify(data.timings_ms)],
    ]);
    renderAnswer($("ask-answer"), data.answer);
    var ev = data.evidence || {};
    facts(
      $("ask-evidence"),
      Object.keys(ev).map(function (key) {
        var value = ev[key];
        return [key, Array.isArray(value) ? value.join(", ") || "–" : value];
      })
    );
    var tbody = $("ask-passages").querySelector("tbody");
    tbody.textContent = "";
    data.passages.forEach(function (p) {
      var row = el("tr");
      cell(row, p.rank, "num");
      var src = cell(row, "");
      src.appendChild(el("strong", "", p.source_id));
      if (p.heading) src.appendChild(el("div", "", p.heading));
      var details = el("details");
      details.appendChild(el("summary", "", "tekst"));
      details.appendChild(el("p", "", p.text));
      src.appendChild(details);
      ["dense", "bm25", "rrf"].forEach(function (name) {
        cell(row, p.scores[name] === undefined ? "–" : p.scores[name].toFixed(4), "num");
      });
      cell(
        row,
        Object.keys(p.ranks)
          .map(function (k) {
            return k + " #" + p.ranks[k];
          })
          .join(", ") || "–"
      );
      tbody.appendChild(row);
    });
    $("ask-result").hidden = false;
  }

  // ----- eval --------------------------------------------------------------------------------------------
  async function loadEvalSets() {
    var result = await api("eval/sets");
    if (!result.ok) return;
    var select = $("eval-set");
    select.textContent = "";
    result.data.sets.forEach(function (name) {
      var option = el("option", "", name);
      option.value = name;
      option.selected = name === result.data.default;
      select.appendChild(option);
    });
  }

  async function runEval(event) {
    event.preventDefault();
    var button = $("eval-run");
    button.disabled = true;
    $("eval").setAttribute("aria-busy", "true");
    status("eval-status", "Bezig met evalueren… dit duurt meestal 5 tot 30 seconden.", "busy");
    var body = {};
    if ($("eval-set").value) body.set = $("eval-set").value;
    if ($("eval-retriever").value) body.retriever = $("eval-retriever").value;
    var result = await api("eval", { body: body });
    button.disabled = false;
    $("eval").setAttribute("aria-busy", "false");
    if (!result.ok) {
      status("eval-status", result.message, "error");
      return;
    }
    var data = result.data;
    var m = data.metrics;
    status("eval-status", "Klaar: " + data.set + " met " + data.retriever + " in " + data.seconds + " s.");
    var tbody = $("eval-metrics").querySelector("tbody");
    tbody.textContent = "";
    METRICS.forEach(function (pair) {
      var row = el("tr");
      row.appendChild(el("th", "", pair[1]));
      row.firstChild.scope = "row";
      cell(row, m[pair[0]]);
      tbody.appendChild(row);
    });
    [
      ["latency p50 (ms)", m.latency_ms.p50],
      ["latency p95 (ms)", m.latency_ms.p95],
    ].forEach(function (pair) {
      var row = el("tr");
      row.appendChild(el("th", "", pair[0]));
      row.firstChild.scope = "row";
      cell(row, pair[1]);
      tbody.appendChild(row);
    });
    var list = $("eval-failures");
    list.textContent = "";
    if (!m.failures.length) list.appendChild(el("li", "good", "Geen: alle cases geslaagd."));
    m.failures.forEach(function (f) {
      var li = el("li");
      li.appendChild(el("code", "", f.id));
      li.appendChild(document.createTextNode(" " + f.reason));
      list.appendChild(li);
    });
    $("eval-result").hidden = false;
  }

  // ----- feedback ----------------------------------------------------------------------------------------
  var FEEDBACK_PAGE = 50;
  var feedbackOffset = 0;

  async function loadFeedback(offset) {
    if (typeof offset === "number") feedbackOffset = Math.max(0, offset);
    status("feedback-status", "Laden…", "busy");
    var result = await api("feedback?limit=" + FEEDBACK_PAGE + "&offset=" + feedbackOffset);
    if (!result.ok) {
      status("feedback-status", result.message, "error");
      return;
    }
    var page = result.data;
    var rows = page.items;
    var first = page.offset + 1;
    var last = page.offset + rows.length;
    status(
      "feedback-status",
      rows.length ? "Reacties " + first + "–" + last + " van " + page.total + "." : page.offset ? "Geen reacties meer." : "Nog geen feedback."
    );
    $("feedback-prev").disabled = page.offset === 0;
    $("feedback-next").disabled = page.next_offset === null;
    var tbody = $("feedback-table").querySelector("tbody");
    tbody.textContent = "";
    rows.forEach(function (r) {
      var row = el("tr");
      cell(row, new Date(r.created_at * 1000).toLocaleString("nl-NL"));
      cell(row, r.rating > 0 ? "+1 nuttig" : "−1 niet nuttig", r.rating > 0 ? "good nowrap" : "bad nowrap");
      cell(row, r.question || "–");
      cell(row, r.comment || "–");
      cell(row, r.outcome || "–");
      cell(row, r.channel);
      var action = cell(row, "");
      var button = el("button", "secondary small", "Maak evalcase");
      button.type = "button";
      button.addEventListener("click", function () {
        $("case-question").value = r.question || "";
        $("case-expect").value = r.outcome === "crisis" ? "crisis" : r.rating > 0 && r.outcome === "refuse" ? "refuse" : "answer";
        location.hash = "#case";
        $("case-question").focus();
      });
      action.appendChild(button);
      tbody.appendChild(row);
    });
  }

  // ----- eval case ---------------------------------------------------------------------------------------
  async function makeCase(event) {
    event.preventDefault();
    var expect = $("case-expect").value;
    var body = {
      question: $("case-question").value.trim(),
      expect: expect,
      lang: $("case-lang").value,
      sources: expect === "answer" && $("case-source").value ? [$("case-source").value] : [],
      evidence:
        expect === "answer"
          ? $("case-evidence")
              .value.split("\n")
              .map(function (s) {
                return s.trim();
              })
              .filter(Boolean)
          : [],
      note: $("case-note").value.trim(),
    };
    if ($("case-id").value.trim()) body.id = $("case-id").value.trim();
    status("case-status", "Bezig…", "busy");
    var result = await api("eval-case", { body: body, raw: true });
    if (!result.ok) {
      status("case-status", result.message, "error");
      return;
    }
    var blob = await result.response.blob();
    var name = filenameFrom(result.response, "eval-case.yaml");
    $("case-preview").textContent = await blob.text();
    $("case-preview").hidden = false;
    download(blob, name);
    status("case-status", "Gedownload: " + name + ". Voeg de case toe aan een evalset in knowledge/eval/.");
  }

  // ----- sources -----------------------------------------------------------------------------------------
  async function loadSources() {
    var staleOnly = $("sources-stale").checked;
    status("sources-status", "Laden…", "busy");
    var result = await api("sources" + (staleOnly ? "?stale=true" : ""));
    if (!result.ok) {
      status("sources-status", result.message, "error");
      return;
    }
    var rows = result.data;
    var stale = rows.filter(function (r) {
      return r.stale;
    }).length;
    status("sources-status", rows.length + " bronnen, waarvan " + stale + " mogelijk verouderd.");
    var tbody = $("sources-table").querySelector("tbody");
    tbody.textContent = "";
    rows.forEach(function (r) {
      var row = el("tr");
      cell(row, r.id);
      cell(row, r.kind);
      var title = cell(row, "");
      var href = safeUrl(r.url);
      if (href) {
        var a = el("a", "", r.title);
        a.href = href;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        title.appendChild(a);
      } else {
        title.textContent = r.title;
      }
      cell(row, r.publisher || "–");
      cell(row, r.published || "–");
      cell(row, r.review_by || "–");
      cell(row, r.chunks, "num");
      var state = cell(row, "");
      if (r.stale) state.appendChild(el("span", "stale", "⚠ " + r.stale_reason));
      else state.textContent = "actueel";
      tbody.appendChild(row);
    });
    if (!staleOnly) fillSourceSelect(rows);
  }

  function fillSourceSelect(rows) {
    var select = $("case-source");
    var current = select.value;
    select.textContent = "";
    var none = el("option", "", "(geen)");
    none.value = "";
    select.appendChild(none);
    rows.forEach(function (r) {
      var option = el("option", "", r.id + " — " + r.title);
      option.value = r.id;
      select.appendChild(option);
    });
    select.value = current;
  }

  // ----- audit -------------------------------------------------------------------------------------------
  async function downloadAudit() {
    status("audit-status", "Bezig…", "busy");
    var result = await api("audit.jsonl", { raw: true });
    if (!result.ok) {
      status("audit-status", result.message, "error");
      return;
    }
    var blob = await result.response.blob();
    var name = filenameFrom(result.response, "ouderwijzer-audit.jsonl");
    download(blob, name);
    status("audit-status", "Gedownload: " + name);
  }

  // ----- wiring ------------------------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", function () {
    $("login-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var value = $("token").value.trim();
      if (value) login(value);
    });
    $("logout").addEventListener("click", function () {
      logout();
    });
    $("ask-form").addEventListener("submit", ask);
    $("eval-form").addEventListener("submit", runEval);
    $("feedback-load").addEventListener("click", function () { loadFeedback(); });
    $("feedback-prev").addEventListener("click", function () { loadFeedback(feedbackOffset - FEEDBACK_PAGE); });
    $("feedback-next").addEventListener("click", function () { loadFeedback(feedbackOffset + FEEDBACK_PAGE); });
    $("case-form").addEventListener("submit", makeCase);
    $("sources-stale").addEventListener("change", loadSources);
    $("audit-download").addEventListener("click", downloadAudit);
    var saved = token();
    if (saved) login(saved);
    else $("token").focus();
  });
})();
