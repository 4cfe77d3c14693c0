// loopguard review UI: keyboard shortcuts (and the few clicks that share their code).
// Queue: j/k move, Enter opens, "." shows new arrivals. Item: a/e/r/x open a decision,
// 1..9 pick its reason and send it (or, with no decision open, rank candidates; dragging a
// candidate's header onto another ranks it too),
// Esc leaves a text box or closes the decision, q goes back to the queue. ? shows help.
(() => {
  "use strict";
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const TITLES = { approve: "Approve", edit: "Edit and release", reject: "Reject", escalate: "Escalate to a lead" };

  function typing() {
    const el = document.activeElement;
    if (!el) return false;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable) return true;
    return el.tagName === "INPUT" && !["radio", "checkbox", "button", "submit", "hidden"].includes(el.type);
  }

  function toggleHelp() {
    const dialog = $("#help");
    if (!dialog) return;
    if (dialog.open) dialog.close(); else dialog.showModal();
  }

  // --- queue --------------------------------------------------------------------------
  function moveRow(step) {
    const links = $$("a.row-link");
    if (!links.length) return;
    const at = links.indexOf(document.activeElement);
    const next = at < 0 ? 0 : Math.min(Math.max(at + step, 0), links.length - 1);
    links[next].focus();
    links[next].closest("tr").scrollIntoView({ block: "nearest" });
  }

  function queueKey(key) {
    if (key === "j") { moveRow(1); return true; }
    if (key === "k") { moveRow(-1); return true; }
    if (key === ".") {
      const arrived = $("#queue-new a[data-refresh]");
      if (arrived) { window.location.href = arrived.href; return true; }
    }
    return false;
  }

  // --- item ---------------------------------------------------------------------------
  const form = () => $("#decision-form");
  const candidates = () => $$(".candidate");

  function ranking() {
    const input = $("#ranking");
    return input && input.value ? input.value.split(",").filter((s) => s !== "").map(Number) : [];
  }

  function showRanking(list) {
    const input = $("#ranking");
    if (input) input.value = list.join(",");
    candidates().forEach((card) => {
      const pos = list.indexOf(Number(card.dataset.index));
      const badge = $(".rank-badge", card);
      if (badge) badge.textContent = pos < 0 ? "" : `rank ${pos + 1}`;
      card.classList.toggle("ranked-first", pos === 0);
    });
    const shown = $("#ranking-shown");
    if (shown) shown.textContent = list.length ? list.map((i) => `#${i + 1}`).join(" › ") : "none yet";
    const chosen = $("#candidate_index");
    if (chosen && candidates().length > 1) chosen.value = list.length ? String(list[0]) : "";
  }

  function rank(n) {
    if (candidates().length < 2 || n > candidates().length) return false;
    const index = n - 1;
    const list = ranking();
    showRanking(list.includes(index) ? list.filter((i) => i !== index) : [...list, index]);
    return true;
  }

  function seedEditor() {
    const editor = $("#edited_text");
    if (!editor || editor.dataset.dirty) return;
    const top = ranking()[0] ?? 0;
    const seed = $(`#seed-${top}`);
    if (seed) editor.value = seed.value;
  }

  function openDecision(action) {
    const f = form();
    if (!f) return false;
    f.hidden = false;
    f.dataset.action = action;
    $("#decision-action").value = action;
    $$("fieldset.reasons", f).forEach((fs) => {
      const on = fs.dataset.for === action;
      fs.hidden = !on;
      fs.disabled = !on;
    });
    $$(".actions .btn").forEach((b) => b.classList.toggle("active", b.dataset.action === action));
    $(".edit-area", f).hidden = action !== "edit";
    $("#panel-title").textContent = TITLES[action];
    if (action === "edit") {
      seedEditor();
      const editor = $("#edited_text");
      editor.focus();
      editor.setSelectionRange(editor.value.length, editor.value.length);
      editor.dispatchEvent(new Event("lg-preview"));
    } else {
      focusReasons();
    }
    return true;
  }

  function focusReasons() {
    const f = form();
    const first = f && $(`fieldset[data-for="${f.dataset.action}"] input[type=radio]`, f);
    if (first) first.focus();
  }

  function closeDecision() {
    const f = form();
    if (!f || f.hidden) return false;
    f.hidden = true;
    $$(".actions .btn").forEach((b) => b.classList.remove("active"));
    return true;
  }

  function chooseReason(n) {
    const f = form();
    if (!f || f.hidden || !f.dataset.action) return false;
    const radios = $$(`fieldset[data-for="${f.dataset.action}"] input[type=radio]`, f);
    const radio = radios[n - 1];
    if (!radio) return false;
    radio.checked = true;
    f.requestSubmit();
    return true;
  }

  function itemKey(key) {
    const actions = { a: "approve", e: "edit", r: "reject", x: "escalate" };
    if (actions[key]) return openDecision(actions[key]);
    if (/^[1-9]$/.test(key)) return chooseReason(Number(key)) || rank(Number(key));
    if (key === "Escape") return closeDecision();
    if (key === "q") { const back = $("a[data-queue]"); if (back) { window.location.href = back.href; return true; } }
    return false;
  }

  // --- wiring -------------------------------------------------------------------------
  document.addEventListener("keydown", (ev) => {
    if (ev.defaultPrevented || ev.altKey || ev.metaKey || ev.isComposing) return;
    if (typing()) {
      if (ev.key === "Escape" || (ev.key === "Enter" && ev.ctrlKey)) {
        ev.preventDefault();
        const f = form();
        if (f && !f.hidden && document.activeElement.closest("#decision-form")) focusReasons();
        else document.activeElement.blur();
      }
      return;
    }
    if (ev.ctrlKey || ($("#help") && $("#help").open && ev.key !== "?")) return;
    const page = document.body.dataset.page;
    const handled = ev.key === "?" ? (toggleHelp(), true)
      : page === "queue" ? queueKey(ev.key)
      : page === "item" ? itemKey(ev.key) : false;
    if (handled) ev.preventDefault();
  });

  document.addEventListener("click", (ev) => {
    const target = ev.target.closest("[data-action], [data-rank], [data-help], [data-close]");
    if (!target) return;
    if (target.dataset.help !== undefined) { toggleHelp(); return; }
    if (target.dataset.close !== undefined) { if (closeDecision()) ev.preventDefault(); return; }
    if (target.dataset.rank) { rank(Number(target.dataset.rank)); return; }
    if (target.dataset.action && openDecision(target.dataset.action)) ev.preventDefault();
  });

  // Ranking by drag: drop a candidate's header on another to put it just before that one.
  document.addEventListener("dragstart", (ev) => {
    const card = ev.target.closest && ev.target.closest(".candidate");
    if (card) ev.dataTransfer.setData("text/plain", card.dataset.index);
  });
  document.addEventListener("dragover", (ev) => {
    if (ev.target.closest && ev.target.closest(".candidate")) ev.preventDefault();
  });
  document.addEventListener("drop", (ev) => {
    const card = ev.target.closest && ev.target.closest(".candidate");
    const moved = ev.dataTransfer.getData("text/plain");
    if (!card || moved === "") return;
    ev.preventDefault();
    const from = Number(moved);
    let list = ranking();
    if (!list.length) list = candidates().map((c) => Number(c.dataset.index));
    list = list.filter((i) => i !== from);
    const at = list.indexOf(Number(card.dataset.index));
    list.splice(at < 0 ? list.length : at, 0, from);
    showRanking(list);
  });

  document.addEventListener("input", (ev) => {
    if (ev.target.id === "edited_text") ev.target.dataset.dirty = "1";
  });

  document.addEventListener("DOMContentLoaded", () => {
    showRanking(ranking());
    const f = form();
    if (f && !f.hidden && f.dataset.action) openDecision(f.dataset.action);  // a kept draft or an error: carry on
  });
})();
